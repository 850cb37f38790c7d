from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories import AdministratorFactory, TicketFactory
from tickets.models import Status, Tier

URL = reverse("tickets:list")


def ids(response) -> list[str]:
    return [t.external_id for t in response.context["page"].object_list]


def test_list_shows_seed_columns_and_empty_state(agent_client):
    response = agent_client.get(URL)
    html = response.content.decode()
    assert "No tickets logged yet." in html
    TicketFactory(external_id="111", title="VPN drops")
    html = agent_client.get(URL).content.decode()
    for column in ["Ticket ID", "Title", "Classification", "Requestor", "Department", "Status"]:
        assert f">{column}" in html
    for column in ["Priority", "Tier", "Agent", "Admin", "Date", "Actions"]:
        assert f">{column}" in html
    assert "VPN drops" in html


def test_manager_may_read_the_list(manager_client):
    assert manager_client.get(URL).status_code == 200


def test_filters_narrow_the_rows(agent_client):
    now = timezone.now()
    admin = AdministratorFactory(name="Kim Osei")
    TicketFactory(external_id="1", tier=Tier.ESCALATE, status=Status.IN_PROGRESS, admin=admin)
    TicketFactory(external_id="2", tier=Tier.ESCALATE, status=Status.CLOSED)
    TicketFactory(external_id="3", title="Wi-Fi down", department="Legal")
    TicketFactory(external_id="4", opened_at=now - timedelta(days=40), requestor_name="Quinn")

    assert ids(agent_client.get(URL, {"tier": "escalate"})) == ["2", "1"]
    assert ids(agent_client.get(URL, {"tier": "escalate", "open_only": "on"})) == ["1"]
    assert ids(agent_client.get(URL, {"admin": admin.pk})) == ["1"]
    assert ids(agent_client.get(URL, {"q": "wi-fi"})) == ["3"]
    assert ids(agent_client.get(URL, {"q": "#4"})) == ["4"]
    assert ids(agent_client.get(URL, {"q": "quinn"})) == ["4"]
    assert ids(agent_client.get(URL, {"department": "Legal"})) == ["3"]
    old = (now - timedelta(days=30)).date().isoformat()
    assert ids(agent_client.get(URL, {"opened_before": old})) == ["4"]
    assert sorted(ids(agent_client.get(URL, {"opened_after": old}))) == ["1", "2", "3"]


def test_sorting_by_a_column_and_back(agent_client):
    TicketFactory(external_id="10", title="b")
    TicketFactory(external_id="20", title="a")
    TicketFactory(external_id="30", title="c")
    assert ids(agent_client.get(URL, {"sort": "title"})) == ["20", "10", "30"]
    assert ids(agent_client.get(URL, {"sort": "-title"})) == ["30", "10", "20"]
    html = agent_client.get(URL, {"sort": "title"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-title" in html  # the header link reverses the order


def test_pagination_keeps_the_filters(agent_client):
    TicketFactory.create_batch(55, tier=Tier.HANDLE)
    TicketFactory(tier=Tier.ESCALATE)
    first = agent_client.get(URL, {"tier": "handle"})
    assert len(ids(first)) == 50
    html = first.content.decode()
    assert "Tickets 1–50 of 55" in html
    # The Next link carries the last row's sort key and the filters.
    assert re.search(r'href="\?tier=handle&amp;after=[^"]+&amp;start=51" rel="next"', html)
    second = agent_client.get(URL, {"tier": "handle", "page": 2})  # page numbers still work
    assert len(ids(second)) == 5
    assert agent_client.get(URL, {"page": "zzz"}).status_code == 200  # falls back to page 1


def test_invalid_filter_is_explained_not_a_500(agent_client):
    response = agent_client.get(URL, {"opened_after": "31/31/2026"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    response = agent_client.get(URL, {"tier": "sideways"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Select a valid choice" not in response.content.decode()  # the form is outside
    assert "Some filters are not valid" in response.content.decode()


def test_htmx_filter_returns_only_the_table(agent_client):
    TicketFactory(external_id="77")
    response = agent_client.get(URL, {"q": "77"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="ticket-table"')
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(agent_client):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in agent_client.get(URL, headers=headers).content.decode()


def test_query_count_does_not_grow_with_tickets(agent_client, django_assert_max_num_queries):
    TicketFactory.create_batch(5, admin=AdministratorFactory())
    with django_assert_max_num_queries(14):
        agent_client.get(URL, {"sort": "priority"})
    TicketFactory.create_batch(45, admin=AdministratorFactory())
    with django_assert_max_num_queries(14):
        agent_client.get(URL, {"sort": "priority"})


def test_csv_export_has_exactly_the_filtered_rows(agent_client):
    TicketFactory(external_id="1", tier=Tier.ESCALATE, title="=HYPERLINK(evil)")
    TicketFactory(external_id="2", tier=Tier.HANDLE)
    response = agent_client.get(reverse("tickets:export"), {"tier": "escalate"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Ticket ID", "Title", "Classification"]
    assert [r[0] for r in rows[1:]] == ["1"]
    assert rows[1][1] == "'=HYPERLINK(evil)"  # neutralised against formula injection


def test_csv_export_refuses_invalid_filters(agent_client):
    response = agent_client.get(reverse("tickets:export"), {"opened_after": "never"})
    assert response.status_code == 400
