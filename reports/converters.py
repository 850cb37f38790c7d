"""The ``<isoweek:week>`` path converter: ``2026-W47`` in the address, an IsoWeek in the view."""

from __future__ import annotations

from datetime import date

from reports.weeks import PATTERN, IsoWeek

# Earlier than any ticketing system's data, and far enough from year 1 that the weeks before
# a report (its trend) stay inside the calendar.
FIRST_YEAR = 1900


def parse_in_range(value: str) -> IsoWeek:
    """A week a report can be asked for; ValueError for anything else (text, a week the
    calendar does not have, one before FIRST_YEAR or too late for the week after it)."""
    week = IsoWeek.parse(value)
    if week.year < FIRST_YEAR:
        raise ValueError(f"{value} is before {FIRST_YEAR}.")
    if week.year == 9999 and week >= IsoWeek.containing(date(9999, 12, 31)).previous:
        raise ValueError(f"{value} is at the end of the calendar.")
    return week


class IsoWeekConverter:
    regex = PATTERN

    def to_python(self, value: str) -> IsoWeek:
        # A ValueError here makes the pattern not match: 2026-W54 or 2026-W00 is a 404.
        return parse_in_range(value)

    def to_url(self, value: IsoWeek | str) -> str:
        return str(value if isinstance(value, IsoWeek) else IsoWeek.parse(value))
