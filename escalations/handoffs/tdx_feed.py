"""Answers read from the TDX ticket's own feed (GET api/{appId}/tickets/{id}/feed).

A feed entry (TeamDynamix.Api.Feed.ItemUpdate: ID, CreatedUid, CreatedFullName, CreatedDate,
Body) written by the requested administrator (``Administrator.tdx_uid``) after the request
is recorded as their answer: channel "ticket", at the entry's time, "gave input" and awaiting
an agent's classification, as an emailed reply is (``inbound.py``). The entry's id is unique
on ``TdxFeedAnswer``, so a feed read twice records nothing twice.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from core import audit
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
    TdxFeedAnswer,
)
from escalations.handoffs.services import locked_ticket
from tickets.detail import ticket_system_url
from tickets.tdx.client import TdxBadResponse, TdxClient, TdxError, TdxUnavailable
from tickets.tdx.mapping import parse_time

log = logging.getLogger(__name__)
NOTE_LIMIT = 4000


def read_answers(*, client: TdxClient, now: datetime | None = None) -> int:
    """Record the feed answers of every open request to an administrator with a TDX account;
    one feed call per ticket with such requests. Returns how many answers were recorded. A
    TDX outage stops the reading (the next run tries again); an unreadable feed skips that
    ticket."""
    now = now or timezone.now()
    waiting = (
        Engagement.objects.open()
        .exclude(admin__tdx_uid="")
        .select_related("admin", "ticket")
        .order_by("ticket_id", "requested_at")
    )
    by_ticket: dict[int, list[Engagement]] = {}
    for engagement in waiting:
        if engagement.ticket.external_id.isdigit():
            by_ticket.setdefault(engagement.ticket_id, []).append(engagement)
    recorded = 0
    for engagements in by_ticket.values():
        ticket = engagements[0].ticket
        try:
            entries = client.get_feed(ticket.external_id)
        except TdxUnavailable as exc:
            log.error("Reading TDX feeds stopped: %s", exc)
            break
        except (TdxBadResponse, TdxError) as exc:
            log.error("TDX feed of ticket %s skipped: %s", ticket.external_id, exc)
            continue
        for entry in sorted(
            (e for e in entries if isinstance(e, dict)), key=lambda e: str(e.get("CreatedDate"))
        ):
            recorded += _record(entry, engagements, now=now)
    return recorded


def _record(entry: dict, engagements: list[Engagement], *, now: datetime) -> int:
    entry_id, at = entry.get("ID"), parse_time(entry.get("CreatedDate"))
    author = str(entry.get("CreatedUid") or "").casefold()
    # A plain int a database column holds (bool is an int; 2**63 overflows BIGINT).
    if type(entry_id) is not int or not 0 < entry_id < 2**63 or at is None or not author:
        log.error("A TDX feed entry without an ID, time or author was skipped")
        return 0
    for engagement in engagements:
        if engagement.admin.tdx_uid.casefold() != author or at < engagement.requested_at:
            continue
        if TdxFeedAnswer.objects.filter(entry_id=entry_id).exists():
            return 0
        text = strip_tags(str(entry.get("Body") or "")).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)[:NOTE_LIMIT] or "(a comment in TDX)"
        try:
            with transaction.atomic():
                locked_ticket(engagement.ticket)
                engagement.refresh_from_db()
                if engagement.state != EngagementState.OPEN:
                    return 0
                response = engagement.record_response(
                    outcome=Outcome.GAVE_INPUT,
                    channel=Channel.TICKET,
                    responded_at=min(at, now),
                    by=None,
                    note=text,
                )
                AdminResponse.objects.filter(pk=response.pk).update(awaiting_classification=True)
                audit.changed(response, {"awaiting_classification": (False, True)})
                TdxFeedAnswer.objects.create(
                    entry_id=entry_id,
                    response=response,
                    url=ticket_system_url(engagement.ticket),
                )
        except ValidationError as error:
            log.error("TDX feed entry %s not recorded: %s", entry_id, "; ".join(error.messages))
            return 0
        except IntegrityError:
            # Another sync recorded the same entry meanwhile: this one is undone.
            return 0
        return 1
    return 0


def accept_responsible(ticket, *, uid: str, at: datetime) -> int:
    """TDX made ``uid`` responsible for ``ticket``: an open escalation to the administrator
    with that TDX account is recorded as accepted, through the ticket, at ``at``. Runs in the
    sync's transaction. Returns how many were recorded."""
    recorded = 0
    for engagement in (
        Engagement.objects.open()
        .filter(ticket=ticket, kind=EngagementKind.ESCALATE, admin__tdx_uid__iexact=uid)
        .select_related("admin", "ticket")
    ):
        try:
            with transaction.atomic():
                engagement.record_response(
                    outcome=Outcome.ACCEPTED,
                    channel=Channel.TICKET,
                    responded_at=max(min(at, timezone.now()), engagement.requested_at),
                    by=None,
                    note="Became the ticket's responsible person in TDX.",
                )
        except ValidationError as error:
            log.error("TDX responsible change not recorded: %s", "; ".join(error.messages))
            continue
        recorded += 1
    return recorded
