from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from escalations import demo
from escalations import silence as checks
from escalations.handoffs.models import AdminResponse, Engagement, EngagementState, Outcome
from escalations.notifications.models import Notification
from escalations.urgent import services as urgent
from escalations.urgent.models import UrgentRequest, UrgentStep
from tickets.models import (
    DONE_STATUSES,
    EventKind,
    Priority,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
    Tier,
)
from tickets.sla import clock as sla
from tickets.sla.calendar import add_business_seconds
from tickets.sla.models import BusinessCalendar

# A Monday, 07:30 in Los Angeles: the support center opens in half an hour.
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TICKETS = 400


@pytest.fixture
def seeded(db):
    return demo.seed(tickets=TICKETS, weeks=12, seed=3, now=NOW)


def _states(tickets) -> Counter:
    return Counter(sla.state(t, now=NOW) for t in tickets)


def test_due_times_are_what_the_sla_module_computes(seeded):
    cal = sla.load_calendar(NOW)
    tickets = list(Ticket.objects.order_by("external_id"))
    # Each ticket looks its target up on its own here, unlike the seed's single read.
    for ticket in tickets[::5]:
        expected = sla.due_times(ticket, target=sla.target_for(ticket), cal=cal)
        assert (ticket.response_due_at, ticket.resolution_due_at) == expected
    assert any(t.response_due_at and t.resolution_due_at for t in tickets)
    assert any(t.response_due_at and t.category_id is None for t in tickets)  # categorise
    assert any(t.response_due_at is None and t.resolution_due_at is None for t in tickets)


def test_next_due_is_the_earliest_pending_due_time(seeded):
    tickets = list(Ticket.objects.all())
    assert all(t.next_due_at == sla.next_due(t) for t in tickets)
    assert all(t.next_due_at is None for t in tickets if not t.is_open)
    assert any(t.next_due_at is not None and t.next_due_at > NOW for t in tickets)
    assert any(t.next_due_at is not None and t.next_due_at <= NOW for t in tickets)


def test_waiting_tickets_are_paused_without_a_next_due_time(seeded):
    paused = list(Ticket.objects.exclude(sla_paused_at=None))
    assert {t.status for t in paused} == {Status.WAITING_ON_REQUESTER, Status.WAITING_ON_VENDOR}
    assert not Ticket.objects.filter(status__in=sla.PAUSED_STATUSES, sla_paused_at=None)
    for ticket in paused:
        assert ticket.next_due_at is None
        assert ticket.opened_at <= ticket.first_responded_at <= ticket.sla_paused_at <= NOW


def test_first_response_and_resolution_follow_the_opening(seeded):
    assert not Ticket.objects.filter(status=Status.NEW).exclude(first_responded_at=None)
    assert not Ticket.objects.exclude(status=Status.NEW).filter(first_responded_at=None)
    late = 0
    for ticket in Ticket.objects.exclude(first_responded_at=None):
        assert ticket.opened_at <= ticket.first_responded_at <= (ticket.resolved_at or NOW)
        if ticket.resolved_at:
            assert ticket.resolved_at <= (ticket.closed_at or NOW) <= NOW
        late += bool(ticket.response_due_at and ticket.first_responded_at > ticket.response_due_at)
    assert late > 0


def test_badges_show_every_state_and_finished_tickets_mostly_meet_their_targets(seeded):
    states = _states(Ticket.objects.all())
    assert {SlaState.MET, SlaState.BREACHED, SlaState.PAUSED, SlaState.NO_SLA} <= set(states)
    assert states[SlaState.ON_TRACK] + states[SlaState.DUE_SOON] > 0
    assert seeded.sla_states == {state.value: states[state] for state in SlaState}
    done = _states(Ticket.objects.filter(status__in=DONE_STATUSES))
    assert done[SlaState.MET] > 3 * done[SlaState.BREACHED] > 0
    # The list's filter reads the same badges from the stored columns.
    for state in SlaState:
        assert Ticket.objects.sla_state(state, now=NOW).count() == states[state]


def test_first_check_after_seeding_sends_a_handful_and_a_second_sends_none(db):
    demo.seed(tickets=1500, weeks=4, seed=3, now=NOW)
    # Without the marks the first scan would notify every one of these.
    assert Ticket.objects.filter(next_due_at__lte=NOW).count() > 50
    before = Notification.objects.count()
    first = checks.run(now=NOW)
    sent = Notification.objects.count() - before
    assert 0 < first.warned + first.breached <= max(demo.UNSENT_NOTICES)
    assert first.silences <= max(demo.UNLOGGED_SILENCES)
    assert 0 < sent < 20
    second = checks.run(now=NOW)
    assert (second.silences, second.rerouted, second.warned, second.breached) == (0, 0, 0, 0)
    assert Notification.objects.count() == before + sent


def test_due_soon_tickets_are_warned_but_their_breach_notice_is_still_to_come(db):
    demo.seed(tickets=1500, weeks=4, seed=3, now=NOW)
    due_soon = Ticket.objects.sla_state(SlaState.DUE_SOON, now=NOW)
    assert due_soon.exists()
    assert not due_soon.exclude(breach_notified_for=None)
    later = NOW + timedelta(hours=2)
    checks.run(now=NOW)
    breached = checks.run(now=later)
    assert breached.breached >= due_soon.filter(next_due_at__lte=later).count() > 0


def test_every_engagement_is_due_an_answer_after_it_was_asked(db):
    # A priority with its own answer time, to see it win over the calendar's default.
    quick = Priority.objects.filter(category=None).order_by("number").first()
    quick.no_response_hours = 4
    quick.save()
    demo.seed(tickets=TICKETS, weeks=12, seed=3, now=NOW)
    cal = sla.load_calendar(NOW)
    default = BusinessCalendar.current().no_response_hours
    engagements = list(Engagement.objects.select_related("ticket__priority"))
    assert any(e.ticket.priority_id == quick.pk for e in engagements)
    for engagement in engagements:
        assert engagement.answer_due_at >= engagement.requested_at
        hours = 4 if engagement.ticket.priority_id == quick.pk else default
        assert engagement.answer_due_at == add_business_seconds(
            cal, engagement.requested_at, hours * 3600
        )


def test_overdue_requests_are_mostly_logged_as_no_response_already(db):
    demo.seed(tickets=1500, weeks=4, seed=3, now=NOW)
    overdue = Engagement.objects.filter(state=EngagementState.OPEN, answer_due_at__lte=NOW)
    assert 0 < overdue.count() <= max(demo.UNLOGGED_SILENCES)
    by_scan = AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE, logged_by=None)
    assert by_scan.count() > overdue.count()
    for silence in by_scan.select_related("engagement"):
        assert silence.engagement.answer_due_at <= silence.responded_at <= NOW
    assert TicketEvent.objects.filter(kind=EventKind.RESPONSE, by=None).count() == by_scan.count()


def test_urgent_requests_are_open_and_closed_with_their_timeline(seeded):
    requests = list(UrgentRequest.objects.select_related("ticket", "filed_by", "coordinator"))
    open_ = [r for r in requests if r.is_open]
    closed = [r for r in requests if not r.is_open]
    assert (len(open_), len(closed)) == (3, 5)
    assert seeded.urgent_requests == 8 and seeded.urgent_open == 3
    assert [r.coordinator for r in open_].count(None) == 1
    assert sorted(r.steps.count() for r in open_) == [0, 2, 3]
    assert any(r.estimated_resolution and r.estimated_resolution > NOW for r in open_)
    assert len({r.ticket_id for r in requests}) == len(requests)
    for request in requests:
        ticket = request.ticket
        assert ticket.tier == Tier.ESCALATE
        assert request.filed_by.username in {"manager", "supervisor"}
        assert ticket.opened_at <= request.filed_at <= (request.closed_at or NOW) <= NOW
        steps = list(request.steps.all())
        assert all(request.filed_at <= s.done_at <= (request.closed_at or NOW) for s in steps)
        entries = (
            1
            + (request.coordinator is not None)
            + len(steps)
            + (request.estimated_resolution is not None)
            + (not request.is_open)
        )
        assert urgent.history(request).count() == entries
    for request in open_:
        assert request.ticket.is_open
    for request in closed:
        assert request.outcome and request.closed_by.username == "supervisor"
        assert {s.step for s in request.steps.all()} == set(UrgentStep)


def test_agent_and_supervisor_have_read_and_unread_notifications(seeded):
    for username in ("agent", "supervisor"):
        notes = list(Notification.objects.filter(user__username=username))
        assert {n.read_at is None for n in notes} == {True, False}
        for note in notes:
            assert note.subject and note.body and note.url and note.ticket_id
            assert note.created_at <= (note.read_at or NOW) <= NOW
    assert seeded.notifications == Notification.objects.count()
    subjects = " ".join(Notification.objects.values_list("subject", flat=True))
    assert "target missed" in subjects and "Urgent request" in subjects


def test_a_seed_too_small_to_show_has_no_urgent_requests_or_notifications(db):
    demo.seed(tickets=demo.SHOWCASE_MIN_TICKETS - 1, weeks=12, seed=3, now=NOW)
    assert not UrgentRequest.objects.exists()
    assert not Notification.objects.exists()


def _figures() -> dict:
    """The SLA columns, answer deadlines, urgent requests and notifications, without ids."""
    return {
        "clocks": list(
            Ticket.objects.order_by("external_id").values_list(
                "external_id",
                "status",
                "resolved_at",
                "first_responded_at",
                "response_due_at",
                "resolution_due_at",
                "sla_paused_at",
                "next_due_at",
                "warned_for",
                "breach_notified_for",
            )
        ),
        "answers": list(
            Engagement.objects.order_by(
                "ticket__external_id", "requested_at", "admin__name"
            ).values_list("ticket__external_id", "admin__name", "state", "answer_due_at")
        ),
        "urgent": list(
            UrgentRequest.objects.order_by("filed_at").values_list(
                "ticket__external_id",
                "filed_by__username",
                "filed_at",
                "coordinator__username",
                "estimated_resolution",
                "closed_at",
                "outcome",
            )
        ),
        "notifications": list(
            Notification.objects.order_by("created_at", "subject", "user__username").values_list(
                "user__username", "subject", "body", "created_at", "read_at"
            )
        ),
    }


def _seed_and_read(seed: int) -> dict:
    with transaction.atomic():
        demo.seed(tickets=TICKETS, weeks=12, seed=seed, now=NOW)
        figures = _figures()
        transaction.set_rollback(True)
    return figures


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_clocks_requests_and_notifications():
    first = _seed_and_read(3)
    assert all(first.values())
    assert _seed_and_read(3) == first
    assert _seed_and_read(4)["clocks"] != first["clocks"]


def test_the_demo_has_tickets_escalated_by_the_clock_and_a_threshold(db):
    from escalations import unanswered
    from reports.models import GovernanceThreshold

    result = demo.seed(tickets=1500, weeks=4, seed=3, now=NOW)
    marked = Ticket.objects.exclude(clock_escalated_at=None)
    assert result.clock_escalated == marked.count() >= 1
    assert all(t.first_responded_at is None and t.clock_escalated_at <= NOW for t in marked)
    assert TicketEvent.objects.filter(kind=EventKind.CLOCK_ESCALATED).count() == marked.count()
    # As if the scan had run all along: nothing is left for the first scan to escalate.
    assert unanswered.due(NOW, sla.load_calendar(NOW)) == []
    assert result.thresholds == GovernanceThreshold.objects.count() == 2
    assert demo.seed(tickets=0, weeks=1, seed=3, now=NOW).thresholds == 0  # not twice
