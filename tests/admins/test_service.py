from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escalations.handoffs.models import Outcome, Procedure
from tests.admins.helpers import engage
from tests.factories import (
    AdministratorFactory,
    PurviewFactory,
    ServiceFactory,
    SupervisorFactory,
)


def page(service) -> str:
    return reverse("admins:service_detail", args=[service.pk])


def edit(service) -> str:
    return reverse("admins:service_edit", args=[service.pk])


@pytest.fixture
def vpn(db):
    return ServiceFactory(name="VPN", description="Remote access.\nFor staff only.")


def procedure(service, *, title: str, body: str = "Step one", active: bool = True, source=None):
    return Procedure.objects.create(
        service=service,
        title=title,
        body=body,
        active=active,
        source=source,
        created_by=SupervisorFactory(),
    )


def test_anonymous_is_sent_to_login(client, vpn):
    response = client.get(page(vpn))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unknown_service_is_404(agent_client, db):
    assert agent_client.get(reverse("admins:service_detail", args=[999])).status_code == 404


def test_service_page_shows_purview_history_and_procedures(manager_client, vpn):
    dana = AdministratorFactory(name="Dana Whitfield")
    lee = AdministratorFactory(name="Lee Marsh")
    PurviewFactory(service=vpn, admin=dana, evidence="Declared in ticket 4711")
    ended = PurviewFactory(service=vpn, admin=lee, role="backup", evidence="Old chat")
    ended.ended_at, ended.ended_by = timezone.now(), ended.recorded_by
    ended.end_reason = "Moved to another team"
    ended.save()
    answered = engage(dana, days_ago=1, outcome=Outcome.GAVE_INPUT, after=timedelta(hours=1))
    response_row = answered.responses.get()
    procedure(
        vpn,
        title="Reset a VPN token",
        body="<b>Open</b> the portal\nPress reset",
        source=response_row,
    )
    procedure(vpn, title="Retired way", active=False)

    response = manager_client.get(page(vpn))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>VPN</h1>" in html
    assert "<p>Remote access.<br>For staff only.</p>" in html
    # Current purview, then the whole history with the ended row and why it ended.
    assert response.context["current"][0].admin == dana
    assert [p.admin for p in response.context["history"]] == [lee, dana]  # newest first
    assert "Declared in ticket 4711" in html and "Old chat" in html
    assert "Moved to another team" in html
    # Active procedures only, their steps escaped, with the ticket they came from.
    assert "Reset a VPN token" in html and "Retired way" not in html
    assert "&lt;b&gt;Open&lt;/b&gt; the portal<br>Press reset" in html
    assert f'href="{answered.ticket.get_absolute_url()}"' in html
    assert "Edit name, description and manager" not in html  # managers read only


def test_service_page_query_count_does_not_grow(agent_client, vpn, django_assert_max_num_queries):
    PurviewFactory(service=vpn)
    with django_assert_max_num_queries(10):
        agent_client.get(page(vpn))
    with CaptureQueriesContext(connection) as small:
        agent_client.get(page(vpn))
    small = len(small)  # now: a later request empties the log it reads
    for n in range(8):
        PurviewFactory(service=vpn, role="backup")
        answered = engage(
            AdministratorFactory(), days_ago=n + 1, outcome=Outcome.ACCEPTED, after=timedelta(1)
        )
        procedure(vpn, title=f"Procedure {n}", source=answered.responses.get())
    agent_client.get(page(vpn))  # warm: the writes replaced the cached figures
    with CaptureQueriesContext(connection) as large:
        agent_client.get(page(vpn))
    assert len(large) == small


def test_only_supervisors_edit_a_service(client, agent, manager, vpn):
    for user in (agent, manager):
        client.force_login(user)
        assert client.post(edit(vpn), {"name": "X", "description": ""}).status_code == 403
    vpn.refresh_from_db()
    assert vpn.name == "VPN"


def test_supervisor_edits_the_description(supervisor_client, vpn):
    html = supervisor_client.get(page(vpn)).content.decode()
    assert "Edit name, description, manager and policy" in html
    response = supervisor_client.post(edit(vpn), {"name": "VPN", "description": "New text"})
    assert response.status_code == 302 and response["Location"] == page(vpn)
    vpn.refresh_from_db()
    assert vpn.description == "New text"


def test_invalid_service_edit_shows_the_error(supervisor_client, vpn):
    ServiceFactory(name="Wi-Fi")
    response = supervisor_client.post(edit(vpn), {"name": "WI-FI", "description": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is already a service called “WI-FI”." in html
    assert '<details class="edit" open>' in html
    vpn.refresh_from_db()
    assert (vpn.name, vpn.description) == ("VPN", "Remote access.\nFor staff only.")


def test_supervisor_names_the_services_manager_and_a_bad_address_is_refused(supervisor_client, vpn):
    data = {"name": "VPN", "description": "x", "manager_name": "Robin Lead"}
    response = supervisor_client.post(edit(vpn), {**data, "manager_email": "not-an-address"})
    assert response.status_code == 400
    assert 'id="id_manager_email_error"' in response.content.decode()
    vpn.refresh_from_db()
    assert vpn.manager_email == ""
    response = supervisor_client.post(edit(vpn), {**data, "manager_email": "robin@example.org"})
    assert response.status_code == 302
    vpn.refresh_from_db()
    assert (vpn.manager_name, vpn.manager_email) == ("Robin Lead", "robin@example.org")
    assert (
        "Robin Lead &lt;robin@example.org&gt;" in supervisor_client.get(page(vpn)).content.decode()
    )
