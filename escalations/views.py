from __future__ import annotations

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from admins.summary import DEFAULT_PERIOD, period_start, response_summary, sort_summary
from escalations.forms import ChecklistItemForm, GuideSectionForm, ScenarioForm
from escalations.htmx import render_page
from escalations.models import ChecklistItem, GuideSection, Scenario, UrgentRequest
from escalations.sla import due_soon_window
from escalations.urgent import open_requests
from tickets.forms import TicketLogForm
from tickets.models import SlaState, Ticket, sla_conditions

DASHBOARD_ROWS = 15
DASHBOARD_ADMINS = 8


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    open_escalations = Ticket.objects.open().escalated()
    context = {
        "open_escalations": open_escalations.for_list().order_by("opened_at", "id")[
            :DASHBOARD_ROWS
        ],
        "open_escalation_count": open_escalations.count(),
        "recent_tickets": Ticket.objects.for_list().order_by("-id")[:10],
        "form": TicketLogForm(),
        "now": timezone.now(),
    }
    now, window = context["now"], due_soon_window()
    attention = Ticket.objects.open().filter(next_due_at__lte=now + window)
    context["sla_window"] = window
    context["sla_attention"] = attention.for_list().order_by("next_due_at", "id")[:DASHBOARD_ROWS]
    # The same rules as the badge and the list's SLA filter, so the numbers agree.
    states = sla_conditions(now=now, window=window)
    counts = Ticket.objects.open().aggregate(
        breached=Count("id", filter=states[SlaState.BREACHED]),
        soon=Count("id", filter=states[SlaState.DUE_SOON]),
    )
    context["sla_breached_count"], context["sla_due_soon_count"] = (
        counts["breached"],
        counts["soon"],
    )
    if request.user.has_perm("escalations.view_urgentrequest"):
        urgent = list(open_requests()[:DASHBOARD_ROWS])
        context["urgent_requests"] = urgent
        context["urgent_count"] = (
            len(urgent) if len(urgent) < DASHBOARD_ROWS else UrgentRequest.objects.open().count()
        )
    if request.user.has_perm("admins.view_administrator"):
        rows = [
            s for s in response_summary(since=period_start(DEFAULT_PERIOD)) if s.requests or s.open
        ]
        context["summary"] = sort_summary(rows, "-requests")[0][:DASHBOARD_ADMINS]
        context["summary_days"] = DEFAULT_PERIOD
    return render(request, "escalations/dashboard.html", context)


@require_GET
@permission_required("escalations.view_guidesection", raise_exception=True)
def guide(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    scenarios = Scenario.objects.filter(active=True).search(query)
    context = {
        "sections": GuideSection.objects.select_related("updated_by"),
        "scenarios": scenarios,
        "query": query,
    }
    return render_page(request, "escalations/guide.html", context, partial="scenario-list")


@require_http_methods(["GET", "POST"])
@permission_required("escalations.change_guidesection", raise_exception=True)
def section_edit(request: HttpRequest, slug: str) -> HttpResponse:
    section = get_object_or_404(GuideSection, slug=slug)
    form = GuideSectionForm(request.POST or None, instance=GuideSection.objects.get(pk=section.pk))
    if request.method == "POST" and form.is_valid():
        revision = section.revise(
            title=form.cleaned_data["title"], body=form.cleaned_data["body"], by=request.user
        )
        if revision:
            messages.success(request, f"“{section.title}” saved as revision {revision.number}.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect(section)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "escalations/section_edit.html", {"section": section, "form": form}, status=status
    )


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Changed lines with a little context, each tagged added, removed or context."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "context")
        lines.append((kind, line[1:] if kind != "hunk" else "…"))
    return lines


@require_GET
@permission_required("escalations.view_guiderevision", raise_exception=True)
def section_history(request: HttpRequest, slug: str) -> HttpResponse:
    section = get_object_or_404(GuideSection, slug=slug)
    revisions = list(section.revisions.select_related("by").order_by("number"))
    entries = []
    previous = None
    for revision in revisions:
        entries.append(
            {
                "revision": revision,
                "title_changed": previous is not None and previous.title != revision.title,
                "diff": diff_lines(previous.body, revision.body) if previous else [],
            }
        )
        previous = revision
    entries.reverse()
    return render(
        request, "escalations/section_history.html", {"section": section, "entries": entries}
    )


@require_http_methods(["GET", "POST"])
@permission_required("escalations.add_scenario", raise_exception=True)
def scenario_new(request: HttpRequest) -> HttpResponse:
    return _scenario_form(request, Scenario())


@require_http_methods(["GET", "POST"])
@permission_required("escalations.change_scenario", raise_exception=True)
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _scenario_form(request, get_object_or_404(Scenario, pk=pk))


def _scenario_form(request: HttpRequest, scenario: Scenario) -> HttpResponse:
    return _save_with_author(
        request,
        ScenarioForm(request.POST or None, instance=scenario),
        template="escalations/scenario_form.html",
        context={"scenario": scenario},
        saved=lambda obj: f"Scenario “{obj.scenario}” saved.",
        then="escalations:guide",
    )


def _save_with_author(request, form, *, template, context, saved, then) -> HttpResponse:
    """The editor form shared by scenarios and checklist items: save with who changed it,
    or show the errors (400 on a plain POST)."""
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.updated_by = request.user
        obj.save()
        messages.success(request, saved(obj))
        return redirect(then)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, **context}, status=status)


@require_GET
@permission_required("escalations.view_checklistitem", raise_exception=True)
def checklist(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "escalations/checklist.html",
        {"items": ChecklistItem.objects.select_related("updated_by")},
    )


@require_http_methods(["GET", "POST"])
@permission_required("escalations.add_checklistitem", raise_exception=True)
def checklist_item_new(request: HttpRequest) -> HttpResponse:
    return _checklist_item_form(request, ChecklistItem())


@require_http_methods(["GET", "POST"])
@permission_required("escalations.change_checklistitem", raise_exception=True)
def checklist_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _checklist_item_form(request, get_object_or_404(ChecklistItem, pk=pk))


def _checklist_item_form(request: HttpRequest, item: ChecklistItem) -> HttpResponse:
    return _save_with_author(
        request,
        ChecklistItemForm(request.POST or None, instance=item),
        template="escalations/checklist_item_form.html",
        context={"item": item},
        saved=lambda obj: f"Checklist item “{obj.text}” saved.",
        then="escalations:checklist",
    )
