from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from escalations.roles import role_of


def site(request: HttpRequest) -> dict[str, str]:
    """Names and banner that every page shows; they are settings, never hard-coded."""
    return {
        "ORGANIZATION_NAME": settings.ORGANIZATION_NAME,
        "SUPPORT_CENTER_NAME": settings.SUPPORT_CENTER_NAME,
        "CONFIDENTIALITY_BANNER": settings.CONFIDENTIALITY_BANNER,
        "user_role": role_of(request.user) if hasattr(request, "user") else "",
    }
