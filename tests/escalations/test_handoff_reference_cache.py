"""The ticket page's hand-off forms read the admins, declarations, scenarios, checklist items
and procedures from the cache: each write to one of them shows on a page already viewed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from admins.models import Administrator, Purview
from escalations.guide.models import Scenario
from escalations.handoffs.models import ChecklistItem, Procedure
from tests.factories import AdministratorFactory, PurviewFactory, ServiceFactory, TicketFactory
from tickets.models import Tier


@pytest.fixture(autouse=True)
def _shared_cache(db, database_cache):
    """The database cache production uses, shared by every request of the test."""


@pytest.fixture
def ticket():
    return TicketFactory(service=ServiceFactory(name="Mail"), tier=Tier.HANDLE)


def page(client, ticket) -> str:
    response = client.get(ticket.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_admin_is_offered_on_a_page_already_viewed(agent_client, ticket):
    assert "Quinn Castellanos" not in page(agent_client, ticket)
    AdministratorFactory(name="Quinn Castellanos", team="Storage")
    assert "Quinn Castellanos (Storage)" in page(agent_client, ticket)


def test_a_renamed_or_deactivated_admin_shows_at_once(agent_client, ticket):
    admin = AdministratorFactory(name="Quinn Castellanos", team="Storage")
    assert "Quinn Castellanos (Storage)" in page(agent_client, ticket)
    admin.name = "Quinn <Castle>"
    admin.save()
    html = page(agent_client, ticket)
    assert "Quinn &lt;Castle&gt; (Storage)" in html
    assert "Quinn Castellanos" not in html
    Administrator.objects.filter(pk=admin.pk).update(active=False)
    assert "Quinn &lt;Castle&gt;" not in page(agent_client, ticket)


def test_a_declaration_and_its_end_show_at_once(agent_client, ticket):
    admin = AdministratorFactory(name="Quinn Castellanos", team="Storage")
    assert "Declared for Mail" not in page(agent_client, ticket)
    purview = PurviewFactory(service=ticket.service, admin=admin)
    html = page(agent_client, ticket)
    assert "Declared for Mail" in html
    assert "Quinn Castellanos – owner (Storage)" in html
    # Ended as admins.services ends one: a queryset update, no save.
    Purview.objects.filter(pk=purview.pk).update(ended_at=timezone.now())
    html = page(agent_client, ticket)
    assert "Declared for Mail" not in html
    assert "Quinn Castellanos (Storage)" in html


def test_a_declaration_for_another_service_is_not_suggested(agent_client, ticket):
    page(agent_client, ticket)
    PurviewFactory(admin=AdministratorFactory(name="Quinn Castellanos"))
    assert "Declared for" not in page(agent_client, ticket)


def test_a_scenario_written_or_retired_shows_at_once(agent_client, ticket):
    assert "Printer queue stuck" not in page(agent_client, ticket)
    scenario = Scenario.objects.create(
        scenario="Printer queue stuck", tier=Tier.COLLABORATE, wording="Hi {admin}, the queue."
    )
    assert "Printer queue stuck" in page(agent_client, ticket)
    scenario.active = False
    scenario.save()
    assert "Printer queue stuck" not in page(agent_client, ticket)


def test_a_checklist_item_added_edited_or_retired_shows_at_once(agent_client, ticket):
    assert "Reboot the <router>" not in page(agent_client, ticket)
    item = ChecklistItem.objects.create(text="Reboot the <router>", order=99)
    assert "Reboot the &lt;router&gt;" in page(agent_client, ticket)
    ChecklistItem.objects.filter(pk=item.pk).update(text="Reboot the switch")
    html = page(agent_client, ticket)
    assert "Reboot the switch" in html
    assert "router" not in html
    item.refresh_from_db()
    item.active = False
    item.save()
    assert "Reboot the switch" not in page(agent_client, ticket)


def test_a_procedure_saved_or_retired_shows_at_once(agent_client, ticket):
    assert "Procedures for Mail" not in page(agent_client, ticket)
    procedure = Procedure.objects.create(
        service=ticket.service, title="Reset the <mailbox>", body="Steps"
    )
    Procedure.objects.create(service=ServiceFactory(), title="Another service's", body="Steps")
    html = page(agent_client, ticket)
    assert "Procedures for Mail" in html
    assert "Reset the &lt;mailbox&gt;" in html
    assert "Another service's" not in html
    Procedure.objects.filter(pk=procedure.pk).update(active=False)
    assert "Procedures for Mail" not in page(agent_client, ticket)
