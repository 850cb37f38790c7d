"""The ticket list's keyset pages, its cached count and its cached department options."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import AdministratorFactory, AgentFactory, TicketFactory
from tickets import listing
from tickets.models import Priority, Status, Ticket, Tier
from tickets.views import COLUMNS

URL = reverse("tickets:list")
SORTS = [key for _, key in COLUMNS]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)


def ids(response) -> list[str]:
    return [t.external_id for t in response.context["page"].object_list]


def link(response, rel: str) -> str | None:
    """The page's Previous or Next link (a query string on the list's address)."""
    found = re.search(rf'<a href="([^"]*)" rel="{rel}"', response.content.decode())
    return URL + html.unescape(found.group(1)) if found else None


def tickets_with_ties_and_nulls() -> list[Ticket]:
    """Thirteen tickets in which every sort column has ties, and the nullable ones NULLs."""
    now = timezone.now().replace(microsecond=0)
    high = Priority.objects.get(name="High", category=None)
    low = Priority.objects.exclude(pk=high.pk).filter(number__gt=high.number).first() or high
    admins = [AdministratorFactory(name="Kim Osei"), AdministratorFactory(name="Ada Brook"), None]
    agents = [AgentFactory(username="bo"), AgentFactory(username="al")]
    statuses = [Status.NEW, Status.IN_PROGRESS, Status.CLOSED]
    return [
        TicketFactory(
            external_id=f"{(i * 7) % 13 + 100}",
            title=["VPN", "Printer", "VPN, again"][i % 3],
            requestor_name=["", "Quinn", "Ada"][i % 3],
            department=["Legal", "Finance"][i % 2],
            status=statuses[i % 3],
            tier=[Tier.HANDLE, Tier.ESCALATE][i % 2],
            priority=[high, None, low][i % 3],
            agent=agents[i % 2],
            admin=admins[i % 3],
            # Four tickets share each moment, and one moment carries a fraction of a second.
            opened_at=now - timedelta(hours=i // 4) + timedelta(microseconds=5 * (i == 12)),
        )
        for i in range(13)
    ]


def sort_value(ticket: Ticket, sort: str):
    return {
        "id": ticket.external_id,
        "title": ticket.title,
        "classification": ticket.classification,
        "requestor": ticket.requestor_name,
        "department": ticket.department,
        "status": ticket.status,
        "priority": ticket.priority.number if ticket.priority else None,
        "tier": ticket.tier,
        "agent": ticket.agent.username,
        "admin": ticket.admin.name if ticket.admin else None,
        "date": ticket.opened_at,
    }[sort]


def expected_order(tickets: list[Ticket], sort: str) -> list[str]:
    """The list's order worked out in Python: NULL first ascending, the id breaking ties, and
    the whole order reversed descending."""
    key = sort.removeprefix("-")

    def position(t: Ticket):
        value = sort_value(t, key)
        return (value is not None, value if value is not None else 0, t.pk)

    ordered = sorted(tickets, key=position, reverse=sort.startswith("-"))
    return [t.external_id for t in ordered]


def walk(client, first: str, rel: str) -> list[list[str]]:
    """The pages from ``first`` on, following the ``rel`` link until there is none."""
    pages, url = [], first
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(ids(response))
        url = link(response, rel)
        assert len(pages) < 20, "the links go round in circles"
    return pages


@pytest.mark.parametrize("sort", SORTS + [f"-{s}" for s in SORTS])
def test_keyset_pages_list_every_ticket_once_in_order(agent_client, small_pages, sort):
    tickets = tickets_with_ties_and_nulls()
    forward = walk(agent_client, f"{URL}?sort={sort}", "next")
    assert [len(p) for p in forward] == [3, 3, 3, 3, 1]
    assert [i for p in forward for i in p] == expected_order(tickets, sort)

    # From the last page back to the first, by the Previous links.
    last_url = URL + f"?sort={sort}"
    for _ in range(4):
        last_url = link(agent_client.get(last_url), "next")
    assert "after=" in last_url and "page=" not in last_url
    backward = walk(agent_client, last_url, "prev")
    assert backward == forward[::-1]


def test_keyset_pages_keep_the_filters_and_say_where_they_are(agent_client, small_pages):
    tickets = tickets_with_ties_and_nulls()
    handled = [t for t in tickets if t.tier == Tier.HANDLE]
    first = agent_client.get(URL, {"tier": "handle", "sort": "priority"})
    assert "Tickets 1–3 of 7" in first.content.decode()
    second = agent_client.get(link(first, "next"))
    assert "tier=handle" in link(first, "next")
    assert "Tickets 4–6 of 7" in second.content.decode()
    pages = walk(agent_client, f"{URL}?tier=handle&sort=priority", "next")
    assert [i for p in pages for i in p] == expected_order(handled, "priority")


def test_page_numbers_still_work(agent_client, small_pages):
    tickets = tickets_with_ties_and_nulls()
    order = expected_order(tickets, "-date")
    response = agent_client.get(URL, {"page": 2})
    assert ids(response) == order[3:6]
    assert "Tickets 4–6 of 13" in response.content.decode()
    # Its links go on by keyset, from the rows it shows.
    assert ids(agent_client.get(link(response, "next"))) == order[6:9]
    assert ids(agent_client.get(link(response, "prev"))) == order[0:3]
    assert ids(agent_client.get(URL, {"page": 99})) == order[12:]  # past the end: the last


NOT_CURSORS = [
    ("-date", ""),
    ("-date", "zzz"),
    ("-date", ","),
    ("-date", "x,abc"),
    ("-date", "2026-13-01,5"),
    ("-date", "2026-01-01T00:00:00,5"),  # no time zone
    ("-date", "2026-01-01T00:00:00+00:00,9" + "9" * 20),  # no SQLite integer
    ("priority", "9" * 20 + ",5"),
    ("priority", "high,5"),
    ("title", "VPN\x00,5"),
]


@pytest.mark.parametrize("sort,cursor", NOT_CURSORS)
def test_a_cursor_that_is_not_one_gives_the_first_page(agent_client, small_pages, sort, cursor):
    tickets = tickets_with_ties_and_nulls()
    for name in ("after", "before"):
        response = agent_client.get(URL, {"sort": sort, name: cursor, "start": "x"})
        assert response.status_code == 200
        assert ids(response) == expected_order(tickets, sort)[:3]


def test_a_cursor_past_the_end_gives_the_first_page(agent_client, small_pages):
    tickets = tickets_with_ties_and_nulls()
    oldest = min(tickets, key=lambda t: (t.opened_at, t.pk))
    after = f"{oldest.opened_at.isoformat()},{oldest.pk}"
    response = agent_client.get(URL, {"after": after, "start": 14})
    assert ids(response) == expected_order(tickets, "-date")[:3]


def test_the_count_is_right_right_after_a_ticket_is_written(agent_client):
    TicketFactory.create_batch(2, tier=Tier.HANDLE)
    assert agent_client.get(URL).context["page"].count == 2
    assert agent_client.get(URL, {"tier": "escalate"}).context["page"].count == 0
    ticket = TicketFactory(tier=Tier.HANDLE)  # logged a moment later
    assert agent_client.get(URL).context["page"].count == 3
    assert "3 tickets." in agent_client.get(URL).content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(tier=Tier.ESCALATE)  # a bulk write too
    assert agent_client.get(URL, {"tier": "escalate"}).context["page"].count == 1
    ticket.delete()
    assert agent_client.get(URL).context["page"].count == 2


def test_my_tickets_are_counted_for_whoever_asks(client, db):
    ann, bo = AgentFactory(), AgentFactory()
    TicketFactory(agent=ann)
    for person, expected in ((ann, 1), (bo, 0)):
        client.force_login(person)
        assert client.get(URL, {"queue": "mine"}).context["page"].count == expected


def test_an_sla_count_follows_the_clock_without_any_write(agent_client):
    now = timezone.now()
    ticket = TicketFactory(status=Status.NEW)
    Ticket.objects.filter(pk=ticket.pk).update(
        next_due_at=now + timedelta(hours=1), due_soon_at=now + timedelta(minutes=30)
    )
    with time_machine.travel(now, tick=False):
        assert agent_client.get(URL, {"sla": "breached"}).context["page"].count == 0
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        response = agent_client.get(URL, {"sla": "breached"})
    assert response.context["page"].count == 1
    assert ids(response) == [ticket.external_id]


def test_the_department_options_show_a_department_added_a_moment_ago(agent_client):
    TicketFactory(department="Finance")
    html_ = agent_client.get(URL).content.decode()
    assert '<option value="Finance">' in html_
    assert "Astronomy" not in html_
    TicketFactory(department="Astronomy")
    html_ = agent_client.get(URL).content.decode()
    assert '<option value="Astronomy">' in html_
    assert agent_client.get(URL, {"department": "Astronomy"}).context["page"].count == 1


def test_a_keyset_page_costs_the_queries_of_the_first(agent_client, django_assert_num_queries):
    TicketFactory.create_batch(60, admin=AdministratorFactory())
    first = agent_client.get(URL, {"sort": "admin"})
    after = link(first, "next")
    agent_client.get(after)  # the cache warm
    with django_assert_num_queries(len_queries(agent_client, f"{URL}?sort=admin")):
        agent_client.get(after)


def len_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def test_an_order_a_cursor_cannot_follow_pages_by_number(agent_client, small_pages):
    tickets_with_ties_and_nulls()
    first = agent_client.get(URL, {"sort": "title,-date"})  # two columns: no keyset
    assert link(first, "next").endswith("sort=title%2C-date&page=2")
    second = agent_client.get(link(first, "next"))
    assert "Tickets 4–6 of 13" in second.content.decode()
    assert link(second, "prev").endswith("sort=title%2C-date")
    assert not set(ids(first)) & set(ids(second))


def test_sorting_or_exporting_from_a_keyset_page_starts_from_the_top(agent_client, small_pages):
    tickets_with_ties_and_nulls()
    second = agent_client.get(link(agent_client.get(URL, {"tier": "handle"}), "next"))
    headers = re.findall(r'<th scope="col"[^>]*><a href="([^"]*)"', second.content.decode())
    export = re.search(r'href="([^"]*)" hx-boost="false" download', second.content.decode())[1]
    assert headers and export
    for href in [*headers, export]:
        assert "tier=handle" in href
        assert not re.search(r"\b(after|before|start|page)=", href), href
