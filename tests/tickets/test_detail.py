from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    EngagementFactory,
    PurviewFactory,
    ServiceFactory,
    TicketFactory,
)
from tickets.models import EventKind, Status, Ticket, TicketEvent, Tier
from tickets.sla.clock import due_soon_share
from tickets.timeline import TIMELINE_LIMIT


def edit_data(ticket: Ticket, **overrides) -> dict:
    data = {
        "title": ticket.title,
        "classification": ticket.classification,
        "category": ticket.category_id or "",
        "priority": ticket.priority_id or "",
        "service": ticket.service_id or "",
        "status": ticket.status,
        "requestor_name": ticket.requestor_name,
        "requestor_email": ticket.requestor_email,
        "department": ticket.department,
        "agent": ticket.agent_id,
        "opened_at": ticket.opened_at.astimezone().strftime("%Y-%m-%dT%H:%M"),
        "version": ticket.version,
        "seen_event": ticket.events.order_by("-id").values_list("id", flat=True).first() or 0,
    }
    data.update(overrides)
    return data


def test_detail_shows_fields_badge_and_timeline(agent_client):
    ticket = TicketFactory(external_id="4242", title="Printer jam", tier=Tier.COLLABORATE)
    ticket.events.create(kind=EventKind.LOGGED, by=ticket.agent)
    response = agent_client.get(ticket.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ticket #4242: Printer jam" in html
    assert 'class="badge tier-collaborate"' in html
    assert "Logged" in html
    assert "Save changes" in html


def test_unknown_ticket_is_404(agent_client):
    assert agent_client.get(reverse("tickets:detail", args=["999999"])).status_code == 404


def test_manager_reads_but_cannot_change(manager_client):
    ticket = TicketFactory()
    html = manager_client.get(ticket.get_absolute_url()).content.decode()
    assert "Save changes" not in html and "Change tier" not in html
    url = reverse("tickets:tier", args=[ticket.external_id])
    assert manager_client.post(url, {"tier": "escalate"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.tier == Tier.HANDLE


def test_detail_query_count_is_bounded(agent_client, django_assert_max_num_queries):
    ticket = TicketFactory(admin=AdministratorFactory())
    for n in range(30):
        ticket.events.create(kind=EventKind.CHANGED, field="title", before=str(n), after="x")
    with django_assert_max_num_queries(22):
        agent_client.get(ticket.get_absolute_url())


def test_declared_owner_costs_the_ticket_page_no_extra_query(agent_client):
    """The owner suggested for an escalation comes with its declaration, so a service with
    declarations costs the page the same queries as a service without."""
    declared, undeclared = ServiceFactory(), ServiceFactory()
    due_soon_share()  # cached after the first page; measure both pages warm
    PurviewFactory(service=declared)
    PurviewFactory(service=declared, role="backup")
    counts = []
    for service in (declared, undeclared):
        ticket = TicketFactory(service=service)
        EngagementFactory(ticket=ticket)
        agent_client.get(ticket.get_absolute_url())  # warm: the writes replaced cached figures
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(ticket.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("events", [3, TIMELINE_LIMIT + 5])
def test_edit_form_carries_the_newest_event_shown_or_not(agent_client, events):
    # The newest event by id is the oldest by time, so with a cut timeline it is not shown
    # and the form must still carry it.
    ticket = TicketFactory()
    now = timezone.now()
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, kind=EventKind.CHANGED, at=now - timedelta(minutes=n))
        for n in range(events)
    )
    newest = ticket.events.order_by("-id").values_list("id", flat=True).first()
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    field = re.search(r'<input[^>]*name="seen_event"[^>]*>', html).group(0)
    assert f'value="{newest}"' in field


def test_edit_records_each_change_before_and_after(agent_client, agent):
    ticket = TicketFactory(title="Old title", department="Finance")
    new_agent = AgentFactory(first_name="Noel", last_name="Brooks")
    url = reverse("tickets:edit", args=[ticket.external_id])
    response = agent_client.post(
        url, edit_data(ticket, title="New title", department="Legal", agent=new_agent.pk)
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.title, ticket.department, ticket.agent) == ("New title", "Legal", new_agent)
    assert ticket.version == 2
    changes = {e.field: (e.before, e.after, e.by) for e in ticket.events.all()}
    assert changes["title"] == ("Old title", "New title", agent)
    assert changes["department"] == ("Finance", "Legal", agent)
    assert changes["agent"][1] == "Noel Brooks"


def test_second_editor_gets_a_conflict_and_nothing_is_overwritten(client, agent):
    ticket = TicketFactory(title="Original", department="Finance")
    stale = edit_data(ticket)
    other = AgentFactory(username="other")
    client.force_login(other)
    url = reverse("tickets:edit", args=[ticket.external_id])
    client.post(url, edit_data(ticket, title="Changed by other"))

    client.force_login(agent)
    response = client.post(url, {**stale, "department": "Legal"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this ticket after you opened it" in html
    assert "“Original” → “Changed by other”" in html
    ticket.refresh_from_db()
    assert (ticket.title, ticket.department) == ("Changed by other", "Finance")
    # The form now carries the current version: saving again is a deliberate choice.
    assert f'name="version" value="{ticket.version}"' in html


def test_edit_with_bad_input_changes_nothing(agent_client):
    ticket = TicketFactory(title="Keep me")
    url = reverse("tickets:edit", args=[ticket.external_id])
    response = agent_client.post(url, edit_data(ticket, title="", requestor_email="nope"))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.title == "Keep me" and ticket.version == 1
    assert not ticket.events.exists()


def test_htmx_edit_returns_the_detail_partial_with_event(agent_client):
    ticket = TicketFactory()
    url = reverse("tickets:edit", args=[ticket.external_id])
    response = agent_client.post(
        url, edit_data(ticket, title="Via htmx"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="ticket-main"' in html
    assert "Saved: title." in html
    assert "ticketChanged" in response["HX-Trigger"]


def test_tier_change_is_a_timeline_event_with_reason(agent_client, agent):
    ticket = TicketFactory(tier=Tier.HANDLE)
    url = reverse("tickets:tier", args=[ticket.external_id])
    agent_client.post(url, {"tier": "collaborate", "reason": "Needs the mail admin's view"})
    ticket.refresh_from_db()
    assert ticket.tier == Tier.COLLABORATE
    event = ticket.events.get()
    assert (event.kind, event.before, event.after) == (
        EventKind.TIER_CHANGED,
        "Handle",
        "Collaborate",
    )
    assert event.note == "Needs the mail admin's view" and event.by == agent


def test_tier_change_to_unknown_tier_is_refused(agent_client):
    ticket = TicketFactory()
    url = reverse("tickets:tier", args=[ticket.external_id])
    response = agent_client.post(url, {"tier": "nuclear"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ticket.events.exists()


def test_resolve_close_reopen(agent_client):
    ticket = TicketFactory(status=Status.IN_PROGRESS)
    args = [ticket.external_id]
    agent_client.post(reverse("tickets:resolve", args=args), {"note": "Fixed the queue"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at
    agent_client.post(reverse("tickets:close", args=args))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at
    agent_client.post(reverse("tickets:reopen", args=args), {"note": "It broke again"})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.resolved_at is None and ticket.closed_at is None
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.RESOLVED, EventKind.CLOSED, EventKind.REOPENED]


def test_resolving_twice_is_refused_with_a_message(agent_client):
    ticket = TicketFactory(status=Status.IN_PROGRESS)
    url = reverse("tickets:resolve", args=[ticket.external_id])
    agent_client.post(url)
    response = agent_client.post(url, follow=True)
    assert "it cannot be resolved now" in response.content.decode()
    assert ticket.events.count() == 1


def test_actions_need_post(agent_client):
    ticket = TicketFactory()
    for name in ["edit", "tier", "resolve", "close", "reopen"]:
        url = reverse(f"tickets:{name}", args=[ticket.external_id])
        assert agent_client.get(url).status_code == 405


def shown_form(client, ticket: Ticket) -> dict:
    """What the ticket page's edit form posts when nothing is touched."""
    data = {}
    for field in client.get(ticket.get_absolute_url()).context["edit_form"]:
        value = field.field.widget.format_value(field.value())
        if isinstance(value, list):
            value = value[0] if value else ""
        data[field.html_name] = "" if value is None else value
    return data


def test_resave_after_a_conflict_keeps_the_other_persons_change(client, agent, supervisor):
    ticket = TicketFactory(title="VPN drops", department="Finance")
    url = reverse("tickets:edit", args=[ticket.external_id])
    client.force_login(agent)
    seen = shown_form(client, ticket)
    client.force_login(supervisor)
    client.post(url, {**shown_form(client, ticket), "department": "Facilities"})

    client.force_login(agent)
    response = client.post(url, {**seen, "title": "VPN drops hourly"})
    assert response.status_code == 409
    kept = response.context["edit_form"]
    # The form shows the supervisor's department and keeps the agent's title.
    assert kept["department"].value() == "Facilities"
    assert kept["title"].value() == "VPN drops hourly"
    response = client.post(url, kept.data)
    ticket.refresh_from_db()
    assert (ticket.title, ticket.department) == ("VPN drops hourly", "Facilities")
    assert [e.field for e in ticket.events.filter(field="department")] == ["department"]


def test_a_field_both_changed_is_a_side_by_side_choice(client, agent, supervisor):
    ticket = TicketFactory(department="Finance")
    url = reverse("tickets:edit", args=[ticket.external_id])
    client.force_login(agent)
    seen = shown_form(client, ticket)
    client.force_login(supervisor)
    client.post(url, {**shown_form(client, ticket), "department": "Facilities"})

    client.force_login(agent)
    response = client.post(url, {**seen, "department": "Payroll"})
    html = response.content.decode()
    assert "Department: you both changed it" in html
    assert "“Payroll”" in html and "“Facilities”" in html
    data = response.context["edit_form"].data.copy()
    # Saving without a choice is refused beside the choice, and changes nothing.
    response = client.post(url, data)
    assert "choose which value stays" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.department == "Facilities"
    response = client.post(url, {**data.dict(), "keep_department": "mine"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.department == "Payroll"


def test_keeping_their_value_of_a_shared_field_writes_nothing_there(client, agent, supervisor):
    ticket = TicketFactory(title="Old", department="Finance")
    url = reverse("tickets:edit", args=[ticket.external_id])
    client.force_login(agent)
    seen = shown_form(client, ticket)
    client.force_login(supervisor)
    client.post(url, {**shown_form(client, ticket), "department": "Facilities"})
    client.force_login(agent)
    response = client.post(url, {**seen, "department": "Payroll", "title": "New"})
    data = {**response.context["edit_form"].data.dict(), "keep_department": "theirs"}
    client.post(url, data)
    ticket.refresh_from_db()
    assert (ticket.title, ticket.department) == ("New", "Facilities")


def test_a_save_writes_only_the_fields_the_editor_changed(agent_client):
    ticket = TicketFactory(title="Before", department="Finance")
    data = {**shown_form(agent_client, ticket), "title": "After"}
    agent_client.post(reverse("tickets:edit", args=[ticket.external_id]), data)
    assert list(ticket.events.filter(kind=EventKind.CHANGED).values_list("field", flat=True)) == [
        "title"
    ]


def test_edit_form_names_categories_as_every_other_page_does(agent_client):
    ticket = TicketFactory()
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    select = re.search(r'<select name="category".*?</select>', html, re.S).group(0)
    assert ">Break/fix</option>" in select
    assert "1 – Break/fix" not in select


def test_ticket_page_links_to_the_ticketing_system_when_configured(agent_client, settings):
    ticket = TicketFactory(external_id="T-24817")
    assert "Open #T-24817 in" not in agent_client.get(ticket.get_absolute_url()).content.decode()
    settings.TICKET_URL_TEMPLATE = "https://tdx.example.edu/Tickets/TicketDet?TicketID={id}"
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert 'href="https://tdx.example.edu/Tickets/TicketDet?TicketID=T-24817"' in html
    assert "Open #T-24817 in the ticketing system" in html


def test_ticket_page_shows_each_detail_once_and_links_to_the_timeline(agent_client):
    ticket = TicketFactory(department="Finance Department")
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert html.count("<dd>Finance Department</dd>") == 1
    assert html.count("<dt>Department</dt>") == 1
    assert html.count("Ticket #" + ticket.external_id) == 2  # the heading and the page title
    assert '<details class="action edit">' in html
    assert 'href="#timeline-heading"' in html
    # What to do next comes before the details.
    assert html.index('id="tier-heading"') < html.index('id="details-heading"')


def test_htmx_result_is_rendered_inside_the_swapped_part_for_its_form(agent_client):
    ticket = TicketFactory()
    url = reverse("tickets:tier", args=[ticket.external_id])
    response = agent_client.post(url, {"tier": "collaborate"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-main"')
    feedback = re.search(r'<div id="messages"[^>]*data-for="([^"]+)"[^>]*>(.*?)</div>', html, re.S)
    assert feedback.group(1) == url
    assert "Tier changed to Collaborate" in feedback.group(2)
    assert "hx-swap-oob" not in html


def test_timeline_names_a_category_change_as_the_pages_do(agent_client):
    from tickets.models import Category

    ticket = TicketFactory(category=Category.objects.get(number=1))
    other = Category.objects.exclude(number=1).filter(active=True).first()
    data = {**shown_form(agent_client, ticket), "category": str(other.pk)}
    agent_client.post(reverse("tickets:edit", args=[ticket.external_id]), data)
    event = ticket.events.get(field="category")
    assert (event.before, event.after) == ("Break/fix", other.name)
