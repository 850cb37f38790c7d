"""Emailing a request to the administrator it asks, and reminding them once.

``schedule`` is called inside the transaction that creates the requests: it writes one
``Delivery`` per email (the request now, the reminder at ``REQUEST_REMINDER_SHARE`` of the
answer time) and sends the requests once the transaction commits. A send that fails stays on
the request with its reason, and ``send_due`` (run by ``check_sla``) tries again later, so no
request is lost silently. Every attempt first claims its row with a conditional update of
``due_at``, so the request's own send and any number of scans never send one email twice.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from escalations.handoffs import tokens
from escalations.handoffs.models import (
    ChecklistAnswer,
    Delivery,
    DeliveryKind,
    Engagement,
    EngagementKind,
    EngagementState,
)
from escalations.notifications import notify
from tickets.detail import ticket_system_url
from tickets.sla import calendar as business
from tickets.sla import clock as sla

logger = logging.getLogger(__name__)

# How long an attempt holds its claim: a sender that dies mid-send is retried after it.
LEASE = timedelta(minutes=5)
RETRY_FIRST, RETRY_MAX = timedelta(minutes=5), timedelta(hours=1)
BATCH = 200
ERROR_MAX = 500


def reminder_share() -> float:
    """The share of a request's answer time after which its administrator is reminded (0.5 =
    half way); 0 or less turns reminders off."""
    return float(settings.REQUEST_REMINDER_SHARE)


def reminder_at(engagement: Engagement, cal: business.Calendar) -> datetime | None:
    """When the reminder goes: ``reminder_share`` of the business time between the request
    and its answer deadline. None when there is no deadline or reminders are off."""
    share = reminder_share()
    due = engagement.answer_due_at
    if due is None or not 0 < share < 1:
        return None
    seconds = business.business_seconds_between(cal, engagement.requested_at, due)
    try:
        return business.add_business_seconds(cal, engagement.requested_at, round(seconds * share))
    except ValueError:
        return None


def schedule(engagements: list[Engagement]) -> list[Delivery]:
    """Put each new request's email and reminder on record, and send the emails when the
    current transaction commits (never, if it rolls back)."""
    if not engagements:
        return []
    now = timezone.now()
    cal = sla.load_calendar(now)
    rows = []
    for engagement in engagements:
        # Due a lease from now: the send on commit claims it first; if that never happens
        # (the process died), the scan sends it after the lease.
        rows.append(Delivery(engagement=engagement, kind=DeliveryKind.REQUEST, due_at=now + LEASE))
        remind = reminder_at(engagement, cal)
        if remind is not None:
            rows.append(Delivery(engagement=engagement, kind=DeliveryKind.REMINDER, due_at=remind))
        if writes_back(engagement):
            rows.append(
                Delivery(engagement=engagement, kind=DeliveryKind.TDX_FEED, due_at=now + LEASE)
            )
    created = Delivery.objects.bulk_create(rows)
    requests = [d for d in created if d.kind in (DeliveryKind.REQUEST, DeliveryKind.TDX_FEED)]
    transaction.on_commit(partial(_attempt_all, requests))
    return created


def move_reminder(engagement: Engagement, cal: business.Calendar) -> None:
    """The answer deadline moved (a calendar change): a reminder not yet tried moves with it."""
    remind = reminder_at(engagement, cal)
    if remind is not None:
        Delivery.objects.filter(
            engagement=engagement, kind=DeliveryKind.REMINDER, sent_at=None, attempts=0
        ).update(due_at=remind)


def _attempt_all(deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        attempt(delivery)


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Send every email whose time has come on a request still awaiting its answer: failed
    sends again, and reminders. Returns (sent, failed)."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        sent_at=None, due_at__lte=now, engagement__state=EngagementState.OPEN
    ).order_by("due_at", "id")
    sent = failed = 0
    for delivery in due[:BATCH]:
        result = attempt(delivery, now=now)
        sent += result is True
        failed += result is False
    return sent, failed


def attempt(delivery: Delivery, *, now: datetime | None = None) -> bool | None:
    """Claim and send one email. True when sent, False when the send failed (the reason is
    kept and a retry scheduled), None when someone else holds the claim or it is done."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(pk=delivery.pk, sent_at=None, due_at=delivery.due_at).update(
        due_at=now + LEASE, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    delivery.refresh_from_db()
    engagement = Engagement.objects.select_related(
        "ticket__service", "ticket__priority", "admin"
    ).get(pk=delivery.engagement_id)
    address = engagement.admin.email
    if delivery.kind == DeliveryKind.TDX_FEED:
        return _post_to_tdx(delivery, engagement, now=now)
    try:
        if not address:
            raise Undeliverable(f"{engagement.admin.name} has no email address")
        request_message(engagement, reminder=delivery.kind == DeliveryKind.REMINDER).send()
    except Exception as error:  # noqa: BLE001 - every failure is kept on the request
        reason = describe(error)[:ERROR_MAX]
        logger.warning("Request email %s to %s not delivered: %s", delivery.pk, address, reason)
        Delivery.objects.filter(pk=delivery.pk).update(
            to=address, error=reason, due_at=now + retry_delay(delivery.attempts)
        )
        return False
    Delivery.objects.filter(pk=delivery.pk).update(
        to=address, error="", sent_at=timezone.now(), due_at=None
    )
    return True


def writes_back(engagement: Engagement) -> bool:
    """Whether the request also goes to the TDX ticket's feed: TDX_WRITE_BACK is on and the
    ticket's id is a TDX number."""
    return bool(
        settings.TDX_BASE_URL
        and settings.TDX_WRITE_BACK
        and engagement.ticket.external_id.isdigit()
    )


def _post_to_tdx(delivery: Delivery, engagement: Engagement, *, now: datetime) -> bool:
    """Post the request's message (with the checklist for an escalation) to the TDX ticket's
    feed, notifying the administrator's TDX account; a failure is kept on the request and
    retried like an email."""
    from tickets.tdx.client import TdxClient, TdxError

    target = f"TDX ticket #{engagement.ticket.external_id}"
    try:
        if not engagement.admin.tdx_uid:
            raise Undeliverable(f"{engagement.admin.name} has no TDX account to notify")
        # Never waiting on the shared rate limit: this may run as a person's page is answered,
        # and a spent budget is kept on the request and retried like any failure.
        with TdxClient(attempts=1, wait_for_limit=False) as client:
            client.add_feed(
                engagement.ticket.external_id,
                comments=copy_text(engagement, checklist_summary(engagement)),
                notify=[engagement.admin.tdx_uid],
                private=True,  # staff-only: the requester does not see the hand-off
            )
    except (TdxError, Undeliverable) as error:
        reason = str(error)[:ERROR_MAX]
        logger.warning("Request %s not posted to %s: %s", delivery.pk, target, reason)
        Delivery.objects.filter(pk=delivery.pk).update(
            to=target, error=reason, due_at=now + retry_delay(delivery.attempts)
        )
        return False
    Delivery.objects.filter(pk=delivery.pk).update(
        to=target, error="", sent_at=timezone.now(), due_at=None
    )
    return True


def retry_delay(attempts: int) -> timedelta:
    """Five minutes after the first failure, doubling, at most an hour."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


class Undeliverable(Exception):
    """Nothing to send to."""


def describe(error: Exception) -> str:
    """A failed send's reason, in words an agent can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(
            f"{address} ({code} {_text(message)})"
            for address, (code, message) in error.recipients.items()
        )
        return f"the mail server refused {refused}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the mail server answered {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the mail server closed the connection"
    if isinstance(error, OSError):
        where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        return f"could not reach the mail server at {where} ({error.strerror or error})"
    return str(error) or type(error).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def checklist_summary(engagement: Engagement) -> list[str]:
    """The ticket's pre-escalation checklist as an escalation's message promises it: one
    line per answered item, with its note."""
    if engagement.kind != EngagementKind.ESCALATE:
        return []
    return checklist_lines(engagement.ticket.checklist_answers.all())


def checklist_lines(answers: Iterable[ChecklistAnswer]) -> list[str]:
    return [str(a) + (f" ({a.note})" if a.note else "") for a in answers]


def copy_text(engagement: Engagement, checklist: list[str]) -> str:
    """The request as an agent pastes it into the ticketing system: the message, then for an
    escalation the checklist summary."""
    text = engagement.message.strip()
    if checklist:
        text += "\n\nPre-escalation checklist:\n" + "\n".join(checklist)
    return text


def request_context(engagement: Engagement, *, reminder: bool = False) -> dict:
    ticket = engagement.ticket
    return {
        "engagement": engagement,
        "ticket": ticket,
        "admin": engagement.admin,
        "escalation": engagement.kind == EngagementKind.ESCALATE,
        "reminder": reminder,
        "ticket_system_url": ticket_system_url(ticket),
        "checklist": checklist_summary(engagement),
        "response_link": tokens.response_url(engagement),
        "reply_address": tokens.reply_address(engagement),
    }


def request_message(engagement: Engagement, *, reminder: bool = False) -> EmailMultiAlternatives:
    """The email asking the administrator, text and HTML, with Reply-To carrying the
    request's reply token when ``REPLY_TO_ADDRESS`` is set."""
    context = request_context(engagement, reminder=reminder)
    # Times in the organisation's business time zone, whatever zone the sender runs in.
    with timezone.override(sla.organisation_zone()):
        rendered = notify.render("request_reminder" if reminder else "request", context)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[engagement.admin.email],
        reply_to=[context["reply_address"]] if context["reply_address"] else None,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
