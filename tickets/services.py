"""Workflows that write a ticket and its timeline together."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from core.roles import display_name
from tickets.models import Category, EventKind, Priority, Ticket, TicketEvent
from tickets.sla import clock as sla

# The fields an edit may change; status moves through resolve/close/reopen, tier through
# set_tier, and the current admin only through an escalation, so each of those is its own
# timeline event.
EDITABLE_FIELDS = [
    "title",
    "classification",
    "category",
    "priority",
    "service",
    "requestor_name",
    "requestor_email",
    "department",
    "status",
    "agent",
    "opened_at",
]


# Ticket fields the SLA clock is computed from: changing one recomputes the ticket's clock.
SLA_INPUT_FIELDS = {"status", "category", "priority", "opened_at"}


class EditConflict(Exception):
    """Somebody saved the ticket after the editor loaded it."""

    def __init__(self, ticket: Ticket, changes: list[TicketEvent]):
        super().__init__(f"Ticket #{ticket.external_id} changed meanwhile")
        self.ticket = ticket
        self.changes = changes


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


def display_value(ticket: Ticket, field: str) -> str:
    """The value as a person reads it, kept on the timeline even if the choices change."""
    model_field = ticket._meta.get_field(field)
    if model_field.is_relation:
        related = getattr(ticket, field)
        if related is None:
            return ""
        if hasattr(related, "get_full_name"):
            return display_name(related)
        if isinstance(related, (Category, Priority)):
            # Named as every page names them; the number is only their order.
            return related.name
        return str(related)
    if model_field.choices:
        return getattr(ticket, f"get_{field}_display")()
    value = getattr(ticket, field)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


class DuplicateTicket(Exception):
    """Another request logged the same ticket ID between this one's check and its save."""

    def __init__(self, external_id: str):
        super().__init__(f"Ticket #{external_id} is already logged.")
        self.existing = Ticket.objects.filter(external_id__iexact=external_id).first()


def log_ticket(*, by, **fields: Any) -> Ticket:
    """Create a ticket with ``by`` as its agent unless another is given, and log the event.

    Raises ``DuplicateTicket`` (nothing written) when the ID was logged meanwhile: the
    database's unique constraint decides a race the form's check cannot see."""
    fields.setdefault("agent", by)
    with transaction.atomic():
        ticket = Ticket(**fields)
        # Uniqueness of the ID is left to the constraint: checking it here would only move
        # the race. (Leaving the ID out also skips its not-empty check, which its field does.)
        ticket.full_clean(validate_unique=False, validate_constraints=False)
        ticket.validate_constraints(exclude={"external_id"})
        try:
            with transaction.atomic():
                ticket.save()
        except IntegrityError:
            if not Ticket.objects.filter(external_id__iexact=ticket.external_id).exists():
                raise
            raise DuplicateTicket(ticket.external_id) from None
        ticket.events.create(by=by, kind=EventKind.LOGGED, at=timezone.now())
        sla.refresh(ticket)
    return ticket


def update_ticket(
    ticket: Ticket, *, by, changes: dict[str, Any], expected_version: int, seen_event: int
) -> list[FieldChange]:
    """Apply an edit only if nobody saved the ticket since the editor loaded it.

    Each changed field becomes a timeline event with its before and after values. When the
    ticket moved on meanwhile nothing is written and ``EditConflict`` carries what changed
    (the timeline events after ``seen_event``). Returns the changes made, possibly none.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    # The stored row is the "before"; the version condition below proves it is also what the
    # editor saw, so the diff is exact.
    current = Ticket.objects.get(pk=ticket.pk)
    diffs, stored = _diff(current, changes)
    with transaction.atomic():
        same_version = Ticket.objects.filter(pk=ticket.pk, version=expected_version)
        if stored:
            updated = same_version.update(
                **stored, version=F("version") + 1, updated_at=timezone.now()
            )
        else:
            updated = same_version.exists()
        if not updated:
            raise EditConflict(
                Ticket.objects.for_list().get(pk=ticket.pk),
                list(
                    ticket.events.filter(pk__gt=seen_event)
                    .select_related("by")
                    .order_by("at", "id")
                ),
            )
        if diffs:
            _record_changes(ticket, diffs, by=by, at=timezone.now())
            return diffs
    ticket.refresh_from_db()
    return diffs


def _diff(current: Ticket, changes: dict[str, Any]) -> tuple[list[FieldChange], dict[str, Any]]:
    """What ``changes`` would change on ``current``: readable diffs and the column values."""
    edited = copy.copy(current)  # Django copies the related-object cache with the instance
    for name, value in changes.items():
        setattr(edited, name, value)
    attnames = {name: Ticket._meta.get_field(name).attname for name in changes}
    changed = [
        name
        for name, attname in attnames.items()
        if getattr(current, attname) != getattr(edited, attname)
    ]
    diffs = [
        FieldChange(name, display_value(current, name), display_value(edited, name))
        for name in changed
    ]
    return diffs, {attnames[name]: getattr(edited, attnames[name]) for name in changed}


def change_fields(
    ticket: Ticket,
    *,
    by,
    changes: dict[str, Any],
    at: datetime,
    silent: set[str] = frozenset(),
    kind: str | None = None,
) -> list[FieldChange]:
    """Apply changes a workflow decided (tier, status, admin) with one timeline event per
    changed field, except those in ``silent`` that the caller records in its own event.
    Call inside the workflow's transaction; ``ticket`` is refreshed."""
    diffs, stored = _diff(ticket, changes)
    if stored:
        Ticket.objects.filter(pk=ticket.pk).update(
            **stored, version=F("version") + 1, updated_at=at
        )
        _record_changes(ticket, diffs, by=by, at=at, silent=silent, kind=kind)
    return diffs


def _record_changes(
    ticket: Ticket,
    diffs: list[FieldChange],
    *,
    by,
    at: datetime,
    silent: set[str] = frozenset(),
    kind: str | None = None,
) -> None:
    """What a stored change leaves behind: the audit entry, one timeline event per changed
    field (except those in ``silent``, which the caller records in its own event), and the
    SLA due times recomputed when a field the clock depends on changed. ``ticket`` is
    refreshed from the database."""
    audit.changed(ticket, {d.field: (d.before, d.after) for d in diffs})
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=ticket,
            at=at,
            by=by,
            kind=kind or (EventKind.TIER_CHANGED if diff.field == "tier" else EventKind.CHANGED),
            field=diff.field,
            before=diff.before,
            after=diff.after,
        )
        for diff in diffs
        if diff.field not in silent
    )
    ticket.refresh_from_db()
    if SLA_INPUT_FIELDS & {diff.field for diff in diffs}:
        sla.refresh(ticket, now=at)
