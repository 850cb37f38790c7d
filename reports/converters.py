"""The ``<isoweek:week>`` path converter: ``2026-W47`` in the address, an IsoWeek in the view."""

from __future__ import annotations

from reports.weeks import PATTERN, IsoWeek

# Earlier than any ticketing system's data, and far enough from year 1 that the weeks before
# a report (its trend) stay inside the calendar.
FIRST_YEAR = 1900


class IsoWeekConverter:
    regex = PATTERN

    def to_python(self, value: str) -> IsoWeek:
        # A ValueError here makes the pattern not match: 2026-W54 or 2026-W00 is a 404.
        week = IsoWeek.parse(value)
        if week.year < FIRST_YEAR:
            raise ValueError(f"{value} is before {FIRST_YEAR}.")
        return week

    def to_url(self, value: IsoWeek | str) -> str:
        return str(value if isinstance(value, IsoWeek) else IsoWeek.parse(value))
