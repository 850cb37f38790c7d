"""The audit log for supervisors, and the refused-page handler that feeds it."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django.views.defaults import permission_denied as django_permission_denied

from core import audit
from core.filters import BoundedDateFilter
from core.htmx import render_page
from core.models import AuditAction, AuditEntry

PAGE_SIZE = 50


def target_types() -> list[tuple[str, str]]:
    labels = sorted(audit.AUDITED, key=lambda label: label.split(".")[1])
    return [(label.lower(), label.split(".")[1]) for label in labels]


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    user = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("username"), empty_label="Anyone"
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, empty_label="Any action")
    target_type = django_filters.ChoiceFilter(
        label="Record", choices=target_types, empty_label="Any record", method="of_type"
    )
    after = BoundedDateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = BoundedDateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def of_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(target_type__in=audit.target_types(value))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(target__icontains=value) | Q(target_id=value) | Q(username__iexact=value)
        )


@require_GET
@permission_required("core.view_auditentry", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(request.GET, queryset=AuditEntry.objects.select_related("user"))
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else AuditEntry.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "escalations/audit_log.html",
        {"filter": filterset, "page": page},
        partial="audit-table",
        status=200 if valid else 400,
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 403 page, after putting the refusal on the audit log."""
    audit.record(AuditAction.DENIED, request=request, label=request.path[:200])
    return django_permission_denied(request, exception)
