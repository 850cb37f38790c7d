"""The header's search box: a ticket ID opens the ticket, other text searches the list."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import TicketFactory

SEARCH = reverse("tickets:search")


def test_a_ticket_id_goes_straight_to_the_ticket(agent_client):
    ticket = TicketFactory(external_id="48213", title="VPN drops")
    for typed in ("48213", " #48213 ", "# 48213"):
        response = agent_client.get(SEARCH, {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == ticket.get_absolute_url()


def test_other_text_searches_the_list(agent_client):
    TicketFactory(external_id="1", title="Printer jam")
    TicketFactory(external_id="2", title="VPN drops")
    response = agent_client.get(SEARCH, {"q": "vpn & co"}, follow=True)
    assert response.redirect_chain == [("/tickets/?q=vpn+%26+co", 302)]
    html = agent_client.get(SEARCH, {"q": "printer"}, follow=True).content.decode()
    assert "Printer jam" in html and "VPN drops" not in html
    assert 'value="printer"' in html  # the list's search box shows what was searched


def test_an_unknown_id_searches_instead_of_failing(agent_client):
    response = agent_client.get(SEARCH, {"q": "99999"}, follow=True)
    assert response.status_code == 200
    assert "No tickets match these filters." in response.content.decode()


def test_an_empty_search_opens_the_list(agent_client):
    assert agent_client.get(SEARCH, {"q": "  "})["Location"] == reverse("tickets:list")


def test_search_needs_a_login(client, db):
    TicketFactory(external_id="777")
    assert client.get(SEARCH, {"q": "777"})["Location"].startswith(reverse("login"))


def test_managers_may_search_too(manager_client):
    ticket = TicketFactory(external_id="777")
    assert manager_client.get(SEARCH, {"q": "777"})["Location"] == ticket.get_absolute_url()


def test_search_refuses_a_post(agent_client):
    assert agent_client.post(SEARCH, {"q": "777"}).status_code == 405


def test_the_header_has_the_search_box_and_my_tickets(agent_client):
    html = agent_client.get(reverse("dashboard")).content.decode()
    assert 'role="search"' in html and f'action="{SEARCH}"' in html
    assert ">My tickets</a>" in html


def test_managers_get_the_search_box_but_no_my_tickets(manager_client):
    html = manager_client.get(reverse("dashboard")).content.decode()
    assert 'role="search"' in html
    assert ">My tickets</a>" not in html  # managers own no tickets


def test_my_tickets_is_marked_current_in_the_header(agent_client):
    html = agent_client.get(reverse("tickets:list"), {"queue": "mine"}).content.decode()
    assert 'open_only=on" aria-current="page">My tickets</a>' in html
    assert 'aria-current="page">All tickets</a></li>' not in html
