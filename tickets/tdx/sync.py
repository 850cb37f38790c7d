"""Pull what TDX changed on the tickets open here, by modified date (sync_tdx)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tickets import services
from tickets.models import DONE_STATUSES, EventKind, Status, TdxSyncState, Ticket
from tickets.signals import tdx_responsible_changed, ticket_finished
from tickets.tdx.client import TdxClient, TdxError
from tickets.tdx.mapping import parse_time, priority_of, status_of

log = logging.getLogger(__name__)

# One search call returns at most this many tickets; a full page asks again from the newest
# modified time seen, up to MAX_PAGES calls a run. The number of calls depends on how many
# tickets TDX changed, never on how many are open here.
PAGE_SIZE = 500
MAX_PAGES = 20
# The first run reads this far back.
FIRST_RUN_LOOKBACK = timedelta(days=7)


@dataclass
class SyncReport:
    calls: int = 0
    seen: int = 0
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopped: str = ""
    more_remain: bool = False

    def summary(self) -> str:
        text = (
            f"TDX sync: {self.seen} changed ticket(s) read in {self.calls} call(s), "
            f"{len(self.updated)} updated here"
        )
        if self.errors:
            text += f", {len(self.errors)} skipped with errors"
        if self.more_remain:
            text += "; more changes remain for the next run"
        if self.stopped:
            text += f". Stopped: {self.stopped}"
        return text + "."


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sync(*, client: TdxClient | None = None, now: datetime | None = None) -> SyncReport:
    """Read the tickets TDX changed since the last successful run and apply status, priority,
    responsible and resolved/closed times to those open here, each change a "Changed in TDX"
    timeline entry. A TDX outage stops the run cleanly and keeps the start point, so the next
    run reads the same changes again; one unreadable ticket is logged and skipped."""
    now = now or timezone.now()
    state = TdxSyncState.load()
    start = state.modified_from or now - FIRST_RUN_LOOKBACK
    report = SyncReport()
    own = client is None
    client = client or TdxClient()
    newest = start
    try:
        for _page in range(MAX_PAGES):
            try:
                rows = client.search_tickets(
                    {"ModifiedDateFrom": iso(start), "MaxResults": PAGE_SIZE}
                )
            except TdxError as exc:
                report.calls += 1
                report.stopped = str(exc)
                break
            report.calls += 1
            report.seen += len(rows)
            newest = max([newest, *_apply_page(rows, report)])
            if len(rows) < PAGE_SIZE:
                break
            if newest <= start:
                report.stopped = "a full page of changes all at one moment; raise PAGE_SIZE"
                break
            start = newest
        else:
            report.more_remain = True
    finally:
        if own:
            client.close()
    if report.stopped:
        log.error("TDX sync stopped: %s", report.stopped)
        state.last_error = report.stopped
    else:
        # Complete: the next run starts at this run's start. Cut short by the page bound: at
        # the newest change read, so nothing is skipped.
        state.modified_from = newest if report.more_remain else now
        state.last_error = ""
    state.last_run_at = now
    state.save()
    return report


def _apply_page(rows: list, report: SyncReport) -> list[datetime]:
    good = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("ID"), int):
            log.error("TDX search returned an entry without a ticket ID; skipped")
            report.errors.append("an entry without a ticket ID")
            continue
        good.append(row)
    tickets = {
        t.external_id: t
        for t in Ticket.objects.open().filter(external_id__in=[str(r["ID"]) for r in good])
    }
    modified = []
    for row in good:
        when = parse_time(row.get("ModifiedDate"))
        if when:
            modified.append(when)
        ticket = tickets.get(str(row["ID"]))
        if ticket is None:
            continue
        try:
            if apply_changes(ticket, row, at=when or timezone.now()):
                report.updated.append(ticket.external_id)
        except (ValidationError, ValueError, TypeError) as exc:
            log.error("TDX ticket %s could not be applied: %s", row["ID"], type(exc).__name__)
            report.errors.append(f"#{row['ID']}")
    return modified


def apply_changes(ticket: Ticket, row: dict, *, at: datetime) -> bool:
    """Bring ``ticket`` in line with the TDX ticket ``row``; True when something changed."""
    changes: dict = {}
    status = status_of(row)
    # Waiting on admin is this product's own state of an escalation TDX sees as "in process".
    kept_ours = ticket.status == Status.WAITING_ON_ADMIN and status == Status.IN_PROGRESS
    if status and status != ticket.status and not kept_ours:
        changes["status"] = status
    priority = priority_of(row)
    if priority and priority.pk != ticket.priority_id and priority.applies_to(ticket.category):
        changes["priority"] = priority
    responsible = str(row.get("ResponsibleFullName") or "").strip()[:120]
    if responsible != ticket.tdx_responsible:
        changes["tdx_responsible"] = responsible
    done = parse_time(row.get("CompletedDate")) or at
    final = changes.get("status", ticket.status)
    if final in DONE_STATUSES and ticket.resolved_at is None:
        changes["resolved_at"] = done
    if final == Status.CLOSED and ticket.closed_at is None:
        changes["closed_at"] = done
    if not changes:
        return False
    with transaction.atomic():
        diffs = services.change_fields(
            ticket, by=None, changes=changes, at=at, kind=EventKind.TDX_CHANGED
        )
        uid = str(row.get("ResponsibleUid") or "").strip()
        if "tdx_responsible" in changes and uid:
            tdx_responsible_changed.send(Ticket, ticket=ticket, uid=uid, at=at)
        if "status" in changes and final in DONE_STATUSES:
            ticket_finished.send(Ticket, ticket=ticket, by=None, reason="Ticket finished in TDX.")
    return bool(diffs)
