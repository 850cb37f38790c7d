"""Escalation policies in the scan, with frozen clocks: levels, on-call, absence, repeat, the
exhausted chain, one silence per request, and concurrent scans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from admins.models import (
    Absence,
    EscalationPolicy,
    PolicyLevel,
    Rotation,
    RotationMember,
    RotationOverride,
    TargetKind,
)
from admins.oncall import next_on_call, on_call
from escalations import silence
from escalations.handoffs.models import AdminResponse, Engagement, EngagementState, Outcome
from escalations.notifications.models import NoticeKind, Notification, SentNotice
from tests import scans
from tests.escalations.test_handoff_services import complete_checklist, escalate
from tests.factories import (
    AdministratorFactory,
    ServiceFactory,
    SupervisorFactory,
    TicketFactory,
)
from tickets.models import EventKind

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=LA)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


def policy(*levels, repeat=0, name="Network") -> EscalationPolicy:
    made = EscalationPolicy.objects.create(name=name, repeat_count=repeat)
    for position, (target, extra) in enumerate(levels, start=1):
        PolicyLevel.objects.create(policy=made, position=position, target=target, **extra)
    return made


def rotation(*admins, shift_days=1, handover=time(9, 0), starts=date(2026, 11, 23)) -> Rotation:
    made = Rotation.objects.create(
        name="Network on call", shift_days=shift_days, handover_time=handover, starts_on=starts
    )
    for position, admin in enumerate(admins, start=1):
        RotationMember.objects.create(rotation=made, admin=admin, position=position)
    return made


def ask(agent, owner, *, service=None, when=MONDAY) -> Engagement:
    ticket = TicketFactory(agent=agent, service=service or ServiceFactory())
    with time_machine.travel(when, tick=False):
        complete_checklist(ticket, agent)
        return escalate(ticket, agent, admin=owner)


def scan_when_due(engagement: Engagement, captured) -> Engagement | None:
    """Run the scan a minute after the request's answer was due; the request it moved to."""
    engagement.refresh_from_db()
    at = engagement.answer_due_at + timedelta(minutes=1)
    with time_machine.travel(at, tick=False), captured(execute=True):
        silence.run(now=at)
    return engagement.ticket.engagements.filter(state=EngagementState.OPEN).first()


def test_three_levels_run_to_exhaustion_asking_each_once_and_telling_once(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    supervisor = SupervisorFactory(email="sup@example.org")
    olga = AdministratorFactory(
        name="Olga Owner", manager_name="Lee Boss", manager_email="lee@example.org"
    )
    bo, cy = AdministratorFactory(name="Bo Named"), AdministratorFactory(name="Cy Oncall")
    network = policy(
        (TargetKind.ASKED, {}),
        (TargetKind.ADMIN, {"admin": bo, "timeout_hours": 4}),
        (TargetKind.ROTATION, {"rotation": rotation(cy), "timeout_hours": 4}),
    )
    first = ask(agent, olga, service=ServiceFactory(policy=network))

    second = scan_when_due(first, django_capture_on_commit_callbacks)
    assert (second.admin, second.level, second.levels, second.chain) == (bo, 2, 3, first)
    # Four business hours from Wed 10:01: the level's own timeout, not the two days.
    assert second.answer_due_at == local(2026, 11, 25, 14, 1)
    assert second.ticket.events.filter(kind=EventKind.REROUTED, after="Bo Named").count() == 1
    third = scan_when_due(second, django_capture_on_commit_callbacks)
    assert (third.admin, third.level, third.chain) == (cy, 3, first)
    assert "on call in Network on call" in third.ticket.events.get(after="Cy Oncall").note
    assert scan_when_due(third, django_capture_on_commit_callbacks) is None
    with time_machine.travel(local(2026, 11, 30, 12, 0), tick=False):
        again = silence.run(now=local(2026, 11, 30, 12, 0))
    assert again.silences == 0

    chain = Engagement.objects.filter(ticket=first.ticket)
    assert sorted(chain.values_list("admin__name", flat=True)) == [
        "Bo Named",
        "Cy Oncall",
        "Olga Owner",
    ]
    assert set(chain.values_list("state", flat=True)) == {EngagementState.NO_RESPONSE}
    assert AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE).count() == 3
    third.refresh_from_db()
    assert third.exhausted_at is not None
    assert first.ticket.events.filter(kind=EventKind.EXHAUSTED).count() == 1
    exhausted = [m for m in mailoutbox if m.subject.startswith("Nobody answered at any level")]
    assert [m.to for m in exhausted] == [["sup@example.org"]]
    assert Notification.objects.filter(user=supervisor, subject__startswith="Nobody").count() == 1
    to_manager = [m for m in mailoutbox if m.to == ["lee@example.org"]]
    assert sum("Nobody answered a request to Olga Owner" in m.subject for m in to_manager) == 1
    assert SentNotice.objects.filter(kind=NoticeKind.MANAGER_EXHAUSTED).count() == 1


def test_the_default_policy_goes_owner_backup_supervisors_and_never_back(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    """Today's bounce (owner -> backup -> owner) is gone: the backup's backup is the owner,
    who already went silent, so the chain ends with the supervisors."""
    SupervisorFactory(email="sup@example.org")
    olga = AdministratorFactory(name="Olga Owner")
    bo = AdministratorFactory(name="Bo Backup", backup=olga)
    olga.backup = bo
    olga.save()
    assert EscalationPolicy.objects.get(is_default=True).levels.count() == 3
    first = ask(agent, olga)

    second = scan_when_due(first, django_capture_on_commit_callbacks)
    assert (second.admin, second.level, second.levels) == (bo, 2, 3)
    assert second.level_label == "Level 2 of 3"
    assert scan_when_due(second, django_capture_on_commit_callbacks) is None
    assert Engagement.objects.filter(ticket=first.ticket, admin=olga).count() == 1
    second.refresh_from_db()
    assert second.exhausted_at is not None
    told = first.ticket.events.get(kind=EventKind.LEVEL_SKIPPED)
    assert "supervisors" in told.note.lower()
    assert sum(m.subject.startswith("Nobody answered at any level") for m in mailoutbox) == 1


def test_a_repeating_policy_asks_everyone_once_more_then_stops(
    agent, django_capture_on_commit_callbacks
):
    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Named")
    twice = policy(
        (TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo, "timeout_hours": 2}), repeat=1
    )
    engagement = ask(agent, olga, service=ServiceFactory(policy=twice))
    asked = []
    while engagement is not None:
        engagement = scan_when_due(engagement, django_capture_on_commit_callbacks)
        if engagement is not None:
            asked.append((engagement.admin.name, engagement.level, engagement.round))
    assert asked == [("Bo Named", 2, 1), ("Olga Owner", 1, 2), ("Bo Named", 2, 2)]


def test_an_on_call_hand_over_in_the_middle_of_a_request(agent, django_capture_on_commit_callbacks):
    olga = AdministratorFactory(name="Olga Owner")
    ann, cy = AdministratorFactory(name="Ann Early"), AdministratorFactory(name="Cy Late")
    # Daily turns at 09:00 from Monday: Ann Mon, Cy Tue, Ann Wed, Cy Thu.
    shifts = rotation(ann, cy)
    two_levels = policy(
        (TargetKind.ASKED, {}),
        (TargetKind.ROTATION, {"rotation": shifts, "timeout_hours": 9}),
        (TargetKind.ROTATION, {"rotation": shifts, "timeout_hours": 9}),
    )
    first = ask(agent, olga, service=ServiceFactory(policy=two_levels))

    at_wednesday = scan_when_due(first, django_capture_on_commit_callbacks)
    assert at_wednesday.admin == ann
    # Nine business hours later is Thursday 10:01, after Thursday's 09:00 hand-over to Cy.
    assert at_wednesday.answer_due_at == local(2026, 11, 26, 10, 1)
    at_thursday = scan_when_due(at_wednesday, django_capture_on_commit_callbacks)
    assert (at_thursday.admin, at_thursday.level) == (cy, 3)


def test_on_call_follows_turns_hand_overs_and_overrides():
    ann, cy, dee = (AdministratorFactory(name=n) for n in ("Ann", "Cy", "Dee"))
    shifts = rotation(ann, cy, shift_days=7, handover=time(9, 0), starts=date(2026, 11, 23))
    assert on_call(shifts, local(2026, 11, 23, 8, 59), LA) is None  # before the first turn
    assert on_call(shifts, local(2026, 11, 23, 9, 0), LA) == ann
    assert on_call(shifts, local(2026, 11, 30, 8, 59), LA) == ann
    assert on_call(shifts, local(2026, 11, 30, 9, 0), LA) == cy
    assert on_call(shifts, local(2026, 12, 7, 9, 0), LA) == ann
    nxt = next_on_call(shifts, local(2026, 11, 25, 12, 0), LA)
    assert (nxt.admin, nxt.starts_at) == (cy, local(2026, 11, 30, 9, 0))

    RotationOverride.objects.create(
        rotation=shifts,
        admin=dee,
        starts_at=local(2026, 11, 26, 0, 0),
        ends_at=local(2026, 11, 27, 0, 0),
    )
    shifts = Rotation.objects.get(pk=shifts.pk)
    assert on_call(shifts, local(2026, 11, 26, 12, 0), LA) == dee
    assert on_call(shifts, local(2026, 11, 27, 0, 0), LA) == ann
    nxt = next_on_call(shifts, local(2026, 11, 25, 12, 0), LA)
    assert (nxt.admin, nxt.starts_at) == (dee, local(2026, 11, 26, 0, 0))


def test_an_absence_skips_the_level_on_the_timeline_and_is_not_a_silence(
    agent, django_capture_on_commit_callbacks
):
    olga = AdministratorFactory(name="Olga Owner")
    bo, cy = AdministratorFactory(name="Bo Away"), AdministratorFactory(name="Cy Next")
    Absence.objects.create(
        admin=bo, starts_at=local(2026, 11, 24, 0, 0), ends_at=local(2026, 11, 28, 0, 0)
    )
    three = policy(
        (TargetKind.ASKED, {}),
        (TargetKind.ADMIN, {"admin": bo, "timeout_hours": 4}),
        (TargetKind.ADMIN, {"admin": cy, "timeout_hours": 4}),
    )
    first = ask(agent, olga, service=ServiceFactory(policy=three))

    moved = scan_when_due(first, django_capture_on_commit_callbacks)
    assert (moved.admin, moved.level) == (cy, 3)
    assert not Engagement.objects.filter(admin=bo).exists()
    assert not AdminResponse.objects.filter(engagement__admin=bo).exists()
    skip = first.ticket.events.get(kind=EventKind.LEVEL_SKIPPED)
    assert "Level 2 of 3" in skip.note and "Bo Away is away until" in skip.note


def test_an_absent_admins_stand_in_takes_the_level(agent, django_capture_on_commit_callbacks):
    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Away")
    dee = AdministratorFactory(name="Dee Standin")
    Absence.objects.create(
        admin=bo,
        starts_at=local(2026, 11, 24, 0, 0),
        ends_at=local(2026, 11, 28, 0, 0),
        stand_in=dee,
    )
    two = policy((TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo}))
    first = ask(agent, olga, service=ServiceFactory(policy=two))

    moved = scan_when_due(first, django_capture_on_commit_callbacks)
    assert (moved.admin, moved.level) == (dee, 2)
    event = first.ticket.events.get(kind=EventKind.REROUTED)
    assert "Dee Standin stands in for Bo Away" in event.note


def test_editing_the_policy_later_never_rewrites_a_move(agent, django_capture_on_commit_callbacks):
    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Named")
    two = policy((TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo}))
    first = ask(agent, olga, service=ServiceFactory(policy=two))
    moved = scan_when_due(first, django_capture_on_commit_callbacks)

    PolicyLevel.objects.filter(policy=two, position=2).update(target=TargetKind.SUPERVISORS)
    PolicyLevel.objects.create(policy=two, position=3, target=TargetKind.MANAGER)
    moved.refresh_from_db()
    assert (moved.admin, moved.level_label, moved.level_target) == (
        bo,
        "Level 2 of 2",
        "Bo Named",
    )


def test_a_request_holds_one_silence_in_the_database(agent):
    engagement = ask(agent, AdministratorFactory())
    with time_machine.travel(engagement.answer_due_at + timedelta(minutes=1), tick=False):
        engagement.record_response(
            outcome=Outcome.NO_RESPONSE,
            channel="",
            responded_at=engagement.answer_due_at,
            by=agent,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminResponse.objects.create(
            engagement=engagement,
            outcome=Outcome.NO_RESPONSE,
            responded_at=engagement.answer_due_at,
        )
    assert engagement.responses.count() == 1


def _silence_data(engagement) -> dict:
    return {
        "engagement": engagement.pk,
        "outcome": Outcome.NO_RESPONSE,
        "channel": "",
        "responded_at": "",
        "note": "",
    }


def test_the_page_refuses_a_second_silence_beside_the_outcome(agent_client, agent):
    engagement = ask(agent, AdministratorFactory(name="Olga Owner"))
    url = reverse("tickets:respond", args=[engagement.ticket.external_id])
    with time_machine.travel(engagement.answer_due_at + timedelta(minutes=1), tick=False):
        assert agent_client.post(url, _silence_data(engagement)).status_code in (200, 302)
        response = agent_client.post(url, _silence_data(engagement))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_outcome_error"' in html
    assert "already on record for Olga Owner" in html
    assert engagement.responses.count() == 1


def test_the_page_refuses_a_silence_on_a_withdrawn_request(agent_client, agent):
    engagement = ask(agent, AdministratorFactory(name="Olga Owner"))
    Engagement.objects.filter(pk=engagement.pk).withdraw("taken back")
    url = reverse("tickets:respond", args=[engagement.ticket.external_id])
    with time_machine.travel(engagement.answer_due_at + timedelta(minutes=1), tick=False):
        response = agent_client.post(url, _silence_data(engagement))
    assert response.status_code == 400
    assert "This request was withdrawn" in response.content.decode()
    assert not engagement.responses.exists()


def _queries_for_scan(at) -> int:
    with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
        silence.run(now=at)
    return len(queries)


def test_the_scans_queries_do_not_grow_with_tickets_and_stay_per_request(agent):
    bo = AdministratorFactory(name="Bo Named")
    two = policy((TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo}))
    service = ServiceFactory(policy=two)

    def overdue(count: int) -> datetime:
        made = [ask(agent, AdministratorFactory(), service=service) for _ in range(count)]
        Engagement.objects.filter(pk__in=[e.pk for e in made]).update(
            answer_due_at=local(2026, 11, 24, 10, 0)
        )
        return local(2026, 11, 24, 10, 1)

    at = overdue(5)
    TicketFactory.create_batch(5)
    five = _queries_for_scan(at)
    Engagement.objects.filter(state=EngagementState.OPEN).delete()
    at = overdue(50)
    TicketFactory.create_batch(50)
    fifty = _queries_for_scan(at)
    assert Engagement.objects.filter(admin=bo, state=EngagementState.OPEN).count() == 50
    # A fixed cost per request moved, none per ticket: ten times the requests costs at most
    # ten times the queries.
    assert fifty <= 10 * five
    per_request = (fifty - five) / 45
    assert per_request == pytest.approx(five / 5, abs=5)


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_move_a_request_once(migration_data, agent):
    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Named")
    two = policy((TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo}))
    first = ask(agent, olga, service=ServiceFactory(policy=two))
    later = first.answer_due_at + timedelta(minutes=1)
    reports, errors = scans.at_once(silence.run, now=later)

    assert errors == []
    assert sum(r.rerouted for r in reports) == 1
    assert Engagement.objects.filter(ticket=first.ticket, admin=bo).count() == 1
    assert AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE).count() == 1
    assert first.ticket.events.filter(kind=EventKind.REROUTED).count() == 1


def test_the_ticket_page_shows_the_level_and_until_when(
    agent_client, agent, django_capture_on_commit_callbacks
):
    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo <Named>")
    three = policy(
        (TargetKind.ASKED, {}),
        (TargetKind.ADMIN, {"admin": bo, "timeout_hours": 9}),
        (TargetKind.SUPERVISORS, {}),
    )
    first = ask(agent, olga, service=ServiceFactory(policy=three))
    moved = scan_when_due(first, django_capture_on_commit_callbacks)
    assert moved.answer_due_at == local(2026, 11, 26, 10, 1)  # Wed 10:01 + 9 business hours
    html = agent_client.get(first.ticket.get_absolute_url()).content.decode()
    assert "Level 2 of 3: Bo &lt;Named&gt;, until Thu 10:01" in html

    scan_when_due(moved, django_capture_on_commit_callbacks)
    html = agent_client.get(first.ticket.get_absolute_url()).content.decode()
    assert "Nobody answered at any level" in html


def test_the_demo_has_a_three_level_policy_a_rotation_and_an_absence():
    from admins.models import Service
    from escalations.demo.people import ensure_administrators, ensure_services
    from escalations.demo.policies import POLICY, ensure_policies

    ensure_administrators()
    ensure_services()
    now = local(2026, 11, 25, 12, 0)
    ensure_policies(now=now)
    ensure_policies(now=now)  # a second run adds nothing
    demo = EscalationPolicy.objects.get(name=POLICY)
    assert [level.target for level in demo.levels.all()] == ["asked", "rotation", "admin"]
    assert Service.objects.get(name="VPN").policy == demo
    [shifts] = Rotation.objects.all()
    assert on_call(shifts, now) is not None
    [away] = Absence.objects.all()
    assert away.starts_at <= now < away.ends_at and away.stand_in is not None


def test_an_exhausted_request_stays_on_the_dashboard_until_someone_acts(
    agent_client, agent, django_capture_on_commit_callbacks
):
    from escalations.handoffs import services

    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Named")
    two = policy((TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo, "timeout_hours": 2}))
    first = ask(agent, olga, service=ServiceFactory(policy=two))
    second = scan_when_due(first, django_capture_on_commit_callbacks)
    assert scan_when_due(second, django_capture_on_commit_callbacks) is None
    html = agent_client.get("/").content.decode()
    assert "Nobody answered at any level" in html
    assert f"#{first.ticket.external_id}</a>" in html.split("Nobody answered at any level")[1]

    silent_bo = Engagement.objects.get(admin=bo)
    later = silent_bo.exhausted_at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        services.pass_on(silent_bo, to=AdministratorFactory(name="Cy Chosen"), by=agent)
    html = agent_client.get("/").content.decode()
    assert "Nobody answered at any level" not in html


def test_the_next_level_is_told_where_it_stands_in_the_policy(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    olga, bo = AdministratorFactory(name="Olga Owner"), AdministratorFactory(name="Bo Named")
    two = policy((TargetKind.ASKED, {}), (TargetKind.ADMIN, {"admin": bo}))
    first = ask(agent, olga, service=ServiceFactory(policy=two))
    scan_when_due(first, django_capture_on_commit_callbacks)
    [told] = [m for m in mailoutbox if m.to == [bo.email] and "passed to you" in m.subject]
    assert "You are next in the escalation policy (level 2 of 2: Bo Named)" in told.body


def test_a_backlog_larger_than_the_batch_is_worked_off_by_the_next_scans(agent, monkeypatch):
    monkeypatch.setattr(silence, "BATCH", 2)
    made = [ask(agent, AdministratorFactory()) for _ in range(3)]
    Engagement.objects.filter(pk__in=[e.pk for e in made]).update(
        answer_due_at=local(2026, 11, 24, 10, 0)
    )
    silent = AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE)
    with time_machine.travel(local(2026, 11, 24, 10, 1), tick=False):
        assert silence.run().silences == 2
        assert silent.count() == 2
        assert silence.run().silences == 1
        assert silence.run().silences == 0
    assert sorted(silent.values_list("engagement_id", flat=True)) == sorted(e.pk for e in made)
