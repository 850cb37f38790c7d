"""The unread notification count in the navigation."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from escalations.notifications.models import Notification


def notifications(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's unread count for the nav. Lazy, so a fragment that does not show
    it costs no query; one COUNT on the (user, read_at) index when it is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notification_count": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at=None).count()
        )
    }
