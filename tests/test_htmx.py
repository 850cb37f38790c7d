"""Pages that answer an htmx swap with a fragment of themselves, through one helper."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def urls() -> list[str]:
    ticket = TicketFactory(external_id="880001")
    return [
        reverse("tickets:list"),
        reverse("tickets:detail", args=[ticket.external_id]),
        reverse("admins:list"),
        reverse("escalations:guide"),
        reverse("urgent:new"),
        reverse("notifications"),
        reverse("audit_log"),
    ]


def test_each_page_or_its_fragment_and_a_cache_never_mixes_them_up(supervisor_client):
    for url in urls():
        page = supervisor_client.get(url)
        fragment = supervisor_client.get(url, headers=HTMX)
        assert (page.status_code, fragment.status_code) == (200, 200), url
        assert b"<html" in page.content, url
        assert b"<html" not in fragment.content, url
        for response in (page, fragment):
            assert "HX-Request" in response["Vary"], url


def test_a_history_restore_gets_the_whole_page(supervisor_client):
    response = supervisor_client.get(
        reverse("tickets:list"), headers=HTMX | {"HX-History-Restore-Request": "true"}
    )
    assert b"<html" in response.content


def test_refused_filters_are_a_400_for_the_page_and_a_200_fragment_for_htmx(supervisor_client):
    """htmx 2 does not swap a 4xx, so the swap gets the fragment with its errors."""
    bad = {"opened_after": "not a date"}
    page = supervisor_client.get(reverse("tickets:list"), bad)
    fragment = supervisor_client.get(reverse("tickets:list"), bad, headers=HTMX)
    assert (page.status_code, fragment.status_code) == (400, 200)
    assert b"<html" not in fragment.content
