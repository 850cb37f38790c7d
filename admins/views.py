from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from admins import services
from admins.forms import (
    PERIOD_LABELS,
    AdministratorEditForm,
    AdministratorForm,
    DeclarePurviewForm,
    EndPurviewForm,
    PeriodForm,
    ServiceForm,
    selected_period,
)
from admins.models import Administrator, AdminResponse, Purview, PurviewRole, Service
from admins.summary import period_start, response_summary, sort_summary
from escalations.htmx import wants_partial
from escalations.models import Engagement

HISTORY_PAGE_SIZE = 25
# A service's gaps as its row labels them, and as the count above the matrix words them.
GAPS = {
    "No owner": "without an owner",
    "Inactive owner": "with an inactive owner",
    "No backup": "without a backup",
}
# (heading, sort key or None, numeric). Figures sit beside the name, where a phone shows them.
SUMMARY_COLUMNS = [
    ("Administrator", "name", False),
    ("Requests", "requests", True),
    ("Responded", "responded", True),
    ("Response rate", "rate", True),
    ("No response", "no_response", True),
    ("Declined without redirect", "declined", True),
    ("Median first response", "median", True),
    ("90th percentile", "p90", True),
    ("Direct messages", "direct", True),
    ("Open", "open", True),
    ("Team", None, False),
    ("Backup", None, False),
]


def summary_columns(current: str) -> list[dict]:
    """Headings with the sort each link asks for: the reverse of the current order, else
    names A to Z and figures largest first."""
    columns = []
    for label, key, numeric in SUMMARY_COLUMNS:
        column = {"label": label, "numeric": numeric, "sort": "", "state": ""}
        if key:
            if current == key:
                column["state"], column["sort"] = "ascending", f"-{key}"
            elif current == f"-{key}":
                column["state"], column["sort"] = "descending", key
            else:
                column["sort"] = f"-{key}" if numeric else key
        columns.append(column)
    return columns


def summary_context(query: QueryDict) -> dict:
    period = selected_period(query.get("period"))
    rows = response_summary(since=period_start(period))
    rows, sort = sort_summary(rows, query.get("sort", ""))
    return {
        "rows": rows,
        "sort": sort,
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "period_form": PeriodForm(initial={"period": period}),
        "columns": summary_columns(sort),
        "query": query,
    }


def page_query(request: HttpRequest) -> QueryDict:
    """The query string of the page a person is looking at: their own for a GET, the page's
    for an htmx POST, so a refreshed table keeps its period and order."""
    if request.method == "GET":
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    return QueryDict(urlsplit(current or "").query)


@require_GET
@permission_required("admins.view_administrator", raise_exception=True)
def admin_list(request: HttpRequest) -> HttpResponse:
    context = summary_context(request.GET)
    context["form"] = AdministratorForm()
    template = "admins/admin_list.html"
    if wants_partial(request):
        template += "#admin-table"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@permission_required("admins.add_administrator", raise_exception=True)
def admin_new(request: HttpRequest) -> HttpResponse:
    form = AdministratorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        admin = form.save()
        messages.success(request, f"{admin.name} added.")
        if not request.htmx:
            return redirect("admins:list")
        form = AdministratorForm()
    if request.htmx:
        # The fresh (or corrected) form, and the table beside it with the new row.
        context = {**summary_context(page_query(request)), "form": form, "refresh": True}
        return render(request, "admins/admin_list.html#admin-added", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "admins/admin_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("admins.change_administrator", raise_exception=True)
def admin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    admin = get_object_or_404(Administrator, pk=pk)
    # A copy for the form, so a refused edit does not rename the page it is shown on.
    form = AdministratorEditForm(request.POST or None, instance=Administrator.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        admin = form.save()
        messages.success(request, f"{admin.name} saved.")
        return redirect("admins:detail", pk=admin.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "admins/admin_form.html", {"form": form, "admin": admin}, status=status)


def _set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    admin = get_object_or_404(Administrator, pk=pk)
    if admin.active == active:
        messages.info(request, f"{admin.name} is already {'active' if active else 'inactive'}.")
    else:
        admin.active = active
        admin.save(update_fields=["active"])
        messages.success(request, f"{admin.name} {'reactivated' if active else 'deactivated'}.")
    return redirect("admins:detail", pk=admin.pk)


@require_POST
@permission_required("admins.change_administrator", raise_exception=True)
def admin_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=False)


@require_POST
@permission_required("admins.change_administrator", raise_exception=True)
def admin_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=True)


@require_GET
@permission_required("admins.view_administrator", raise_exception=True)
def admin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    admin = get_object_or_404(Administrator.objects.select_related("backup"), pk=pk)
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
    }
    template = "admins/admin_detail.html"
    if wants_partial(request):
        template += "#admin-record"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def purview_matrix() -> dict:
    """Services × administrators with each current declaration, and each service's gaps.

    Three queries whatever the size: services, administrators, current declarations.
    """
    services_ = list(Service.objects.all())
    current = list(Purview.objects.current().select_related("service", "admin", "recorded_by"))
    admins = list(
        Administrator.objects.filter(
            Q(active=True) | Q(pk__in=Purview.objects.current().values("admin"))
        )
    )
    held = {(p.service_id, p.admin_id): p for p in current}
    by_service: dict[int, list[Purview]] = defaultdict(list)
    for declaration in current:
        by_service[declaration.service_id].append(declaration)
    rows = []
    for service in services_:
        mine = by_service[service.pk]
        owners = [p.admin for p in mine if p.role == PurviewRole.OWNER]
        gaps = []
        if not owners:
            gaps.append("No owner")
        elif any(not owner.active for owner in owners):
            gaps.append("Inactive owner")
        if not any(p.role == PurviewRole.BACKUP for p in mine):
            gaps.append("No backup")
        cells = [held.get((service.pk, admin.pk)) for admin in admins]
        rows.append({"service": service, "cells": cells, "gaps": gaps})
    counts = {label: sum(1 for row in rows if label in row["gaps"]) for label in GAPS}
    return {
        "admins": admins,
        "rows": rows,
        "current": current,
        "gap_services": sum(1 for row in rows if row["gaps"]),
        "gap_phrases": [f"{n} {GAPS[label]}" for label, n in counts.items() if n],
    }


def render_purview(
    request: HttpRequest,
    *,
    declare_form: DeclarePurviewForm | None = None,
    service_form: ServiceForm | None = None,
    end_form: EndPurviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    matrix = purview_matrix()
    ends = []
    for purview in matrix["current"]:
        form = end_form if end_form and end_form.prefix == f"end-{purview.pk}" else None
        ends.append((purview, form or EndPurviewForm(prefix=f"end-{purview.pk}")))
    context = {
        **matrix,
        "ends": ends,
        "declare_form": declare_form or DeclarePurviewForm(),
        "service_form": service_form or ServiceForm(),
    }
    template = "admins/purview.html"
    if wants_partial(request):
        template += "#purview-main"
        status = 200  # htmx 2 does not swap 4xx responses
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _purview_done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return render_purview(request)
    return redirect("admins:purview")


def _add_service_errors(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
@permission_required("admins.view_purview", raise_exception=True)
def purview(request: HttpRequest) -> HttpResponse:
    return render_purview(request)


@require_POST
@permission_required("admins.add_purview", raise_exception=True)
def purview_declare(request: HttpRequest) -> HttpResponse:
    form = DeclarePurviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            declared = services.declare_purview(
                data["service"],
                admin=data["admin"],
                role=data["role"],
                declared_on=data["declared_on"],
                evidence=data["evidence"],
                by=request.user,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            return _purview_done(
                request,
                f"{declared.admin.name} recorded as {declared.get_role_display().lower()} "
                f"of {declared.service.name}.",
            )
    return render_purview(request, declare_form=form, status=400)


@require_POST
@permission_required("admins.change_purview", raise_exception=True)
def purview_end(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_object_or_404(Purview.objects.select_related("admin", "service"), pk=pk)
    form = EndPurviewForm(request.POST, prefix=f"end-{declaration.pk}")
    if form.is_valid():
        try:
            services.end_purview(declaration, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # already ended: nothing left to correct
                messages.error(request, " ".join(error.messages))
                return render_purview(request) if request.htmx else redirect("admins:purview")
            _add_service_errors(form, error)
        else:
            return _purview_done(request, f"Ended: {declaration}.")
    return render_purview(request, end_form=form, status=400)


@require_POST
@permission_required("admins.add_service", raise_exception=True)
def service_new(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(request.POST)
    if not form.is_valid():
        return render_purview(request, service_form=form, status=400)
    service = form.save()
    return _purview_done(request, f"Service “{service.name}” added.")


def render_service(
    request: HttpRequest, service: Service, *, form: ServiceForm | None = None, status: int = 200
) -> HttpResponse:
    history = service.purviews.select_related("admin", "recorded_by", "ended_by").order_by(
        "-declared_on", "-recorded_at", "-id"
    )
    procedures = service.procedures.filter(active=True).select_related(
        "created_by", "source__engagement__ticket"
    )
    context = {
        "service": service,
        "history": list(history),
        "procedures": procedures,
        "form": form or ServiceForm(instance=service),
    }
    current = [p for p in context["history"] if p.ended_at is None]
    context["current"] = sorted(current, key=lambda p: p.role != PurviewRole.OWNER)
    return render(request, "admins/service_detail.html", context, status=status)


@require_GET
@permission_required("admins.view_service", raise_exception=True)
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_service(request, get_object_or_404(Service, pk=pk))


@require_POST
@permission_required("admins.change_service", raise_exception=True)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk)
    form = ServiceForm(request.POST, instance=get_object_or_404(Service, pk=pk))
    if not form.is_valid():
        return render_service(request, service, form=form, status=400)
    form.save()
    messages.success(request, f"Service “{form.instance.name}” saved.")
    return redirect("admins:service_detail", pk=service.pk)
