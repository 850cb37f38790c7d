"""Pages for the SLA reference data: service targets, the business calendar, closures and
maintenance windows. Every change recomputes the clocks of the open tickets it affects."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import apply_errors
from tickets.models import Priority, Ticket
from tickets.sla import clock as sla
from tickets.sla.forms import (
    BusinessCalendarForm,
    ClosureForm,
    HolidayImportForm,
    MaintenanceWindowForm,
    ServiceTargetForm,
)
from tickets.sla.holidays import import_holidays, mark_open, recompute_marked, source_label
from tickets.sla.models import BusinessCalendar, Closure, MaintenanceWindow, ServiceTarget, Weekday

CALENDAR = "escalations/sla_calendar.html"
PAST_CLOSURES = 20
PAST_WINDOWS = 10
# Calendar fields every open clock depends on; the warning and no-response settings are read live.
CALENDAR_CLOCK_FIELDS = {"time_zone", "workdays", "opens", "closes", "due_soon_percent"}


def _recomputed(count: int) -> str:
    return f"{count} open ticket{'s' if count != 1 else ''} recomputed."


def day_length(opens: time, closes: time) -> str:
    """One working day in words, e.g. "9 hours" or "7 hours 30 minutes"."""
    minutes = (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).seconds // 60
    return minutes_text(minutes)


def minutes_text(minutes: int) -> str:
    """A length in words: "9 hours", "7 hours 30 minutes", "30 minutes"."""
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


# Service targets -------------------------------------------------------------------------


@require_GET
@permission_required("tickets.view_servicetarget", raise_exception=True)
def targets(request: HttpRequest) -> HttpResponse:
    calendar = BusinessCalendar.current()
    context = {
        "targets": ServiceTarget.objects.select_related("category", "priority", "updated_by"),
        "calendar": calendar,
        "day_length": day_length(calendar.opens, calendar.closes),
        "categorise_hours": sla.CATEGORISE_WITHIN // 3600,
    }
    return render(request, "escalations/sla_targets.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("tickets.change_servicetarget", raise_exception=True)
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ServiceTarget.objects.select_related("category", "priority"), pk=pk)
    cal = sla.load_calendar()
    form = ServiceTargetForm(request.POST or None, instance=target, cal=cal)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            target = form.save(commit=False)
            target.updated_by = request.user
            target.save()
            count = mark_open(
                Ticket.objects.filter(
                    category_id=target.category_id, priority_id=target.priority_id
                )
            )
        recompute_marked()
        messages.success(
            request,
            f"Targets for {target.category} / {target.priority} saved. {_recomputed(count)}",
        )
        return redirect(reverse("sla:targets") + f"#target-{target.pk}")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "target": target, "day_length": day_length(cal.opens, cal.closes)}
    return render(request, "escalations/sla_target_form.html", context, status=status)


# Business calendar -----------------------------------------------------------------------


def render_calendar(
    request: HttpRequest, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    """The calendar page; ``bound`` replaces the blank form of that name with one showing
    errors, and that form's section is shown open."""
    calendar = BusinessCalendar.current()
    try:
        today = timezone.localdate(timezone=ZoneInfo(calendar.time_zone))
    except (ValueError, KeyError):  # a zone stored before it was validated
        today = timezone.localdate()
    now = timezone.now()
    user = request.user
    context = {
        "calendar": calendar,
        "workday_names": [Weekday(n).label for n in calendar.workday_numbers if 0 <= n <= 6],
        "day_length": day_length(calendar.opens, calendar.closes),
        "categorise_warning": minutes_text(
            round(sla.CATEGORISE_WITHIN * calendar.due_soon_percent / 100 / 60)
        ),
        "priority_thresholds": Priority.objects.exclude(no_response_hours=None).select_related(
            "category"
        ),
        "upcoming_closures": Closure.objects.filter(day__gte=today).order_by("day"),
        "past_closures": Closure.objects.filter(day__lt=today).order_by("-day")[:PAST_CLOSURES],
        "past_closure_rows": PAST_CLOSURES,
        "current_windows": MaintenanceWindow.objects.filter(ends_at__gt=now).order_by(
            "starts_at", "pk"
        ),
        "past_windows": MaintenanceWindow.objects.filter(ends_at__lte=now).order_by(
            "-starts_at", "-pk"
        )[:PAST_WINDOWS],
        "past_window_rows": PAST_WINDOWS,
        "now": now,
        "open_form": next(iter(bound), ""),
    }
    if user.has_perm("tickets.add_closure"):
        context["closure_form"] = bound.get("closure_form") or ClosureForm()
        context["import_form"] = bound.get("import_form") or HolidayImportForm()
    if user.has_perm("tickets.add_maintenancewindow"):
        context["window_form"] = bound.get("window_form") or MaintenanceWindowForm()
    return render(request, CALENDAR, context, status=status)


@require_GET
@permission_required("tickets.view_businesscalendar", raise_exception=True)
def calendar(request: HttpRequest) -> HttpResponse:
    return render_calendar(request)


@require_http_methods(["GET", "POST"])
@permission_required("tickets.change_businesscalendar", raise_exception=True)
def calendar_edit(request: HttpRequest) -> HttpResponse:
    form = BusinessCalendarForm(request.POST or None, instance=BusinessCalendar.current())
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing changed.")
            return redirect("sla:calendar")
        with transaction.atomic():
            calendar = form.save(commit=False)
            calendar.updated_by = request.user
            calendar.save()
            text = "Business calendar saved."
            if CALENDAR_CLOCK_FIELDS & set(form.changed_data):
                text += " " + _recomputed(mark_open(Ticket.objects.all()))
        recompute_marked()
        messages.success(request, text)
        return redirect("sla:calendar")
    status = 400 if request.method == "POST" else 200
    return render(request, "escalations/sla_calendar_form.html", {"form": form}, status=status)


# Closures --------------------------------------------------------------------------------


@require_POST
@permission_required("tickets.add_closure", raise_exception=True)
def closure_new(request: HttpRequest) -> HttpResponse:
    form = ClosureForm(request.POST)
    if not form.is_valid():
        return render_calendar(request, status=400, closure_form=form)
    with transaction.atomic():
        closure = form.save()
        count = mark_open(Ticket.objects.all())
    recompute_marked()
    messages.success(
        request,
        f"Closed on {closure.day:%a %Y-%m-%d} for “{closure.name}”. {_recomputed(count)}",
    )
    return redirect(reverse("sla:calendar") + "#closures")


@require_POST
@permission_required("tickets.delete_closure", raise_exception=True)
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        closure = Closure.objects.select_for_update().filter(pk=pk).first()
        if closure is None:
            messages.info(request, "That closure had already been removed.")
            return redirect(reverse("sla:calendar") + "#closures")
        closure.delete()
        count = mark_open(Ticket.objects.all())
    recompute_marked()
    messages.success(
        request,
        f"{closure.day:%a %Y-%m-%d} (“{closure.name}”) is a normal day again. "
        + _recomputed(count),
    )
    return redirect(reverse("sla:calendar") + "#closures")


@require_POST
@permission_required("tickets.add_closure", raise_exception=True)
def holidays_import(request: HttpRequest) -> HttpResponse:
    form = HolidayImportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                added, skipped = import_holidays(data["country"], data["subdivision"], data["year"])
                count = mark_open(Ticket.objects.all()) if added else 0
            recompute_marked()
        except ValidationError as error:
            apply_errors(form, error)
        else:
            where = source_label(data["country"], data["subdivision"]).removeprefix("holidays:")
            text = (
                f"Public holidays {data['year']} for {where}: {added} added, "
                f"{skipped} already on the calendar."
            )
            if added:
                text += " " + _recomputed(count)
            messages.success(request, text)
            return redirect(reverse("sla:calendar") + "#closures")
    return render_calendar(request, status=400, import_form=form)


# Maintenance windows ---------------------------------------------------------------------


@require_POST
@permission_required("tickets.add_maintenancewindow", raise_exception=True)
def window_new(request: HttpRequest) -> HttpResponse:
    form = MaintenanceWindowForm(request.POST)
    if not form.is_valid():
        return render_calendar(request, status=400, window_form=form)
    with transaction.atomic():
        window = form.save()
        count = mark_open(Ticket.objects.all())
    recompute_marked()
    messages.success(request, f"Maintenance window “{window.reason}” added. {_recomputed(count)}")
    return redirect(reverse("sla:calendar") + "#maintenance")


@require_POST
@permission_required("tickets.delete_maintenancewindow", raise_exception=True)
def window_delete(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        window = MaintenanceWindow.objects.select_for_update().filter(pk=pk).first()
        if window is None:
            messages.info(request, "That maintenance window had already been removed.")
            return redirect(reverse("sla:calendar") + "#maintenance")
        window.delete()
        count = mark_open(Ticket.objects.all())
    recompute_marked()
    messages.success(request, f"Maintenance window “{window.reason}” removed. {_recomputed(count)}")
    return redirect(reverse("sla:calendar") + "#maintenance")
