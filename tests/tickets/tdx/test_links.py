"""With TDX configured, the ticket page links to the ticket in TDX's web application."""

from __future__ import annotations

import pytest

from tests.factories import TicketFactory
from tickets import tdx

pytestmark = pytest.mark.django_db
TICKET_PAGE = "https://example.teamdynamix.com/TDNext/Apps/77/Tickets/TicketDet?TicketID=4242"


@pytest.fixture
def tdx_settings(settings):
    settings.TDX_BASE_URL = "https://example.teamdynamix.com/TDWebApi"
    settings.TDX_APP_ID = "77"
    settings.TDX_WEB_URL = ""
    settings.TICKET_URL_TEMPLATE = ""
    return settings


def test_the_ticket_page_links_to_the_ticket_in_tdx_in_the_same_tab(agent_client, tdx_settings):
    ticket = TicketFactory(external_id="4242")
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    link = f'<a href="{TICKET_PAGE}" rel="noopener">Open #4242 in TDX</a>'
    assert link in html


def test_without_tdx_settings_the_ticket_page_has_no_tdx_link(agent_client, settings):
    settings.TDX_BASE_URL = ""
    settings.TDX_WEB_URL = "https://example.teamdynamix.com/TDNext"
    ticket = TicketFactory(external_id="4242")
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "in TDX</a>" not in html and "TicketDet" not in html


def test_a_ticket_that_is_not_a_tdx_number_gets_no_tdx_link(agent_client, tdx_settings):
    ticket = TicketFactory(external_id="INC-7")
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "in TDX</a>" not in html


def test_a_ticket_url_template_to_the_same_page_is_not_linked_twice(agent_client, tdx_settings):
    tdx_settings.TICKET_URL_TEMPLATE = TICKET_PAGE.replace("4242", "{id}")
    ticket = TicketFactory(external_id="4242")
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert html.count(f'href="{TICKET_PAGE}"') == 1
    assert "in the ticketing system<" not in html


def test_another_ticketing_system_link_stays_beside_the_tdx_link(agent_client, tdx_settings):
    tdx_settings.TICKET_URL_TEMPLATE = "https://portal.example.org/t/{id}"
    ticket = TicketFactory(external_id="4242")
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert f'href="{TICKET_PAGE}"' in html
    assert 'href="https://portal.example.org/t/4242"' in html


@pytest.mark.parametrize(
    ("base_url", "web_url", "expected"),
    [
        ("https://h.example/TDWebApi", "", "https://h.example/TDNext"),
        ("https://h.example/TDWebAPI", "", "https://h.example/TDNext"),
        ("https://h.example/SBTDWebApi", "", "https://h.example/SBTDNext"),
        ("https://h.example/itsm/TDWebApi", "", "https://h.example/itsm/TDNext"),
        ("https://proxy.example/tdx-api", "", ""),
        ("https://proxy.example/tdx-api", "https://h.example/TDNext", "https://h.example/TDNext"),
    ],
)
def test_the_web_application_is_beside_the_web_api_unless_tdx_web_url_says(
    settings, base_url, web_url, expected
):
    settings.TDX_BASE_URL, settings.TDX_WEB_URL = base_url, web_url
    assert tdx.web_url() == expected


def test_no_ticket_url_when_the_web_application_is_unknown(tdx_settings):
    tdx_settings.TDX_BASE_URL = "https://proxy.example/tdx-api"
    assert tdx.ticket_url("4242") == ""


@pytest.mark.parametrize("external_id", ["INC-7", "42 ", "４２", ""])
def test_only_tdx_ticket_numbers_get_a_ticket_url(tdx_settings, external_id):
    assert tdx.ticket_url(external_id) == ""
