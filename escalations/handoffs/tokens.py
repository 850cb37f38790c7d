"""Signed tokens that let one administrator answer one request without a log-in.

A token names a request (an ``Engagement``) and the administrator it asked, signed with
Django's signing under a salt per purpose: a response-page link is not a reply address, and
neither opens anything else. It expires after ``RESPONSE_LINK_MAX_AGE_DAYS``. Whether it still
opens the request is decided from the request itself each time it is read, so withdrawing a
request, re-routing it, or handing it to another administrator revokes every token at once,
with nothing stored to forget.

The token is made of letters, digits, ``-``, ``_`` and ``.``, so it fits in a URL path and in
the local part of a plus-address (``escalations+<token>@example.org``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse

from escalations.handoffs.models import Engagement, EngagementKind, EngagementState, Outcome

SEPARATOR = "."
SIGNATURE_LENGTH = 22


class Purpose(StrEnum):
    """One salt per use: a token made for one purpose is refused for any other."""

    RESPONSE_PAGE = "escalations.handoffs.response-page"
    EMAIL_REPLY = "escalations.handoffs.email-reply"


class Refusal(StrEnum):
    FORGED = "forged"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    REVOKED = "revoked"


REFUSAL_MESSAGES = {
    Refusal.FORGED: "This link is not one we sent: it may have been cut short or changed.",
    Refusal.EXPIRED: "This link has expired. Ask the support center for a new one.",
    Refusal.UNKNOWN: "The request this link was for no longer exists.",
    Refusal.REVOKED: (
        "This request no longer waits on you: it was withdrawn, passed on, or the ticket is "
        "resolved."
    ),
}


class TokenRefused(Exception):
    """A token that opens nothing; ``reason`` says why, ``message`` says it to a person."""

    def __init__(self, reason: Refusal, engagement: Engagement | None = None) -> None:
        self.reason = reason
        self.engagement = engagement
        self.message = REFUSAL_MESSAGES[reason]
        super().__init__(f"{reason}: {self.message}")


@dataclass(frozen=True)
class Opened:
    """What a valid token opens: the request and the administrator it was made for."""

    engagement: Engagement
    admin_id: int


def max_age() -> timedelta:
    return timedelta(days=getattr(settings, "RESPONSE_LINK_MAX_AGE_DAYS", 14))


class _Signer(signing.TimestampSigner):
    """Django's timestamp signer with the HMAC-SHA256 cut to 22 characters (132 bits): still
    far beyond guessing, and short enough for a plus-address's 64-character local part."""

    def signature(self, value, key=None) -> str:
        return super().signature(value, key)[:SIGNATURE_LENGTH]


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return _Signer(salt=purpose.value, sep=SEPARATOR)


def make_token(engagement: Engagement, purpose: Purpose) -> str:
    """A token for ``engagement`` and the administrator it currently asks."""
    return _signer(purpose).sign(f"{engagement.pk}{SEPARATOR}{engagement.admin_id}")


def revoked(engagement: Engagement, admin_id: int) -> bool:
    """True once the request no longer waits on this administrator: withdrawn, the ticket
    resolved or closed, an escalation whose ownership has since moved to someone else (passed
    on, or re-routed to the backup after a silence), or answered by re-routing."""
    ticket = engagement.ticket
    if engagement.state == EngagementState.WITHDRAWN or engagement.admin_id != admin_id:
        return True
    if not ticket.is_open:
        return True
    if engagement.kind == EngagementKind.ESCALATE and (
        Engagement.objects.filter(
            ticket=ticket, kind=EngagementKind.ESCALATE, requested_at__gt=engagement.requested_at
        )
        .exclude(admin_id=engagement.admin_id)
        .exists()
    ):
        return True
    return engagement.responses.filter(outcome=Outcome.REDIRECTED).exists()


def read_token(token: str, purpose: Purpose) -> Opened:
    """The request a token opens, or ``TokenRefused`` saying why not."""
    try:
        value = _signer(purpose).unsign(token, max_age=max_age())
    except signing.SignatureExpired as error:
        raise TokenRefused(Refusal.EXPIRED) from error
    except signing.BadSignature as error:
        raise TokenRefused(Refusal.FORGED) from error
    engagement_id, _, admin_id = value.partition(SEPARATOR)
    if not (engagement_id.isdigit() and admin_id.isdigit()):
        raise TokenRefused(Refusal.FORGED)
    engagement = (
        Engagement.objects.select_related("ticket", "admin").filter(pk=engagement_id).first()
    )
    if engagement is None:
        raise TokenRefused(Refusal.UNKNOWN)
    if revoked(engagement, int(admin_id)):
        raise TokenRefused(Refusal.REVOKED, engagement)
    return Opened(engagement=engagement, admin_id=int(admin_id))


def masked(token: str) -> str:
    """The token with its signature cut, for logs and records: the request and administrator
    ids stay readable, and what is left opens nothing."""
    kept = token.rpartition(SEPARATOR)[0][:80]
    return f"{kept}{SEPARATOR}…" if kept else "…"


def response_path(engagement: Engagement) -> str:
    return reverse("respond", args=[make_token(engagement, Purpose.RESPONSE_PAGE)])


def response_url(engagement: Engagement) -> str:
    """The administrator's personal link to the response page, absolute (for email)."""
    return settings.SITE_URL.rstrip("/") + response_path(engagement)


def reply_address(engagement: Engagement) -> str | None:
    """The plus-address whose replies are recorded on this request, or None when
    ``REPLY_TO_ADDRESS`` is not set."""
    address = getattr(settings, "REPLY_TO_ADDRESS", "")
    if not address or "@" not in address:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local}+{make_token(engagement, Purpose.EMAIL_REPLY)}@{domain}"


def token_from_address(address: str) -> str | None:
    """The token in a plus-address on ``REPLY_TO_ADDRESS`` (``local+token@domain``)."""
    local, _, _ = address.strip().strip("<>").rpartition("@")
    _, plus, token = local.partition("+")
    return token if plus and token else None
