from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from core.roles import role_of


def site(request: HttpRequest) -> dict[str, str]:
    """Names and banner that every page shows; they are settings, never hard-coded."""
    return {
        "ORGANIZATION_NAME": settings.ORGANIZATION_NAME,
        "SUPPORT_CENTER_NAME": settings.SUPPORT_CENTER_NAME,
        "CONFIDENTIALITY_BANNER": settings.CONFIDENTIALITY_BANNER,
        "user_role": _role(request),
    }


ROLE_SESSION_KEY = "role_name"


def _role(request: HttpRequest) -> str:
    """The role shown beside the user's name. It is only a label (permissions are checked
    on every request), so it is kept in the session instead of read on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    session = getattr(request, "session", None)
    role = session.get(ROLE_SESSION_KEY) if session is not None else None
    if role is None:
        role = role_of(user)
        if session is not None:
            session[ROLE_SESSION_KEY] = role
    return role


def remember_role(sender, request, user, **kwargs) -> None:
    """On log-in, keep the role label in the new session (connected in apps.ready)."""
    if request is not None and hasattr(request, "session"):
        request.session[ROLE_SESSION_KEY] = role_of(user)
