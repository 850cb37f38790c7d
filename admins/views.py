from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from admins import policy_views, services
from admins.forms import (
    AdministratorEditForm,
    DeclarePurviewForm,
    EndPurviewForm,
    ServiceForm,
)
from admins.models import Administrator, PolicyLevel, Purview, PurviewRole, Rotation, Service
from admins.purview import matrix as purview_matrix
from core.forms import apply_errors
from core.hooks import ContextHooks
from core.htmx import render_page


@require_http_methods(["GET", "POST"])
@permission_required("admins.change_administrator", raise_exception=True)
def admin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    admin = get_object_or_404(Administrator, pk=pk)
    # A copy for the form, so a refused edit does not rename the page it is shown on.
    form = AdministratorEditForm(request.POST or None, instance=copy.copy(admin))
    if request.method == "POST" and form.is_valid() and (saved := form.save_unless_taken()):
        messages.success(request, f"{saved.name} saved.")
        return redirect("admins:detail", pk=saved.pk)
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


# What the layers above show on a service's page (its procedures, from escalations).
service_context = ContextHooks("service page")


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
    return render_page(
        request, "admins/purview_matrix.html", context, partial="purview-main", status=status
    )


def _purview_done(
    request: HttpRequest, message: str, *, event: str = "", purview: Purview | None = None
) -> HttpResponse:
    messages.success(request, message)
    if not request.htmx:
        return redirect("admins:purview")
    response = render_purview(request)
    if event and purview:
        detail = {"id": purview.pk, "service": purview.service_id, "admin": purview.admin_id}
        trigger_client_event(response, event, detail)
    return response


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
            apply_errors(form, error)
        else:
            text = (
                f"{declared.admin.name} recorded as {declared.get_role_display().lower()} "
                f"of {declared.service.name}."
            )
            owners = services.owners_of(declared.service)
            if len(owners) > 1:
                text += (
                    f" {declared.service.name} now has {len(owners)} owners "
                    f"({', '.join(owners)}): a conflict to resolve by ending one of them."
                )
            return _purview_done(
                request,
                text,
                event="purviewDeclared",
                purview=declared,
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
            apply_errors(form, error)
        else:
            return _purview_done(
                request, f"Ended: {declaration}.", event="purviewEnded", purview=declaration
            )
    return render_purview(request, end_form=form, status=400)


@require_POST
@permission_required("admins.add_service", raise_exception=True)
def service_new(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(request.POST)
    if not form.is_valid():
        return render_purview(request, service_form=form, status=400)
    service = form.save()
    return _purview_done(request, f"Service “{service.name}” added.")


def service_on_call(service: Service) -> list[dict]:
    """Who is on call now and next in the rotations the service's policy asks."""
    if service.policy_id:
        levels = PolicyLevel.objects.filter(policy_id=service.policy_id)
    else:
        levels = PolicyLevel.objects.filter(policy__is_default=True)
    used = levels.filter(rotation__isnull=False).values("rotation_id")
    return policy_views.rotations_now(rotations=Rotation.objects.filter(pk__in=used))


def render_service(
    request: HttpRequest, service: Service, *, form: ServiceForm | None = None, status: int = 200
) -> HttpResponse:
    history = service.purviews.select_related("admin", "recorded_by", "ended_by").order_by(
        "-declared_on", "-recorded_at", "-id"
    )
    context = {
        "service": service,
        "history": list(history),
        "form": form or ServiceForm(instance=service),
        **service_context.collect(service),
    }
    context["on_call"] = service_on_call(service)
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
    # A copy for the form, so a refused edit does not rename the page it is shown on.
    form = ServiceForm(request.POST, instance=copy.copy(service))
    if not form.is_valid():
        return render_service(request, service, form=form, status=400)
    form.save()
    messages.success(request, f"Service “{form.instance.name}” saved.")
    return redirect("admins:service_detail", pk=service.pk)
