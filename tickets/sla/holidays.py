"""Public holidays as closures, and recomputing open tickets' clocks after the calendar moves.

A change marks the open tickets it affects in its own transaction (``mark_open``); the
clocks are then recomputed in short batches after it commits (``recompute_marked``).

Both are used by the SLA pages and by ``manage.py import_holidays``.
"""

from __future__ import annotations

from datetime import date, datetime

import holidays
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import audit, versions
from core.models import AuditAction
from tickets.models import ClockMark, Ticket
from tickets.signals import clocks_recomputed
from tickets.sla import clock as sla
from tickets.sla.models import BusinessCalendar, Closure

SOURCE_PREFIX = "holidays:"
_NAME_LENGTH = Closure._meta.get_field("name").max_length
_SHOWN_SUBDIVISIONS = 15


def source_label(country: str, subdivision: str = "") -> str:
    """How imported closures say where they came from: ``holidays:US-CA``."""
    return SOURCE_PREFIX + country + (f"-{subdivision}" if subdivision else "")


def public_holidays(country: str, subdivision: str, year: int) -> dict[date, str]:
    """The public holidays of one year from the ``holidays`` package.

    Raises ValidationError naming the field at fault ("country" or "subdivision") when the
    package does not know the country or the subdivision.
    """
    try:
        holidays.country_holidays(country, years=year)
    except (NotImplementedError, KeyError) as error:
        raise ValidationError(
            {
                "country": f"The holidays package has no country “{country}”. Use a two-letter "
                "ISO code such as US, CA or GB."
            }
        ) from error
    if not subdivision:
        return dict(holidays.country_holidays(country, years=year))
    try:
        return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))
    except (NotImplementedError, KeyError) as error:
        known = holidays.list_supported_countries().get(country, [])
        if not known:
            hint = f"{country} has no subdivisions there; leave it empty."
        else:
            shown = ", ".join(known[:_SHOWN_SUBDIVISIONS])
            more = len(known) - _SHOWN_SUBDIVISIONS
            hint = f"Known for {country}: {shown}" + (f" and {more} more." if more > 0 else ".")
        raise ValidationError(
            {
                "subdivision": f"The holidays package has no subdivision “{subdivision}” for "
                f"{country}. {hint}"
            }
        ) from error


def import_holidays(country: str, subdivision: str, year: int) -> tuple[int, int]:
    """Add a closure for each public holiday of ``year`` whose day has none yet.

    Returns (added, skipped); a day that already has a closure, imported or typed in, is
    skipped and keeps its name, so importing twice adds nothing. Raises ValidationError as
    ``public_holidays`` does. Does not recompute any clock: callers mark the open tickets
    with ``mark_open`` in the same transaction and run ``recompute_marked`` after it.
    """
    country = country.strip().upper()
    subdivision = (subdivision or "").strip().upper()
    found = public_holidays(country, subdivision, year)
    source = source_label(country, subdivision)
    with transaction.atomic():
        taken = set(Closure.objects.filter(day__in=found).values_list("day", flat=True))
        new = [
            Closure(day=day, name=name[:_NAME_LENGTH], source=source)
            for day, name in sorted(found.items())
            if day not in taken
        ]
        # Another import at the same moment may add the same day: keep theirs.
        Closure.objects.bulk_create(new, ignore_conflicts=True)
        # bulk_create sends no signal: put each added day on the audit log here.
        for closure in Closure.objects.filter(day__in=[c.day for c in new], source=source):
            audit.record(
                AuditAction.CREATED, target=closure, changes={"name": [None, closure.name]}
            )
    return len(new), len(found) - len(new)


# Tickets recomputed per transaction: each holds the write lock for under 100 ms of work
# (75 ms of CPU at 100,000 tickets), so agents' saves slip in between batches instead of
# waiting for every open ticket.
RECOMPUTE_BATCH = 250
# What the arithmetic reads; loading only these keeps a batch's read small.
_CLOCK_INPUTS = ("status", "category_id", "priority_id", "opened_at", *sla.CLOCK_FIELDS)


def mark_open(tickets: QuerySet[Ticket]) -> int:
    """Mark the open tickets in ``tickets`` for a clock recompute; returns how many.

    One INSERT … SELECT of their ids into ``ClockMark``, run in the transaction that changes
    the calendar, a closure or a target, so the change and the marks commit together; no
    ticket row is written. ``recompute_marked`` then brings the clocks up to date after the
    commit (the views and commands call it straight away; ``check_sla`` finishes any run cut
    short)."""
    ids, params = tickets.open().order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    marks = ClockMark._meta
    column = quote(marks.get_field("ticket").column)
    # A ticket marked already gets a new time: on PostgreSQL the update waits for a recompute
    # batch that holds the mark (FOR UPDATE) and deletes it, then marks again, so a change
    # committed during that batch is never lost. Only the model's own quoted names and the
    # queryset's compiled SQL are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(marks.db_table)} ({column}, {quote('marked_at')}) "  # noqa: S608
        f"SELECT {quote(Ticket._meta.pk.column)}, %s FROM {quote(Ticket._meta.db_table)} "
        f"WHERE {quote(Ticket._meta.pk.column)} IN ({ids}) "
        f"ON CONFLICT ({column}) DO UPDATE SET {quote('marked_at')} = excluded.{quote('marked_at')}"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])
        return cursor.rowcount


def recompute_marked(*, batch: int = RECOMPUTE_BATCH) -> int:
    """Recompute the SLA clock of every marked ticket, ``batch`` at a time, each batch in its
    own short transaction; returns how many open tickets were recomputed.

    Each batch reads the calendar and the targets afresh inside its transaction and locks its
    tickets, so a change committed meanwhile (which marks again) is never overwritten with
    the clock of the calendar before it. A marked ticket that was finished meanwhile only
    loses its mark: a finished ticket's due times stay as they were. Outside a transaction
    this is what keeps the write lock short; inside one it still gives the same clocks.
    """
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                ClockMark.objects.order_by("ticket_id")
                .select_for_update()
                .values_list("ticket_id", flat=True)[:batch]
            )
            if not ids:
                return total
            marked = list(
                Ticket.objects.filter(pk__in=ids)
                .order_by("pk")
                .only(*_CLOCK_INPUTS)
                # The ticket rows too: on PostgreSQL an agent's save waits for the batch.
                .select_for_update()
            )
            now = timezone.now()
            cal = sla.load_calendar(now)
            target_of = sla.target_lookup()
            share = sla.due_soon_share()
            open_tickets = [ticket for ticket in marked if ticket.is_open]
            for ticket in open_tickets:
                sla.advance(ticket, now=now, cal=cal, target=target_of(ticket), share=share)
            _write_clocks(open_tickets)
            # Finished tickets (and any deleted meanwhile) only lose their marks.
            ClockMark.objects.filter(ticket_id__in=ids).delete()
            # Open requests to admins move their answer deadlines with the calendar too.
            clocks_recomputed.send(
                BusinessCalendar,
                tickets=Ticket.objects.filter(pk__in=[ticket.pk for ticket in open_tickets]),
                cal=cal,
            )
            total += len(open_tickets)


def _write_clocks(tickets: list[Ticket]) -> None:
    """One prepared UPDATE run for every ticket (executemany): far cheaper than a query
    per ticket through the ORM or bulk_update's CASE per column."""
    if not tickets:
        return
    fields = [Ticket._meta.get_field(name) for name in sla.CLOCK_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only the model's own quoted names are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {quote(Ticket._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(Ticket._meta.pk.column)} = %s"
    )
    # The backend's own adapters, without the field layer's per-value checks: the values
    # are aware datetimes and integers the arithmetic just produced.
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        [
            adapt(value) if isinstance(value, datetime) else value
            for value in (getattr(ticket, field.attname) for field in fields)
        ]
        + [ticket.pk]
        for ticket in tickets
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    # Raw SQL passes no queryset: the figures read from tickets are told here.
    versions.bump("tickets")


def recompute_open(tickets: QuerySet[Ticket]) -> int:
    """Mark the open tickets in ``tickets`` and recompute every marked clock; returns how
    many were marked. Call it outside a transaction to keep each write short; a caller that
    changes the calendar in a transaction calls ``mark_open`` in it and ``recompute_marked``
    after it commits."""
    with transaction.atomic():
        count = mark_open(tickets)
    recompute_marked()
    return count
