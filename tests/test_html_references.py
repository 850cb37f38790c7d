"""What the HTML checker and axe found on every main page: broken describedby references,
duplicate ids, invalid <time datetime>, placeholders on week inputs."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.conf import settings
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


def _luminance(hex_colour: str) -> float:
    if len(hex_colour) == 4:
        hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_has_3_to_1_contrast_against_the_page_and_cards():
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    colour = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", css))
    assert "outline: 3px solid var(--focus)" in css
    for background in ("bg", "surface"):
        assert contrast(colour["focus"], colour[background]) >= 3, background


def test_wide_report_tables_scroll_by_keyboard_and_are_named(manager_client):
    week = current_week().previous
    html = manager_client.get(reverse("reports:week", args=[str(week)])).content.decode()
    wrappers = re.findall(r'<div class="table-wrap"[^>]*>', html)
    assert wrappers
    for wrapper in wrappers:
        assert 'role="region"' in wrapper and 'tabindex="0"' in wrapper, wrapper
        label = re.search(r'aria-labelledby="([^"]+)"', wrapper)
        assert label and f'id="{label[1]}"' in html, wrapper


def test_the_confidentiality_banner_sits_inside_the_header_landmark(agent_client, settings):
    settings.CONFIDENTIALITY_BANNER = "Internal only"
    html = agent_client.get(reverse("dashboard")).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert 'class="banner"' in header
