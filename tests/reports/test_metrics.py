from __future__ import annotations

from datetime import timedelta

import pytest

from reports import metrics


def test_rate_and_mean_leave_nothing_to_divide_empty():
    assert metrics.rate(3, 6) == 0.5
    assert metrics.rate(0, 0) is None
    assert metrics.mean_seconds(timedelta(hours=8), 3) == pytest.approx(9600)
    assert metrics.mean_seconds(7200.0, 2) == 3600
    assert metrics.mean_seconds(None, 0) is None
    assert metrics.mean_seconds(timedelta(0), 0) is None


def test_percent_change():
    assert metrics.percent_change(6, 2) == 200
    assert metrics.percent_change(90, 120) == -25
    assert metrics.percent_change(5, 0) is None


@pytest.mark.parametrize(
    ("current", "previous", "kind", "direction", "text"),
    [
        (6, 2, "count", "up", "up 200% on the previous week"),
        (90, 120, "count", "down", "down 25% on the previous week"),
        (4, 4, "count", "same", "same as the previous week"),
        (5, 0, "count", "up", "up from none the previous week"),
        (3601, 3600, "duration", "same", "about the same as the previous week"),
        (0.5, 0.25, "rate", "up", "up 25 pts on the previous week"),
        (0.148, 0.142, "rate", "up", "up 1 pt on the previous week"),
        (0.331, 0.334, "rate", "same", "same as the previous week"),
        (0.1, 0.3, "rate", "down", "down 20 pts on the previous week"),
        (0.13, 0.14, "rate", "down", "down 1 pt on the previous week"),
        # From the unrounded rates: both read 14%, yet the rate rose by 0.9 pt...
        (0.144, 0.135, "rate", "up", "up 1 pt on the previous week"),
        # ...and 15% against 14% is a rise of 0.2 pt, which is no change in whole points.
        (0.146, 0.144, "rate", "same", "same as the previous week"),
    ],
)
def test_compare_says_which_way_and_by_how_much(current, previous, kind, direction, text):
    change = metrics.compare(current, previous, kind=kind)
    assert (change.direction, change.text) == (direction, text)
    assert text.startswith(change.short)


def test_compare_needs_both_weeks():
    assert metrics.compare(None, 3) is None
    assert metrics.compare(3, None, kind="duration") is None
    assert metrics.compare(4, 3).arrow == "▲"
    assert metrics.compare(2, 3).arrow == "▼"
    assert metrics.compare(3, 3).arrow == "="


@pytest.mark.parametrize(
    ("value", "step"), [(0, 1), (0.75, 1), (1.5, 2), (2.25, 5), (9, 10), (20.75, 25), (480, 500)]
)
def test_nice_step_is_a_round_whole_number(value, step):
    assert metrics.nice_step(value) == step


def test_line_chart_places_points_on_a_zero_based_axis():
    chart = metrics.line_chart(
        ["W1", "W2", "W3"],
        [("Logged", "logged", [0, 50, 100]), ("Escalated", "escalated", [10, 20, 30])],
        styles={"logged": ("#123456", "4 2")},
        width=200,
        height=120,
        margins=(10, 10, 10, 40),
        ticks=4,
    )
    logged, escalated = chart.series
    # Plot area: x 40..190, y 10..110; the axis tops out at 4 steps of 25.
    assert [(p.x, p.y) for p in logged.points] == [(40, 110), (115, 60), (190, 10)]
    assert logged.path == "40.0,110.0 115.0,60.0 190.0,10.0"
    assert (logged.colour, logged.dash) == ("#123456", "4 2")
    assert escalated.colour == "currentColor"
    assert [t.value for t in chart.ticks] == [0, 25, 50, 75, 100]
    assert [t.y for t in chart.ticks] == [110, 85, 60, 35, 10]
    assert [(label.x, label.text) for label in chart.labels] == [
        (40, "W1"),
        (115, "W2"),
        (190, "W3"),
    ]


def test_line_chart_of_nothing_still_has_an_axis():
    chart = metrics.line_chart(["W1"], [("Logged", "logged", [0])], width=100, height=100)
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3, 4]
    assert chart.series[0].points[0].y == chart.plot_bottom


def test_median_and_percentile_come_from_exact_values():
    # 20 min 10 s and 20 min 50 s: the median is 20 min 30 s, not a rounded 20 or 21 min.
    assert metrics.median([1210, 1250]) == 1230
    assert metrics.median([5, 1, 3]) == 3
    assert metrics.median([]) is None
    # Nearest rank: of ten values the 90th percentile is the ninth, of two the second.
    assert metrics.percentile(list(range(1, 11)), 90) == 9
    assert metrics.percentile([10, 20], 90) == 20
    assert metrics.spread([60, 60, 600]) == {"count": 3, "mean": 240, "median": 60, "p90": 600}


def test_exact_duration_keeps_the_seconds():
    from core.templatetags.formatting import exact_duration

    assert exact_duration(1230) == "20 min 30 s"
    assert exact_duration(45) == "45 s"
    assert exact_duration(3 * 3600 + 300) == "3 h 5 min"
    assert exact_duration(2 * 86400 + 4 * 3600) == "2 d 4 h"
    assert exact_duration(None) == "—"
