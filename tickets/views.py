from __future__ import annotations

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from core import requestcache, versions
from core.htmx import render_page
from core.roles import display_name
from tickets import listing, services, tdx
from tickets.detail import done, load_ticket, render_detail
from tickets.filters import (
    DEPARTMENT_SOURCES,
    DEPARTMENTS_KEY,
    FILTER_OPTION_SOURCES,
    FILTER_OPTIONS_KEY,
    Queue,
    TicketFilter,
    filter_fields,
)
from tickets.forms import NoteForm, TicketEditForm, TicketLogForm, TierForm
from tickets.models import Ticket
from tickets.sla.calendar import next_review
from tickets.sla.clock import CATEGORISE_WITHIN, load_calendar

COLUMNS = [
    ("Ticket ID", "id"),
    ("Title", "title"),
    ("Classification", "classification"),
    ("Requestor", "requestor"),
    ("Department", "department"),
    ("Status", "status"),
    ("Priority", "priority"),
    ("Tier", "tier"),
    ("Agent", "agent"),
    ("Admin", "admin"),
    ("Date", "date"),
]
# The filters that choose the rows, so the count's cache key.
COUNTED_FILTERS = [name for name in TicketFilter.base_filters if name != "sort"]
MAIN_FILTERS = ["q", "status", "tier", "sla"]
MORE_FILTERS = [
    "priority",
    "category",
    "service",
    "department",
    "agent",
    "admin",
    "escalated_by",
    "opened_after",
    "opened_before",
]


# Parameters that move through the list rather than choose its rows.
PAGING = ("page", "after", "before", "start")


def sort_columns(current: str, params) -> list[dict[str, str]]:
    """The column headings, each with the address that sorts by it: what ``{% querystring
    sort=… page=None after=None before=None start=None %}`` gave, built here once."""
    base = params.copy()
    for name in PAGING:
        base.pop(name, None)
    columns = []
    for label, key in COLUMNS:
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        base["sort"] = f"-{key}" if current == key else key
        columns.append({"label": label, "href": f"?{base.urlencode()}", "state": state})
    return columns


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = request.GET.get("queue") == Queue.MINE
    count_key = listing.count_key(
        request.GET, COUNTED_FILTERS, user_pk=request.user.pk if mine else None
    )
    # The count and the filters' options, all cached under version tokens: one read.
    requestcache.get_many(
        [
            *versions.keys_for(listing.COUNT_SOURCES, count_key),
            *versions.keys_for(DEPARTMENT_SOURCES, DEPARTMENTS_KEY),
            *versions.keys_for(FILTER_OPTION_SOURCES, FILTER_OPTIONS_KEY),
        ]
    )
    filterset = TicketFilter(
        request.GET, queryset=Ticket.objects.for_list(), request=request, now=now
    )
    valid = filterset.is_valid()
    if valid:
        clocked = bool(filterset.form.cleaned_data.get("sla"))
        count = listing.cached_count(filterset.qs, count_key, clocked=clocked, now=now)
        page = listing.paginate(filterset.qs, request.GET, count=count)
    else:
        page = listing.ListPage([], 0, None, None, None)
    queue = filterset.form.cleaned_data.get("queue") if valid else ""
    fields = filter_fields(filterset.form, [*MAIN_FILTERS, "open_only", *MORE_FILTERS])
    context = {
        "filter": filterset,
        "page": page,
        "columns": sort_columns(request.GET.get("sort", ""), request.GET),
        "rows": listing.rows(page.object_list, now=now),
        "filtered": any(v for k, v in request.GET.items() if k not in (*PAGING, "sort", "queue")),
        "main_filters": [fields[name] for name in MAIN_FILTERS],
        "open_only": fields["open_only"],
        "more_filters": [fields[name] for name in MORE_FILTERS],
        "more_filters_used": any(request.GET.get(name) for name in MORE_FILTERS),
        "now": now,
        "queue": queue,
        "queue_label": Queue(queue).label if queue else "All tickets",
        "queues": Queue,
        "categorise_hours": CATEGORISE_WITHIN // 3600,
    }
    if queue == Queue.UNCATEGORISED:
        context["next_review"] = next_review(load_calendar(now), now)
    return render_page(
        request,
        "tickets/ticket_list.html",
        context,
        partial="ticket-table",
        status=200 if valid else 400,
    )


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_search(request: HttpRequest) -> HttpResponse:
    """The header's search box: a ticket ID goes straight to that ticket, anything else
    searches the list."""
    text = request.GET.get("q", "").strip()[:200]
    if not text:
        return redirect("tickets:list")
    ticket = Ticket.objects.filter(external_id__iexact=text.lstrip("#").strip()).first()
    if ticket is not None:
        return redirect(ticket)
    return redirect(f"{reverse('tickets:list')}?{urlencode({'q': text})}")


class Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is read as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_export(request: HttpRequest) -> HttpResponse:
    filterset = TicketFilter(request.GET, queryset=Ticket.objects.for_list(), request=request)
    if not filterset.is_valid():
        return HttpResponse(
            "The filters are not valid: " + filterset.errors.as_text(),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    header = [label for label, _ in COLUMNS] + ["Category", "Opened (ISO)"]

    def rows() -> Iterator[list[str]]:
        yield header
        for t in filterset.qs.iterator(chunk_size=2000):
            yield [
                csv_cell(v)
                for v in (
                    t.external_id,
                    t.title,
                    t.get_classification_display(),
                    t.requestor_name,
                    t.department,
                    t.get_status_display(),
                    t.priority.name if t.priority else "",
                    t.get_tier_display(),
                    display_name(t.agent),
                    t.admin.name if t.admin else "",
                    timezone.localtime(t.opened_at).strftime("%Y-%m-%d"),
                    t.category.name if t.category else "",
                    timezone.localtime(t.opened_at).isoformat(),
                )
            ]

    writer = csv.writer(Echo())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return StreamingHttpResponse(
        (writer.writerow(row) for row in rows()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tickets-{stamp}.csv"'},
    )


@require_http_methods(["GET", "POST"])
@permission_required("tickets.add_ticket", raise_exception=True)
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = TicketLogForm(request.POST or None, lookup=tdx.configured())
    ticket = None
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.log_ticket(by=request.user, **form.cleaned_data)
        except services.DuplicateTicket as duplicate:
            form.duplicate = duplicate.existing
            form.add_error("external_id", str(duplicate))
    if ticket:
        if request.htmx:
            response = render(
                request,
                "escalations/dashboard.html#quick-log",
                {"form": TicketLogForm(), "logged": ticket},
            )
            return trigger_client_event(response, "ticketLogged", {"id": ticket.external_id})
        messages.success(request, f"Ticket #{ticket.external_id} logged.")
        return redirect(ticket)
    if request.htmx:
        return render(request, "escalations/dashboard.html#quick-log", {"form": form})
    status = 400 if request.method == "POST" else 200
    return render(request, "tickets/ticket_new.html", {"form": form}, status=status)


@require_GET
@permission_required("tickets.add_ticket", raise_exception=True)
def tdx_lookup(request: HttpRequest) -> HttpResponse:
    """The log form's fields again, filled from the TDX ticket with the typed number; what the
    person already typed stays where TDX knows nothing. TDX failing leaves a note, never an
    error page."""
    from tickets.tdx.lookup import look_up

    form, note, filled = look_up(request.GET, configured=tdx.configured())
    return render(
        request,
        "tickets/_tdx_lookup.html",
        {"form": form, "tdx_note": note, "tdx_filled": filled},
    )


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    return render_detail(request, load_ticket(external_id))


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def ticket_edit(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    form = TicketEditForm(request.POST, instance=load_ticket(external_id))
    if not form.is_valid():
        return render_detail(request, ticket, status=400, edit_form=form)
    try:
        changes = services.update_ticket(
            ticket,
            by=request.user,
            changes=form.changes(),
            expected_version=form.cleaned_data["version"],
            seen_event=form.cleaned_data["seen_event"],
        )
    except services.EditConflict as conflict:
        # Keep what this editor typed, show what the other person saved in the fields only
        # they changed, and ask about the fields both changed: the second save then applies
        # only this editor's changes.
        others = {e.field for e in conflict.changes if e.field}
        seen_event = (
            conflict.changes[-1].pk if conflict.changes else form.cleaned_data["seen_event"]
        )
        form = form.after_conflict(conflict.ticket, others, seen_event)
        return render_detail(
            request, conflict.ticket, conflict=conflict, status=409, edit_form=form
        )
    if not changes:
        return done(request, ticket, "Nothing changed.", "ticketChanged")
    names = ", ".join(ticket._meta.get_field(c.field).verbose_name for c in changes)
    return done(request, ticket, f"Saved: {names}.", "ticketChanged")


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def ticket_tier(request: HttpRequest, external_id: str) -> HttpResponse:
    ticket = load_ticket(external_id)
    form = TierForm(request.POST)
    if not form.is_valid():
        return render_detail(request, ticket, status=400, tier_form=form)
    try:
        event = ticket.set_tier(
            form.cleaned_data["tier"], by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render_detail(request, ticket, status=400, tier_form=form)
    if event is None:
        return done(
            request, ticket, f"The tier is already {ticket.get_tier_display()}.", "ticketChanged"
        )
    return done(
        request, ticket, f"Tier changed to {ticket.get_tier_display()}.", "ticketTierChanged"
    )


def _status_action(action: str, past: str):
    @require_POST
    @permission_required("tickets.change_ticket", raise_exception=True)
    def view(request: HttpRequest, external_id: str) -> HttpResponse:
        ticket = load_ticket(external_id)
        form = NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            getattr(ticket, action)(by=request.user, note=note)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            if request.htmx:
                return render_detail(request, ticket)
            return redirect(ticket)
        return done(
            request, ticket, f"Ticket #{ticket.external_id} {past}.", f"ticket{past.title()}"
        )

    view.__name__ = f"ticket_{action}"
    return view


ticket_resolve = _status_action("resolve", "resolved")
ticket_close = _status_action("close", "closed")
ticket_reopen = _status_action("reopen", "reopened")
