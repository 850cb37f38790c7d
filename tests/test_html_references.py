"""What the HTML checker and axe found on every main page: broken describedby references,
duplicate ids, invalid <time datetime>, placeholders on week inputs."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reports.weekly import current_week
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.models import Tier

pytestmark = pytest.mark.django_db

# What the HTML standard accepts in <time datetime> for a moment: seconds at most.
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?")


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.described: list[tuple[str, str]] = []
        self.times: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        for ref in (attrs.get("aria-describedby") or "").split():
            self.described.append((tag, ref))
        if tag == "input" and attrs.get("type") == "hidden" and "aria-describedby" in attrs:
            self.problems.append(f"hidden input {attrs.get('name')} has aria-describedby")
        if tag == "input" and attrs.get("type") == "week" and "placeholder" in attrs:
            self.problems.append(f"week input {attrs.get('name')} has a placeholder")
        if tag == "time" and "datetime" in attrs:
            self.times.append(attrs["datetime"])


def check(html: str) -> list[str]:
    page = Page()
    page.feed(html)
    problems = list(page.problems)
    ids = set(page.ids)
    problems += [
        f"{tag} describedby {ref} points nowhere" for tag, ref in page.described if ref not in ids
    ]
    problems += [f"id {i} used {n} times" for i, n in Counter(page.ids).items() if n > 1]
    problems += [f"time datetime {t}" for t in page.times if not DATETIME.fullmatch(t)]
    return problems


def pages(ticket) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("tickets:list"),
        reverse("tickets:new"),
        ticket.get_absolute_url(),
        reverse("admins:list"),
        reverse("admins:purview"),
        reverse("escalations:guide"),
        reverse("sla:calendar"),
        reverse("reports:weekly"),
        reverse("reports:week", args=[str(current_week().previous)]),
    ]


def test_every_main_page_has_sound_references_ids_and_times(supervisor_client):
    ticket = TicketFactory(tier=Tier.COLLABORATE)
    EngagementFactory(ticket=ticket, admin=AdministratorFactory())
    found = {}
    for path in pages(ticket):
        response = supervisor_client.get(path)
        assert response.status_code == 200, path
        problems = check(response.content.decode())
        if problems:
            found[path] = problems
    for path, problems in found.items():
        print(path, sorted(set(re.sub(r"item_\d+", "item_N", p) for p in problems)))
    assert found == {}


def test_the_resolve_note_has_its_own_id_and_a_name(agent_client):
    ticket = TicketFactory()
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert '<label for="id_status_note">Note for the timeline (optional)</label>' in html
    assert 'id="id_status_note"' in html
