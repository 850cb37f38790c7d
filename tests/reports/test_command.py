from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings
from pypdf import PdfReader

from escalations import silence
from reports import subscriptions
from reports.models import IssuedReport, PeriodKind, ReportSend, ReportSubscription
from reports.weeks import IsoWeek
from tests.factories import AgentFactory, ManagerFactory, SupervisorFactory, TicketFactory
from tests.reports.conftest import LA, LATER


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("weekly_report", *args, stdout=out)
    return out.getvalue()


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_writes_the_pdf_of_the_week_given(known_week, tmp_path, settings, mailoutbox):
    settings.ORGANIZATION_NAME = "Northwind School District"
    target = tmp_path / "report.pdf"
    out = run("2026-W20", "--output", str(target))
    content = target.read_bytes()
    assert content.startswith(b"%PDF")
    text = text_of(content)
    assert "Northwind School District" in text
    assert "Weekly report 2026-W20" in text
    assert "Tickets logged 6 ▲ up 200% (2)" in text
    assert f"Wrote {target}" in out
    assert mailoutbox == []


def test_without_a_week_it_reports_the_previous_one(known_week, tmp_path, monkeypatch):
    # The clock is frozen on Wednesday 3 June 2026 (2026-W23).
    monkeypatch.chdir(tmp_path)
    out = run()
    assert (tmp_path / "weekly-report-2026-W22.pdf").read_bytes().startswith(b"%PDF")
    assert "the report for 2026-W22" in out
    run("--previous", "--output", "last.pdf")
    assert "Weekly report 2026-W22" in text_of((tmp_path / "last.pdf").read_bytes())


def subscribe(*users):
    for user in users:
        ReportSubscription.objects.create(user=user)


def test_email_sends_the_issued_pdf_to_each_subscriber_once(
    known_week, mailoutbox, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    max_ = ManagerFactory(username="max", email="max@example.org")
    ManagerFactory(username="mia", email="mia@example.org")  # a manager, not subscribed
    sue = SupervisorFactory(username="sue", email="sue@example.org")
    subscribe(
        max_,
        sue,
        ManagerFactory(username="gone", email="gone@example.org", is_active=False),
        ManagerFactory(username="noaddress", email=""),
        AgentFactory(username="ann", email="ann@example.org"),  # may not subscribe
    )
    out = run("2026-W20", "--email")
    assert sorted(m.to[0] for m in mailoutbox) == ["max@example.org", "sue@example.org"]
    message = mailoutbox[0]
    assert len(message.to) == 1
    assert message.subject == "Weekly report 2026-W20 (11–17 May 2026), IT Support Center"
    assert "Tickets logged: 6 (up 200% on the previous week, 2)" in message.body
    assert "http://127.0.0.1:8000/reports/weekly/2026-W20/" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("weekly-report-2026-W20.pdf", "application/pdf")
    # Sending issues the week, as the scheduled send does, and sends the issued file.
    assert content == bytes(IssuedReport.objects.get(period="2026-W20", is_current=True).pdf)
    assert "Sent the report for 2026-W20 to 2 subscriber(s); 0 had it already." in out
    sends = ReportSend.objects.filter(period_kind=PeriodKind.WEEKLY, period="2026-W20")
    assert {s.user for s in sends} == {max_, sue}
    # Only emailed: no file is left behind.
    assert not list(tmp_path.iterdir())

    out = run("2026-W20", "--email")  # run again: everyone had it
    assert len(mailoutbox) == 2
    assert "to 0 subscriber(s); 2 had it already." in out
    # The periodic job's send of that week finds it claimed for everyone too.
    assert subscriptions.send_period(PeriodKind.WEEKLY, IsoWeek(2026, 20), now=LATER) == 0
    assert len(mailoutbox) == 2 and sends.count() == 2
    assert IssuedReport.objects.filter(period="2026-W20").count() == 1


@override_settings(SCHEDULED_REPORTS=True)
def test_the_command_and_the_scheduled_send_send_a_week_once_whichever_runs_first(db, mailoutbox):
    first, later = ManagerFactory(), ManagerFactory()
    subscribe(first)
    TicketFactory(opened_at=datetime(2026, 5, 12, 9, tzinfo=LA))
    # Monday 18 May 06:00, before the 07:00 send: the command sends 2026-W20 by hand.
    with time_machine.travel(datetime(2026, 5, 18, 6, 0, tzinfo=LA), tick=False):
        run("--previous", "--email")
    assert [m.to for m in mailoutbox] == [[first.email]]
    subscribe(later)  # subscribed in between: the scheduled send has them to do
    at = datetime(2026, 5, 18, 7, 5, tzinfo=LA)
    with time_machine.travel(at, tick=False):
        assert silence.run(now=at).reports_sent == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.email, later.email])
    with time_machine.travel(at, tick=False):
        assert "to 0 subscriber(s); 2 had it already." in run("--previous", "--email")
    assert len(mailoutbox) == 2
    assert ReportSend.objects.filter(period="2026-W20").count() == 2


def test_email_with_nobody_to_send_to_is_an_error(known_week, mailoutbox):
    ManagerFactory(username="nobody_subscribed", email="nobody@example.org")
    subscribe(ManagerFactory(username="noaddress", email=""))
    with pytest.raises(CommandError, match="Nobody with an email address subscribes"):
        run("2026-W20", "--email")
    assert mailoutbox == []
    assert not IssuedReport.objects.exists() and not ReportSend.objects.exists()


def test_email_refuses_a_week_still_running(known_week, mailoutbox):
    subscribe(ManagerFactory())
    with pytest.raises(CommandError, match="2026-W23 is still running"):
        run("2026-W23", "--email")
    assert mailoutbox == [] and not ReportSend.objects.exists()


def test_a_finished_week_not_issued_yet_is_written_live_and_stays_unissued(known_week, tmp_path):
    target = tmp_path / "report.pdf"
    out = run("2026-W20", "--output", str(target))
    assert "the live figures (not issued yet" in out
    assert "Not issued yet: live figures" in text_of(target.read_bytes())
    assert not IssuedReport.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2026-W54"], "not a week of the calendar"),
        (["next"], "not a week like 2026-W47"),
        (["2026-W30"], "has not started yet"),
        (["2026-W20", "--previous"], "not both"),
    ],
)
def test_refuses_weeks_it_cannot_report(frozen, db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
