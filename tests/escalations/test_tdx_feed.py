"""Answers read from the TDX ticket feed (local TDX server), recorded once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations.handoffs import tdx_feed
from escalations.handoffs.models import AdminResponse, Channel, Outcome, TdxFeedAnswer
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tests.tickets.tdx.server import feed_entry
from tickets.tdx.client import RateLimiter, TdxClient

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def request_to_admin():
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        admin = AdministratorFactory(tdx_uid="5a1b-uid-admin")
        ticket = TicketFactory(external_id="7001")
        return EngagementFactory(ticket=ticket, admin=admin, requested_at=NOW - timedelta(hours=2))


def read():
    with TdxClient(limiter=RateLimiter(60, 60), sleep=lambda s: None) as client:
        return tdx_feed.read_answers(client=client, now=NOW)


@time_machine.travel(NOW, tick=False)
def test_the_admins_feed_entry_is_their_answer_awaiting_classification(
    tdx,
    request_to_admin,
    settings,
):
    settings.TICKET_URL_TEMPLATE = "https://tdx.example.org/TicketDet?TicketID={id}"
    tdx.feeds[7001] = [
        feed_entry(801, "someone-else", "Looking into it", at="2026-12-03T15:00:00Z"),
        feed_entry(802, "5A1B-UID-ADMIN", "<p>Reset the <b>VPN</b> profile.</p>"),
        feed_entry(799, "5a1b-uid-admin", "Before the request", at="2026-12-03T13:00:00Z"),
    ]
    assert read() == 1
    response = AdminResponse.objects.get(engagement=request_to_admin)
    assert response.outcome == Outcome.GAVE_INPUT
    assert response.channel == Channel.TICKET
    assert response.awaiting_classification
    assert response.responded_at == datetime(2026, 12, 3, 15, 10, tzinfo=UTC)
    assert response.note == "Reset the VPN profile."
    link = TdxFeedAnswer.objects.get(entry_id=802)
    assert link.response == response
    assert link.url == "https://tdx.example.org/TicketDet?TicketID=7001"


@time_machine.travel(NOW, tick=False)
def test_reading_the_feed_again_records_nothing_twice(tdx, request_to_admin):
    tdx.feeds[7001] = [feed_entry(802, "5a1b-uid-admin", "Done")]
    assert read() == 1
    assert read() == 0
    assert AdminResponse.objects.count() == 1
    assert TdxFeedAnswer.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_broken_feed_is_skipped_and_nothing_is_recorded(tdx, request_to_admin, caplog):
    tdx.faults["feed"] = [(200, {}, "not json")]
    assert read() == 0
    assert "feed of ticket 7001 skipped" in caplog.text
    assert not AdminResponse.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("entry_id", [2**63, True, -5, "802"])
def test_an_entry_id_no_column_holds_is_skipped_not_a_crash(tdx, request_to_admin, entry_id):
    tdx.feeds[7001] = [feed_entry(1, "5a1b-uid-admin", "Done") | {"ID": entry_id}]
    assert read() == 0
    assert not AdminResponse.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_admins_without_a_tdx_account_are_not_asked_about(tdx):
    EngagementFactory(
        ticket=TicketFactory(external_id="7002"), requested_at=NOW - timedelta(hours=1)
    )
    assert read() == 0
    assert tdx.count("feed") == 0


@time_machine.travel(NOW, tick=False)
def test_sync_tdx_reads_the_feeds_after_the_changes(tdx, request_to_admin, capsys):
    tdx.feeds[7001] = [feed_entry(803, "5a1b-uid-admin", "Use the new gateway")]
    call_command("sync_tdx")
    out = capsys.readouterr().out
    assert "1 answer(s) recorded" in out
    assert TdxFeedAnswer.objects.filter(entry_id=803).exists()


@time_machine.travel(NOW, tick=False)
def test_the_admin_becoming_responsible_in_tdx_accepts_the_escalation(tdx):
    from tests.tickets.tdx.server import tdx_ticket

    admin = AdministratorFactory(tdx_uid="uid-morgan")
    ticket = TicketFactory(external_id="7010")
    escalation = EngagementFactory(
        ticket=ticket,
        admin=admin,
        kind="escalate",
        reason="Needs the firewall team",
        requested_at=NOW - timedelta(hours=3),
    )
    tdx.tickets[7010] = tdx_ticket(
        7010, ResponsibleUid="UID-MORGAN", ResponsibleFullName="Morgan Reyes"
    )
    call_command("sync_tdx")
    response = AdminResponse.objects.get(engagement=escalation)
    assert response.outcome == Outcome.ACCEPTED
    assert response.channel == Channel.TICKET
    assert response.responded_at == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    call_command("sync_tdx")  # nothing changed in TDX: nothing recorded again
    assert AdminResponse.objects.filter(engagement=escalation).count() == 1


def test_demo_administrators_have_a_stable_tdx_account():
    from escalations.demo.people import ensure_administrators

    first = {a.email: a.tdx_uid for a in ensure_administrators()[0]}
    assert all(len(uid) == 36 for uid in first.values())
    assert len(set(first.values())) == len(first)
    from admins.models import Administrator

    Administrator.objects.all().delete()
    assert {a.email: a.tdx_uid for a in ensure_administrators()[0]} == first


@time_machine.travel(NOW, tick=False)
def test_an_answer_read_from_the_feed_links_to_its_entry_in_tdx(
    tdx, request_to_admin, agent_client
):
    tdx.feeds[7001] = [feed_entry(804, "5a1b-uid-admin", "Use the <new> gateway")]
    assert read() == 1
    html = agent_client.get(request_to_admin.ticket.get_absolute_url()).content.decode()
    ticket_page = tdx.server.url_for("/TDNext/Apps/77/Tickets/TicketDet?TicketID=7001")
    link = f'<a href="{ticket_page}" rel="noopener">Answered in the TDX ticket feed, entry 804</a>'
    assert link in html


@time_machine.travel(NOW, tick=False)
def test_without_tdx_settings_an_answer_from_the_feed_has_no_link(
    tdx, request_to_admin, agent_client, settings
):
    tdx.feeds[7001] = [feed_entry(805, "5a1b-uid-admin", "Use the new gateway")]
    assert read() == 1
    settings.TDX_BASE_URL = ""
    html = agent_client.get(request_to_admin.ticket.get_absolute_url()).content.decode()
    assert "Use the new gateway" in html
    assert "TDX ticket feed" not in html and "TicketDet" not in html


@time_machine.travel(NOW, tick=False)
def test_an_answer_logged_here_has_no_feed_entry_link(tdx, request_to_admin, agent_client):
    request_to_admin.record_response(
        outcome=Outcome.GAVE_INPUT, channel=Channel.EMAIL, responded_at=NOW, by=None, note="Ok"
    )
    html = agent_client.get(request_to_admin.ticket.get_absolute_url()).content.decode()
    assert "Open #7001 in TDX" in html
    assert "TDX ticket feed" not in html


@time_machine.travel(NOW, tick=False)
def test_feed_entry_links_cost_the_ticket_page_no_query(
    tdx, request_to_admin, agent_client, settings
):
    tdx.feeds[7001] = [feed_entry(806, "5a1b-uid-admin", "Done")]
    assert read() == 1
    EngagementFactory(ticket=request_to_admin.ticket).record_response(
        outcome=Outcome.DECLINED, channel=Channel.EMAIL, responded_at=NOW, by=None
    )
    url = request_to_admin.ticket.get_absolute_url()
    agent_client.get(url)  # caches filled: both pages measured warm
    counts = {}
    for base_url in ("", settings.TDX_BASE_URL):
        settings.TDX_BASE_URL = base_url
        with CaptureQueriesContext(connection) as queries:
            html = agent_client.get(url).content.decode()
        counts[base_url] = len(queries)
        assert ("entry 806</a>" in html) == bool(base_url)
    assert len(set(counts.values())) == 1
