from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgentFactory, TicketFactory
from tickets.models import Category, EventKind, Priority, Ticket, Tier

URL = reverse("tickets:new")


def valid(**overrides):
    data = {
        "external_id": " 24817 ",
        "title": "Cannot reach the finance system",
        "classification": "incident",
        "tier": "collaborate",
        "category": Category.objects.get(number=1).pk,
        "priority": Priority.objects.get(name="High", category=None).pk,
        "requestor_name": "Blair Holm",
        "department": "Finance",
    }
    data.update(overrides)
    return data


def test_log_page_renders_for_agents(agent_client):
    response = agent_client.get(URL)
    assert response.status_code == 200
    assert b'name="external_id"' in response.content
    assert b"required" in response.content  # HTML5 hints for the browser


def test_logging_creates_ticket_with_timeline_and_redirects(agent_client, agent):
    response = agent_client.post(URL, valid())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=["24817"])
    assert ticket.external_id == "24817"  # trimmed
    assert ticket.tier == Tier.COLLABORATE
    assert ticket.agent == agent
    assert abs(ticket.opened_at - timezone.now()) < timedelta(seconds=5)
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.LOGGED]


def test_duplicate_ticket_id_links_to_the_existing_ticket(agent_client):
    existing = TicketFactory(external_id="24817")
    response = agent_client.post(URL, valid(external_id="24817"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ticket #24817 is already logged." in html
    assert f'href="{existing.get_absolute_url()}"' in html
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("external_id", "", "This field is required."),
        ("external_id", "new", "at least one digit"),
        ("external_id", "12 34", "letters, digits"),
        ("title", "", "This field is required."),
        ("tier", "sideways", "Select a valid choice"),
        ("requestor_email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_invalid_input_is_explained_beside_the_field_and_nothing_saved(
    agent_client, field, value, message
):
    response = agent_client.post(URL, valid(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Ticket.objects.exists()


def test_opened_time_cannot_be_in_the_future(agent_client):
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = agent_client.post(URL, valid(opened_at=tomorrow.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert not Ticket.objects.exists()


def test_opened_time_from_the_ticketing_system_is_kept(agent_client):
    agent_client.post(URL, valid(opened_at="2026-03-02T09:15"))
    opened = timezone.localtime(Ticket.objects.get().opened_at)
    assert (opened.month, opened.day, opened.hour, opened.minute) == (3, 2, 9, 15)


def test_priority_of_another_category_is_refused(agent_client):
    inventory_only = Priority.objects.get(name="Audit process")
    response = agent_client.post(URL, valid(priority=inventory_only.pk))
    assert response.status_code == 400
    assert "belongs to another category" in response.content.decode()
    assert not Ticket.objects.exists()


def test_manager_cannot_log_a_ticket(manager_client):
    assert manager_client.post(URL, valid()).status_code == 403
    assert not Ticket.objects.exists()


def test_htmx_log_returns_fresh_form_event_and_link(agent_client):
    response = agent_client.post(URL, valid(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="quick-log"' in html
    assert 'href="/tickets/24817/"' in html
    assert 'value="24817"' not in html  # the form starts fresh
    assert "ticketLogged" in response["HX-Trigger"]
    assert Ticket.objects.filter(external_id="24817").exists()


def test_htmx_log_with_errors_rerenders_the_form_with_200(agent_client):
    response = agent_client.post(URL, valid(title=""), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "This field is required." in response.content.decode()
    assert not Ticket.objects.exists()


def test_opened_is_left_empty_as_its_help_says(agent_client):
    html = agent_client.get(URL).content.decode()
    field = re.search(r'<input[^>]*name="opened_at"[^>]*>', html).group(0)
    assert "value=" not in field
    assert "Leave empty for now" in html


def test_status_and_agent_can_be_set_when_logging(agent_client):
    colleague = AgentFactory(first_name="Noel", last_name="Brooks")
    html = agent_client.get(URL).content.decode()
    assert '<select name="status"' in html and ">Noel Brooks</option>" in html
    response = agent_client.post(URL, valid(status="in_progress", agent=colleague.pk))
    assert response.status_code == 302
    ticket = Ticket.objects.get(external_id="24817")
    assert (ticket.status, ticket.agent) == ("in_progress", colleague)


def test_status_and_agent_default_to_new_and_the_person_logging(agent_client, agent):
    agent_client.post(URL, valid())
    ticket = Ticket.objects.get(external_id="24817")
    assert (ticket.status, ticket.agent) == ("new", agent)


def test_waiting_on_admin_cannot_be_chosen_when_logging(agent_client):
    response = agent_client.post(URL, valid(status="waiting_admin"))
    assert response.status_code == 400
    assert not Ticket.objects.filter(external_id="24817").exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_racing_duplicate_gets_the_already_logged_answer_not_a_500(agent_client, htmx):
    # Another request logs the same ID after this one's form check and before its save: the
    # database's unique constraint is what refuses it.
    from tickets.forms import TicketLogForm

    checked = TicketLogForm.validate_unique

    def check_then_lose_the_race(form):
        checked(form)
        TicketFactory(external_id=form.cleaned_data["external_id"])

    headers = {"HX-Request": "true"} if htmx else {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TicketLogForm, "validate_unique", check_then_lose_the_race)
        response = agent_client.post(URL, valid(external_id="24817"), headers=headers)
    assert response.status_code == (200 if htmx else 400)
    html = response.content.decode()
    assert "Ticket #24817 is already logged." in html
    existing = Ticket.objects.get()
    assert f'href="{existing.get_absolute_url()}"' in html
    assert not existing.events.exists()  # the refused request wrote no timeline entry


def test_an_id_in_another_case_racing_in_is_refused_as_already_logged(agent_client):
    # "INC-7" is logged by someone else after this request checked "inc-7": the database's
    # case-blind constraint refuses the second spelling with the clear answer.
    from tickets.forms import TicketLogForm

    checked = TicketLogForm.validate_unique

    def check_then_lose_the_race(form):
        checked(form)
        TicketFactory(external_id=form.cleaned_data["external_id"].upper())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TicketLogForm, "validate_unique", check_then_lose_the_race)
        response = agent_client.post(URL, valid(external_id="inc-7"))
    assert response.status_code == 400
    assert "is already logged." in response.content.decode()
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["INC-7"]


def test_the_database_refuses_an_id_that_differs_only_by_case(db):
    from django.db import IntegrityError, transaction

    TicketFactory(external_id="INC-7")
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketFactory(external_id="inc-7")
    assert Ticket.objects.count() == 1
