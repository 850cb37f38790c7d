from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from admins.models import PurviewRole
from admins.services import declare_purview
from escalations.handoffs.models import (
    Channel,
    ChecklistItem,
    Engagement,
    EngagementState,
    Outcome,
    Procedure,
)
from tests.factories import AdministratorFactory, EngagementFactory, ServiceFactory, TicketFactory
from tickets.models import Tier
from tickets.sla.clock import due_soon_share

pytestmark = pytest.mark.django_db


def url(name: str, ticket, *args) -> str:
    return reverse(f"tickets:{name}", args=[ticket.external_id, *args])


def checklist_data(*, checked: bool = True) -> dict:
    data = {}
    for item in ChecklistItem.objects.filter(active=True):
        if checked:
            data[f"item_{item.pk}"] = "on"
        data[f"note_{item.pk}"] = ""
    return data


def escalate_data(admin, **overrides) -> dict:
    data = {
        "esc-admin": admin.pk,
        "esc-tag": "identity",
        "esc-reason": "Needs a change in the identity provider.",
        "esc-message": "Hi {admin}, what process can the support center follow the next time a "
        "ticket like this comes in?",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["checklist", "collaborate", "escalate", "deescalate", "respond"])
def test_hand_off_actions_need_login_and_an_agent_role(client, manager_client, name):
    ticket = TicketFactory()
    anonymous = client.__class__().post(url(name, ticket), {})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    assert manager_client.post(url(name, ticket), {}).status_code == 403


def test_escalate_is_refused_until_the_checklist_is_complete(agent_client):
    ticket = TicketFactory()
    admin = AdministratorFactory(name="Dana Owner")

    refused = agent_client.post(url("escalate", ticket), escalate_data(admin))

    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Complete the pre-escalation checklist first" in html
    for item in ChecklistItem.objects.filter(active=True, required=True):
        assert escape(item.text) in html
    ticket.refresh_from_db()
    assert ticket.tier == Tier.HANDLE and not Engagement.objects.exists()

    assert agent_client.post(url("checklist", ticket), checklist_data()).status_code == 302
    done = agent_client.post(url("escalate", ticket), escalate_data(admin), follow=True)

    assert "Escalated to Dana Owner" in done.content.decode()
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.admin) == (Tier.ESCALATE, admin)


def test_htmx_escalate_error_comes_back_as_the_ticket_partial(agent_client):
    ticket = TicketFactory()
    response = agent_client.post(
        url("escalate", ticket),
        escalate_data(AdministratorFactory()),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Complete the pre-escalation checklist first" in response.content


def test_escalate_form_suggests_the_declared_owner_first(agent_client, supervisor):
    service = ServiceFactory(name="VPN")
    owner = AdministratorFactory(name="Zed Owner")
    AdministratorFactory(name="Amy Other")
    declare_purview(
        service,
        admin=owner,
        role=PurviewRole.OWNER,
        declared_on=timezone.localdate(),
        evidence="Declared in ticket 100",
        by=supervisor,
    )
    html = agent_client.get(TicketFactory(service=service).get_absolute_url()).content.decode()
    escalate_form = html[html.index('name="esc-admin"') :]
    assert escalate_form.index("Zed Owner – owner") < escalate_form.index("Amy Other")
    assert f'<option value="{owner.pk}" selected>' in escalate_form


def test_collaborate_through_the_page(agent_client):
    ticket = TicketFactory()
    admins = [AdministratorFactory(), AdministratorFactory()]
    response = agent_client.post(
        url("collaborate", ticket),
        {
            "collab-admins": [a.pk for a in admins],
            "collab-message": "Quick question",
            "collab-reason": "",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.tier == Tier.COLLABORATE
    assert ticket.engagements.count() == 2


def test_collaborate_without_an_admin_shows_the_error_by_the_field(agent_client):
    ticket = TicketFactory()
    response = agent_client.post(url("collaborate", ticket), {"collab-message": "Hello"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Engagement.objects.exists()


def test_deescalate_without_reason_is_refused(agent_client, agent):
    ticket = TicketFactory(agent=agent)
    agent_client.post(url("checklist", ticket), checklist_data())
    agent_client.post(url("escalate", ticket), escalate_data(AdministratorFactory()))
    response = agent_client.post(url("deescalate", ticket), {"tier": "handle", "reason": ""})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.tier == Tier.ESCALATE
    agent_client.post(
        url("deescalate", ticket), {"tier": "collaborate", "reason": "Admin answered"}
    )
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.admin) == (Tier.COLLABORATE, None)


def response_data(engagement, **overrides) -> dict:
    data = {
        "engagement": engagement.pk,
        "outcome": Outcome.GAVE_INPUT,
        "channel": Channel.TICKET,
        "responded_at": "",
        "redirect_admin": "",
        "redirect_detail": "",
        "next_time": "Restart the sync service first.",
        "note": "",
    }
    data.update(overrides)
    return data


def test_log_a_response_with_the_time_defaulting_to_now(agent_client):
    engagement = EngagementFactory()
    response = agent_client.post(url("respond", engagement.ticket), response_data(engagement))
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.state == EngagementState.RESPONDED
    assert abs(engagement.first_response_at - timezone.now()) < timedelta(minutes=1)


def test_a_response_before_the_request_is_refused_next_to_the_field(agent_client):
    engagement = EngagementFactory()
    early = timezone.localtime(engagement.requested_at - timedelta(hours=1))
    response = agent_client.post(
        url("respond", engagement.ticket),
        response_data(engagement, responded_at=early.strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 400
    assert "cannot come before the request" in response.content.decode()
    assert not engagement.responses.exists()


def test_a_response_for_another_tickets_engagement_is_refused(agent_client):
    engagement = EngagementFactory()
    other = TicketFactory()
    EngagementFactory(ticket=other)
    response = agent_client.post(url("respond", other), response_data(engagement))
    assert response.status_code == 400
    assert not engagement.responses.exists()


def test_next_time_answer_saved_as_a_procedure_is_suggested_for_the_next_ticket(agent_client):
    service = ServiceFactory(name="Printing")
    engagement = EngagementFactory(ticket=TicketFactory(service=service))
    agent_client.post(url("respond", engagement.ticket), response_data(engagement))
    answer = engagement.responses.get()

    saved = agent_client.post(
        url("procedure_new", engagement.ticket, answer.pk),
        {"title": "Sync stuck", "body": answer.next_time},
    )

    assert saved.status_code == 302
    assert Procedure.objects.get().service == service
    hint = agent_client.get(reverse("tickets:procedure_hint"), {"service": service.pk})
    assert "Sync stuck" in hint.content.decode()
    next_ticket = agent_client.get(TicketFactory(service=service).get_absolute_url())
    assert "Procedures for Printing" in next_ticket.content.decode()


def test_scenario_wording_fills_the_message(agent_client):
    ticket = TicketFactory(external_id="31337")
    from escalations.guide.models import Scenario

    scenario = Scenario.objects.filter(tier=Tier.ESCALATE).first()
    response = agent_client.get(url("message", ticket), {"prefix": "esc", "scenario": scenario.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="esc-message"' in html and "#31337" in html


def test_log_form_does_not_offer_escalate(agent_client):
    response = agent_client.post(
        reverse("tickets:new"),
        {"external_id": "88001", "title": "x", "classification": "incident", "tier": "escalate"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_detail_queries_do_not_grow_with_engagements(agent_client, agent):
    def count(ticket) -> int:
        # Warm: what the page reads from the cache was read once already.
        agent_client.get(ticket.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(ticket.get_absolute_url()).status_code == 200
        return len(queries)

    def ticket_with(n: int):
        ticket = TicketFactory(service=ServiceFactory())
        for _ in range(n):
            engagement = EngagementFactory(ticket=ticket)
            engagement.record_response(
                outcome=Outcome.GAVE_INPUT,
                channel=Channel.TICKET,
                responded_at=timezone.now(),
                by=agent,
                next_time="Do this",
            )
        return ticket

    due_soon_share()  # cached after the first page; measure both pages warm
    small, large = count(ticket_with(1)), count(ticket_with(6))
    assert small == large
    assert large <= 24


@pytest.mark.parametrize("value", ["²", "abc", "-1", "1e3", ""])
def test_odd_ids_in_query_strings_never_fail(agent_client, value):
    ticket = TicketFactory()
    hint = agent_client.get(reverse("tickets:procedure_hint"), {"service": value})
    assert hint.status_code == 200
    kept = agent_client.get(
        url("message", ticket), {"prefix": "esc", "scenario": value, "esc-message": "Typed"}
    )
    assert kept.status_code == 200
    assert "Typed" in kept.content.decode()


def test_message_and_procedure_actions_are_refused_to_managers(manager_client):
    engagement = EngagementFactory()
    ticket = engagement.ticket
    assert manager_client.get(url("message", ticket), {"prefix": "esc"}).status_code == 403
    assert manager_client.post(url("procedure_new", ticket, 1), {}).status_code == 403


def test_a_refusal_for_a_form_no_longer_on_the_page_is_still_shown(agent_client, agent):
    ticket = TicketFactory(agent=agent)
    agent_client.post(url("checklist", ticket), checklist_data())
    ticket.close(by=agent)
    response = agent_client.post(url("escalate", ticket), escalate_data(AdministratorFactory()))
    assert response.status_code == 400
    assert "reopen it before you escalate" in response.content.decode()


def test_timeline_names_the_admin_added_for_input(agent_client):
    ticket = TicketFactory()
    admin = AdministratorFactory(name="Ines Input")
    agent_client.post(
        url("collaborate", ticket), {"collab-admins": [admin.pk], "collab-message": "Hi"}
    )
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    timeline = html[html.index('class="timeline"') :]
    assert "Admin added for input" in timeline and "Ines Input" in timeline


def test_asking_the_same_admin_twice_is_refused(agent_client):
    ticket = TicketFactory()
    admin = AdministratorFactory(name="Ines Input")
    data = {"collab-admins": [admin.pk], "collab-message": "Hi"}
    agent_client.post(url("collaborate", ticket), data)
    again = agent_client.post(url("collaborate", ticket), data)
    assert again.status_code == 400
    assert "Already awaiting an answer from Ines Input" in again.content.decode()
    assert ticket.engagements.count() == 1


def test_edit_form_cannot_set_the_owner_or_waiting_on_admin(agent_client):
    ticket = TicketFactory()
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    edit_form = html[html.index('action="' + url("edit", ticket)) :]
    edit_form = edit_form[: edit_form.index("</form>")]
    assert 'name="admin"' not in edit_form
    assert 'value="waiting_admin"' not in edit_form


def test_escalate_without_the_meta_protocol_question_says_why_beside_the_message(agent_client):
    ticket = TicketFactory()
    agent_client.post(url("checklist", ticket), checklist_data())
    admin = AdministratorFactory()
    response = agent_client.post(
        url("escalate", ticket), escalate_data(admin, **{"esc-message": "Hi, over to you."})
    )
    assert response.status_code == 400
    html = response.content.decode()
    wrap = html.split('id="id_esc-message_wrap"')[1].split("</div>")[0]
    assert "must end with the meta-protocol question" in wrap
    assert "tick the box below to confirm" in wrap
    assert 'name="esc-meta_confirmed"' in html
    ticket.refresh_from_db()
    assert ticket.tier == Tier.HANDLE and not ticket.engagements.exists()

    confirmed = escalate_data(
        admin, **{"esc-message": "Hi, over to you. How could we do it ourselves?"}
    )
    confirmed["esc-meta_confirmed"] = "on"
    assert agent_client.post(url("escalate", ticket), confirmed).status_code == 302
    ticket.refresh_from_db()
    assert ticket.tier == Tier.ESCALATE
