"""The response summary and the dashboard's counts come from the cache until what they read is
written, or until the clock alone would change them: every write is seen by the next read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from escalations.handoffs.models import Engagement, EngagementState
from reports.dashboard import headline_strip, ticket_counts
from reports.summary import summary_for_period
from tests.factories import AdministratorFactory, EngagementFactory, ServiceFactory, TicketFactory
from tickets.models import Status, Ticket, Tier

pytestmark = pytest.mark.django_db


def row(rows, admin):
    return next(r for r in rows if r.admin.pk == admin.pk)


def test_a_second_read_with_nothing_written_runs_no_figure_query(django_assert_num_queries):
    EngagementFactory.create_batch(3)
    TicketFactory.create_batch(2, tier=Tier.ESCALATE)
    now = timezone.now()
    summary_for_period("30", now=now)
    ticket_counts(now=now)
    with django_assert_num_queries(0):
        summary_for_period("30", now=now)
        ticket_counts(now=now)


def test_a_new_request_and_its_answer_are_in_the_next_summary(agent):
    admin = AdministratorFactory()
    engagement = EngagementFactory(admin=admin)
    assert row(summary_for_period("30"), admin).requests == 1
    assert row(summary_for_period("30"), admin).responded == 0

    EngagementFactory(admin=admin)
    assert row(summary_for_period("30"), admin).requests == 2

    engagement.record_response(
        outcome="gave_input", channel="ticket", responded_at=timezone.now(), by=agent
    )
    assert row(summary_for_period("30"), admin).responded == 1
    assert row(summary_for_period("all"), admin).responded == 1


def test_a_state_changed_by_a_queryset_update_is_seen():
    admin = AdministratorFactory()
    engagement = EngagementFactory(admin=admin)
    assert row(summary_for_period("7"), admin).open == 1
    Engagement.objects.filter(pk=engagement.pk).update(state=EngagementState.NO_RESPONSE)
    rows = summary_for_period("7")
    assert (row(rows, admin).open, row(rows, admin).no_response) == (0, 1)


def test_a_renamed_administrator_is_renamed_in_the_summary():
    admin = AdministratorFactory(name="Dana Old")
    EngagementFactory(admin=admin)
    assert row(summary_for_period("30"), admin).admin.name == "Dana Old"
    admin.name = "Dana New"
    admin.save()
    assert row(summary_for_period("30"), admin).admin.name == "Dana New"


def test_a_request_leaving_the_window_leaves_the_summary_without_any_write():
    admin = AdministratorFactory()
    now = timezone.now()
    EngagementFactory(admin=admin, requested_at=now - timedelta(days=6, hours=23))
    assert row(summary_for_period("7", now=now), admin).requests == 1
    later = now + timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        assert row(summary_for_period("7", now=later), admin).requests == 0


def test_ticket_counts_follow_every_kind_of_ticket_write():
    now = timezone.now()
    ticket = TicketFactory(tier=Tier.ESCALATE)
    assert ticket_counts(now=now)["escalations"] == 1
    TicketFactory(tier=Tier.ESCALATE)
    assert ticket_counts(now=now)["escalations"] == 2
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    assert ticket_counts(now=now)["escalations"] == 1
    Ticket.objects.bulk_create(
        [TicketFactory.build(external_id="880001", agent=ticket.agent, tier=Tier.ESCALATE)]
    )
    assert ticket_counts(now=now)["escalations"] == 2
    Ticket.objects.filter(external_id="880001").delete()
    assert ticket_counts(now=now)["escalations"] == 1


def test_a_due_time_passing_turns_the_breached_count_with_no_write():
    now = timezone.now()
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.IN_PROGRESS,
        first_responded_at=now,
        resolution_due_at=now + timedelta(minutes=30),
        next_due_at=now + timedelta(minutes=30),
        due_soon_at=now + timedelta(minutes=10),
    )
    assert (ticket_counts(now=now)["soon"], ticket_counts(now=now)["breached"]) == (0, 0)
    soon = now + timedelta(minutes=10)
    assert (ticket_counts(now=soon)["soon"], ticket_counts(now=soon)["breached"]) == (1, 0)
    late = now + timedelta(minutes=30)
    assert (ticket_counts(now=late)["soon"], ticket_counts(now=late)["breached"]) == (0, 1)


def test_headline_strip_sees_a_new_open_request_and_this_weeks_answer(agent):
    now = timezone.now()
    assert headline_strip(now=now)["awaiting"] == 0
    engagement = EngagementFactory(requested_at=now - timedelta(minutes=30))
    assert headline_strip(now=now)["awaiting"] == 1
    assert headline_strip(now=now)["median_seconds"] is None
    engagement.record_response(outcome="gave_input", channel="ticket", responded_at=now, by=agent)
    strip = headline_strip(now=now)
    assert (strip["awaiting"], strip["median_seconds"]) == (0, 1800)


def test_dashboard_and_administrators_page_show_a_request_logged_after_a_read(
    supervisor_client,
):
    admin = AdministratorFactory(name="Robin Vale")
    supervisor_client.get(reverse("dashboard"))
    supervisor_client.get(reverse("admins:list"))
    EngagementFactory(admin=admin)
    for url in (reverse("dashboard"), reverse("admins:list")):
        html = supervisor_client.get(url).content.decode()
        assert "Robin Vale" in html


def test_a_finished_weeks_report_is_read_once_until_something_is_written(
    known_week, django_assert_num_queries
):
    from reports.weekly import build_cached
    from reports.weeks import IsoWeek

    week = IsoWeek(2026, 20)
    build_cached(week)
    with django_assert_num_queries(0):
        build_cached(week)


def test_a_late_answer_is_in_the_next_read_of_a_finished_weeks_report(known_week):
    from escalations.handoffs.models import Outcome
    from reports.weekly import build_cached
    from reports.weeks import IsoWeek
    from tests.reports.conftest import may

    week = IsoWeek(2026, 20)
    before = build_cached(week)
    assert before.current.engagements["answered"] == 2
    assert before.current.responses[Outcome.GAVE_INPUT] == 1
    waiting = Engagement.objects.filter(
        state=EngagementState.OPEN, requested_at__gte=may(11), requested_at__lt=may(18)
    ).first()
    # Logged now, over two weeks late, as given an hour after the request.
    waiting.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel="ticket",
        responded_at=waiting.requested_at + timedelta(hours=1),
        by=waiting.requested_by,
    )
    after = build_cached(week)
    assert after.current.engagements["answered"] == 3
    assert after.current.responses[Outcome.GAVE_INPUT] == 2
    assert after.timings["answer"]["count"] == 3


def test_every_other_source_of_a_finished_weeks_report_is_seen_at_the_next_read(known_week):
    from admins.models import Service
    from escalations.handoffs.models import AdminResponse, Outcome, Procedure
    from escalations.urgent.models import UrgentRequest
    from reports.models import GovernanceThreshold
    from reports.weekly import build_cached
    from reports.weeks import IsoWeek
    from tests.factories import UserFactory
    from tests.reports.conftest import may
    from tickets.sla.models import Closure

    week = IsoWeek(2026, 20)
    ticket = known_week.tickets[2]
    report = build_cached(week)
    assert report.activity["urgent"] == 0
    assert report.governance_breaches == []
    assert report.knowledge["procedures"] == []
    answer_business = report.timings["answer_business"]["median"]

    UrgentRequest.objects.create(
        ticket=ticket, filed_by=UserFactory(), filed_at=may(13, 9), business_impact="x", reason="y"
    )
    assert build_cached(week).activity["urgent"] == 1
    GovernanceThreshold.objects.create(limit=1)
    assert [b.count for b in build_cached(week).governance_breaches] == [4]
    service = Service.objects.create(name="Printing")
    answer = AdminResponse.objects.filter(outcome=Outcome.GAVE_INPUT).first()
    procedure = Procedure.objects.create(
        service=service, title="Clear a queue", body="Steps", source=answer
    )
    Procedure.objects.filter(pk=procedure.pk).update(created_at=may(14, 9))
    assert [p["procedure"] for p in build_cached(week).knowledge["procedures"]] == ["Clear a queue"]
    service.name = "Printers"
    service.save()
    assert [p["service"] for p in build_cached(week).knowledge["procedures"]] == ["Printers"]
    # Both answers of the week were given on Monday 11 May: closed, that day counts nothing.
    Closure.objects.create(day=may(11).date(), name="Closed")
    assert build_cached(week).timings["answer_business"]["median"] != answer_business


def clocked(*, due_in: timedelta, soon_in: timedelta, now, **fields) -> Ticket:
    """An open ticket whose clock runs, due and due soon at the given offsets from ``now``."""
    ticket = TicketFactory()
    values = {
        "status": Status.IN_PROGRESS,
        "first_responded_at": now - timedelta(hours=1),
        "resolution_due_at": now + due_in,
        "next_due_at": now + due_in,
        "due_soon_at": now + soon_in,
    } | fields
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    return ticket


def sla(now) -> tuple[int, int]:
    counts = ticket_counts(now=now)
    return counts["breached"], counts["soon"]


def test_a_ticket_breached_by_a_late_answer_is_counted_once_when_its_due_time_passes():
    now = timezone.now()
    # Answered after its response target: breached already, and its resolution due later.
    clocked(
        due_in=timedelta(minutes=30),
        soon_in=timedelta(minutes=10),
        now=now,
        response_due_at=now - timedelta(hours=2),
    )
    assert sla(now) == (1, 0)
    assert sla(now + timedelta(minutes=10)) == (1, 0)
    assert sla(now + timedelta(minutes=31)) == (1, 0)


def test_the_counts_after_a_due_time_passed_follow_the_next_write():
    now = timezone.now()
    ticket = clocked(due_in=timedelta(minutes=30), soon_in=timedelta(minutes=10), now=now)
    clocked(due_in=timedelta(hours=3), soon_in=timedelta(hours=2), now=now)
    late = now + timedelta(minutes=45)
    assert sla(now) == (0, 0)
    assert sla(late) == (1, 0)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED, resolved_at=late)
    assert sla(late) == (0, 0)
    assert sla(now + timedelta(hours=2)) == (0, 1)
    assert sla(now + timedelta(hours=3)) == (1, 0)


def test_more_due_times_than_the_figure_holds_are_each_counted_when_they_pass(monkeypatch):
    monkeypatch.setattr("reports.turns.LIMIT", 2)
    now = timezone.now()
    for minutes in (10, 20, 30, 40, 50):
        clocked(due_in=timedelta(minutes=minutes), soon_in=timedelta(minutes=minutes - 5), now=now)
    assert [sla(now + timedelta(minutes=m)) for m in (0, 5, 10, 25, 40, 45, 50)] == [
        (0, 0),
        (0, 1),
        (1, 0),
        (2, 1),
        (4, 0),
        (4, 1),
        (5, 0),
    ]


def test_a_read_at_an_earlier_moment_than_the_cached_figure_is_computed_for_it():
    now = timezone.now()
    clocked(due_in=timedelta(minutes=30), soon_in=timedelta(minutes=10), now=now)
    assert sla(now + timedelta(minutes=40)) == (1, 0)
    assert sla(now) == (0, 0)


def test_the_dashboard_shows_a_ticket_turn_due_soon_then_breached_with_no_write(
    supervisor_client,
):
    now = timezone.now()
    clocked(due_in=timedelta(minutes=30), soon_in=timedelta(minutes=10), now=now)
    seen = []
    for minutes in (0, 15, 45):
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            html = supervisor_client.get(reverse("dashboard")).content.decode()
        strip = html.split('id="headline-strip"')[1].split("</section>")[0]
        seen.append(strip.split('?sla=breached">Breached</a></dt><dd>')[1].split("</dd></div>")[0])
    assert seen == [
        '0</dd><dd class="note">0 due soon',
        '0</dd><dd class="note">1 due soon',
        '1</dd><dd class="note">0 due soon',
    ]


def governance_lines(client, at) -> list[str]:
    with time_machine.travel(at, tick=False):
        html = client.get(reverse("dashboard")).content.decode()
    return [line for line in html.split("\n") if "Escalate requests this week" in line]


def test_the_dashboards_governance_breach_follows_thresholds_requests_and_the_clock(
    supervisor_client,
):
    from reports.models import GovernanceThreshold, ThresholdScope
    from tests.reports.test_governance import WEDNESDAY, escalations

    vpn = ServiceFactory(name="VPN")
    escalations(3, service=vpn)
    assert governance_lines(supervisor_client, WEDNESDAY) == []
    threshold = GovernanceThreshold.objects.create(
        scope=ThresholdScope.SERVICE, service=vpn, limit=2
    )
    [line] = governance_lines(supervisor_client, WEDNESDAY)
    assert "VPN: 3 Escalate requests this week, limit 2" in line
    # A request dated an hour ahead counts once that hour has come.
    escalations(1, service=vpn, at=WEDNESDAY + timedelta(hours=1, minutes=1))
    assert "VPN: 3 Escalate" in governance_lines(supervisor_client, WEDNESDAY)[0]
    later = WEDNESDAY + timedelta(hours=2)
    assert "VPN: 4 Escalate" in governance_lines(supervisor_client, later)[0]
    vpn.name = "Remote access"
    vpn.save()
    assert "Remote access: 4 Escalate" in governance_lines(supervisor_client, later)[0]
    threshold.delete()
    assert governance_lines(supervisor_client, later) == []
