"""The unread notification count in the navigation."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core import versions
from escalations.notifications.models import Notification

SOURCES = Notification.cache_versions


def _key(user_id: int) -> str:
    return f"unread:{user_id}"


def unread_count(user) -> int:
    """One COUNT on the (user, read_at) index, kept in the cache until a notification is
    written or read."""
    return versions.cached(
        SOURCES,
        _key(user.pk),
        lambda: (Notification.objects.filter(user=user, read_at=None).count(), None),
    )


def prefetch(request: HttpRequest) -> list[str]:
    """The count's cache keys, read with the other keys every page needs."""
    return versions.keys_for(SOURCES, _key(request.user.pk))


def notifications(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's unread count for the nav. Lazy, so a fragment that does not show
    it costs nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count(user))}
