"""sync_tdx against a local TDX: changes land on the timeline, calls stay within the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import AgentFactory, TicketFactory
from tests.tickets.tdx.server import tdx_ticket
from tickets.models import EventKind, Priority, Status, TdxSyncState, Ticket
from tickets.tdx import sync as tdx_sync
from tickets.tdx.client import RateLimiter, TdxClient

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def run(**kwargs):
    limiter = RateLimiter(60, 60)
    with TdxClient(limiter=limiter, sleep=lambda s: None) as client:
        return tdx_sync.sync(client=client, now=NOW, **kwargs)


def test_status_priority_and_responsible_changed_in_tdx_land_on_the_timeline(tdx):
    ticket = TicketFactory(external_id="2001", status=Status.NEW)
    tdx.tickets[2001] = tdx_ticket(
        2001,
        StatusName="In Process",
        StatusClass=2,
        PriorityName="Emergency",
        ResponsibleFullName="Morgan Reyes",
    )
    report = run()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.priority == Priority.objects.get(name="Emergency", category=None)
    assert ticket.tdx_responsible == "Morgan Reyes"
    events = {e.field: e for e in ticket.events.filter(kind=EventKind.TDX_CHANGED)}
    assert set(events) == {"status", "priority", "tdx_responsible"}
    assert (events["status"].before, events["status"].after) == ("New", "In progress")
    assert events["status"].get_kind_display() == "Changed in TDX"
    assert events["status"].by is None
    assert report.updated == ["2001"]


def test_a_ticket_resolved_in_tdx_gets_its_resolved_time(tdx):
    ticket = TicketFactory(external_id="2002", opened_at=NOW - timedelta(days=2))
    tdx.tickets[2002] = tdx_ticket(
        2002, StatusName="Resolved", StatusClass=3, CompletedDate="2026-12-03T14:45:00Z"
    )
    run()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at == datetime(2026, 12, 3, 14, 45, tzinfo=UTC)
    assert ticket.events.filter(kind=EventKind.TDX_CHANGED, field="resolved_at").exists()


def test_a_second_run_changes_nothing_and_asks_from_the_last_successful_run(tdx):
    TicketFactory(external_id="2003")
    tdx.tickets[2003] = tdx_ticket(2003, StatusName="In Process", StatusClass=2)
    run()
    assert TdxSyncState.load().modified_from == NOW
    events = Ticket.objects.get(external_id="2003").events.count()
    report = run()
    assert report.updated == []
    assert Ticket.objects.get(external_id="2003").events.count() == events
    assert tdx.searches[-1]["ModifiedDateFrom"] == "2026-12-03T16:00:00Z"


def test_tickets_closed_here_or_unknown_here_are_left_alone(tdx):
    done = TicketFactory(external_id="2004", status=Status.CLOSED, closed_at=NOW)
    tdx.tickets[2004] = tdx_ticket(2004, StatusName="In Process", StatusClass=2)
    tdx.tickets[2005] = tdx_ticket(2005, StatusName="In Process", StatusClass=2)
    run()
    done.refresh_from_db()
    assert done.status == Status.CLOSED
    assert not Ticket.objects.filter(external_id="2005").exists()


def test_a_full_page_asks_again_from_the_newest_change_seen(tdx, monkeypatch):
    monkeypatch.setattr(tdx_sync, "PAGE_SIZE", 2)
    for n in range(5):
        TicketFactory(external_id=str(3000 + n))
        tdx.tickets[3000 + n] = tdx_ticket(
            3000 + n,
            StatusName="In Process",
            StatusClass=2,
            ModifiedDate=f"2026-12-03T15:0{n}:00Z",
        )
    report = run()
    # ModifiedDateFrom is inclusive: each page starts at the newest change the last one held.
    assert [s["ModifiedDateFrom"][11:16] for s in tdx.searches[1:]] == [
        "15:01",
        "15:02",
        "15:03",
        "15:04",
    ]
    assert {s["MaxResults"] for s in tdx.searches} == {2}
    assert sorted(report.updated) == [str(3000 + n) for n in range(5)]
    assert Ticket.objects.filter(status=Status.IN_PROGRESS).count() == 5


def test_one_malformed_ticket_is_logged_and_the_others_still_apply(tdx, caplog):
    TicketFactory(external_id="2006")
    tdx.tickets[2006] = tdx_ticket(2006, StatusName="In Process", StatusClass=2)
    tdx.tickets[9] = {"ID": "not-a-number", "ModifiedDate": "2026-12-03T15:00:00Z"}
    report = run()
    assert report.updated == ["2006"]
    assert report.errors
    assert "without a ticket ID" in caplog.text


def test_tdx_down_stops_the_run_cleanly_and_keeps_the_start_point(tdx, settings):
    settings.TDX_MAX_ATTEMPTS = 2
    TdxSyncState.objects.create(pk=1, modified_from=NOW - timedelta(hours=1))
    tdx.faults["search"] = [(503, {}, "{}")] * 2
    report = run()
    state = TdxSyncState.load()
    assert "after 2 tries" in report.stopped
    assert state.modified_from == NOW - timedelta(hours=1)
    assert "HTTP 503" in state.last_error


def test_the_command_says_when_tdx_is_not_configured(settings, capsys):
    settings.TDX_BASE_URL = ""
    call_command("sync_tdx")
    assert "not configured" in capsys.readouterr().out


def test_the_command_reports_a_stop_as_a_failure(tdx, settings):
    settings.TDX_MAX_ATTEMPTS = 1
    tdx.faults["search"] = [(500, {}, "{}")]
    with pytest.raises(CommandError, match="Stopped: TDX did not answer"):
        call_command("sync_tdx")


def test_ten_thousand_open_tickets_take_a_couple_of_calls_within_the_rate_limit(tdx):
    agent = AgentFactory()
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        Ticket.objects.bulk_create(
            Ticket(
                external_id=str(100000 + n),
                title=f"Ticket {n}",
                agent=agent,
                opened_at=NOW - timedelta(days=1),
            )
            for n in range(10_000)
        )
    for n in range(0, 10_000, 250):  # 40 of them changed in TDX
        tdx.tickets[100000 + n] = tdx_ticket(100000 + n, StatusName="In Process", StatusClass=2)
    report = run()
    assert len(report.updated) == 40
    calls = [(at, kind) for at, kind, _ in tdx.calls]
    assert len(calls) == 2  # one sign-in, one search: not one call per open ticket
    for kind in {"auth", "search", "ticket"}:
        times = [at for at, k in calls if k == kind]
        assert all(sum(1 for t in times if start <= t < start + 60) <= 60 for start in times), kind


def test_a_half_configured_tdx_refuses_to_start_without_naming_the_secret():
    from tests.test_settings import manage

    result = manage(
        "check",
        TDX_BASE_URL="https://tdx.example.org/TDWebApi",
        TDX_APP_ID="77",
        TDX_BEID="beid-only-0000",
    )
    assert result.returncode != 0
    assert "TDX_WEB_SERVICES_KEY" in result.stderr
    assert "beid-only-0000" not in result.stderr
    assert manage("sync_tdx").stdout.strip().endswith("nothing to do.")


def test_the_ticket_page_shows_what_changed_in_tdx(tdx, agent_client):
    TicketFactory(external_id="2010", status=Status.NEW)
    tdx.tickets[2010] = tdx_ticket(2010, StatusName="In Process", StatusClass=2)
    run()
    page = agent_client.get("/tickets/2010/").content.decode()
    assert "<strong>Changed in TDX</strong>: status" in page
    assert "“New” → “In progress”" in page
