from __future__ import annotations

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.htmx import render_page, save_with_author
from escalations.guide.forms import GuideSectionForm, ScenarioForm
from escalations.guide.models import GuideSection, Scenario


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
    return save_with_author(
        request,
        ScenarioForm(request.POST or None, instance=scenario),
        template="escalations/scenario_form.html",
        context={"scenario": scenario},
        saved=lambda obj: f"Scenario “{obj.scenario}” saved.",
        then="escalations:guide",
    )
