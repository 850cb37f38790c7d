"""The ticket page, shared by the views that change a ticket and render it again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django_htmx.http import trigger_client_event

from admins.models import AdminResponse
from escalations.forms import (
    AdminOptions,
    ChecklistForm,
    CollaborateForm,
    DeescalateForm,
    EscalateForm,
    ResponseForm,
    report_unshown,
)
from escalations.htmx import render_page
from escalations.models import ChecklistItem, Scenario
from escalations.roles import display_name
from escalations.sla import due_soon_window
from tickets import services
from tickets.forms import NoteForm, TicketEditForm, TierForm
from tickets.models import Ticket, Tier

TIMELINE_LIMIT = 200


def load_ticket(external_id: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.for_list().select_related("service"), external_id=external_id
    )


def render_detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    conflict: services.EditConflict | None = None,
    status: int = 200,
    **bound: forms.Form,
) -> HttpResponse:
    """The ticket page; ``bound`` replaces the blank form of that name with one showing errors."""
    events = list(ticket.events.select_related("by")[: TIMELINE_LIMIT + 1])
    context = {
        "ticket": ticket,
        "events": events[:TIMELINE_LIMIT],
        "more_events": len(events) > TIMELINE_LIMIT,
        "conflict": conflict,
        "open_form": next(iter(bound), ""),
        "now": timezone.now(),
        "sla_window": due_soon_window(),
        **handoff_context(request, ticket, bound),
    }
    if request.user.has_perm("tickets.change_ticket"):
        # With the whole timeline loaded, its newest event is known without another query.
        seen = None if context["more_events"] else max((e.pk for e in events), default=0)
        context["edit_form"] = bound.get("edit_form") or TicketEditForm(
            instance=ticket, seen_event=seen
        )
        if ticket.tier != Tier.ESCALATE:
            context["tier_form"] = bound.get("tier_form") or TierForm(initial={"tier": ticket.tier})
        context["note_form"] = NoteForm()
    report_unshown(request, bound.values(), (context.get(name) for name in bound))
    return render_page(
        request, "tickets/ticket_detail.html", context, partial="ticket-main", status=status
    )


def done(request: HttpRequest, ticket: Ticket, message: str, event: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        response = render_detail(request, load_ticket(ticket.external_id))
        return trigger_client_event(response, event, {"id": ticket.external_id})
    return redirect(ticket)


COLLABORATE_PREFIX, ESCALATE_PREFIX = "collab", "esc"


def _for_tier(scenarios: list[Scenario], tier: str) -> list[Scenario]:
    return [s for s in scenarios if s.tier in (tier, "")]


def scenarios_for(tier: str) -> list[Scenario]:
    """The active scenarios whose wording suits a message in this tier."""
    return _for_tier(list(Scenario.objects.filter(active=True)), tier)


def _default_message(scenarios: list[Scenario], tier: str, ticket: Ticket, user) -> str:
    """The first wording written for this tier, with what is known filled in; {admin} is
    filled per admin when the request is sent."""
    own = [s for s in scenarios if s.tier == tier]
    if not own:
        return ""
    return own[0].fill(
        ticket=f"#{ticket.external_id}",
        service=ticket.service.name if ticket.service_id else "",
        agent=display_name(user),
    )


def handoff_context(request: HttpRequest, ticket: Ticket, bound: dict[str, forms.Form]) -> dict:
    """Everything the hand-off cards show, in a fixed number of queries."""
    engagements = list(
        ticket.engagements.select_related("admin", "requested_by").prefetch_related(
            Prefetch(
                "responses",
                # Only whether a response became a procedure is shown: a count, not the rows.
                AdminResponse.objects.select_related("redirect_admin", "logged_by").annotate(
                    procedure_count=Count("procedures")
                ),
            )
        )
    )
    items = list(ChecklistItem.objects.asked())
    answers = {a.item_id: a for a in ticket.checklist_answers.select_related("answered_by")}
    active_ids = {item.pk for item in items}
    missing = [i for i in items if i.required and not (i.pk in answers and answers[i.pk].checked)]
    result = {
        "engagements": engagements,
        "checklist_items": items,
        "checklist_answers": answers,
        "retired_answers": [a for a in answers.values() if a.item_id not in active_ids],
        "missing_items": missing,
        "required_count": sum(1 for i in items if i.required),
        "procedures": list(ticket.service.procedures.active()) if ticket.service_id else [],
        "procedure_form": bound.get("procedure_form") if ticket.service_id else None,
    }
    user = request.user
    if user.has_perm("escalations.change_checklistanswer"):
        result["checklist_form"] = bound.get("checklist_form") or ChecklistForm(
            items=items, answers=answers
        )
    if user.has_perm("escalations.add_engagement") and ticket.is_open:
        options = AdminOptions(ticket.service)
        scenarios = list(Scenario.objects.filter(active=True))
        result["admin_options"] = options
        result["collaborate_form"] = bound.get("collaborate_form") or CollaborateForm(
            prefix=COLLABORATE_PREFIX,
            options=options,
            scenarios=_for_tier(scenarios, Tier.COLLABORATE),
            initial={"message": _default_message(scenarios, Tier.COLLABORATE, ticket, user)},
        )
        result["escalate_form"] = bound.get("escalate_form") or EscalateForm(
            prefix=ESCALATE_PREFIX,
            options=options,
            scenarios=_for_tier(scenarios, Tier.ESCALATE),
            initial={"message": _default_message(scenarios, Tier.ESCALATE, ticket, user)},
        )
    if user.has_perm("escalations.change_engagement") and ticket.tier == Tier.ESCALATE:
        result["deescalate_form"] = bound.get("deescalate_form") or DeescalateForm()
    if user.has_perm("admins.add_adminresponse") and engagements:
        result["response_form"] = bound.get("response_form") or ResponseForm(
            engagements=engagements, options=result.get("admin_options") or AdminOptions(None)
        )
    return result
