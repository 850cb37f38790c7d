"""ISO weeks as the reports use them: Monday 00:00 to the next Monday 00:00, local time.

Plain date arithmetic, no ORM: a week across a daylight-saving change is 167 or 169 hours
long, because each boundary is a local midnight made aware in the organisation's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PATTERN = r"[0-9]{4}-W[0-9]{2}"
_PARSE = re.compile(r"(?P<year>[0-9]{4})-W(?P<week>[0-9]{2})")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    kind = "week"
    adjective = "weekly"

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError as error:  # week 0, week 53 of a 52-week year, week 54, year 0
            raise ValueError(
                f"{self.year}-W{self.week:02d} is not a week of the calendar."
            ) from error

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W47`` as a week; ValueError for text or a week the calendar does not have."""
        match = _PARSE.fullmatch(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a week like 2026-W47.")
        return cls(int(match["year"]), int(match["week"]))

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def title(self) -> str:
        return str(self)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.containing(self.monday + timedelta(weeks=weeks))

    @property
    def previous(self) -> IsoWeek:
        return self.shift(-1)

    @property
    def next(self) -> IsoWeek:
        return self.shift(1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end): local midnight on this Monday and on the next one."""
        return midnight(self.monday, zone), midnight(self.monday + timedelta(weeks=1), zone)

    @property
    def dates(self) -> str:
        """The days it spans as people write them: 16–22 Nov 2026, 28 Dec 2026 – 3 Jan 2027."""
        first, last = self.monday, self.sunday
        if first.year != last.year:
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day}–{last.day} {last:%b %Y}"


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def hours(start: datetime, end: datetime) -> float:
    """Elapsed hours between two aware times (through UTC, so a DST change counts)."""
    return (end.timestamp() - start.timestamp()) / 3600


def weeks_back(last: IsoWeek, count: int) -> list[IsoWeek]:
    """``count`` weeks ending with ``last``, oldest first."""
    return [last.shift(-n) for n in range(count - 1, -1, -1)]
