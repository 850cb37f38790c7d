"""The hand-off cards of the ticket page: checklist, requests, responses, procedures."""

from __future__ import annotations

from django import forms
from django.db.models import Count, Prefetch
from django.http import HttpRequest

from core.roles import display_name
from escalations.guide.models import Scenario
from escalations.handoffs import delivery
from escalations.handoffs.forms import (
    AdminOptions,
    ChecklistForm,
    ClassifyForm,
    CollaborateForm,
    DeescalateForm,
    EscalateForm,
    PassOnForm,
    ResponseForm,
)
from escalations.handoffs.models import (
    AdminResponse,
    DeliveryKind,
    Engagement,
    EngagementKind,
    InboundMail,
    Outcome,
)
from escalations.handoffs.reference import procedures, reference
from escalations.handoffs.services import backup_for
from tickets.models import Ticket, Tier

COLLABORATE_PREFIX, ESCALATE_PREFIX = "collab", "esc"


def _for_tier(scenarios: list[Scenario], tier: str) -> list[Scenario]:
    return [s for s in scenarios if s.tier in (tier, "")]


def scenarios_for(tier: str) -> list[Scenario]:
    """The active scenarios whose wording suits a message in this tier."""
    return _for_tier(reference().scenarios, tier)


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
                # The TDX feed entry it was read from comes along for its link.
                AdminResponse.objects.select_related(
                    "redirect_admin", "logged_by", "tdx_entry"
                ).annotate(procedure_count=Count("procedures")),
            ),
            "deliveries",
            Prefetch("inbound_mail", InboundMail.objects.shown_on_request(), to_attr="mail_notes"),
        )
    )
    known = reference()
    items = known.checklist_items
    answers = {a.item_id: a for a in ticket.checklist_answers.select_related("answered_by")}
    checklist = delivery.checklist_lines(answers.values())
    for engagement in engagements:
        sent = {d.kind: d for d in engagement.deliveries.all()}
        engagement.request_delivery = sent.get(DeliveryKind.REQUEST)
        engagement.reminder_delivery = sent.get(DeliveryKind.REMINDER)
        engagement.tdx_delivery = sent.get(DeliveryKind.TDX_FEED)
        engagement.copy_text = delivery.copy_text(
            engagement, checklist if engagement.kind == EngagementKind.ESCALATE else []
        )
    active_ids = {item.pk for item in items}
    missing = [i for i in items if i.required and not (i.pk in answers and answers[i.pk].checked)]
    result = {
        "engagements": engagements,
        "checklist_items": items,
        "checklist_answers": answers,
        "retired_answers": [a for a in answers.values() if a.item_id not in active_ids],
        "missing_items": missing,
        "required_count": sum(1 for i in items if i.required),
        "procedures": procedures(ticket.service_id),
        "procedure_form": bound.get("procedure_form") if ticket.service_id else None,
    }
    user = request.user
    if user.has_perm("escalations.change_checklistanswer"):
        result["checklist_form"] = bound.get("checklist_form") or ChecklistForm(
            items=items, answers=answers
        )
    if user.has_perm("escalations.add_engagement") and ticket.is_open:
        options = AdminOptions(ticket.service)
        scenarios = known.scenarios
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
        for engagement in _stuck(ticket, engagements):
            engagement.next_step = _next_step(engagement, options, bound)
    if user.has_perm("escalations.change_engagement") and ticket.tier == Tier.ESCALATE:
        result["deescalate_form"] = bound.get("deescalate_form") or DeescalateForm()
    result["replies_to_classify"] = [
        (r, bound.get(f"classify_form_{r.pk}") or ClassifyForm(response=r))
        for e in engagements
        for r in e.responses.all()
        if r.awaiting_classification
    ]
    if user.has_perm("escalations.add_adminresponse") and engagements:
        result["response_form"] = bound.get("response_form") or ResponseForm(
            engagements=engagements, options=result.get("admin_options") or AdminOptions(None)
        )
    return result


def _stuck(ticket: Ticket, engagements: list[Engagement]) -> list[Engagement]:
    """The requests that leave the ticket waiting on nobody: the current owner's escalation,
    or the latest request for input with none other open, that was declined, went unanswered
    or was redirected elsewhere."""
    stuck = []
    latest = {}
    for engagement in engagements:  # newest first
        latest.setdefault(engagement.kind, engagement)
    owner = latest.get(EngagementKind.ESCALATE)
    if (
        owner
        and ticket.tier == Tier.ESCALATE
        and ticket.admin_id == owner.admin_id
        and owner.dead_end
    ):
        stuck.append(owner)
    asked = latest.get(EngagementKind.COLLABORATE)
    if (
        asked
        and ticket.tier == Tier.COLLABORATE
        and not any(e.is_open for e in engagements)
        and asked.dead_end
    ):
        stuck.append(asked)
    return stuck


def _next_step(engagement: Engagement, options: AdminOptions, bound: dict) -> dict:
    """What the agent can do next with a stuck request, the likeliest taker suggested."""
    latest = engagement.latest_response
    if latest and latest.outcome == Outcome.REDIRECTED and latest.redirect_admin:
        suggested, why = latest.redirect_admin, "the admin they named"
    else:
        suggested, why = backup_for(engagement), "the backup"
    if suggested is not None and (not suggested.active or suggested.pk == engagement.admin_id):
        suggested = None
    # The suggestion has its own button; the redirect's choice starts blank.
    form = bound.get(f"pass_on_form_{engagement.pk}") or PassOnForm(
        engagement=engagement, options=options
    )
    form.auto_id = f"pass-{engagement.pk}-%s"
    return {"suggested": suggested, "why": why, "form": form}


def service_procedures(service) -> dict:
    """The procedures captured for a service, for its page under /admins/."""
    procedures = service.procedures.filter(active=True).select_related(
        "created_by", "source__engagement__ticket", "source__engagement__admin"
    )
    return {"procedures": procedures}
