"""Public holidays as closures, and recomputing open tickets' clocks after the calendar moves.

Both are used by the SLA pages and by ``manage.py import_holidays``.
"""

from __future__ import annotations

from datetime import date

import holidays
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from core import audit
from core.models import AuditAction
from tickets.models import Ticket
from tickets.signals import clocks_recomputed
from tickets.sla import clock as sla
from tickets.sla.calendar import Calendar
from tickets.sla.models import BusinessCalendar, Closure, ServiceTarget

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
    ``public_holidays`` does. Does not recompute any clock: callers do, with
    ``recompute_open``, in the same transaction.
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


def recompute_open(tickets: QuerySet[Ticket], *, cal: Calendar | None = None) -> int:
    """Recompute the SLA clock of every open ticket in ``tickets``; returns how many.

    Loads the calendar (unless given) and the service targets once, and locks the tickets
    while it writes, so a ticket edited meanwhile is not given a clock from stale columns.
    """
    with transaction.atomic():
        cal = cal or sla.load_calendar()
        targets = {(t.category_id, t.priority_id): t for t in ServiceTarget.objects.all()}
        count = 0
        for ticket in tickets.open().select_for_update().order_by("pk"):
            target = targets.get((ticket.category_id, ticket.priority_id))
            sla.refresh(ticket, cal=cal, target=target)
            count += 1
        # Open requests to admins move their answer deadlines with the calendar too.
        clocks_recomputed.send(BusinessCalendar, tickets=tickets, cal=cal)
    return count
