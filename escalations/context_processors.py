from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from escalations.models import Notification
from escalations.roles import role_of


def site(request: HttpRequest) -> dict[str, str]:
    """Names and banner that every page shows; they are settings, never hard-coded."""
    return {
        "ORGANIZATION_NAME": settings.ORGANIZATION_NAME,
        "SUPPORT_CENTER_NAME": settings.SUPPORT_CENTER_NAME,
        "CONFIDENTIALITY_BANNER": settings.CONFIDENTIALITY_BANNER,
        "user_role": role_of(request.user) if hasattr(request, "user") else "",
    }


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
