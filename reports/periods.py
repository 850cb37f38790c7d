"""Months and quarters as the reports use them, beside the ISO week (``reports.weeks``).

A period runs from local midnight on its first day to local midnight on the day after its
last, in the organisation's zone, so a month with a daylight-saving change lasts an hour more
or less than its days. Each has a label, the periods before and after it, and the parts its
trend is drawn from: a month's weeks (cut at the month's edges, so the parts add up to the
month) and a quarter's months. Plain date arithmetic, no ORM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar, Self
from zoneinfo import ZoneInfo

from reports.weeks import IsoWeek, midnight

# Earlier than any ticketing system's data; the last year leaves room for the period after.
FIRST_YEAR = 1900
LAST_YEAR = 9998


def _check_year(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{text} is outside the years {FIRST_YEAR} to {LAST_YEAR}.")


def _dates(first: date, last: date) -> str:
    """The days a span covers as people write them: 1–30 Nov 2026, 28 Dec 2026 – 3 Jan 2027,
    30 Nov 2026 (a week the month cuts to one day)."""
    if first == last:
        return f"{last.day} {last:%b %Y}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day}–{last.day} {last:%b %Y}"


@dataclass(frozen=True)
class Part:
    """One column of a period's trend: a whole period, or a week cut at the period's edges
    (``first`` to ``end``, end exclusive). ``period`` is what its column links to."""

    period: IsoWeek | Month
    first: date
    end: date
    label: str

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return midnight(self.first, zone), midnight(self.end, zone)

    @property
    def whole(self) -> bool:
        start, end = period_days(self.period)
        return (start, end) == (self.first, self.end)

    @property
    def dates(self) -> str:
        return _dates(self.first, self.end - timedelta(days=1))


class _Span:
    """What a month and a quarter share: the ``number``-th of ``per_year`` spans of a
    calendar year, from local midnight on ``first`` to local midnight on ``end``."""

    kind: ClassVar[str]
    per_year: ClassVar[int]
    example: ClassVar[str]
    _pattern: ClassVar[re.Pattern]

    year: int

    @classmethod
    def parse(cls, text: str) -> Self:
        """Text such as the ``example`` as a period a report can be asked for; ValueError for
        anything else."""
        match = cls._pattern.fullmatch(text.strip())
        if not match:
            raise ValueError(f"“{text[:40]}” is not a {cls.kind} like {cls.example}.")
        _check_year(int(match["year"]), text)
        return cls(int(match["year"]), int(match["number"]))

    @property
    def number(self) -> int:
        raise NotImplementedError

    @property
    def first(self) -> date:
        raise NotImplementedError

    @property
    def end(self) -> date:
        """The first day after the period."""
        return self.next.first

    def shift(self, periods: int) -> Self:
        index = self.year * self.per_year + self.number - 1 + periods
        return type(self)(index // self.per_year, index % self.per_year + 1)

    @property
    def previous(self) -> Self:
        return self.shift(-1)

    @property
    def next(self) -> Self:
        return self.shift(1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return midnight(self.first, zone), midnight(self.end, zone)

    @property
    def dates(self) -> str:
        return _dates(self.first, self.end - timedelta(days=1))


@dataclass(frozen=True, order=True)
class Month(_Span):
    year: int
    month: int

    kind = "month"
    adjective = "monthly"
    per_year = 12
    example = "2026-11"
    _pattern = re.compile(r"(?P<year>[0-9]{4})-(?P<number>[0-9]{2})")

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"{self.year}-{self.month:02d} is not a month of the calendar.")

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def number(self) -> int:
        return self.month

    @property
    def title(self) -> str:
        return f"{self.first:%B %Y}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def parts(self) -> list[Part]:
        """The ISO weeks that touch the month, each cut to the month's days."""
        result = []
        week = IsoWeek.containing(self.first)
        while week.monday < self.end:
            first = max(week.monday, self.first)
            end = min(week.monday + timedelta(weeks=1), self.end)
            result.append(Part(week, first, end, f"W{week.week:02d}"))
            week = week.next
        return result


@dataclass(frozen=True, order=True)
class Quarter(_Span):
    year: int
    quarter: int

    kind = "quarter"
    adjective = "quarterly"
    per_year = 4
    example = "2026-Q4"
    _pattern = re.compile(r"(?P<year>[0-9]{4})-Q(?P<number>[0-9])", re.IGNORECASE)

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"{self.year}-Q{self.quarter} is not a quarter: Q1 to Q4.")

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def number(self) -> int:
        return self.quarter

    @property
    def title(self) -> str:
        return f"Q{self.quarter} {self.year}"

    @property
    def months(self) -> list[Month]:
        return [Month(self.year, (self.quarter - 1) * 3 + n) for n in (1, 2, 3)]

    @property
    def first(self) -> date:
        return self.months[0].first

    @property
    def parts(self) -> list[Part]:
        """The quarter's three months: a threshold reviewed quarterly is read month by month."""
        return [Part(m, m.first, m.end, f"{m.first:%b}") for m in self.months]


Period = IsoWeek | Month | Quarter


def report_title(period: Period) -> str:
    """The report's name: "Weekly report 2026-W49", "Monthly report November 2026"."""
    return f"{period.adjective.capitalize()} report {period.title}"


def report_filename(period: Period, suffix: str = "") -> str:
    """The PDF's file name, as downloaded, mailed and written by ``weekly_report``."""
    return f"{period.adjective}-report-{period}{suffix}.pdf"


def period_days(period: Period) -> tuple[date, date]:
    """(first day, first day after) of any period."""
    if isinstance(period, IsoWeek):
        return period.monday, period.monday + timedelta(weeks=1)
    return period.first, period.end
