"""The report's figures on the known week of conftest.py, worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalations.handoffs.models import Outcome
from reports.weekly import build, weeks_with_data
from reports.weeks import IsoWeek
from tests.reports.conftest import may

W20, W19 = IsoWeek(2026, 20), IsoWeek(2026, 19)


def figure(report, label):
    return next(f for f in report.figures if f.label == label)


def test_tickets_logged_resolved_and_the_escalation_rate(known_week):
    report = build(W20)
    tickets = report.current.tickets
    # T1, T2, T3, T4, T5 and T7 (the last second of Sunday); T8 opened on the next Monday.
    assert tickets["logged"] == 6
    # T1, T2 and T9 (opened the week before).
    assert tickets["resolved"] == 3
    # T2, T4 and T5 were escalated before the week ended.
    assert tickets["escalated"] == 3
    assert report.current.escalation_rate == 0.5
    assert report.previous.tickets["logged"] == 2
    assert report.previous.escalation_rate == 0.5


def test_volume_by_tier_and_by_category(known_week):
    report = build(W20)
    assert [(r["label"], r["logged"], r["resolved"]) for r in report.by_tier] == [
        ("Handle", 2, 2),
        ("Collaborate", 1, 0),
        ("Escalate", 3, 1),
    ]
    assert [(r["label"], r["logged"], r["resolved"]) for r in report.by_category] == [
        ("Break/fix", 4, 3),
        ("Security and access", 1, 0),
        ("Uncategorised", 1, 0),
    ]


def test_engagements_mtta_and_mtte(known_week):
    report = build(W20)
    engagements = report.current.engagements
    assert engagements["requested"] == 5
    assert (engagements["collaborate"], engagements["escalate"]) == (1, 4)
    assert engagements["answered"] == 2
    assert engagements["still_open"] == 2
    # Answered after one hour (T2) and three hours (T3).
    assert engagements["mtta_seconds"] == 2 * 3600
    # First escalations: T2 after 2 h, T4 after 4 h, T5 after 2 h; T2's second one is not.
    assert report.current.mtte == {"count": 3, "mtte_seconds": pytest.approx(8 * 3600 / 3)}
    # The week before: T6, escalated after a day and declined four days after the request.
    assert report.previous.mtte == {"count": 1, "mtte_seconds": pytest.approx(24 * 3600)}
    assert report.previous.engagements["mtta_seconds"] == 4 * 86400


def test_responses_by_outcome_and_off_policy(known_week):
    responses = build(W20).current.responses
    assert responses["total"] == 4
    assert responses[Outcome.ACCEPTED] == 1
    assert responses[Outcome.GAVE_INPUT] == 1
    assert responses[Outcome.NO_RESPONSE] == 1
    # T6 was requested the week before but declined in this one.
    assert responses[Outcome.DECLINED] == 1
    assert responses[Outcome.REDIRECTED] == 0
    assert responses["off_policy"] == 1


def test_sla_met_and_breached_by_priority(known_week):
    report = build(W20)
    rows = {r.label: r for r in report.sla_rows}
    assert list(rows) == ["Emergency", "High"]
    emergency, high = rows["Emergency"], rows["High"]
    assert (emergency.resolved, emergency.response_met, emergency.response_breached) == (1, 0, 1)
    assert (emergency.resolution_met, emergency.resolution_breached) == (0, 1)
    assert (high.resolved, high.response_met, high.response_breached) == (2, 2, 0)
    assert (high.resolution_met, high.resolution_breached, high.resolution_none) == (1, 1, 0)
    total = report.sla_total
    assert (total.resolved, total.response_met, total.resolution_met) == (3, 2, 1)
    assert total.resolution_rate == pytest.approx(1 / 3)


def test_headline_figures_against_the_previous_week(known_week):
    report = build(W20)
    logged = figure(report, "Tickets logged")
    assert (logged.display, logged.previous_display) == ("6", "2")
    assert (logged.change.direction, logged.change.text) == ("up", "up 200% on the previous week")
    rate = figure(report, "Escalation rate")
    assert (rate.display, rate.change.direction) == ("50%", "same")
    mtta = figure(report, "MTTA")
    assert (mtta.display, mtta.previous_display, mtta.change.direction) == (
        "2.0 h",
        "4.0 d",
        "down",
    )
    mtte = figure(report, "MTTE")
    assert (mtte.display, mtte.previous_display) == ("2.7 h", "24.0 h")
    silence = figure(report, "No responses logged")
    assert silence.change.text == "up from none the previous week"
    sla = figure(report, "Resolution SLA met")
    # Nothing was resolved the week before: nothing to compare.
    assert (sla.display, sla.previous_display, sla.change) == ("33%", "—", None)


def test_admin_response_summary_covers_only_the_week(known_week):
    report = build(W20)
    rows = {row.admin.name: row for row in report.summary}
    # Old Timer's request was made the week before: not in this week's summary.
    assert list(rows) == ["Dana Whitfield", "Lee Marsh"]
    dana, lee = rows["Dana Whitfield"], rows["Lee Marsh"]
    assert (dana.requests, dana.responded, dana.no_response, dana.median_seconds) == (3, 1, 1, 3600)
    assert (lee.requests, lee.responded, lee.direct_messages, lee.median_seconds) == (
        2,
        1,
        1,
        10800,
    )


def test_notable_non_responses_and_declines(known_week):
    report = build(W20)
    assert report.notable_count == 2
    # Both are escalations; T6 has a priority (High), T4 none, so T6 comes first.
    assert [(r.engagement.ticket.external_id, r.outcome) for r in report.notable] == [
        ("9006", Outcome.DECLINED),
        ("9004", Outcome.NO_RESPONSE),
    ]


def test_open_escalations_with_their_age_at_the_end_of_the_week(known_week):
    aging = build(W20).aging
    # Only T5's escalation: T2's second one is on a ticket resolved in the week, T4's was
    # logged as no response, T6's was declined.
    assert aging.total == 1
    assert [e.ticket.external_id for e in aging.oldest] == ["9005"]
    assert aging.as_of - aging.oldest[0].requested_at == timedelta(hours=2)
    assert dict(aging.buckets)["Under 1 day"] == 1
    # At the end of the week before, T6's escalation had waited 3 days 14 hours.
    before = build(W19).aging
    assert [e.ticket.external_id for e in before.oldest] == ["9006"]
    assert dict(before.buckets) == {
        "Under 1 day": 0,
        "1 to 3 days": 0,
        "3 to 7 days": 1,
        "7 days or more": 0,
    }


def test_off_policy_direct_messages(known_week):
    report = build(W20)
    assert [(r["engagement__admin__name"], r["n"]) for r in report.off_policy_admins] == [
        ("Lee Marsh", 1)
    ]
    assert [r.engagement.ticket.external_id for r in report.off_policy_latest] == ["9003"]


def test_trend_of_the_last_eight_weeks(known_week):
    trend = build(W20).trend
    assert [str(w) for w in trend.weeks][0] == "2026-W13"
    assert [str(w) for w in trend.weeks][-1] == "2026-W20"
    rows = dict(trend.rows)
    assert rows["Tickets logged"] == [0, 0, 0, 0, 0, 0, 2, 6]
    assert rows["Escalate requests"] == [0, 0, 0, 0, 0, 0, 1, 4]
    assert rows["No responses"] == [0, 0, 0, 0, 0, 0, 0, 1]
    logged_chart = trend.charts[0][1]
    assert [p.value for p in logged_chart.series[0].points] == [0, 0, 0, 0, 0, 0, 2, 6]


def test_a_week_still_running_is_reported_as_of_now(known_week, frozen):
    from reports.weekly import current_week

    now = may(12, 12)
    report = build(current_week(now), now=now)
    assert report.week == W20
    assert report.in_progress
    assert report.as_of == now
    # At noon on Tuesday only T2's second escalation waits: T4's and T5's come later.
    assert [e.ticket.external_id for e in report.aging.oldest] == ["9002"]


def test_a_week_with_a_daylight_saving_change_counts_by_local_midnights(db, frozen):
    from tests.factories import TicketFactory

    # 2026-W10 is 167 hours: 00:30 on Monday 9 March is already the next week.
    TicketFactory(opened_at=may(1).replace(month=3, day=8, hour=23, minute=30))
    TicketFactory(opened_at=may(1).replace(month=3, day=9, hour=0, minute=30))
    TicketFactory(opened_at=may(1).replace(month=3, day=2, hour=0, minute=0))
    report = build(IsoWeek(2026, 10))
    assert report.hours == 167
    assert report.current.tickets["logged"] == 2
    assert [(str(w), n) for w, n in weeks_with_data()] == [("2026-W11", 1), ("2026-W10", 2)]


def test_a_running_week_is_compared_with_the_same_part_of_the_week_before(db):
    from tests.factories import TicketFactory
    from tickets.models import Status

    def resolved(at):
        return TicketFactory(
            opened_at=at - timedelta(hours=1), status=Status.RESOLVED, resolved_at=at
        )

    # The week before: one ticket resolved by Tuesday noon, one on Friday.
    resolved(may(5, 10))
    resolved(may(8, 10))
    # This week, as of Tuesday noon: one resolved so far.
    resolved(may(11, 10))
    report = build(W20, now=may(12, 12))

    assert report.in_progress
    assert report.compared_with == "2026-W19 to Tue 12:00"
    resolved_figure = figure(report, "Tickets resolved")
    # Against the whole week before this would read "down 50%".
    assert (resolved_figure.display, resolved_figure.previous_display) == ("1", "1")
    assert resolved_figure.change.short == "same"
    assert resolved_figure.change.text == "same as 2026-W19 to the same point"
    # The trend still shows the whole week before.
    assert dict(report.trend.rows)["Tickets logged"][-2:] == [2, 1]


def test_a_finished_week_is_compared_with_the_whole_week_before(known_week):
    report = build(W20)
    assert report.compared_until is None
    assert report.compared_with == "2026-W19"
    assert figure(report, "Tickets logged").change.text == "up 200% on the previous week"
