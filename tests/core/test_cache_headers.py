"""A shared proxy must never keep a page with personal data."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_signed_in_pages_are_private_and_never_stored(agent_client):
    ticket = TicketFactory()
    for path in [
        reverse("tickets:list"),
        ticket.get_absolute_url(),
        reverse("admins:list"),
        reverse("dashboard"),
    ]:
        response = agent_client.get(path)
        assert response.status_code == 200, path
        assert {"private", "no-store"} <= directives(response), path
        assert "public" not in directives(response)


def test_htmx_fragments_are_private_too(agent_client):
    response = agent_client.get(reverse("tickets:list"), headers={"HX-Request": "true"})
    assert {"private", "no-store"} <= directives(response)


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_stay_cacheable(agent_client):
    response = agent_client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in directives(response)


def test_downloads_with_personal_data_are_private_and_never_stored(supervisor_client):
    from reports.weekly import current_week

    TicketFactory(requestor_name="Rita Requestor")
    for path in [
        reverse("tickets:export"),
        reverse("reports:week_pdf", args=[current_week().previous]),
    ]:
        response = supervisor_client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].split(";")[0] in {"text/csv", "application/pdf"}
        assert {"private", "no-store"} <= directives(response), path
