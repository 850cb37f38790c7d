"""The ticket list after a write: its rows, its count and its filter options are never stale,
though the count and the options come from the cache; and what the list draws without
Django's widgets (the filter controls) still shows the reader's choices and errors."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from admins.models import Administrator
from tests.factories import AdministratorFactory, AgentFactory, ServiceFactory, TicketFactory
from tickets import services
from tickets.filters import TicketFilter
from tickets.models import DONE_STATUSES, OPEN_STATUSES, Category, Status, Ticket

URL = reverse("tickets:list")

# The cache production uses, where the count and the options are kept between requests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_cache")]


def shown_ids(html: str) -> list[str]:
    return re.findall(r'aria-label="Open ticket ([^"]+)"', html)


def count_line(html: str) -> str:
    return re.search(r'<p class="muted">([^<]*)</p>', html).group(1)


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def chosen(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_a_ticket_logged_through_the_form_is_listed_and_counted_at_once(agent_client):
    TicketFactory(external_id="100")
    for params in ({}, {"open_only": "on"}):
        html = agent_client.get(URL, params).content.decode()
        assert shown_ids(html) == ["100"]
    response = agent_client.post(
        reverse("tickets:new"),
        {
            "external_id": "24817",
            "title": "Cannot reach the finance system",
            "classification": "incident",
            "tier": "handle",
            "category": Category.objects.get(number=1).pk,
            "requestor_name": "Blair Holm",
            "department": "Astronomy",
        },
    )
    assert response.status_code == 302
    html = agent_client.get(URL).content.decode()
    assert shown_ids(html) == ["24817", "100"]
    assert count_line(html) == "2 tickets."
    assert "Astronomy" in options(html, "department")
    html = agent_client.get(URL, {"open_only": "on"}).content.decode()
    assert shown_ids(html) == ["24817", "100"]
    assert count_line(html) == "2 tickets match the filters."


def test_a_status_change_moves_the_ticket_out_of_open_only_and_its_count(agent_client, agent):
    ticket = TicketFactory(external_id="7", status=Status.IN_PROGRESS)
    TicketFactory(external_id="8", status=Status.NEW)
    html = agent_client.get(URL, {"open_only": "on"}).content.decode()
    assert shown_ids(html) == ["8", "7"]
    assert count_line(html) == "2 tickets match the filters."
    ticket.refresh_from_db()
    services.update_ticket(
        ticket,
        by=agent,
        changes={"status": Status.RESOLVED},
        expected_version=ticket.version,
        seen_event=0,
    )
    html = agent_client.get(URL, {"open_only": "on"}).content.decode()
    assert shown_ids(html) == ["8"]
    assert count_line(html) == "1 ticket matches the filters."
    html = agent_client.get(URL, {"status": "resolved"}).content.decode()
    assert shown_ids(html) == ["7"]
    assert '<span class="badge status">Resolved</span>' in html


@pytest.mark.parametrize("status", Status.values)
def test_open_only_lists_exactly_the_open_statuses(agent_client, status):
    TicketFactory(external_id="1", status=status)
    html = agent_client.get(URL, {"open_only": "on"}).content.decode()
    assert shown_ids(html) == (["1"] if status in OPEN_STATUSES else [])


def test_every_status_is_open_or_done():
    # "Open only" is read as "not done" (for the index): the two must split the statuses.
    assert sorted(OPEN_STATUSES + DONE_STATUSES) == sorted(Status.values)
    assert not set(OPEN_STATUSES) & set(DONE_STATUSES)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
def test_open_only_reads_the_newest_open_tickets_from_their_index_without_a_sort(db):
    filterset = TicketFilter({"open_only": "on"}, queryset=Ticket.objects.for_list())
    assert filterset.is_valid()
    sql, params = filterset.qs[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())
    # Read in the list's order (the partial index ticket_open_opened at 100,000 tickets; on
    # an empty table the planner may take the full ticket_opened, equally without a sort),
    # not sought through a status index and then sorted.
    assert re.search(r"SCAN tickets_ticket USING INDEX ticket_(open_)?opened\b", plan), plan
    assert "TEMP B-TREE" not in plan


def test_new_and_renamed_options_show_at_once(agent_client):
    admin = AdministratorFactory(name="Kim Osei")
    html = agent_client.get(URL).content.decode()
    assert "Kim Osei" in options(html, "admin")
    assert "Wi-Fi" not in options(html, "service")
    ServiceFactory(name="Wi-Fi")
    Administrator.objects.filter(pk=admin.pk).update(name="Kim Osei-Park")  # a bulk write
    AgentFactory(first_name="Noor", last_name="Haddad")
    Category.objects.create(number=42, name="Telephony")
    html = agent_client.get(URL).content.decode()
    assert "Wi-Fi" in options(html, "service")
    assert "Kim Osei-Park" in options(html, "admin")
    assert "Kim Osei" not in options(html, "admin")
    assert "Noor Haddad" in options(html, "agent")
    assert "42 – Telephony" in options(html, "category")


def test_the_filters_show_the_choices_made_and_escape_what_was_typed(agent_client):
    admin = AdministratorFactory(name="<b>Kim</b>")
    TicketFactory(department='R&D "labs"', admin=admin)
    html = agent_client.get(
        URL, {"admin": admin.pk, "department": 'R&D "labs"', "q": '"><script>', "open_only": "on"}
    ).content.decode()
    assert chosen(html, "admin") == [str(admin.pk)]
    assert chosen(html, "department") == ["R&amp;D &quot;labs&quot;"]
    assert chosen(html, "status") == [""]
    assert "&lt;b&gt;Kim&lt;/b&gt;" in html
    assert "<b>Kim" not in html
    assert 'value="&quot;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html.split("<main", 1)[1]
    assert re.search(r'<input type="checkbox" name="open_only" id="id_open_only" checked>', html)


def test_an_invalid_choice_is_marked_on_its_control(agent_client):
    response = agent_client.get(URL, {"status": "bogus", "opened_after": "soon"})
    assert response.status_code == 400
    html = response.content.decode()
    status = re.search(r"<select name=\"status\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in status
    assert 'aria-describedby="id_status_error"' in status
    assert chosen(html, "status") == []  # nothing chosen, as Django's Select shows it
    assert '<ul class="errorlist" id="id_status_error"><li>Select a valid choice.' in html
    assert 'value="soon" aria-invalid="true"' in html
    assert '<ul class="errorlist" id="id_opened_after_error"><li>Enter a valid date.' in html


def test_a_count_is_kept_per_calendar_zone_as_the_date_filters_days_are():
    from django.http import QueryDict
    from django.utils import timezone

    from tickets import listing

    params = QueryDict("opened_from=2026-05-04")
    with timezone.override("America/Los_Angeles"):
        pacific = listing.count_key(params, ["opened_from"], user_pk=None)
    with timezone.override("Europe/Berlin"):
        berlin = listing.count_key(params, ["opened_from"], user_pk=None)
    assert pacific != berlin
