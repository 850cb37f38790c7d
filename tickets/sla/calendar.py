"""Business-time arithmetic for SLA clocks.

Plain functions over plain values: no ORM, no settings. A ``Calendar`` says when the
organisation works; the functions measure and add business time on it.

All interval arithmetic happens on UTC instants. Local dates and clock times are used only
to find each day's opening and closing instants, because subtracting two local datetimes
that share a tzinfo ignores daylight-saving changes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

UNITS = ("hours", "days")

# add_business_seconds gives up after this long without any working time, so a calendar
# with no workdays (or closed for good) raises instead of looping forever.
_MAX_GAP = timedelta(days=3 * 366)
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    workdays: frozenset[int]  # 0 = Monday ... 6 = Sunday
    opens: time
    closes: time
    closed_dates: frozenset[date] = frozenset()
    # Maintenance windows, aware datetimes in any zone: time inside them does not count.
    windows: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("A calendar must close after it opens.")
        if not all(0 <= day <= 6 for day in self.workdays):
            raise ValueError("Workdays are numbered 0 (Monday) to 6 (Sunday).")
        for window_start, window_end in self.windows:
            _require_aware(window_start)
            _require_aware(window_end)

    @property
    def day_seconds(self) -> int:
        """Length of one working day in seconds."""
        opens = datetime.combine(date.min, self.opens.replace(tzinfo=None))
        closes = datetime.combine(date.min, self.closes.replace(tzinfo=None))
        return int((closes - opens).total_seconds())


def is_working_day(cal: Calendar, day: date) -> bool:
    return day.weekday() in cal.workdays and day not in cal.closed_dates


def working_periods(cal: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
    """The business-time intervals within [start, end), in order, maintenance cut out.

    Each interval is a pair of aware datetimes in ``cal.tz``; measure them with
    ``.timestamp()`` or after converting to UTC.
    """
    # Not a generator itself, so naive datetimes raise at the call rather than on first use.
    periods = _periods(cal, _utc(start), _utc(end))
    return ((s.astimezone(cal.tz), e.astimezone(cal.tz)) for s, e in periods)


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in [start, end); 0 when end <= start."""
    total = timedelta()
    for period_start, period_end in _periods(cal, _utc(start), _utc(end)):
        total += period_end - period_start
    return total // _ONE_SECOND


def add_business_seconds(cal: Calendar, start: datetime, seconds: int) -> datetime:
    """The first instant by which ``seconds`` of business time have elapsed after ``start``.

    With ``seconds == 0`` this is ``start`` moved forward to the next business instant.
    The result is in ``cal.tz``. Raises ValueError when the calendar has no working time
    within about three years.
    """
    if seconds < 0:
        raise ValueError("Cannot add a negative amount of business time.")
    if not cal.workdays:
        raise ValueError("The calendar has no workdays.")
    remaining = timedelta(seconds=seconds)
    for period_start, period_end in _periods(cal, _utc(start), None):
        if remaining <= period_end - period_start:
            return (period_start + remaining).astimezone(cal.tz)
        remaining -= period_end - period_start
    raise AssertionError("unreachable: _periods without an end never stops")  # pragma: no cover


def to_seconds(value: int, unit: str, cal: Calendar) -> int:
    """SLA time in seconds; a "day" is one working day of business hours."""
    if unit == "hours":
        return value * 3600
    if unit == "days":
        return value * cal.day_seconds
    raise ValueError(f"Unknown unit {unit!r}; expected one of {', '.join(UNITS)}.")


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Expected an aware datetime, got naive {value!r}.")


def _utc(value: datetime) -> datetime:
    _require_aware(value)
    return value.astimezone(UTC)


@lru_cache(maxsize=64)
def _merged_windows(windows: tuple[Interval, ...]) -> tuple[list[datetime], list[datetime]]:
    """Maintenance windows in UTC, sorted and merged: (starts, ends), both ascending."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for window_start, window_end in sorted((_utc(s), _utc(e)) for s, e in windows):
        if window_end <= window_start:
            continue
        if ends and window_start <= ends[-1]:
            ends[-1] = max(ends[-1], window_end)
        else:
            starts.append(window_start)
            ends.append(window_end)
    return starts, ends


def _periods(cal: Calendar, start: datetime, end: datetime | None) -> Iterator[Interval]:
    """Business intervals in UTC from ``start`` up to ``end`` (or without end).

    Without an end, raises ValueError after ``_MAX_GAP`` with no working time.
    """
    if end is not None and end <= start:
        return
    win_starts, win_ends = _merged_windows(cal.windows)
    # Index of the first window that ends after the current position.
    w = bisect_right(win_ends, start)
    # Begin a day early: around a DST change at midnight, the previous local day's
    # hours can still lie after ``start``.
    day = start.astimezone(cal.tz).date() - _ONE_DAY
    last_work = start
    while True:
        opening = datetime.combine(day, cal.opens, tzinfo=cal.tz).astimezone(UTC)
        if end is not None and opening >= end:
            return
        if end is None and opening - last_work > _MAX_GAP:
            raise ValueError("The calendar has no working time within three years.")
        if is_working_day(cal, day):
            closing = datetime.combine(day, cal.closes, tzinfo=cal.tz).astimezone(UTC)
            position = max(opening, start)
            stop = closing if end is None else min(closing, end)
            while position < stop:
                while w < len(win_ends) and win_ends[w] <= position:
                    w += 1
                if w < len(win_starts) and win_starts[w] < stop:
                    if win_starts[w] > position:
                        yield position, win_starts[w]
                        last_work = win_starts[w]
                    position = win_ends[w]
                else:
                    yield position, stop
                    last_work = stop
                    break
        day += _ONE_DAY
        # Jump over a maintenance window that already covers the next opening: every
        # working period before the local date on which it ends lies inside it.
        next_opening = datetime.combine(day, cal.opens, tzinfo=cal.tz).astimezone(UTC)
        while w < len(win_ends) and win_ends[w] <= next_opening:
            w += 1
        if w < len(win_starts) and win_starts[w] <= next_opening:
            day = max(day, win_ends[w].astimezone(cal.tz).date())


def next_review(cal: Calendar, now: datetime) -> datetime | None:
    """When the uncategorised queue is next reviewed, at or after ``now``: seed 004 has it
    reviewed on every odd-numbered hour (09:00, 11:00, ...), which here means those inside
    working time. None when the calendar has no working time ahead."""
    _require_aware(now)
    day = now.astimezone(cal.tz).date()
    opens, closes = cal.opens.replace(tzinfo=None), cal.closes.replace(tzinfo=None)
    for _ in range(_MAX_GAP.days):
        if is_working_day(cal, day):
            for hour in range(1, 24, 2):
                at = time(hour)
                if opens <= at < closes:
                    review = datetime.combine(day, at, tzinfo=cal.tz)
                    if review >= now:
                        return review
        day += _ONE_DAY
    return None
