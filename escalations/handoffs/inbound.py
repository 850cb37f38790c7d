"""Replies that come back by email: one RFC 5322 message, as the mail server hands it over.

``receive`` reads the request's token from the recipient's plus-address, checks the message
(size, MIME, sender, auto-reply) and either records the reply as the administrator's response
(channel email, "gave input" until an agent classifies it) or refuses it. Every message leaves
exactly one ``InboundMail`` row saying what became of it; a refused message leaves nothing else,
and its text is never kept.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from mailparser_reply import EmailReplyParser

from core import audit
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    Engagement,
    EngagementKind,
    InboundMail,
    InboundStatus,
    Outcome,
)
from escalations.handoffs.services import locked_ticket
from escalations.handoffs.tokens import (
    Purpose,
    TokenRefused,
    masked,
    read_token,
    token_from_address,
)
from tickets.models import EventKind

logger = logging.getLogger(__name__)

# Where the mail server says who the message was for, most trustworthy first.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
# MIME damage that leaves no reliable body to read.
BROKEN_MIME = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.InvalidMultipartContentTransferEncodingDefect,
)
AUTO_PRECEDENCE = {"bulk", "auto_reply", "junk", "list"}
# The languages whose reply headers ("On … wrote:", "-----Original Message-----") are cut.
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]
MAX_TEXT = 20_000

CLASSIFY_OUTCOMES = (Outcome.ACCEPTED, Outcome.GAVE_INPUT, Outcome.REDIRECTED, Outcome.DECLINED)


def max_bytes() -> int:
    return getattr(settings, "INBOUND_MAIL_MAX_BYTES", 10 * 1024 * 1024)


@dataclass(frozen=True)
class Received:
    """What became of one message: the row that logs it, and one line for the mail log."""

    mail: InboundMail

    @property
    def status(self) -> str:
        return self.mail.status

    @property
    def line(self) -> str:
        mail = self.mail
        if mail.status == InboundStatus.REFUSED:
            return f"refused: {mail.reason}"
        where = f"request {mail.engagement_id} on ticket #{mail.engagement.ticket.external_id}"
        if mail.status == InboundStatus.RECORDED:
            return f"recorded: reply from {mail.sender} on {where}, awaiting classification"
        return f"{mail.get_status_display().lower()}: from {mail.sender} on {where}, not an answer"


class Refused(Exception):
    def __init__(self, reason: str, engagement: Engagement | None = None) -> None:
        self.reason = reason
        self.engagement = engagement
        super().__init__(reason)


def receive(raw: bytes, *, recipient: str = "", now: datetime | None = None) -> Received:
    """Record one message handed over by the mail server, or refuse it with a logged reason.
    Never raises for bad mail: the mail server must not bounce a reply back and forth."""
    now = now or timezone.now()
    mail = InboundMail(received_at=now, size=len(raw), recipient=_masked(recipient)[:400])
    try:
        with transaction.atomic():
            _receive(raw, mail, recipient=recipient, now=now)
    except Refused as refused:
        mail.status, mail.reason = InboundStatus.REFUSED, refused.reason[:300]
        mail.engagement, mail.response, mail.text = refused.engagement, None, ""
        mail.pk = None
        mail.save()
    received = Received(mail)
    logger.info("receive_mail %s", received.line)
    return received


def _receive(raw: bytes, mail: InboundMail, *, recipient: str, now: datetime) -> None:
    if len(raw) > max_bytes():
        raise Refused(f"message too large: over the limit of {max_bytes()} bytes")
    message = _parse(raw)
    mail.subject = _header(message, "Subject")[:300]
    mail.message_id = _header(message, "Message-ID")[:300]
    senders = [a for _, a in getaddresses([_header(message, "From")]) if "@" in a]
    if not senders:
        raise Refused("malformed message: no sender address in From")
    mail.sender = senders[0][:320]

    token, address = _token(message, recipient)
    if token is None:
        raise Refused("no request token in the recipient address")
    mail.recipient = _masked(address)[:400]
    try:
        opened = read_token(token, Purpose.EMAIL_REPLY)
        locked_ticket(opened.engagement.ticket)
        # Read again behind the ticket's lock: a withdrawal or hand-over committed meanwhile
        # wins, as on the response page.
        opened = read_token(token, Purpose.EMAIL_REPLY)
    except TokenRefused as refused:
        raise Refused(f"{refused.reason} token: {refused.message}", refused.engagement) from None
    engagement = opened.engagement
    mail.engagement = engagement

    if auto := _auto_reply(message):
        mail.status, mail.reason = InboundStatus.AUTO_REPLY, auto
        mail.save()
        return
    text = _reply_text(message)
    if mail.sender.casefold() != engagement.admin.email.casefold():
        mail.status, mail.text = InboundStatus.OTHER_SENDER, text
        mail.reason = f"sent from {mail.sender}, not {engagement.admin.email}"
        mail.save()
        return
    if (
        mail.message_id
        and InboundMail.objects.filter(
            message_id=mail.message_id, status=InboundStatus.RECORDED
        ).exists()
    ):
        raise Refused(f"already recorded (Message-ID {mail.message_id})", engagement)
    if not text:
        raise Refused("the reply has no text of its own", engagement)
    try:
        response = engagement.record_response(
            outcome=Outcome.GAVE_INPUT,
            channel=Channel.EMAIL,
            responded_at=_responded_at(message, engagement, now),
            by=None,
            note=text,
        )
    except ValidationError as error:
        raise Refused(f"not recorded: {'; '.join(error.messages)}", engagement) from None
    AdminResponse.objects.filter(pk=response.pk).update(awaiting_classification=True)
    audit.changed(response, {"awaiting_classification": (False, True)})
    mail.status, mail.response = InboundStatus.RECORDED, response
    try:
        with transaction.atomic():  # a savepoint, so the refusal below can still be saved
            mail.save()
    except IntegrityError:
        # The same message recorded by a delivery racing this one: the answer is undone.
        raise Refused(f"already recorded (Message-ID {mail.message_id})", engagement) from None


def _parse(raw: bytes) -> EmailMessage:
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except (email_errors.MessageError, ValueError, TypeError) as error:
        raise Refused(f"malformed message: {error}") from None
    for part in message.walk():
        broken = [d for d in part.defects if isinstance(d, BROKEN_MIME)]
        if broken:
            raise Refused(f"malformed MIME: {type(broken[0]).__name__}")
    return message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name, "")
    except (email_errors.HeaderParseError, ValueError, IndexError, AttributeError, TypeError):
        raise Refused(f"malformed message: unreadable {name} header") from None
    return str(value).strip()


def _token(message: EmailMessage, recipient: str) -> tuple[str | None, str]:
    """The first request token in the envelope recipient or the recipient headers, on the
    reply address (``REPLY_TO_ADDRESS`` plus a token)."""
    addresses = [recipient] if recipient else []
    for name in RECIPIENT_HEADERS:
        try:
            values = message.get_all(name) or []
            addresses += [a for _, a in getaddresses([str(v) for v in values])]
        except (email_errors.HeaderParseError, ValueError, IndexError, AttributeError, TypeError):
            # One unreadable header (a broken Cc) must not lose a reply another one names.
            continue
    base = getattr(settings, "REPLY_TO_ADDRESS", "").casefold()
    base_local, _, base_domain = base.rpartition("@")
    for address in addresses:
        local, _, domain = address.strip().strip("<>").rpartition("@")
        if base and (local.partition("+")[0].casefold(), domain.casefold()) != (
            base_local,
            base_domain,
        ):
            continue
        token = token_from_address(address)
        if token:
            return token, address
    return None, ""


def _masked(address: str) -> str:
    """The address with its token's signature cut, so the log never holds a working token."""
    local, at, domain = address.rpartition("@")
    base, plus, token = local.partition("+")
    return f"{base}{plus}{masked(token)}{at}{domain}" if plus and token else address


def _auto_reply(message: EmailMessage) -> str:
    """Why this message is an automatic one (out-of-office and the like), or ""."""
    submitted = _header(message, "Auto-Submitted").lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if message.get(name) is not None:
            return f"{name} header"
    precedence = _header(message, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    return ""


def _reply_text(message: EmailMessage) -> str:
    """The administrator's own words: the plain-text body (or the HTML one, as text) without
    the quoted original and signature."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        body = part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        body = payload.decode("latin-1")
    if not isinstance(body, str):
        return ""
    if part.get_content_subtype() == "html":
        body = _html_text(body)
    body = body.replace("\r\n", "\n")
    replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=body).replies
    # A first part that opens with a reply header ("On … wrote:") is the quoted original:
    # the administrator wrote nothing above it.
    if not replies or replies[0].headers:
        return ""
    return (replies[0].body or "").strip()[:MAX_TEXT]


def _html_text(body: str) -> str:
    """HTML as plain text, enough for the reply parser: quoted blocks marked as quotes."""
    body = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", body)
    body = re.sub(r"(?is)<blockquote\b.*", "", body)  # everything quoted comes after
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>", "\n", body)
    body = re.sub(r"(?s)<[^>]+>", "", body)
    lines = [html.unescape(line).strip() for line in body.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _responded_at(message: EmailMessage, engagement: Engagement, now: datetime) -> datetime:
    """The Date header, never later than the message arrived nor earlier than the request."""
    try:
        sent = message["Date"].datetime if message["Date"] is not None else None
    except (AttributeError, ValueError, TypeError, email_errors.HeaderParseError):
        sent = None
    if sent is None or timezone.is_naive(sent):
        return now
    return max(min(sent, now), engagement.requested_at)


def outcome_choices(engagement: Engagement) -> list[tuple[str, str]]:
    """What an email reply can be classified as: accepting ownership only for an escalation."""
    return [
        (o.value, o.label)
        for o in CLASSIFY_OUTCOMES
        if o != Outcome.ACCEPTED or engagement.kind == EngagementKind.ESCALATE
    ]


def classify(response: AdminResponse, *, outcome: str, by, redirect_detail: str = "") -> None:
    """Say what an email reply was: its outcome replaces "gave input", it stops waiting for
    classification, and the timeline says who decided. Raises ValidationError for a reply
    that is not waiting or an outcome it cannot have."""
    engagement = response.engagement
    if outcome not in dict(outcome_choices(engagement)):
        raise ValidationError({"outcome": "Choose what the reply was."})
    if outcome == Outcome.REDIRECTED and not redirect_detail.strip():
        raise ValidationError({"redirect_detail": "Say where the admin redirected it."})
    with transaction.atomic():
        locked = AdminResponse.objects.select_for_update().get(pk=response.pk)
        if not locked.awaiting_classification:
            raise ValidationError({"outcome": "This reply has already been classified."})
        before = locked.outcome
        locked.outcome = outcome
        locked.redirect_detail = redirect_detail.strip() if outcome == Outcome.REDIRECTED else ""
        locked.awaiting_classification = False
        locked.save(update_fields=["outcome", "redirect_detail", "awaiting_classification"])
        locked.engagement = engagement
        engagement.ticket.events.create(
            by=by,
            kind=EventKind.RESPONSE,
            field="outcome",
            before=Outcome(before).label,
            after=Outcome(outcome).label,
            note=f"Email reply classified. {locked.timeline_note()}",
        )
    response.outcome, response.awaiting_classification = outcome, False
