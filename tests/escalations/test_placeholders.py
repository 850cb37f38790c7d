"""Message templates fill plain names only: nothing in braces is evaluated or padded."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from escalations.guide.models import MESSAGE_LIMIT, Scenario, fill_placeholders
from escalations.handoffs.models import Engagement
from tests.factories import AdministratorFactory, TicketFactory
from tickets.models import Tier

pytestmark = pytest.mark.django_db

HOSTILE = ["{ticket:>99999999999}", "{ticket:>2000000}", "{admin.__class__}", "{ticket[0]}"]


def scenario_data(wording: str) -> dict:
    return {"scenario": "Probe", "tier": "", "wording": wording, "order": 0, "active": "on"}


@pytest.mark.parametrize("wording", [*HOSTILE, "Hi {adminn}", "Hi {admin", "Hi }"])
def test_scenario_wording_with_anything_but_plain_names_is_refused_beside_the_field(
    supervisor_client, wording
):
    response = supervisor_client.post(reverse("escalations:scenario_new"), scenario_data(wording))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Only the plain names {ticket}, {admin}, {service} and {agent}" in html
    assert 'id="id_wording_error"' in html or "errorlist" in html
    assert not Scenario.objects.filter(scenario="Probe").exists()


def test_doubled_braces_are_accepted_and_become_literal_braces_when_sent(supervisor_client):
    data = scenario_data("Ticket {ticket}: reply with {{code}}.")
    assert supervisor_client.post(reverse("escalations:scenario_new"), data).status_code == 302
    scenario = Scenario.objects.get(scenario="Probe")
    template = scenario.fill(ticket="#7")
    assert template == "Ticket #7: reply with {{code}}."
    assert fill_placeholders(template) == "Ticket #7: reply with {code}."


def test_filling_never_evaluates_or_pads_and_is_bounded():
    for text in HOSTILE:
        assert fill_placeholders(text, ticket="#1", admin="Dana") == text
    many = "{ticket}" * 2000
    assert len(fill_placeholders(many, ticket="#" + "9" * 40)) == MESSAGE_LIMIT


@pytest.mark.parametrize("wording", HOSTILE)
def test_saved_bad_wording_never_takes_the_ticket_page_down(agent_client, wording):
    Scenario.objects.update(active=False)
    Scenario.objects.create(scenario="Old", wording=f"Hi {wording}", tier=Tier.COLLABORATE)
    ticket = TicketFactory()
    page = reverse("tickets:detail", args=[ticket.external_id])
    response = agent_client.get(page)
    assert response.status_code == 200
    assert escape(f"Hi {wording}") in response.content.decode()
    assert len(response.content) < 500_000


def test_a_message_with_a_format_width_is_refused_and_nothing_is_sent(agent_client):
    ticket = TicketFactory()
    admin = AdministratorFactory()
    response = agent_client.post(
        reverse("tickets:collaborate", args=[ticket.external_id]),
        {"collab-admins": [admin.pk], "collab-message": "{ticket:>2000000}", "collab-reason": ""},
    )
    assert response.status_code == 400
    assert "no format widths" in response.content.decode()
    assert not Engagement.objects.filter(ticket=ticket).exists()


def test_a_service_name_with_braces_fills_in_early_and_prints_as_named():
    from escalations.guide.models import check_placeholders, fill_placeholders

    early = fill_placeholders("{service} needs {admin}", final=False, service="Mail {Exchange}")
    check_placeholders(early)  # still a valid template: the agent need not edit it
    assert fill_placeholders(early, admin="Ada") == "Mail {Exchange} needs Ada"


@pytest.mark.parametrize("message", HOSTILE)
def test_an_escalation_message_with_more_than_plain_names_is_refused_and_nothing_moves(
    agent_client, message
):
    from escalations.handoffs.models import ChecklistItem

    ticket = TicketFactory()
    admin = AdministratorFactory()
    checklist = {f"item_{i.pk}": "on" for i in ChecklistItem.objects.filter(active=True)}
    agent_client.post(reverse("tickets:checklist", args=[ticket.external_id]), checklist)
    response = agent_client.post(
        reverse("tickets:escalate", args=[ticket.external_id]),
        {
            "esc-admin": admin.pk,
            "esc-tag": "identity",
            "esc-reason": "Needs the identity team.",
            "esc-message": f"Hi {message}, what can we do next time?",
            "esc-meta_confirmed": "on",
        },
    )
    assert response.status_code == 400
    assert "Only the plain names" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.tier != Tier.ESCALATE and not Engagement.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("wording", HOSTILE)
def test_editing_a_scenario_to_more_than_plain_names_is_refused_and_keeps_the_old_wording(
    supervisor_client, wording
):
    scenario = Scenario.objects.create(scenario="Probe", wording="Hi {admin}", order=0)
    response = supervisor_client.post(
        reverse("escalations:scenario_edit", args=[scenario.pk]), scenario_data(wording)
    )
    assert response.status_code == 400
    assert "Only the plain names" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.wording == "Hi {admin}"
