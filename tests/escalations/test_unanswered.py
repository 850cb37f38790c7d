"""Seed 002: a ticket nobody responded to escalates on its own after two working days (or its
response target), once, telling the supervisors, the agent and the service's manager."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import AuditEntry
from escalations import silence, unanswered
from escalations.notifications.models import NoticeKind, Notification, SentNotice
from reports import weekly
from reports.weeks import IsoWeek
from tests.factories import ServiceFactory, SupervisorFactory, TicketFactory
from tickets.models import EventKind, Status, Ticket, TicketEvent
from tickets.sla.clock import load_calendar

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
# Friday 10:00: two working days of 9 hours (7 on Friday, 9 on Monday, 2 on Tuesday) end on
# Tuesday at 10:00, although 47 wall-clock hours have passed by Sunday 09:00.
FRIDAY = datetime(2026, 11, 6, 10, 0, tzinfo=LA)
SUNDAY_47H = datetime(2026, 11, 8, 9, 0, tzinfo=LA)
TUESDAY = datetime(2026, 11, 10, 10, 0, tzinfo=LA)
BOSS = "vpn.boss@example.org"


def unanswered_ticket(**kwargs):
    # No category or priority: no response target of its own, so the two-day default counts.
    with time_machine.travel(FRIDAY, tick=False):
        return TicketFactory(category=None, priority=None, opened_at=FRIDAY, **kwargs)


def scan(at: datetime, django_capture_on_commit_callbacks=None):
    with time_machine.travel(at, tick=False):
        return silence.run(now=at)


def test_a_ticket_without_a_first_response_escalates_after_two_working_days_not_47_hours(
    supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = unanswered_ticket()
    assert scan(SUNDAY_47H).clock_escalated == 0
    assert scan(TUESDAY - timedelta(minutes=1)).clock_escalated == 0
    ticket.refresh_from_db()
    assert ticket.clock_escalated_at is None

    with django_capture_on_commit_callbacks(execute=True):
        report = scan(TUESDAY)
    assert report.clock_escalated == 1
    assert "1 ticket(s) escalated for no first response" in str(report)
    ticket.refresh_from_db()
    assert ticket.clock_escalated_at == TUESDAY
    event = ticket.events.get(kind=EventKind.CLOCK_ESCALATED)
    assert event.by is None and "2 working days" in event.note
    assert AuditEntry.objects.filter(
        target_id=str(ticket.pk), changes__has_key="clock_escalated_at"
    ).exists()
    # The supervisor and, with no response target to breach, the ticket's agent too.
    told = set(Notification.objects.filter(ticket=ticket).values_list("user_id", flat=True))
    assert told == {supervisor.pk, ticket.agent_id}
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert f"Ticket #{ticket.external_id} escalated" in subjects[supervisor.email]


def test_the_services_manager_is_emailed_once(mailoutbox, django_capture_on_commit_callbacks):
    service = ServiceFactory(name="VPN", manager_name="Robin Lead", manager_email=BOSS)
    ticket = unanswered_ticket(service=service, title="Tunnel <drops> & stalls")
    with django_capture_on_commit_callbacks(execute=True):
        scan(TUESDAY)
    with django_capture_on_commit_callbacks(execute=True):
        scan(TUESDAY + timedelta(hours=3))
    to_boss = [m for m in mailoutbox if m.to == [BOSS]]
    assert len(to_boss) == 1
    assert to_boss[0].subject.startswith(f"VPN: ticket #{ticket.external_id} got no first")
    assert "Hello Robin Lead" in to_boss[0].body
    html = to_boss[0].alternatives[0][0]
    assert "Tunnel &lt;drops&gt; &amp; stalls" in html
    notice = SentNotice.objects.get(kind=NoticeKind.MANAGER_UNANSWERED)
    assert notice.recipient == BOSS and notice.sent_at is not None


def test_a_response_target_is_used_when_the_ticket_has_one():
    with time_machine.travel(FRIDAY, tick=False):
        ticket = TicketFactory(opened_at=FRIDAY)  # categorised: break-fix, High
    ticket.refresh_from_db()
    Ticket.objects.filter(pk=ticket.pk).update(response_due_at=FRIDAY + timedelta(hours=4))
    assert scan(FRIDAY + timedelta(hours=3)).clock_escalated == 0
    assert scan(FRIDAY + timedelta(hours=4)).clock_escalated == 1


def test_with_a_target_the_agent_hears_of_the_breach_once_and_supervisors_of_the_escalation(
    supervisor,
):
    with time_machine.travel(FRIDAY, tick=False):
        ticket = TicketFactory(opened_at=FRIDAY)
    due = FRIDAY + timedelta(hours=4)
    Ticket.objects.filter(pk=ticket.pk).update(response_due_at=due, next_due_at=due)
    scan(due)
    agents = Notification.objects.filter(user=ticket.agent, ticket=ticket)
    assert [n.subject for n in agents] == [f"Ticket #{ticket.external_id}: response target missed"]
    assert Notification.objects.filter(user=supervisor, ticket=ticket).count() == 1


def test_a_ticket_that_was_responded_to_or_finished_is_left_alone():
    responded = unanswered_ticket(status=Status.IN_PROGRESS, first_responded_at=FRIDAY)
    resolved = unanswered_ticket(status=Status.RESOLVED)
    assert scan(TUESDAY + timedelta(days=3)).clock_escalated == 0
    assert not TicketEvent.objects.filter(
        ticket__in=[responded, resolved], kind=EventKind.CLOCK_ESCALATED
    ).exists()


def test_two_scans_escalate_and_notify_once(mailoutbox, django_capture_on_commit_callbacks):
    supervisor = SupervisorFactory()
    ticket = unanswered_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        first, second = scan(TUESDAY), scan(TUESDAY + timedelta(minutes=5))
    assert (first.clock_escalated, second.clock_escalated) == (1, 0)
    assert ticket.events.filter(kind=EventKind.CLOCK_ESCALATED).count() == 1
    assert Notification.objects.filter(user=supervisor, ticket=ticket).count() == 1
    assert len([m for m in mailoutbox if m.to == [supervisor.email]]) == 1


def test_a_scan_that_read_the_ticket_before_another_claimed_it_does_nothing(
    mailoutbox, django_capture_on_commit_callbacks
):
    supervisor = SupervisorFactory()
    ticket = unanswered_ticket()
    with time_machine.travel(TUESDAY, tick=False):
        cal = load_calendar(TUESDAY)
        # Scan B reads the due tickets, then scan A runs to the end before B goes on.
        stale = unanswered.due(TUESDAY, cal)
        assert [t.pk for t in stale] == [ticket.pk]
        with django_capture_on_commit_callbacks(execute=True):
            assert unanswered.escalate_unanswered(TUESDAY) == 1
            with transaction.atomic():
                done = unanswered.escalate_one(
                    stale[0], now=TUESDAY, cal=cal, supervisors=[supervisor]
                )
    assert done is False
    assert ticket.events.filter(kind=EventKind.CLOCK_ESCALATED).count() == 1
    assert Notification.objects.filter(user=supervisor).count() == 1
    assert len([m for m in mailoutbox if m.to == [supervisor.email]]) == 1


def test_the_scan_reads_tickets_in_a_number_of_queries_flat_in_their_number():
    SupervisorFactory()

    def queries(n: int, day: int) -> int:
        opened = FRIDAY - timedelta(days=7 * day)
        with time_machine.travel(opened, tick=False):
            for _ in range(n):
                TicketFactory(category=None, priority=None, opened_at=opened)
        cal = load_calendar(TUESDAY)
        with CaptureQueriesContext(connection) as reads:
            due = unanswered.due(TUESDAY, cal)
        assert len(due) == n
        Ticket.objects.filter(pk__in=[t.pk for t in due]).update(clock_escalated_at=TUESDAY)
        return len(reads)

    assert queries(3, 1) == queries(30, 2) == 2


def test_the_list_filters_tickets_escalated_by_the_clock_or_by_an_agent(agent_client):
    by_clock = unanswered_ticket(title="Nobody answered me")
    by_agent = TicketFactory(title="Sent to an admin")
    plain = TicketFactory(title="Handled here")
    Ticket.objects.filter(pk=by_clock.pk).update(clock_escalated_at=TUESDAY)
    Ticket.objects.filter(pk=by_agent.pk).update(escalated_at=TUESDAY)

    def titles(value: str) -> set[str]:
        response = agent_client.get(reverse("tickets:list"), {"escalated_by": value})
        assert response.status_code == 200
        return {t.title for t in response.context["page"]}

    assert titles("clock") == {by_clock.title}
    assert titles("agent") == {by_agent.title}
    assert plain.title in titles("")
    html = agent_client.get(reverse("tickets:list")).content.decode()
    assert 'name="escalated_by"' in html and "The clock (no first response)" in html


def test_the_ticket_page_shows_the_badge_and_the_timeline_entry(
    agent_client, django_capture_on_commit_callbacks
):
    ticket = unanswered_ticket()
    page = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Escalated by the clock" not in page
    scan(TUESDAY)
    page = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert page.count("Escalated by the clock") >= 2  # the badge and the timeline entry
    assert "No first response within 2 working days" in page


def test_the_weekly_report_counts_clock_escalations_apart_from_agents(manager_client):
    unanswered_ticket()
    unanswered_ticket()
    scan(TUESDAY)
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        report = weekly.build(IsoWeek(2026, 46))
        html = manager_client.get(reverse("reports:week", args=[IsoWeek(2026, 46)]))
    assert report.current.tickets["clock_escalated"] == 2
    assert report.current.engagements["escalate"] == 0
    section = html.content.decode().split('id="escalation-sources"')[1].split("</section>")[0]
    assert "<dt>Tickets escalated by the clock</dt><dd>2</dd>" in section
    assert "<dt>Escalate requests by agents</dt><dd>0</dd>" in section
    # The week before holds none of them.
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        assert weekly.build(IsoWeek(2026, 45)).current.tickets["clock_escalated"] == 0


def test_a_whole_scan_costs_the_same_queries_for_5_or_50_tickets_not_yet_due():
    SupervisorFactory()

    # Opened on Saturday: read as candidates (more than 18 wall-clock hours old) but due only
    # on Tuesday at 17:00, so the scan reads them and escalates none.
    saturday = datetime(2026, 11, 7, 12, 0, tzinfo=LA)
    scan(TUESDAY)  # the calendar's cached settings are read once

    def queries(n: int) -> int:
        with time_machine.travel(saturday, tick=False):
            for _ in range(n):
                TicketFactory(category=None, priority=None, opened_at=saturday)
        with CaptureQueriesContext(connection) as run:
            report = scan(TUESDAY)
        assert report.clock_escalated == 0
        return len(run)

    assert queries(5) == queries(45)
