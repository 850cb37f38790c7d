"""Scheduled sending: the subscriptions page, and the weekly PDF mailed once per subscriber."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from pypdf import PdfReader

from core.models import AuditEntry
from escalations import silence
from reports.models import IssuedReport, ReportSend, ReportSubscription
from tests.factories import AgentFactory, ManagerFactory, SupervisorFactory

LA = ZoneInfo("America/Los_Angeles")
PAGE = "/reports/subscriptions/"
# 2026-W20 ends at Monday 18 May 00:00; its report goes out from Monday 07:00 by default.
BEFORE = datetime(2026, 5, 18, 6, 59, tzinfo=LA)
AFTER = datetime(2026, 5, 18, 7, 5, tzinfo=LA)
LATER = datetime(2026, 5, 18, 7, 20, tzinfo=LA)

pytestmark = pytest.mark.django_db


def reports(mailoutbox, address=None):
    return [
        m
        for m in mailoutbox
        if m.attachments
        and m.attachments[0][0] == "weekly-report-2026-W20.pdf"
        and (address is None or m.to == [address])
    ]


def scan(at: datetime):
    with time_machine.travel(at, tick=False):
        return silence.run(now=at)


def test_a_manager_subscribes_and_unsubscribes_on_the_page(client):
    manager = ManagerFactory()
    client.force_login(manager)
    page = client.get(PAGE).content.decode()
    assert "You are not subscribed" in page and "No report has been emailed to you yet" in page
    assert "Everyone subscribed" not in page  # a supervisor's view only

    response = client.post(PAGE, {"action": "subscribe"}, follow=True)
    assert ReportSubscription.objects.filter(user=manager).count() == 1
    assert f"goes to {manager.email}" in response.content.decode()
    client.post(PAGE, {"action": "subscribe"})  # twice is still one subscription
    assert ReportSubscription.objects.filter(user=manager).count() == 1
    assert AuditEntry.objects.filter(target_type="reports.reportsubscription").count() == 1

    response = client.post(PAGE, {"action": "unsubscribe"}, follow=True)
    assert not ReportSubscription.objects.filter(user=manager).exists()
    assert "Unsubscribed" in response.content.decode()
    assert AuditEntry.objects.filter(target_type="reports.reportsubscription").count() == 2


def test_the_weekly_reports_list_links_to_the_page(client):
    client.force_login(ManagerFactory())
    assert 'href="/reports/subscriptions/"' in client.get("/reports/weekly/").content.decode()
    client.force_login(AgentFactory())
    assert 'href="/reports/subscriptions/"' not in client.get("/reports/weekly/").content.decode()


def test_bad_input_is_refused_next_to_the_button(client):
    manager = ManagerFactory(email="")
    client.force_login(manager)
    response = client.post(PAGE, {"action": "subscribe"})
    assert response.status_code == 400
    assert "no email address" in response.content.decode()
    response = client.post(PAGE, {"action": "<b>everyone</b>"})
    assert response.status_code == 400
    assert "<b>everyone</b>" not in response.content.decode()
    assert not ReportSubscription.objects.exists()


def test_agents_are_refused_and_supervisors_see_everyone(client):
    agent = AgentFactory()
    client.force_login(agent)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "subscribe"}).status_code == 403
    assert not ReportSubscription.objects.exists()

    manager = ManagerFactory(first_name="<i>Ann</i>", last_name="Lee")
    ReportSubscription.objects.create(user=manager)
    client.force_login(SupervisorFactory())
    page = client.get(PAGE).content.decode()
    assert "Everyone subscribed" in page and manager.email in page
    assert "&lt;i&gt;Ann&lt;/i&gt;" in page and "<i>Ann</i>" not in page


@override_settings(SCHEDULED_REPORTS=True)
def test_the_report_goes_out_once_after_the_send_time(mailoutbox, client):
    manager, supervisor = ManagerFactory(), SupervisorFactory()
    ReportSubscription.objects.create(user=manager)
    ReportSubscription.objects.create(user=supervisor)
    ReportSubscription.objects.create(user=ManagerFactory(email=""))  # nowhere to send it

    scan(BEFORE)
    assert reports(mailoutbox) == []
    assert not ReportSend.objects.exists()

    assert scan(AFTER).reports_sent == 2
    mail = reports(mailoutbox, manager.email)
    assert len(mail) == 1 and len(reports(mailoutbox, supervisor.email)) == 1
    name, content, kind = mail[0].attachments[0]
    assert kind == "application/pdf"
    issue = IssuedReport.objects.get(period="2026-W20", is_current=True)
    assert content == bytes(issue.pdf)  # the issued file, byte for byte
    assert "2026-W20" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "2026-W20" in mail[0].subject and "/reports/subscriptions/" in mail[0].body
    label, display = issue.figures["headline"][0][:2]
    assert f"{label}: {display}" in mail[0].body  # the issued headline figures, in words

    assert scan(LATER).reports_sent == 0  # a second run (or server) sends nothing again
    assert len(reports(mailoutbox)) == 2
    sends = ReportSend.objects.filter(period="2026-W20")
    assert {s.user for s in sends} == {manager, supervisor}

    client.force_login(manager)
    page = client.get(PAGE).content.decode()
    assert "2026-W20" in page and "No report has been emailed" not in page


@override_settings(SCHEDULED_REPORTS=True)
def test_a_claim_already_taken_is_not_sent_twice(mailoutbox):
    """Another server claimed this person's send first: this one skips them."""
    from reports import subscriptions

    first, second = ManagerFactory(), ManagerFactory()
    for user in (first, second):
        ReportSubscription.objects.create(user=user)
    with time_machine.travel(AFTER, tick=False):
        from reports import issued
        from reports.weeks import IsoWeek

        report = issued.issue(IsoWeek.parse("2026-W20"))
        ReportSend.objects.create(user=first, email=first.email, period="2026-W20", issued=report)
        # The other server has not finished yet when this one looks: it still finds the row.
        assert subscriptions.send_due(AFTER) == 1
    assert reports(mailoutbox, first.email) == []
    assert len(reports(mailoutbox, second.email)) == 1


@override_settings(SCHEDULED_REPORTS=False)
def test_nothing_is_sent_while_scheduled_reports_are_off(mailoutbox):
    ReportSubscription.objects.create(user=ManagerFactory())
    scan(AFTER)
    assert reports(mailoutbox) == [] and not ReportSend.objects.exists()


@override_settings(SCHEDULED_REPORTS=True, REPORT_SEND_WEEKDAY=2, REPORT_SEND_HOUR=9)
def test_the_send_time_is_configurable(mailoutbox):
    ReportSubscription.objects.create(user=ManagerFactory())
    scan(AFTER)  # Monday: too early now
    assert reports(mailoutbox) == []
    scan(datetime(2026, 5, 20, 9, 0, tzinfo=LA))  # Wednesday 09:00
    assert len(reports(mailoutbox)) == 1


@override_settings(SCHEDULED_REPORTS=True)
def test_a_failed_send_releases_the_claim_and_the_next_run_retries(mailoutbox):
    manager = ManagerFactory()
    ReportSubscription.objects.create(user=manager)
    with override_settings(EMAIL_BACKEND="tests.reports.failing_mail.RefusingBackend"):
        assert scan(AFTER).reports_sent == 0
    assert not ReportSend.objects.exists()  # released, not left claimed
    assert scan(LATER).reports_sent == 1
    assert len(reports(mailoutbox, manager.email)) == 1
    assert ReportSend.objects.get().user == manager


def test_the_demo_manager_is_subscribed(db):
    from escalations import demo

    now = datetime(2026, 5, 20, 12, 0, tzinfo=LA)
    demo.seed(tickets=0, weeks=1, seed=3, now=now)
    subscription = ReportSubscription.objects.get()
    assert subscription.user.username == "manager" and subscription.user.email
    demo.seed(tickets=0, weeks=1, seed=3, now=now)
    assert ReportSubscription.objects.count() == 1


@override_settings(SCHEDULED_REPORTS=True)
def test_someone_who_lost_the_role_gets_nothing(mailoutbox):
    from django.contrib.auth.models import Group

    former = ManagerFactory()
    ReportSubscription.objects.create(user=former)
    former.groups.set([Group.objects.get(name="Agent")])
    assert scan(AFTER).reports_sent == 0
    assert reports(mailoutbox) == [] and not ReportSend.objects.exists()


@pytest.mark.django_db(transaction=True)
@override_settings(SCHEDULED_REPORTS=True)
def test_two_runs_at_once_send_each_subscriber_the_report_once(mailoutbox, migration_data):
    from tests import scans

    manager, supervisor = ManagerFactory(), SupervisorFactory()
    for user in (manager, supervisor):
        ReportSubscription.objects.create(user=user)
    runs, errors = scans.at_once(silence.run, now=AFTER)
    assert errors == []
    assert sum(run.reports_sent for run in runs) == 2
    assert len(reports(mailoutbox, manager.email)) == 1
    assert len(reports(mailoutbox, supervisor.email)) == 1
    assert ReportSend.objects.filter(period="2026-W20").count() == 2
    assert IssuedReport.objects.filter(period="2026-W20").count() == 1
