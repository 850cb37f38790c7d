"""Counts that change at known moments, answered for any moment from one computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports.turns import turns

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(minutes: int, seconds: float = 0) -> datetime:
    return NOW + timedelta(minutes=minutes, seconds=seconds)


def test_each_count_changes_at_its_moment_and_not_before():
    figure, holds_until = turns(
        {"breached": 2, "soon": 1},
        [(at(10), "soon", 1), (at(30), "soon", -1), (at(30), "breached", 1), (at(5), "soon", -1)],
    )
    assert holds_until is None
    assert figure.at(NOW) == {"breached": 2, "soon": 1}
    assert figure.at(at(5, -0.000001)) == {"breached": 2, "soon": 1}
    assert figure.at(at(5)) == {"breached": 2, "soon": 0}
    assert figure.at(at(10)) == {"breached": 2, "soon": 1}
    assert figure.at(at(30)) == {"breached": 3, "soon": 0}
    assert figure.at(at(60 * 24 * 365)) == {"breached": 3, "soon": 0}


def test_no_change_to_come_keeps_the_counts():
    figure, holds_until = turns({"breached": 4, "soon": 0}, [])
    assert holds_until is None
    assert figure.at(at(600)) == {"breached": 4, "soon": 0}


def test_beyond_the_limit_the_figure_holds_only_until_the_first_change_left_out():
    changes = [(at(minute), "breached", 1) for minute in (3, 1, 2, 4)]
    figure, holds_until = turns({"breached": 0}, changes, limit=2)
    assert holds_until == at(3)
    assert figure.at(at(2)) == {"breached": 2}
    assert figure.at(at(3, -0.000001)) == {"breached": 2}


def test_changes_at_one_moment_cut_by_the_limit_end_the_figure_at_that_moment():
    figure, holds_until = turns({"breached": 0}, [(at(1), "breached", 1)] * 3, limit=2)
    assert holds_until == at(1)
    assert figure.at(at(1, -0.000001)) == {"breached": 0}
