"""Typing a TDX number in the log form fills it in from TDX."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TicketFactory
from tests.tickets.tdx.server import tdx_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
URL = reverse("tickets:tdx_lookup")


def test_the_log_form_asks_tdx_only_when_it_is_configured(agent_client, settings):
    settings.TDX_BASE_URL = ""
    page = agent_client.get(reverse("tickets:new")).content.decode()
    assert URL not in page


def test_the_log_form_looks_up_the_number_when_tdx_is_configured(agent_client, tdx):
    page = agent_client.get(reverse("tickets:new")).content.decode()
    assert f'hx-get="{URL}"' in page and 'hx-trigger="change"' in page


def test_a_known_number_fills_the_fields_marked_from_tdx(agent_client, tdx):
    tdx.tickets[4001] = tdx_ticket(
        4001, Title="Mailbox <full>", StatusName="In Process", StatusClass=2
    )
    response = agent_client.get(
        URL, {"external_id": "4001", "department": "typed by me"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'value="Mailbox &lt;full&gt;"' in html  # escaped
    assert 'value="Robin Vale"' in html and 'value="robin.vale@example.org"' in html
    assert 'value="Payroll"' in html  # TDX's account wins over what was typed
    assert 'value="2026-12-01T' in html  # opened time, in the organisation's zone
    assert '<option value="incident" selected>' in html
    assert '<option value="in_progress" selected>' in html
    assert html.count("From TDX: change it if needed.") >= 7
    assert "Filled in from TDX ticket #4001" in html


def test_what_was_typed_stays_when_tdx_knows_nothing(agent_client, tdx):
    response = agent_client.get(URL, {"external_id": "4040", "title": "My own words"})
    html = response.content.decode()
    assert "TDX has no ticket #4040" in html
    assert 'value="My own words"' in html


def test_tdx_failing_leaves_the_form_usable_with_a_note(agent_client, tdx):
    tdx.faults["ticket"] = [(500, {}, "{}")]
    response = agent_client.get(URL, {"external_id": "4002"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "TDX could not be asked" in html and "Fill in the details by hand" in html
    assert 'name="title"' in html


def test_an_already_logged_number_is_not_looked_up(agent_client, tdx):
    TicketFactory(external_id="4003")
    html = agent_client.get(URL, {"external_id": "4003"}).content.decode()
    assert "already logged here" in html
    assert tdx.count("ticket") == 0


def test_managers_cannot_look_up(manager_client, tdx):
    assert manager_client.get(URL, {"external_id": "4001"}).status_code == 403
    assert tdx.count("ticket") == 0


def test_the_filled_form_saves_the_ticket(agent_client, tdx):
    tdx.tickets[4004] = tdx_ticket(4004)
    agent_client.get(URL, {"external_id": "4004"})
    posted = agent_client.post(
        reverse("tickets:new"),
        {
            "external_id": "4004",
            "title": "VPN drops every hour (4004)",
            "classification": "incident",
            "tier": "handle",
            "requestor_name": "Robin Vale",
            "department": "Payroll",
            "status": "new",
        },
    )
    assert posted.status_code == 302
    assert Ticket.objects.get(external_id="4004").department == "Payroll"


@pytest.mark.parametrize("typed", ["²", "٣٤", "9" * 19, "9" * 5000])
def test_a_number_that_is_not_plain_digits_gets_a_note_not_a_500(agent_client, tdx, typed):
    response = agent_client.get(URL, {"external_id": typed})
    assert response.status_code == 200
    assert "up to 18 digits" in response.content.decode()
    assert tdx.count("ticket") == 0


def test_a_reply_in_an_undocumented_shape_leaves_the_form_usable(agent_client, tdx):
    tdx.tickets[4004] = tdx_ticket(4004, StatusClass=[1, 2], PriorityName={"odd": True})
    response = agent_client.get(URL, {"external_id": "4004"})
    assert response.status_code == 200
    assert "unexpected form" in response.content.decode()
