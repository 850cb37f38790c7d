"""Pages for urgent requests: the list, filing one, and working one to a close."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.forms import apply_errors, report_unshown
from core.htmx import render_page
from core.roles import display_name
from escalations.urgent import services as urgent
from escalations.urgent.forms import (
    UrgentCloseForm,
    UrgentEstimateForm,
    UrgentRequestForm,
    UrgentStepForm,
)
from escalations.urgent.models import UrgentRequest, UrgentStep

DETAIL = "escalations/urgent_detail.html"
RECENT_DAYS = 30
RECENT_ROWS = 20


def load_urgent(pk: int) -> UrgentRequest:
    return get_object_or_404(
        UrgentRequest.objects.select_related(
            "ticket__category",
            "ticket__priority",
            "ticket__agent",
            "ticket__admin",
            "filed_by",
            "coordinator",
            "closed_by",
        ),
        pk=pk,
    )


def render_urgent(
    request: HttpRequest, urgent_request: UrgentRequest, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    """The request's page; ``bound`` replaces the blank form of that name with one showing
    errors. ``step_form`` is placed at the step it was sent for."""
    records = {r.step: r for r in urgent_request.steps.select_related("done_by")}
    missing = [step for step in UrgentStep if step.value not in records]
    user = request.user
    is_open = urgent_request.is_open
    # Steps are the coordinator's work: none is recorded before someone has taken the request.
    can_step = (
        is_open
        and user.has_perm("escalations.add_urgentsteprecord")
        and urgent_request.coordinator_id is not None
    )
    can_change = is_open and user.has_perm("escalations.change_urgentrequest")
    sent_step = bound.get("step_form")
    steps = []
    for step in UrgentStep:
        record = records.get(step.value)
        form = None
        if record is None and can_step:
            if sent_step is not None and sent_step.step == step.value:
                form = sent_step
            else:
                form = UrgentStepForm(step=step.value)
        steps.append({"step": step, "record": record, "form": form})
    context = {
        "urgent": urgent_request,
        "ticket": urgent_request.ticket,
        "steps": steps,
        "steps_done": sum(1 for r in records.values() if not r.skipped),
        "steps_skipped": sum(1 for r in records.values() if r.skipped),
        "step_total": urgent.STEP_TOTAL,
        "steps_left": len(missing),
        "history": list(urgent.history(urgent_request)),
        "can_take": can_change and urgent_request.coordinator_id != user.pk,
        "now": timezone.now(),
        "open_form": next(iter(bound), ""),
    }
    if can_change:
        context["estimate_form"] = bound.get("estimate_form") or UrgentEstimateForm(
            initial={"estimated_resolution": urgent_request.estimated_resolution}
        )
        context["close_form"] = bound.get("close_form") or UrgentCloseForm(missing=missing)
    shown = {s["form"] for s in steps if s["form"] is not None}
    shown |= {context.get("estimate_form"), context.get("close_form")}
    report_unshown(request, bound.values(), shown)
    return render_page(request, DETAIL, context, partial="urgent-detail", status=status)


def _done(
    request: HttpRequest, urgent_request: UrgentRequest, message: str, event: str
) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        response = render_urgent(request, load_urgent(urgent_request.pk))
        return trigger_client_event(response, event, {"id": urgent_request.pk})
    return redirect(urgent_request.get_absolute_url())


def _told(request: HttpRequest, urgent_request: UrgentRequest) -> str:
    if urgent_request.filed_by_id == request.user.pk:
        return ""
    return f" {display_name(urgent_request.filed_by)}, who filed it, has been told."


@require_GET
@permission_required("escalations.view_urgentrequest", raise_exception=True)
def urgent_list(request: HttpRequest) -> HttpResponse:
    context = {
        "open_requests": list(urgent.open_requests()),
        "closed_requests": list(urgent.recently_closed(RECENT_DAYS)[:RECENT_ROWS]),
        "recent_days": RECENT_DAYS,
        "now": timezone.now(),
    }
    return render(request, "escalations/urgent_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("escalations.add_urgentrequest", raise_exception=True)
def urgent_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UrgentRequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = urgent.file_urgent(
                    data["ticket"],
                    by=request.user,
                    business_impact=data["business_impact"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "ticket" in error.error_dict:
                    error.error_dict["ticket_number"] = error.error_dict.pop("ticket")
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Urgent request filed for ticket #{filed.ticket.external_id}. "
                    "The supervisors have been told.",
                )
                if request.htmx:
                    return HttpResponseClientRedirect(filed.get_absolute_url())
                return redirect(filed.get_absolute_url())
    else:
        number = request.GET.get("ticket", "").strip()[:32]
        form = UrgentRequestForm(initial={"ticket_number": number} if number else None)
    return render_page(
        request,
        "escalations/urgent_new.html",
        {"form": form},
        partial="urgent-form",
        status=400 if form.is_bound else 200,
    )


@require_GET
@permission_required("escalations.view_urgentrequest", raise_exception=True)
def urgent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_urgent(request, load_urgent(pk))


def _refused(request: HttpRequest, urgent_request: UrgentRequest, error: ValidationError):
    messages.error(request, " ".join(error.messages))
    if request.htmx:
        return render_urgent(request, urgent_request)
    return redirect(urgent_request.get_absolute_url())


@require_POST
@permission_required("escalations.change_urgentrequest", raise_exception=True)
def urgent_take(request: HttpRequest, pk: int) -> HttpResponse:
    urgent_request = load_urgent(pk)
    try:
        urgent.take_urgent(urgent_request, by=request.user)
    except ValidationError as error:
        return _refused(request, urgent_request, error)
    return _done(request, urgent_request, "You are coordinating this request.", "urgentTaken")


@require_POST
@permission_required("escalations.add_urgentsteprecord", raise_exception=True)
def urgent_step(request: HttpRequest, pk: int) -> HttpResponse:
    urgent_request = load_urgent(pk)
    form = UrgentStepForm(request.POST, step=request.POST.get("step", ""))
    if form.is_valid():
        try:
            record = urgent.record_step(
                urgent_request,
                step=form.cleaned_data["step"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(
                request,
                urgent_request,
                f"Recorded: {record.get_step_display()}.",
                "urgentStepRecorded",
            )
    return render_urgent(request, urgent_request, status=400, step_form=form)


@require_POST
@permission_required("escalations.change_urgentrequest", raise_exception=True)
def urgent_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    urgent_request = load_urgent(pk)
    form = UrgentEstimateForm(request.POST)
    before = urgent_request.estimated_resolution
    if form.is_valid():
        try:
            urgent.set_estimate(
                urgent_request,
                by=request.user,
                estimated_resolution=form.cleaned_data["estimated_resolution"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if urgent_request.estimated_resolution == before:
                text = "The estimated resolution is unchanged."
            else:
                text = "Estimated resolution saved." + _told(request, urgent_request)
            return _done(request, urgent_request, text, "urgentEstimateSet")
    return render_urgent(request, urgent_request, status=400, estimate_form=form)


@require_POST
@permission_required("escalations.change_urgentrequest", raise_exception=True)
def urgent_close(request: HttpRequest, pk: int) -> HttpResponse:
    urgent_request = load_urgent(pk)
    form = UrgentCloseForm(request.POST, missing=urgent.missing_steps(urgent_request))
    if form.is_valid():
        try:
            urgent.close_urgent(
                urgent_request,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                skips=form.skips(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(
                request,
                urgent_request,
                "Urgent request closed." + _told(request, urgent_request),
                "urgentClosed",
            )
    return render_urgent(request, urgent_request, status=400, close_form=form)
