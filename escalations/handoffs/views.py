"""The hand-off actions on a ticket: the checklist, Collaborate, Escalate, De-escalate, admin
responses and the procedures captured from them."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from admins.models import Service
from core.forms import apply_errors
from core.htmx import id_param
from core.roles import display_name
from escalations.guide.models import Scenario
from escalations.handoffs import inbound, services
from escalations.handoffs.cards import COLLABORATE_PREFIX, ESCALATE_PREFIX, scenarios_for
from escalations.handoffs.forms import (
    AdminOptions,
    ChecklistForm,
    ClassifyForm,
    CollaborateForm,
    DeescalateForm,
    EscalateForm,
    PassOnForm,
    ProcedureForm,
    ResponseForm,
)
from escalations.handoffs.models import (
    AdminResponse,
    ChecklistItem,
    Engagement,
    EngagementKind,
    Outcome,
)
from escalations.handoffs.services import save_procedure
from tickets.detail import done, load_ticket, render_detail
from tickets.models import Ticket, Tier


def _respond(
    request: HttpRequest, ticket: Ticket, message: str, event: str, **bound: forms.Form
) -> HttpResponse:
    if bound:
        return render_detail(request, ticket, status=400, **bound)
    return done(request, ticket, message, event)


def _perform(
    request: HttpRequest,
    ticket: Ticket,
    form: forms.Form,
    name: str,
    action: Callable[[dict], tuple[str, str]],
) -> HttpResponse:
    """Run a hand-off service on a valid form: its (message, htmx event) on success; otherwise
    the ticket page again (400) with the form under ``name`` and the service's refusal beside
    its fields."""
    if form.is_valid():
        try:
            message, event = action(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _respond(request, ticket, message, event)
    return _respond(request, ticket, "", "", **{name: form})


@require_POST
@permission_required("escalations.change_checklistanswer", raise_exception=True)
def checklist(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    items = list(ChecklistItem.objects.asked())
    answers = {a.item_id: a for a in ticket.checklist_answers.all()}
    form = ChecklistForm(request.POST, items=items, answers=answers)
    if not form.is_valid():
        return _respond(request, ticket, "", "", checklist_form=form)
    changed = services.save_checklist(ticket, by=request.user, answers=form.answers())
    missing = services.missing_items(ticket)
    if not changed:
        text = "The checklist has not changed."
    elif missing:
        text = f"Checklist saved. {len(missing)} required item(s) still open."
    else:
        text = "Checklist saved. Every required item is done: the ticket can be escalated."
    return _respond(request, ticket, text, "checklistSaved")


@require_POST
@permission_required("escalations.add_engagement", raise_exception=True)
def collaborate(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    form = CollaborateForm(
        request.POST,
        prefix=COLLABORATE_PREFIX,
        options=AdminOptions(ticket.service),
        scenarios=scenarios_for(Tier.COLLABORATE),
    )

    def add_for_input(data: dict) -> tuple[str, str]:
        engagements = services.collaborate(
            ticket,
            admins=data["admins"],
            by=request.user,
            message=data["message"],
            reason=data["reason"],
        )
        return f"Added for input: {', '.join(e.admin.name for e in engagements)}.", "adminEngaged"

    return _perform(request, ticket, form, "collaborate_form", add_for_input)


@require_POST
@permission_required("escalations.add_engagement", raise_exception=True)
def escalate(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    form = EscalateForm(
        request.POST,
        prefix=ESCALATE_PREFIX,
        options=AdminOptions(ticket.service),
        scenarios=scenarios_for(Tier.ESCALATE),
    )

    def hand_over(data: dict) -> tuple[str, str]:
        engagement = services.escalate(
            ticket,
            admin=data["admin"],
            by=request.user,
            tag=data["tag"],
            reason=data["reason"],
            message=data["message"],
            meta_confirmed=data["meta_confirmed"],
        )
        return f"Escalated to {engagement.admin.name}; ownership has moved.", "ticketEscalated"

    return _perform(request, ticket, form, "escalate_form", hand_over)


@require_POST
@permission_required("escalations.change_engagement", raise_exception=True)
def deescalate(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    form = DeescalateForm(request.POST)

    def take_back(data: dict) -> tuple[str, str]:
        services.deescalate(ticket, by=request.user, reason=data["reason"], tier=data["tier"])
        return "Taken back by the support center.", "ticketDeescalated"

    return _perform(request, ticket, form, "deescalate_form", take_back)


@require_POST
@permission_required("escalations.add_adminresponse", raise_exception=True)
def respond(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    engagements = list(ticket.engagements.select_related("admin"))
    form = ResponseForm(request.POST, engagements=engagements, options=AdminOptions(None))

    def log(data: dict) -> tuple[str, str]:
        response = form.record(by=request.user)
        text = f"Response from {response.engagement.admin.name} logged."
        if response.off_policy:
            text += " It came by direct message, which is off-policy."
        return text, "responseLogged"

    return _perform(request, ticket, form, "response_form", log)


@require_POST
@permission_required("escalations.add_engagement", raise_exception=True)
def pass_on(request: HttpRequest, external_id: str, engagement_id: int) -> HttpResponse:
    """The next step after a decline, a silence or a redirect: the request goes to another
    administrator (the backup, the one named, or one the agent picks)."""
    ticket = load_ticket(external_id)
    engagement = get_object_or_404(
        Engagement.objects.select_related("admin").prefetch_related("responses"),
        pk=engagement_id,
        ticket=ticket,
    )
    engagement.ticket = ticket
    form = PassOnForm(request.POST, engagement=engagement, options=AdminOptions(ticket.service))

    def send_on(data: dict) -> tuple[str, str]:
        new = services.pass_on(engagement, to=data["admin"], by=request.user)
        if new.kind == EngagementKind.ESCALATE:
            return f"Escalated to {new.admin.name}; ownership has moved.", "ticketEscalated"
        return f"Added for input: {new.admin.name}.", "adminEngaged"

    return _perform(request, ticket, form, f"pass_on_form_{engagement.pk}", send_on)


@require_POST
@permission_required("escalations.add_procedure", raise_exception=True)
def procedure_new(request: HttpRequest, external_id: str, response_id: int) -> HttpResponse:
    ticket, response = _ticket_response(external_id, response_id)
    form = ProcedureForm(request.POST)
    form.response_id = response.pk

    def capture(data: dict) -> tuple[str, str]:
        procedure = save_procedure(
            response, title=data["title"], body=data["body"], by=request.user
        )
        return (
            f"Saved “{procedure.title}” as a procedure for {ticket.service.name}.",
            "procedureSaved",
        )

    return _perform(request, ticket, form, "procedure_form", capture)


@require_GET
@permission_required("escalations.add_engagement", raise_exception=True)
def message(request: HttpRequest, external_id: str) -> HttpResponse:
    """The message field filled with a scenario's wording (htmx swaps it into the form)."""
    ticket = load_ticket(external_id)
    prefix = request.GET.get("prefix")
    tier = {COLLABORATE_PREFIX: Tier.COLLABORATE, ESCALATE_PREFIX: Tier.ESCALATE}.get(prefix)
    if tier is None:
        raise Http404("No such form.")
    chosen = id_param(request.GET.get("scenario"))
    scenario = (
        Scenario.objects.filter(active=True, tier__in=[tier, ""], pk=chosen).first()
        if chosen
        else None
    )
    text = (
        scenario.fill(
            ticket=f"#{ticket.external_id}",
            service=ticket.service.name if ticket.service_id else "",
            agent=display_name(request.user),
        )
        if scenario
        else request.GET.get(f"{prefix}-message", "")
    )
    form_class = CollaborateForm if tier == Tier.COLLABORATE else EscalateForm
    form = form_class(prefix=prefix, initial={"message": text})
    return render(request, "tickets/_message_field.html", {"field": form["message"]})


@require_GET
@permission_required("escalations.view_procedure", raise_exception=True)
def procedure_hint(request: HttpRequest) -> HttpResponse:
    """Procedures saved for a service, shown while a ticket for it is being logged."""
    chosen = id_param(request.GET.get("service"))
    service = Service.objects.filter(pk=chosen).first() if chosen else None
    procedures = list(service.procedures.active()) if service else []
    return render(
        request,
        "tickets/_procedure_hint.html",
        {"service": service, "procedures": procedures},
    )


@require_POST
@permission_required("escalations.add_adminresponse", raise_exception=True)
def classify(request: HttpRequest, external_id: str, response_id: int) -> HttpResponse:
    ticket, response = _ticket_response(external_id, response_id)
    form = ClassifyForm(request.POST, response=response)

    def save(data: dict) -> tuple[str, str]:
        inbound.classify(
            response,
            outcome=data["outcome"],
            by=request.user,
            redirect_detail=data["redirect_detail"],
        )
        label = Outcome(data["outcome"]).label.lower()
        return f"{response.engagement.admin.name}'s email reply: {label}.", "responseLogged"

    return _perform(request, ticket, form, f"classify_form_{response.pk}", save)


def _ticket_response(external_id: str, response_id: int) -> tuple[Ticket, AdminResponse]:
    """The ticket and one of its admin responses, or 404."""
    ticket = load_ticket(external_id)
    response = get_object_or_404(
        AdminResponse.objects.select_related("engagement__admin"),
        pk=response_id,
        engagement__ticket=ticket,
    )
    response.engagement.ticket = ticket
    return ticket, response
