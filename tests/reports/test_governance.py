"""Seed 003 module 4: governance thresholds on escalations per week, one notice per crossing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse

from escalations import silence
from escalations.notifications.models import Notification
from reports import governance
from reports.models import GovernanceThreshold, ThresholdCrossing, ThresholdScope
from reports.weeks import IsoWeek
from tests.factories import (
    AdministratorFactory,
    EngagementFactory,
    ManagerFactory,
    ServiceFactory,
    SupervisorFactory,
    TicketFactory,
)
from tickets.sla.clock import organisation_zone

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
WEDNESDAY = datetime(2026, 11, 11, 11, 0, tzinfo=LA)  # 2026-W46
PAGE = reverse("reports:thresholds")
NEW = reverse("reports:threshold_new")


def escalations(n: int, *, service=None, admin=None, at=WEDNESDAY, kind="escalate"):
    admin = admin or AdministratorFactory()
    for i in range(n):
        ticket = TicketFactory(service=service, opened_at=at - timedelta(hours=2))
        EngagementFactory(
            ticket=ticket,
            admin=admin,
            kind=kind,
            reason="Needs an admin" if kind == "escalate" else "",
            requested_at=at - timedelta(minutes=i + 1),
        )


def scan(at=WEDNESDAY):
    with time_machine.travel(at, tick=False):
        return silence.run(now=at)


def test_a_threshold_notice_is_sent_once_per_week_to_supervisors_and_managers(
    mailoutbox, django_capture_on_commit_callbacks
):
    supervisor, manager = SupervisorFactory(), ManagerFactory()
    vpn = ServiceFactory(name="VPN")
    GovernanceThreshold.objects.create(scope=ThresholdScope.SERVICE, service=vpn, limit=10)
    escalations(10, service=vpn)
    escalations(3, kind="collaborate", service=vpn)  # not escalations
    with django_capture_on_commit_callbacks(execute=True):
        assert scan().governance == 0  # 10 is the limit, not above it
    escalations(4, service=vpn)
    with django_capture_on_commit_callbacks(execute=True):
        report = scan(WEDNESDAY + timedelta(minutes=5))
        again = scan(WEDNESDAY + timedelta(hours=2))
    assert (report.governance, again.governance) == (1, 0)
    assert "1 governance threshold(s) crossed" in str(report)
    crossing = ThresholdCrossing.objects.get()
    assert (crossing.count, crossing.limit, crossing.week_start) == (
        14,
        10,
        IsoWeek(2026, 46).monday,
    )
    for person in (supervisor, manager):
        (note,) = Notification.objects.filter(user=person)
        assert "VPN: 14 Escalate requests this week, limit 10" in note.body
    assert len([m for m in mailoutbox if m.to == [manager.email]]) == 1
    # The next week starts again: a crossing there is a new notice.
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=LA)
    escalations(11, service=vpn, at=monday)
    assert scan(monday).governance == 1
    assert ThresholdCrossing.objects.count() == 2


def test_a_second_crossing_record_for_the_same_week_is_refused():
    threshold = GovernanceThreshold.objects.create(limit=1)
    monday = IsoWeek(2026, 46).monday
    ThresholdCrossing.objects.create(threshold=threshold, week_start=monday, count=2, limit=1)
    with pytest.raises(IntegrityError):
        ThresholdCrossing.objects.create(threshold=threshold, week_start=monday, count=3, limit=1)


def test_overall_and_per_administrator_thresholds_count_their_own_escalations():
    dana = AdministratorFactory(name="Dana Owner")
    overall = GovernanceThreshold.objects.create(limit=4)
    per_admin = GovernanceThreshold.objects.create(scope=ThresholdScope.ADMIN, admin=dana, limit=2)
    escalations(3, admin=dana)
    escalations(2)
    found = {b.threshold.pk: b.count for b in governance.breaches(IsoWeek(2026, 46))}
    assert found == {overall.pk: 5, per_admin.pk: 3}
    assert governance.breaches(IsoWeek(2026, 45)) == []


def test_a_policy_passing_a_request_on_is_not_another_escalation():
    dana, backup = AdministratorFactory(name="Dana Owner"), AdministratorFactory(name="Bo Backup")
    overall = GovernanceThreshold.objects.create(limit=1)
    per_backup = GovernanceThreshold.objects.create(
        scope=ThresholdScope.ADMIN, admin=backup, limit=1
    )
    ticket = TicketFactory(opened_at=WEDNESDAY - timedelta(hours=4))
    first = EngagementFactory(
        ticket=ticket,
        admin=dana,
        kind="escalate",
        reason="Needs an admin",
        state="no_response",
        requested_at=WEDNESDAY - timedelta(hours=3),
    )
    # The policy's moves continue the chain: to the backup, then to a third level.
    for level, admin, state in ((2, backup, "no_response"), (3, AdministratorFactory(), "open")):
        EngagementFactory(
            ticket=ticket,
            admin=admin,
            kind="escalate",
            reason="No answer in the agreed time.",
            state=state,
            requested_at=WEDNESDAY - timedelta(hours=4 - level),
            chain=first,
            level=level,
        )
    escalations(1)
    found = {b.threshold.pk: b.count for b in governance.breaches(IsoWeek(2026, 46))}
    assert found == {overall.pk: 2}  # two escalations made, not four requests
    assert per_backup.pk not in found


def test_breaches_take_the_same_number_of_queries_whatever_the_escalations(
    django_assert_num_queries,
):
    GovernanceThreshold.objects.create(limit=1)
    GovernanceThreshold.objects.create(
        scope=ThresholdScope.SERVICE, service=ServiceFactory(), limit=1
    )
    escalations(2)
    organisation_zone()  # the time zone is cached for every page: read it once first
    # The thresholds, then every scope's counts in one grouped query.
    with django_assert_num_queries(2):
        governance.breaches(IsoWeek(2026, 46))
    escalations(20)
    with django_assert_num_queries(2):
        assert len(governance.breaches(IsoWeek(2026, 46))) == 1


def test_the_dashboard_and_the_weekly_report_say_so(client, supervisor, manager):
    vpn = ServiceFactory(name="VPN")
    GovernanceThreshold.objects.create(scope=ThresholdScope.SERVICE, service=vpn, limit=10)
    escalations(14, service=vpn)
    line = "VPN: 14 Escalate requests this week, limit 10"
    with time_machine.travel(WEDNESDAY, tick=False):
        for person in (supervisor, manager):
            client.force_login(person)
            assert line in client.get(reverse("dashboard")).content.decode()
        report = client.get(reverse("reports:week", args=[IsoWeek(2026, 46)]))
    assert line in report.content.decode()


def test_nothing_shows_on_the_dashboard_without_a_crossing(supervisor_client):
    GovernanceThreshold.objects.create(limit=10)
    escalations(2)
    with time_machine.travel(WEDNESDAY, tick=False):
        html = supervisor_client.get(reverse("dashboard")).content.decode()
    assert 'id="governance"' not in html


# ---- The thresholds page ----


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agents_may_not_see_or_set_thresholds(agent_client):
    assert agent_client.get(PAGE).status_code == 403
    assert agent_client.post(NEW, {"scope": "overall", "limit": "5"}).status_code == 403
    assert not GovernanceThreshold.objects.exists()


def test_managers_read_the_page_but_cannot_set_thresholds(manager_client):
    response = manager_client.get(PAGE)
    assert response.status_code == 200
    assert "Add a threshold" not in response.content.decode()
    assert manager_client.post(NEW, {"scope": "overall", "limit": "5"}).status_code == 403


def test_a_supervisor_sets_a_threshold_and_it_is_audited(supervisor_client, supervisor):
    from core.models import AuditEntry

    vpn = ServiceFactory(name="VPN")
    response = supervisor_client.post(NEW, {"scope": "service", "service": vpn.pk, "limit": "10"})
    assert response.status_code == 302
    threshold = GovernanceThreshold.objects.get()
    assert (threshold.service, threshold.limit, threshold.created_by) == (vpn, 10, supervisor)
    assert AuditEntry.objects.filter(target_type__icontains="governancethreshold").exists()
    page = supervisor_client.get(PAGE).content.decode()
    assert "One service: VPN" in page and "Escalate requests made to administrators" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"scope": "service", "limit": "10"}, "service", "Pick the service"),
        ({"scope": "admin", "limit": "10"}, "admin", "Pick the administrator"),
        ({"scope": "overall", "limit": "0"}, "limit", "greater than or equal to 1"),
        ({"scope": "overall", "limit": "ten"}, "limit", "Enter a whole number"),
        ({"scope": "overall", "limit": "999999999"}, "limit", "less than or equal to 100000"),
        ({"scope": "weekly", "limit": "3"}, "scope", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_next_to_the_field(supervisor_client, data, field, message):
    response = supervisor_client.post(NEW, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not GovernanceThreshold.objects.exists()


def test_a_second_threshold_for_the_same_thing_is_refused(supervisor_client):
    GovernanceThreshold.objects.create(limit=5)
    response = supervisor_client.post(NEW, {"scope": "overall", "limit": "8"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert GovernanceThreshold.objects.get().limit == 5


def test_removing_a_threshold_asks_first_and_then_removes_it(supervisor_client):
    threshold = GovernanceThreshold.objects.create(limit=5)
    page = supervisor_client.get(PAGE).content.decode()
    assert '<details class="confirm">' in page
    url = reverse("reports:threshold_delete", args=[threshold.pk])
    assert supervisor_client.get(url).status_code == 405
    assert supervisor_client.post(url).status_code == 302
    assert not GovernanceThreshold.objects.exists()
    assert supervisor_client.post(url).status_code == 302  # already gone: a message, no 500


def test_the_reports_page_links_to_the_thresholds_for_those_who_may_read_them(
    client, supervisor, agent
):
    link = f'href="{PAGE}"'
    client.force_login(supervisor)
    assert link in client.get(reverse("reports:weekly")).content.decode()
    client.force_login(agent)
    assert link not in client.get(reverse("reports:weekly")).content.decode()


def test_the_database_refuses_a_second_overall_threshold():
    GovernanceThreshold.objects.create(limit=5)
    with pytest.raises(IntegrityError):
        GovernanceThreshold.objects.create(limit=6)
