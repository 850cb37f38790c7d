from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickets.sla import calendar
from tickets.sla.calendar import (
    Calendar,
    add_business_seconds,
    business_seconds_between,
    is_working_day,
    to_seconds,
    working_periods,
)

LA = ZoneInfo("America/Los_Angeles")
HOUR = 3600
WORKDAY = 9 * HOUR
MON_FRI = frozenset(range(5))


def cal(**changes) -> Calendar:
    values = {"tz": LA, "workdays": MON_FRI, "opens": time(8), "closes": time(17)}
    return Calendar(**(values | changes))


def la(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


def add(calendar_: Calendar, start: datetime, seconds: int) -> datetime:
    result = add_business_seconds(calendar_, start, seconds)
    assert result.tzinfo == LA
    return result


# 2026-01-12 is a Monday; 2026-01-16 a Friday.


def test_day_seconds_is_the_length_of_the_working_day():
    assert cal().day_seconds == WORKDAY
    assert cal(opens=time(8, 30), closes=time(12, 15)).day_seconds == 3 * HOUR + 45 * 60


def test_is_working_day_excludes_weekends_and_closed_dates():
    holiday = cal(closed_dates=frozenset({date(2026, 1, 14)}))
    assert is_working_day(holiday, date(2026, 1, 13))
    assert not is_working_day(holiday, date(2026, 1, 14))
    assert not is_working_day(holiday, date(2026, 1, 17))  # Saturday
    assert not is_working_day(holiday, date(2026, 1, 18))  # Sunday


def test_add_within_a_day():
    assert add(cal(), la(2026, 1, 12, 9), 3 * HOUR + 90) == la(2026, 1, 12, 12, 1, 30)


def test_a_full_day_ends_at_closing_not_next_morning():
    assert add(cal(), la(2026, 1, 12, 8), WORKDAY) == la(2026, 1, 12, 17)


def test_add_crosses_a_night():
    assert add(cal(), la(2026, 1, 12, 15), 4 * HOUR) == la(2026, 1, 13, 10)
    assert business_seconds_between(cal(), la(2026, 1, 12, 15), la(2026, 1, 13, 10)) == 4 * HOUR


def test_friday_afternoon_to_monday():
    assert add(cal(), la(2026, 1, 16, 16), 2 * HOUR) == la(2026, 1, 19, 9)
    assert business_seconds_between(cal(), la(2026, 1, 16, 16), la(2026, 1, 19, 9)) == 2 * HOUR


def test_a_holiday_in_between_is_skipped():
    holiday = cal(closed_dates=frozenset({date(2026, 1, 13)}))
    assert add(holiday, la(2026, 1, 12, 16), 2 * HOUR) == la(2026, 1, 14, 9)
    assert business_seconds_between(holiday, la(2026, 1, 12, 8), la(2026, 1, 15, 8)) == 2 * WORKDAY


def test_twenty_working_days_spans_four_weeks():
    assert add(cal(), la(2026, 1, 12, 8), to_seconds(20, "days", cal())) == la(2026, 2, 6, 17)


def test_between_is_zero_when_end_is_not_after_start():
    assert business_seconds_between(cal(), la(2026, 1, 12, 10), la(2026, 1, 12, 10)) == 0
    assert business_seconds_between(cal(), la(2026, 1, 13, 10), la(2026, 1, 12, 10)) == 0
    assert list(working_periods(cal(), la(2026, 1, 13), la(2026, 1, 12))) == []


def test_maintenance_window_inside_working_hours_does_not_count():
    maintenance = cal(windows=((la(2026, 1, 12, 10), la(2026, 1, 12, 12)),))
    assert list(working_periods(maintenance, la(2026, 1, 12), la(2026, 1, 13))) == [
        (la(2026, 1, 12, 8), la(2026, 1, 12, 10)),
        (la(2026, 1, 12, 12), la(2026, 1, 12, 17)),
    ]
    assert (
        business_seconds_between(maintenance, la(2026, 1, 12, 9), la(2026, 1, 12, 13)) == 2 * HOUR
    )
    assert add(maintenance, la(2026, 1, 12, 9), 2 * HOUR) == la(2026, 1, 12, 13)
    # Starting inside the window counts from its end.
    assert add(maintenance, la(2026, 1, 12, 11), 0) == la(2026, 1, 12, 12)


def test_maintenance_window_spanning_a_weekend():
    # Friday 15:00 to Monday 10:00, given in UTC.
    window = (la(2026, 1, 16, 15).astimezone(UTC), la(2026, 1, 19, 10).astimezone(UTC))
    maintenance = cal(windows=(window,))
    assert add(maintenance, la(2026, 1, 16, 14), 2 * HOUR) == la(2026, 1, 19, 11)
    assert business_seconds_between(maintenance, la(2026, 1, 16, 8), la(2026, 1, 20, 8)) == (
        7 * HOUR + 7 * HOUR
    )
    assert list(working_periods(maintenance, la(2026, 1, 16), la(2026, 1, 20))) == [
        (la(2026, 1, 16, 8), la(2026, 1, 16, 15)),
        (la(2026, 1, 19, 10), la(2026, 1, 19, 17)),
    ]


def test_overlapping_and_unordered_windows_are_merged():
    maintenance = cal(
        windows=(
            (la(2026, 1, 12, 11), la(2026, 1, 12, 13)),
            (la(2026, 1, 12, 10), la(2026, 1, 12, 12)),
            (la(2026, 1, 12, 12, 30), la(2026, 1, 12, 12, 45)),
        )
    )
    assert list(working_periods(maintenance, la(2026, 1, 12), la(2026, 1, 13))) == [
        (la(2026, 1, 12, 8), la(2026, 1, 12, 10)),
        (la(2026, 1, 12, 13), la(2026, 1, 12, 17)),
    ]


def test_working_periods_are_clipped_to_the_range_and_local():
    periods = list(working_periods(cal(), la(2026, 1, 16, 12), la(2026, 1, 19, 10)))
    assert periods == [
        (la(2026, 1, 16, 12), la(2026, 1, 16, 17)),
        (la(2026, 1, 19, 8), la(2026, 1, 19, 10)),
    ]
    assert all(start.tzinfo == LA and end.tzinfo == LA for start, end in periods)


def test_start_before_opening_counts_from_opening():
    assert add(cal(), la(2026, 1, 12, 5, 30), HOUR) == la(2026, 1, 12, 9)
    assert business_seconds_between(cal(), la(2026, 1, 12, 5), la(2026, 1, 12, 9)) == HOUR


def test_start_after_closing_counts_from_next_opening():
    assert add(cal(), la(2026, 1, 12, 17), HOUR) == la(2026, 1, 13, 9)
    assert add(cal(), la(2026, 1, 12, 22), HOUR) == la(2026, 1, 13, 9)
    assert business_seconds_between(cal(), la(2026, 1, 12, 18), la(2026, 1, 13, 9)) == HOUR


def test_start_on_saturday_counts_from_monday():
    assert add(cal(), la(2026, 1, 17, 10), HOUR) == la(2026, 1, 19, 9)


def test_start_on_a_closed_date_counts_from_next_working_day():
    holiday = cal(closed_dates=frozenset({date(2026, 1, 12)}))
    assert add(holiday, la(2026, 1, 12, 10), HOUR) == la(2026, 1, 13, 9)


def test_zero_seconds_returns_start_inside_business_time():
    start = la(2026, 1, 12, 10, 15, 7, 123)
    assert add(cal(), start, 0) == start


def test_zero_seconds_moves_to_next_business_instant():
    assert add(cal(), la(2026, 1, 16, 17), 0) == la(2026, 1, 19, 8)
    assert add(cal(), la(2026, 1, 12, 7), 0) == la(2026, 1, 12, 8)


def test_spring_forward_week():
    # Clocks go forward on Sunday 2026-03-08: Friday is UTC-8, Monday UTC-7.
    end = add(cal(), la(2026, 3, 6, 9), 9 * HOUR)
    assert end == la(2026, 3, 9, 9)
    assert end.utcoffset() == timedelta(hours=-7)
    assert business_seconds_between(cal(), la(2026, 3, 6, 9), la(2026, 3, 9, 9)) == 9 * HOUR
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):
        assert business_seconds_between(cal(), la(2026, 3, day), la(2026, 3, day + 1)) == WORKDAY
    assert business_seconds_between(cal(), la(2026, 3, 2), la(2026, 3, 14)) == 10 * WORKDAY


def test_fall_back_week():
    # Clocks go back on Sunday 2026-11-01: Friday is UTC-7, Monday UTC-8.
    end = add(cal(), la(2026, 10, 30, 9), 9 * HOUR)
    assert end == la(2026, 11, 2, 9)
    assert end.utcoffset() == timedelta(hours=-8)
    assert business_seconds_between(cal(), la(2026, 10, 30, 9), la(2026, 11, 2, 9)) == 9 * HOUR
    assert business_seconds_between(cal(), la(2026, 10, 26), la(2026, 11, 7)) == 10 * WORKDAY


def test_hours_spanning_a_clock_change_count_real_time():
    # Open every day 00:00-23:00: the clock-change Sundays really have 22 and 24 hours.
    always = cal(workdays=frozenset(range(7)), opens=time(0), closes=time(23))
    assert business_seconds_between(always, la(2026, 3, 8), la(2026, 3, 9)) == 22 * HOUR
    assert business_seconds_between(always, la(2026, 11, 1), la(2026, 11, 2)) == 24 * HOUR
    assert add(always, la(2026, 3, 8), 2 * HOUR) == la(2026, 3, 8, 3)


def test_utc_input_gives_the_same_answer_as_local_input():
    local_start, local_end = la(2026, 3, 6, 16, 30), la(2026, 3, 10, 11)
    utc_start, utc_end = local_start.astimezone(UTC), local_end.astimezone(UTC)
    assert utc_start.date() == date(2026, 3, 7)  # a Saturday in UTC
    assert business_seconds_between(cal(), utc_start, utc_end) == business_seconds_between(
        cal(), local_start, local_end
    )
    assert add(cal(), utc_start, 5 * HOUR) == add(cal(), local_start, 5 * HOUR)
    assert add(cal(), utc_start, 5 * HOUR) == la(2026, 3, 9, 12, 30)
    assert list(working_periods(cal(), utc_start, utc_end)) == list(
        working_periods(cal(), local_start, local_end)
    )


def test_round_trip_add_then_measure():
    rng = random.Random(20260308)
    maintenance = cal(
        closed_dates=frozenset({date(2026, 3, 10), date(2026, 11, 26), date(2026, 12, 25)}),
        windows=(
            (la(2026, 3, 6, 15), la(2026, 3, 9, 10)),
            (la(2026, 3, 12, 12), la(2026, 3, 12, 12, 30)),
            (datetime(2026, 10, 31, 20, tzinfo=UTC), datetime(2026, 11, 2, 18, tzinfo=UTC)),
        ),
    )
    zones = (LA, UTC, ZoneInfo("Europe/Berlin"))
    bases = (la(2026, 3, 1), la(2026, 10, 25), la(2026, 12, 20))
    for calendar_ in (cal(), maintenance):
        for _ in range(400):
            offset = timedelta(
                seconds=rng.randrange(14 * 24 * HOUR), microseconds=rng.choice((0, 7))
            )
            start = (rng.choice(bases) + offset).astimezone(rng.choice(zones))
            seconds = rng.choice((0, 1, 59, HOUR, WORKDAY, rng.randrange(25 * WORKDAY)))
            end = add_business_seconds(calendar_, start, seconds)
            assert end >= start
            assert business_seconds_between(calendar_, start, end) == seconds
            if seconds:
                # ``end`` is the first such instant: a second earlier is not enough.
                earlier = end - timedelta(seconds=1)
                assert business_seconds_between(calendar_, start, earlier) == seconds - 1


def test_add_walks_days_not_minutes(monkeypatch):
    days_checked = []
    real = calendar.is_working_day

    def counting(cal_, day):
        days_checked.append(day)
        return real(cal_, day)

    monkeypatch.setattr(calendar, "is_working_day", counting)
    add_business_seconds(cal(), la(2026, 1, 12, 8), 20 * WORKDAY)
    assert len(days_checked) <= 30


def test_long_closures_are_skipped_quickly(monkeypatch):
    days_checked = []
    real = calendar.is_working_day
    monkeypatch.setattr(
        calendar, "is_working_day", lambda c, d: days_checked.append(d) or real(c, d)
    )
    # Two years of maintenance are jumped over, not walked through day by day.
    shutdown = cal(windows=((la(2026, 1, 12, 12), la(2028, 1, 10, 9)),))
    assert add(shutdown, la(2026, 1, 12, 11), 2 * HOUR) == la(2028, 1, 10, 10)
    assert len(days_checked) < 10
    # A long run of closed dates is still answered.
    closed = frozenset(date(2026, 1, 12) + timedelta(days=n) for n in range(400))
    assert add(cal(closed_dates=closed), la(2026, 1, 12, 9), HOUR) == la(2027, 2, 16, 9)


def test_to_seconds_hours_and_days():
    assert to_seconds(4, "hours", cal()) == 4 * HOUR
    assert to_seconds(2, "days", cal()) == 2 * WORKDAY
    assert to_seconds(1, "days", cal(opens=time(9), closes=time(13))) == 4 * HOUR
    with pytest.raises(ValueError, match="weeks"):
        to_seconds(1, "weeks", cal())


def test_empty_workdays_raises():
    with pytest.raises(ValueError):
        add_business_seconds(cal(workdays=frozenset()), la(2026, 1, 12, 9), HOUR)
    assert business_seconds_between(cal(workdays=frozenset()), la(2026, 1, 1), la(2030, 1, 1)) == 0


def test_no_working_time_within_three_years_raises():
    closed = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(4 * 366))
    with pytest.raises(ValueError, match="three years"):
        add_business_seconds(cal(closed_dates=closed), la(2026, 1, 12, 9), 0)
    shutdown = cal(windows=((la(2026, 1, 1), la(2031, 1, 1)),))
    with pytest.raises(ValueError, match="three years"):
        add_business_seconds(shutdown, la(2026, 1, 12, 9), HOUR)


def test_naive_datetimes_raise():
    naive = datetime(2026, 1, 12, 9)
    with pytest.raises(ValueError, match="naive"):
        add_business_seconds(cal(), naive, HOUR)
    with pytest.raises(ValueError, match="naive"):
        business_seconds_between(cal(), naive, la(2026, 1, 13))
    with pytest.raises(ValueError, match="naive"):
        business_seconds_between(cal(), la(2026, 1, 12), naive)
    with pytest.raises(ValueError, match="naive"):
        working_periods(cal(), la(2026, 1, 12), naive)
    with pytest.raises(ValueError, match="naive"):
        cal(windows=((naive, la(2026, 1, 13)),))


def test_invalid_calendars_raise():
    with pytest.raises(ValueError):
        cal(opens=time(17), closes=time(8))
    with pytest.raises(ValueError):
        cal(workdays=frozenset({7}))
    with pytest.raises(ValueError):
        add_business_seconds(cal(), la(2026, 1, 12, 9), -1)


def test_the_uncategorised_queue_is_next_reviewed_on_an_odd_working_hour():
    week = cal()
    assert calendar.next_review(week, la(2026, 11, 23, 10, 20)) == la(2026, 11, 23, 11, 0)
    assert calendar.next_review(week, la(2026, 11, 23, 11, 0)) == la(2026, 11, 23, 11, 0)
    assert calendar.next_review(week, la(2026, 11, 23, 7, 0)) == la(2026, 11, 23, 9, 0)
    # 17:00 is closing time: Friday evening's next review is Monday's first odd hour.
    assert calendar.next_review(week, la(2026, 11, 27, 15, 30)) == la(2026, 11, 30, 9, 0)
    closed = cal(closed_dates=frozenset({date(2026, 11, 30)}))
    assert calendar.next_review(closed, la(2026, 11, 27, 16, 0)) == la(2026, 12, 1, 9, 0)
    assert calendar.next_review(cal(workdays=frozenset()), la(2026, 11, 23, 9)) is None
