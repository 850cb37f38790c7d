from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from tests.factories import AgentFactory, ManagerFactory, SupervisorFactory


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


def test_email_sends_the_pdf_to_each_active_manager_with_an_address(
    known_week, mailoutbox, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    ManagerFactory(username="max", email="max@example.org")
    ManagerFactory(username="mia", email="mia@example.org")
    ManagerFactory(username="gone", email="gone@example.org", is_active=False)
    ManagerFactory(username="noaddress", email="")
    SupervisorFactory(username="sue", email="sue@example.org")
    AgentFactory(username="ann", email="ann@example.org")
    out = run("2026-W20", "--email")
    assert sorted(m.to[0] for m in mailoutbox) == ["max@example.org", "mia@example.org"]
    message = mailoutbox[0]
    assert len(message.to) == 1
    assert message.subject == "Weekly report 2026-W20 (11–17 May 2026), IT Support Center"
    assert "Tickets logged: 6 (up 200% on the previous week, 2)" in message.body
    assert "http://127.0.0.1:8000/reports/weekly/2026-W20/" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("weekly-report-2026-W20.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert "Sent the report for 2026-W20 to 2 manager(s)." in out
    # Only emailed: no file is left behind.
    assert not list(tmp_path.iterdir())


def test_email_with_nobody_to_send_to_is_an_error(known_week, mailoutbox):
    ManagerFactory(username="noaddress", email="")
    with pytest.raises(CommandError, match="No active manager has an email address"):
        run("2026-W20", "--email")
    assert mailoutbox == []


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
