from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.converters import IsoWeekConverter
from reports.weeks import IsoWeek, hours, weeks_back

LA = ZoneInfo("America/Los_Angeles")


def test_parse_reads_an_iso_week_and_prints_it_back():
    week = IsoWeek.parse("2026-W07")
    assert (week.year, week.week) == (2026, 7)
    assert str(week) == "2026-W07"
    assert week.monday == date(2026, 2, 9)
    assert week.sunday == date(2026, 2, 15)


@pytest.mark.parametrize(
    "text", ["2026-W54", "2026-W00", "2025-W53", "0000-W01", "2026-47", "2026W47", "week", ""]
)
def test_parse_refuses_weeks_the_calendar_does_not_have(text):
    with pytest.raises(ValueError):
        IsoWeek.parse(text)


def test_a_53_week_year_has_its_week_53():
    assert IsoWeek.parse("2026-W53").monday == date(2026, 12, 28)
    assert IsoWeek.parse("2026-W53").next == IsoWeek(2027, 1)


def test_containing_uses_the_iso_year_at_the_turn_of_the_year():
    assert IsoWeek.containing(date(2027, 1, 3)) == IsoWeek(2026, 53)
    assert IsoWeek.containing(date(2024, 12, 30)) == IsoWeek(2025, 1)


def test_shift_previous_and_weeks_back_cross_years():
    assert IsoWeek(2026, 1).previous == IsoWeek(2025, 52)
    assert IsoWeek(2026, 2).shift(-3) == IsoWeek(2025, 51)
    assert weeks_back(IsoWeek(2026, 2), 3) == [
        IsoWeek(2025, 52),
        IsoWeek(2026, 1),
        IsoWeek(2026, 2),
    ]


def test_bounds_are_local_midnights_on_mondays():
    start, end = IsoWeek(2026, 20).bounds(LA)
    assert start == datetime(2026, 5, 11, 0, 0, tzinfo=LA)
    assert end == datetime(2026, 5, 18, 0, 0, tzinfo=LA)
    assert start.utcoffset().total_seconds() == -7 * 3600
    assert hours(start, end) == 168


def test_the_week_daylight_saving_starts_is_167_hours():
    # 2026-03-08: clocks go forward in America/Los_Angeles.
    week = IsoWeek.containing(date(2026, 3, 8))
    assert week == IsoWeek(2026, 10)
    start, end = week.bounds(LA)
    assert hours(start, end) == 167
    assert start.utcoffset() != end.utcoffset()


def test_the_week_daylight_saving_ends_is_169_hours():
    # 2026-11-01: clocks go back.
    week = IsoWeek.containing(date(2026, 11, 1))
    assert week == IsoWeek(2026, 44)
    assert hours(*week.bounds(LA)) == 169
    # The first full week on standard time is an ordinary one.
    assert hours(*IsoWeek(2026, 45).bounds(LA)) == 168


def test_dates_read_naturally_within_a_month_across_months_and_years():
    assert IsoWeek(2026, 47).dates == "16–22 Nov 2026"
    assert IsoWeek(2026, 49).dates == "30 Nov – 6 Dec 2026"
    assert IsoWeek(2026, 53).dates == "28 Dec 2026 – 3 Jan 2027"


def test_converter_matches_only_real_weeks():
    converter = IsoWeekConverter()
    assert converter.to_python("2026-W47") == IsoWeek(2026, 47)
    assert converter.to_url(IsoWeek(2026, 7)) == "2026-W07"
    for bad in ("2026-W54", "2026-W00", "1066-W40"):
        with pytest.raises(ValueError):
            converter.to_python(bad)
