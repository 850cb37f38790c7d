"""SLA clocks with frozen time: business hours, pauses, target changes, the periodic scan."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from admins.models import PurviewRole
from admins.services import declare_purview
from escalations import silence as checks
from escalations.handoffs.models import AdminResponse, Engagement, EngagementState, Outcome
from escalations.handoffs.services import collaborate, escalate, save_checklist
from escalations.notifications.models import Notification
from tests import scans
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    ServiceFactory,
    SupervisorFactory,
    TicketFactory,
)
from tickets.models import Category, EventKind, Priority, SlaState, Status, Ticket, Tier
from tickets.services import log_ticket, update_ticket
from tickets.sla import clock as sla
from tickets.sla.models import BusinessCalendar, Closure, ServiceTarget

LA = ZoneInfo("America/Los_Angeles")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


def break_fix(priority: str) -> dict:
    return {
        "category": Category.objects.get(number=1),
        "priority": Priority.objects.get(name=priority, category=None),
    }


def log(agent, when: datetime, **fields) -> Ticket:
    with time_machine.travel(when, tick=False):
        return log_ticket(
            by=agent,
            external_id=str(fields.pop("number", 4000)),
            title="VPN",
            opened_at=when,
            **fields,
        )


def edit(ticket: Ticket, by, when: datetime, **changes) -> Ticket:
    with time_machine.travel(when, tick=False):
        fresh = Ticket.objects.get(pk=ticket.pk)
        update_ticket(
            fresh,
            by=by,
            changes=changes,
            expected_version=fresh.version,
            seen_event=fresh.events.order_by("-id").values_list("id", flat=True).first(),
        )
    return Ticket.objects.get(pk=ticket.pk)


pytestmark = pytest.mark.django_db


def test_emergency_is_due_four_business_hours_after_opening(agent):
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Emergency"))
    assert ticket.response_due_at == local(2026, 11, 23, 14, 0)
    assert ticket.resolution_due_at == local(2026, 11, 23, 14, 0)
    assert ticket.next_due_at == ticket.response_due_at


def test_a_working_day_from_friday_afternoon_lands_on_monday(agent):
    ticket = log(agent, local(2026, 11, 20, 15, 0), **break_fix("High"))
    # Two hours on Friday, seven on Monday: a 9-hour working day.
    assert ticket.resolution_due_at == local(2026, 11, 23, 15, 0)


def test_a_ticket_opened_at_night_starts_counting_at_opening(agent):
    ticket = log(agent, local(2026, 11, 24, 22, 30), **break_fix("Emergency"))
    assert ticket.response_due_at == local(2026, 11, 25, 12, 0)


def test_holidays_do_not_count(agent):
    Closure.objects.create(day=local(2026, 11, 26).date(), name="Holiday")
    ticket = log(agent, local(2026, 11, 25, 15, 0), **break_fix("Emergency"))
    # Two hours on Wednesday, Thursday closed, two hours on Friday.
    assert ticket.resolution_due_at == local(2026, 11, 27, 10, 0)


def test_daylight_saving_change_keeps_local_opening_hours(agent):
    ticket = log(agent, local(2026, 3, 6, 16, 0), **break_fix("High"))
    assert ticket.resolution_due_at == local(2026, 3, 9, 16, 0)
    assert ticket.resolution_due_at.astimezone(LA).utcoffset() == timedelta(hours=-7)


def test_an_uncategorised_ticket_must_be_categorised_within_two_hours(agent):
    ticket = log(agent, local(2026, 11, 23, 9, 0))
    assert (ticket.response_due_at, ticket.resolution_due_at) == (local(2026, 11, 23, 11, 0), None)
    ticket = edit(ticket, agent, local(2026, 11, 23, 9, 30), **break_fix("Instructional"))
    assert ticket.resolution_due_at == local(2026, 11, 26, 9, 0)


def test_a_category_without_a_priority_keeps_the_categorise_clock_running(agent):
    ticket = log(agent, local(2026, 11, 23, 9, 0), category=Category.objects.get(number=1))
    # Seed 004 prioritises on entry: half-categorised is still uncategorised.
    assert ticket.is_uncategorised
    assert (ticket.response_due_at, ticket.next_due_at) == (local(2026, 11, 23, 11, 0),) * 2
    assert sla.state(ticket, now=local(2026, 11, 23, 11, 5)) == SlaState.BREACHED
    assert list(Ticket.objects.uncategorised()) == [ticket]

    ticket = edit(ticket, agent, local(2026, 11, 23, 9, 30), **break_fix("Instructional"))
    assert not ticket.is_uncategorised
    assert ticket.resolution_due_at == local(2026, 11, 26, 9, 0)
    assert not Ticket.objects.uncategorised().exists()


def test_a_priority_without_a_category_is_uncategorised_too(agent):
    ticket = log(agent, local(2026, 11, 23, 9, 0), priority=Priority.objects.get(name="High"))
    assert (ticket.response_due_at, ticket.resolution_due_at) == (local(2026, 11, 23, 11, 0), None)
    assert list(Ticket.objects.uncategorised()) == [ticket]


def test_due_soon_is_the_last_share_of_the_target_in_business_time(agent):
    # One working day from Friday 15:00 is Monday 15:00; a quarter of it (2 h 15 min of a
    # 9-hour day) is left from Monday 12:45, not from two wall-clock hours before.
    ticket = log(agent, local(2026, 11, 20, 15, 0), **break_fix("High"))
    assert ticket.next_due_at == local(2026, 11, 23, 15, 0)
    assert ticket.due_soon_at == local(2026, 11, 23, 12, 45)
    assert sla.state(ticket, now=local(2026, 11, 23, 12, 40)) == SlaState.ON_TRACK
    assert sla.state(ticket, now=local(2026, 11, 23, 12, 50)) == SlaState.DUE_SOON
    BusinessCalendar.objects.filter(pk=1).update(due_soon_percent=50)
    cache.clear()
    with time_machine.travel(local(2026, 11, 20, 15, 30), tick=False):
        sla.refresh(ticket)
    assert ticket.due_soon_at == local(2026, 11, 23, 10, 30)


def test_a_new_uncategorised_ticket_is_not_due_soon_at_once(
    agent, django_capture_on_commit_callbacks
):
    ticket = log(agent, local(2026, 11, 23, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        first_minute = checks.run(now=local(2026, 11, 23, 9, 1))
        last_half_hour = checks.run(now=local(2026, 11, 23, 10, 31))
    assert sla.state(ticket, now=local(2026, 11, 23, 9, 1)) == SlaState.ON_TRACK
    assert (first_minute.warned, last_half_hour.warned) == (0, 1)
    notice = Notification.objects.get(user=agent, ticket=ticket)
    assert "categorisation due" in notice.subject
    assert "Give it a category and a priority" in notice.body


def test_an_uncategorised_ticket_in_progress_is_warned_about_categorising(
    agent, django_capture_on_commit_callbacks
):
    ticket = log(agent, local(2026, 11, 23, 9, 0), category=Category.objects.get(number=1))
    edit(ticket, agent, local(2026, 11, 23, 9, 10), status=Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        checks.run(now=local(2026, 11, 23, 10, 45))
        checks.run(now=local(2026, 11, 23, 11, 5))
    subjects = sorted(
        Notification.objects.filter(user=agent, ticket=ticket).values_list("subject", flat=True)
    )
    assert len(subjects) == 2
    assert all("categorisation" in subject for subject in subjects)


def test_no_defined_sla_has_no_due_time(agent):
    ticket = log(agent, local(2026, 11, 23, 9, 0), **break_fix("Vendor dependent"))
    assert (ticket.response_due_at, ticket.resolution_due_at, ticket.next_due_at) == (
        None,
        None,
        None,
    )
    assert sla.state(ticket, now=timezone.now()) == SlaState.NO_SLA


def test_waiting_on_the_requester_pauses_and_resuming_moves_the_due_time(agent):
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Emergency"))
    paused = edit(ticket, agent, local(2026, 11, 23, 11, 0), status=Status.WAITING_ON_REQUESTER)
    assert paused.sla_paused_at == local(2026, 11, 23, 11, 0)
    assert paused.next_due_at is None
    assert sla.state(paused, now=timezone.now()) == SlaState.PAUSED

    resumed = edit(paused, agent, local(2026, 11, 24, 9, 0), status=Status.IN_PROGRESS)

    # Paused 11:00-17:00 Monday and 08:00-09:00 Tuesday: seven business hours.
    assert resumed.sla_paused_seconds == 7 * 3600
    assert resumed.sla_paused_at is None
    assert resumed.resolution_due_at == local(2026, 11, 24, 12, 0)


def test_a_change_of_priority_recomputes_from_the_opened_time(agent):
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Administrative"))
    assert ticket.resolution_due_at == local(2026, 11, 27, 10, 0)
    ticket = edit(ticket, agent, local(2026, 11, 23, 11, 0), **break_fix("Emergency"))
    assert ticket.resolution_due_at == local(2026, 11, 23, 14, 0)


def test_a_target_edit_applies_when_the_clock_is_next_refreshed(agent):
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Emergency"))
    ServiceTarget.objects.filter(category=ticket.category, priority=ticket.priority).update(
        resolution=2, resolution_unit="hours"
    )
    with time_machine.travel(local(2026, 11, 23, 10, 30), tick=False):
        sla.refresh(ticket)
    assert ticket.resolution_due_at == local(2026, 11, 23, 12, 0)


def test_states_over_time(agent):
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Emergency"))

    def at(when):
        return sla.state(Ticket.objects.get(pk=ticket.pk), now=when)

    assert at(local(2026, 11, 23, 11, 0)) == SlaState.ON_TRACK
    assert at(local(2026, 11, 23, 13, 30)) == SlaState.DUE_SOON
    assert at(local(2026, 11, 23, 14, 1)) == SlaState.BREACHED
    with time_machine.travel(local(2026, 11, 23, 12, 0), tick=False):
        Ticket.objects.get(pk=ticket.pk).resolve(by=agent)
    assert at(local(2026, 11, 24, 9, 0)) == SlaState.MET


def test_the_list_filter_agrees_with_the_badge(agent):
    start = local(2026, 11, 23, 10, 0)
    tickets = [
        log(agent, start, number=5001, **break_fix("Emergency")),
        log(agent, start - timedelta(days=3), number=5002, **break_fix("Emergency")),
        log(agent, start, number=5003, **break_fix("Vendor dependent")),
        log(agent, start, number=5004, **break_fix("Administrative")),
        log(agent, start - timedelta(hours=1), number=5005),
    ]
    edit(tickets[3], agent, start + timedelta(minutes=5), status=Status.WAITING_ON_VENDOR)
    # Breached days ago, then put on hold: still breached.
    late_then_paused = log(agent, start - timedelta(days=3), number=5006, **break_fix("Emergency"))
    edit(late_then_paused, agent, start, status=Status.WAITING_ON_REQUESTER)
    # Worked on but never categorised: its categorisation deadline still runs.
    uncategorised = log(agent, start - timedelta(minutes=20), number=5007)
    edit(uncategorised, agent, start - timedelta(minutes=10), status=Status.IN_PROGRESS)
    # A category but no priority: still on the categorisation clock, due soon from 10:30.
    half = log(
        agent, start - timedelta(hours=1), number=5008, category=Category.objects.get(number=1)
    )
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        Ticket.objects.get(pk=tickets[0].pk).resolve(by=agent)
    now = start + timedelta(minutes=30)
    for state in SlaState:
        by_query = set(Ticket.objects.sla_state(state, now=now).values_list("pk", flat=True))
        by_badge = {t.pk for t in Ticket.objects.all() if sla.state(t, now=now) == state}
        assert by_query == by_badge, state
    badge = {t.external_id: sla.state(t, now=now) for t in Ticket.objects.all()}
    assert badge["5006"] == SlaState.BREACHED
    assert badge["5007"] == SlaState.ON_TRACK
    assert badge["5008"] == SlaState.DUE_SOON and half.is_uncategorised
    assert {sla.state(t, now=now) for t in Ticket.objects.all()} == {
        SlaState.MET,
        SlaState.BREACHED,
        SlaState.NO_SLA,
        SlaState.PAUSED,
        SlaState.DUE_SOON,
        SlaState.ON_TRACK,
    }


def escalated_ticket(agent, when: datetime) -> tuple[Ticket, Engagement]:
    service = ServiceFactory(name="VPN")
    owner, backup = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Backup")
    supervisor = SupervisorFactory(email="sup@example.org")
    for admin, role in ((owner, PurviewRole.OWNER), (backup, PurviewRole.BACKUP)):
        declare_purview(
            service, admin=admin, role=role, declared_on=when.date(), evidence="x", by=supervisor
        )
    ticket = log(agent, when, service=service, **break_fix("High"))
    with time_machine.travel(when, tick=False):
        from escalations.handoffs.models import ChecklistItem

        save_checklist(
            ticket,
            by=agent,
            answers={i.pk: (True, "") for i in ChecklistItem.objects.asked()},
        )
        engagement = escalate(
            ticket,
            admin=owner,
            by=agent,
            tag="vpn",
            reason="Needs the owner",
            message="Hi {admin}",
            meta_confirmed=True,
        )
    return Ticket.objects.get(pk=ticket.pk), engagement


def test_an_answer_is_due_two_working_days_after_the_request(agent):
    _, engagement = escalated_ticket(agent, local(2026, 11, 23, 10, 0))
    assert engagement.answer_due_at == local(2026, 11, 25, 10, 0)


def test_silence_is_logged_and_the_request_goes_to_the_backup_once(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket, engagement = escalated_ticket(agent, local(2026, 11, 23, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        early = checks.run(now=local(2026, 11, 25, 9, 59))
        report = checks.run(now=local(2026, 11, 25, 10, 1))
        again = checks.run(now=local(2026, 11, 25, 10, 2))

    assert early.silences == 0
    assert (report.silences, report.rerouted) == (1, 1)
    assert (again.silences, again.rerouted) == (0, 0)
    engagement.refresh_from_db()
    assert engagement.state == EngagementState.NO_RESPONSE
    silence = engagement.responses.get()
    assert (silence.outcome, silence.logged_by) == (Outcome.NO_RESPONSE, None)
    new = ticket.engagements.get(state=EngagementState.OPEN)
    assert new.admin.name == "Bo Backup" and new.message == "Hi Bo Backup"
    ticket.refresh_from_db()
    assert ticket.admin == new.admin
    assert ticket.events.filter(kind=EventKind.REROUTED, after="Bo Backup").count() == 1
    assert Notification.objects.filter(subject__contains=ticket.external_id).count() >= 1
    recipients = sorted(address for m in mailoutbox for address in m.to)
    assert "sup@example.org" in recipients
    # The owner: the request the escalation never got to send, its reminder, then the
    # silence notice; each once. The backup: told once why it came to them, and sent the
    # request itself once, with their own response link, tracked like any other.
    to_owner = [m.subject for m in mailoutbox if m.to == [engagement.admin.email]]
    assert len(to_owner) == 3
    assert sum("escalated to you" in s for s in to_owner) == 1
    assert sum(s.startswith("Reminder:") for s in to_owner) == 1
    assert sum("your answer is overdue" in s for s in to_owner) == 1
    to_backup = [m for m in mailoutbox if m.to == [new.admin.email]]
    assert sorted("passed to you as backup" in m.subject for m in to_backup) == [False, True]
    [request] = [m for m in to_backup if "passed to you" not in m.subject]
    assert "/respond/" in request.body
    assert new.deliveries.get(kind="request").sent_at is not None


def test_due_soon_and_breach_are_each_sent_once(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    agent.email = "agent@example.org"
    agent.save()
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Emergency"))
    with django_capture_on_commit_callbacks(execute=True):
        reports = [
            # Due soon from 13:00: the last quarter of a four-hour target.
            checks.run(now=local(2026, 11, 23, 13, 5)),
            checks.run(now=local(2026, 11, 23, 13, 45)),
            checks.run(now=local(2026, 11, 23, 14, 30)),
            checks.run(now=local(2026, 11, 23, 15, 0)),
        ]
    assert [(r.warned, r.breached) for r in reports] == [(1, 0), (0, 0), (0, 1), (0, 0)]
    assert Notification.objects.filter(user=agent, ticket=ticket).count() == 2
    assert len([m for m in mailoutbox if "agent@example.org" in m.to]) == 2


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_never_double_notify_or_double_reroute(migration_data, agent):
    ticket, engagement = escalated_ticket(agent, local(2026, 11, 23, 10, 0))
    later = local(2026, 11, 26, 10, 0)
    reports, errors = scans.at_once(checks.run, now=later)

    assert errors == []
    assert sum(r.silences for r in reports) == 1
    assert sum(r.rerouted for r in reports) == 1
    assert AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE).count() == 1
    assert Engagement.objects.filter(ticket=ticket).count() == 2
    assert ticket.events.filter(kind=EventKind.REROUTED).count() == 1
    breach_notices = Notification.objects.filter(user=agent, ticket=ticket)
    assert breach_notices.count() == 1


def test_collaborate_requests_get_an_answer_deadline_by_priority(agent):
    ticket = log(agent, local(2026, 11, 23, 10, 0), **break_fix("Emergency"))
    Priority.objects.filter(pk=ticket.priority_id).update(no_response_hours=2)
    ticket.refresh_from_db()
    with time_machine.travel(local(2026, 11, 23, 10, 0), tick=False):
        [engagement] = collaborate(
            ticket, admins=[AdministratorFactory()], by=agent, message="Quick question"
        )
    assert engagement.answer_due_at == local(2026, 11, 23, 12, 0)
    assert Ticket.objects.get(pk=ticket.pk).tier == Tier.COLLABORATE


def test_the_sla_filter_on_the_list(agent_client, agent):
    TicketFactory(external_id="9001")
    breached = log(
        agent, timezone.now() - timedelta(days=10), number=9002, **break_fix("Emergency")
    )
    response = agent_client.get("/tickets/", {"sla": "breached"})
    assert [t.pk for t in response.context["page"].object_list] == [breached.pk]
    assert agent_client.get("/tickets/", {"sla": "nonsense"}).status_code == 400


@pytest.fixture
def agent(db):
    return AgentFactory(username="sla_agent")


def test_the_declared_backup_comes_before_another_owner(agent, supervisor):
    from escalations.handoffs.services import backup_for

    service = ServiceFactory(name="Mail")
    asked, other_owner = AdministratorFactory(name="Al"), AdministratorFactory(name="Other Owner")
    backup = AdministratorFactory(name="Declared Backup")
    for admin, role in (
        (asked, PurviewRole.OWNER),
        (other_owner, PurviewRole.OWNER),
        (backup, PurviewRole.BACKUP),
    ):
        declare_purview(
            service,
            admin=admin,
            role=role,
            declared_on=timezone.localdate(),
            evidence="x",
            by=supervisor,
        )
    engagement = Engagement.objects.create(
        ticket=TicketFactory(service=service),
        admin=asked,
        kind="collaborate",
        requested_by=agent,
        message="Hi Al, Also a question.",
        answer_due_at=timezone.now() - timedelta(minutes=1),
        requested_at=timezone.now() - timedelta(days=3),
    )
    assert backup_for(engagement) == backup
    checks.run()
    new = Engagement.objects.get(state=EngagementState.OPEN)
    # The name is replaced as a word, not inside "Also".
    assert (new.admin, new.message) == (backup, "Hi Declared Backup, Also a question.")
