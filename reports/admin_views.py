"""The administrators list and record: the admin response summary, with who to ask.

They live here, not in ``admins``, because what they show is the response record: figures from
the hand-offs, summarised. The URLs stay in the ``admins:`` namespace (see ``config/urls.py``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from admins.forms import AdministratorForm
from admins.models import Administrator
from core.htmx import render_page
from escalations.handoffs.models import AdminResponse, Engagement
from reports import definitions, dm_pattern
from reports.forms import PERIOD_LABELS, PeriodForm, selected_period
from reports.summary import period_start, response_summary
from reports.summary_table import page_query, summary_context
from reports.weekly import current_week, zone
from reports.weeks import weeks_back

HISTORY_PAGE_SIZE = 25


@require_GET
@permission_required("admins.view_administrator", raise_exception=True)
def admin_list(request: HttpRequest) -> HttpResponse:
    context = {**summary_context(request.GET), "form": AdministratorForm()}
    return render_page(request, "admins/admin_list.html", context, partial="admin-table")


@require_http_methods(["GET", "POST"])
@permission_required("admins.add_administrator", raise_exception=True)
def admin_new(request: HttpRequest) -> HttpResponse:
    form = AdministratorForm(request.POST or None)
    added = None
    if request.method == "POST" and form.is_valid():
        added = form.save_unless_taken()
        if added:
            messages.success(request, f"{added.name} added.")
            if not request.htmx:
                return redirect("admins:list")
            form = AdministratorForm()
    if request.htmx:
        # The fresh (or corrected) form, and the table beside it with the new row.
        context = {**summary_context(page_query(request)), "form": form, "refresh": True}
        response = render(request, "admins/admin_list.html#admin-added", context)
        if added:
            trigger_client_event(response, "adminAdded", {"id": added.pk})
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "admins/admin_form.html", {"form": form}, status=status)


@require_GET
@permission_required("admins.view_administrator", raise_exception=True)
def admin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    admin = get_object_or_404(
        dm_pattern.with_everyone_date(Administrator.objects.select_related("backup")), pk=pk
    )
    now = timezone.now()
    weeks = weeks_back(current_week(now), dm_pattern.DETAIL_WEEKS)
    period = selected_period(request.GET.get("period"))
    [summary] = response_summary(since=period_start(period), admins=[admin])
    engagements = (
        Engagement.objects.filter(admin=admin)
        .for_list()
        .prefetch_related(
            Prefetch("responses", queryset=AdminResponse.objects.select_related("redirect_admin"))
        )
        .order_by("-requested_at", "-id")
    )
    context = {
        "admin": admin,
        "summary": summary,
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "period_form": PeriodForm(initial={"period": period}),
        "page": Paginator(engagements, HISTORY_PAGE_SIZE).get_page(request.GET.get("page")),
        "backup_for": list(admin.backup_for.all()),
        "purview": list(admin.purviews.current().select_related("service")),
        "dm": dm_pattern.for_admin(
            admin, until=now, columns=[week.bounds(zone()) for week in weeks]
        ),
        "dm_weeks": weeks,
        "dm_definition": definitions.DM_POLICY_RULE,
    }
    return render_page(request, "admins/admin_detail.html", context, partial="admin-record")
