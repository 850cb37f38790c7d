"""The ticket page, shared by the views that change a ticket and render it again."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django_htmx.http import trigger_client_event

from core.forms import report_unshown
from core.hooks import ContextHooks
from core.htmx import render_page
from tickets import services, tdx
from tickets.forms import NoteForm, TicketEditForm, TierForm
from tickets.models import Ticket, Tier
from tickets.timeline import timeline

# What the layers above add to the ticket page (the hand-off cards, from escalations): each
# provider is called with the request, the ticket and the forms bound with errors.
page_context = ContextHooks("ticket page")


def load_ticket(external_id: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.for_list().select_related("service"), external_id=external_id
    )


def ticket_system_url(ticket: Ticket) -> str:
    """The ticket in the ticketing system, when ``TICKET_URL_TEMPLATE`` says where: its
    ``{id}`` becomes the ticket's id."""
    template = settings.TICKET_URL_TEMPLATE
    return template.replace("{id}", quote(ticket.external_id, safe="")) if template else ""


def render_detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    conflict: services.EditConflict | None = None,
    status: int = 200,
    **bound: forms.Form,
) -> HttpResponse:
    """The ticket page; ``bound`` replaces the blank form of that name with one showing errors."""
    shown = timeline(request, ticket)
    context = {
        "ticket": ticket,
        "timeline": shown.html,
        "timeline_shown": shown.shown,
        "more_events": shown.more,
        "conflict": conflict,
        "open_form": next(iter(bound), ""),
        "now": timezone.now(),
        "tdx_url": tdx.ticket_url(ticket.external_id),
    }
    system_url = ticket_system_url(ticket)
    # A TICKET_URL_TEMPLATE pointing at the same TDX page would only be the link twice.
    context["ticket_system_url"] = "" if system_url == context["tdx_url"] else system_url
    context.update(page_context.collect(request, ticket, bound))
    if request.user.has_perm("tickets.change_ticket"):
        context["edit_form"] = bound.get("edit_form") or TicketEditForm(
            instance=ticket, seen_event=shown.newest_id
        )
        if ticket.tier != Tier.ESCALATE:
            context["tier_form"] = bound.get("tier_form") or TierForm(initial={"tier": ticket.tier})
        # Its own ids: the response form on the same page has a note field too.
        context["note_form"] = NoteForm(auto_id="id_status_%s")
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
