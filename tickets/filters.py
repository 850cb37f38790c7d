from __future__ import annotations

import functools
from datetime import date, timedelta

import django_filters
from django import forms
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from admins.models import Administrator, Service
from core import versions
from core.filters import BoundedDateFilter, local_midnight
from tickets.forms import PriorityChoiceField, UserChoiceField, staff_users
from tickets.models import DONE_STATUSES, Category, Priority, SlaState, Status, Ticket, Tier


class UserFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoiceField


class PriorityFilter(django_filters.ModelChoiceFilter):
    field_class = PriorityChoiceField


# The value is (choices, rendered options); the key names the shape, so an entry stored
# before the options were kept with it is never read as one.
DEPARTMENTS_KEY = "ticket-department-options"
DEPARTMENT_SOURCES = ("tickets",)

# One rendered <option>: its value, its opening tag up to where " selected" goes, the rest.
Option = tuple[str, str, str]


def render_options(choices) -> list[Option]:
    """``choices`` as <option> tags, escaped once, for ``select`` to mark the chosen one."""
    options = []
    for value, label in choices:
        text = "" if value is None else str(value)
        options.append(
            (text, format_html('<option value="{}"', text), format_html(">{}</option>", label))
        )
    return options


def _departments() -> tuple[list[tuple[str, str]], list[Option]]:
    def compute() -> tuple[tuple[list[tuple[str, str]], list[Option]], None]:
        # Served by the (department, opened_at) index: a scan of distinct keys, not of tickets.
        names = (
            Ticket.objects.exclude(department="")
            .order_by("department")
            .values_list("department", flat=True)
            .distinct()
        )
        choices = [(name, name) for name in names]
        return (choices, render_options(choices)), None

    return versions.cached(DEPARTMENT_SOURCES, DEPARTMENTS_KEY, compute)


def departments() -> list[tuple[str, str]]:
    """The departments tickets name, from the cache until a ticket is written (a new or
    renamed department comes with a ticket write, which bumps the "tickets" token)."""
    return _departments()[0]


class Queue(models.TextChoices):
    MINE = "mine", "My tickets"
    UNCATEGORISED = "uncategorised", "Uncategorised"


class EscalatedBy(models.TextChoices):
    AGENT = "agent", "An agent"
    CLOCK = "clock", "The clock (no first response)"


class TicketFilter(django_filters.FilterSet):
    """The ticket list's filters. Pass ``request``: the "mine" queue is the signed-in
    person's tickets."""

    queue = django_filters.ChoiceFilter(
        choices=Queue.choices, empty_label="All tickets", method="filter_queue"
    )
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Ticket ID, title or requestor"}
        ),
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, empty_label="Any tier")
    priority = PriorityFilter(
        queryset=Priority.objects.select_related("category"), empty_label="Any priority"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), empty_label="Any category"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), empty_label="Any service"
    )
    department = django_filters.ChoiceFilter(choices=departments, empty_label="Any department")
    agent = UserFilter(queryset=staff_users(), empty_label="Any agent")
    admin = django_filters.ModelChoiceFilter(
        queryset=Administrator.objects.all(), empty_label="Any admin", label="Admin"
    )
    opened_after = BoundedDateFilter(
        method="filter_opened_after",
        label="Opened from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opened_before = BoundedDateFilter(
        method="filter_opened_before",
        label="Opened until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sla = django_filters.ChoiceFilter(
        label="SLA",
        choices=SlaState.choices,
        empty_label="Any SLA state",
        method="filter_sla",
    )
    escalated_by = django_filters.ChoiceFilter(
        label="Escalated by",
        choices=EscalatedBy.choices,
        empty_label="Escalated or not",
        method="filter_escalated_by",
    )
    open_only = django_filters.BooleanFilter(
        method="filter_open", label="Open only", widget=forms.CheckboxInput
    )
    sort = django_filters.OrderingFilter(
        fields=[
            ("external_id", "id"),
            ("title", "title"),
            ("classification", "classification"),
            ("requestor_name", "requestor"),
            ("department", "department"),
            ("status", "status"),
            ("priority__number", "priority"),
            ("tier", "tier"),
            ("agent__username", "agent"),
            ("admin__name", "admin"),
            ("opened_at", "date"),
        ],
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        # One moment for the SLA filter and anything cached with its result.
        self.now = now or timezone.now()

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(external_id__iexact=value.lstrip("#"))
            | Q(title__icontains=value)
            | Q(requestor_name__icontains=value)
        )

    # Local calendar days become UTC bounds, so the opened_at index is used.
    def filter_opened_after(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(opened_at__gte=local_midnight(value))

    def filter_opened_before(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(opened_at__lt=local_midnight(value + timedelta(days=1)))

    def filter_sla(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.sla_state(value, now=self.now)

    def filter_queue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Queue.UNCATEGORISED:
            return queryset.uncategorised()
        user = getattr(self.request, "user", None)
        return queryset.filter(agent=user) if user and user.is_authenticated else queryset.none()

    def filter_escalated_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == EscalatedBy.CLOCK:
            return queryset.filter(clock_escalated_at__isnull=False)
        return queryset.filter(escalated_at__isnull=False)

    def filter_open(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        # "Not done" rather than "status IN (open…)": the same tickets (every status is one or
        # the other), but the partial index ticket_open_opened then serves the newest first
        # instead of a sort of every open ticket.
        return queryset.exclude(status__in=DONE_STATUSES) if value else queryset

    @property
    def qs(self) -> QuerySet:
        # A stable tie-breaker keeps paging deterministic when many rows share a sort value.
        qs = super().qs
        # The uncategorised queue is worked oldest first: those are nearest their deadline.
        oldest_first = self.form.cleaned_data.get("queue") == Queue.UNCATEGORISED
        ordering = list(qs.query.order_by) or ["opened_at" if oldest_first else "-opened_at"]
        return qs.order_by(*ordering, "-id" if ordering[0].startswith("-") else "id")


# The filter form, drawn without Django's widget templates: those were a third of the list's
# time. The options are rendered once per version of what they list (the departments under
# the tickets token, the rest under the tokens of categories, priorities, services, people
# and administrators); a request only marks the chosen one and writes the few tags around.
MODEL_SELECTS = ("priority", "category", "service", "agent", "admin")
STATIC_SELECTS = ("status", "tier", "sla", "escalated_by")
FILTER_OPTION_SOURCES = ("reference", "services", "permissions", "admins")
FILTER_OPTIONS_KEY = "ticket-filter-options"


def _model_options() -> tuple[dict[str, list[Option]], None]:
    fields = TicketFilter().form.fields
    return {name: render_options(fields[name].choices) for name in MODEL_SELECTS}, None


@functools.cache
def _static_options() -> dict[str, list[Option]]:
    fields = TicketFilter().form.fields
    options = {name: render_options(fields[name].choices) for name in STATIC_SELECTS}
    options["department"] = render_options([("", fields["department"].empty_label)])
    return options


def select(options: list[Option], chosen: str) -> SafeString:
    """The option tags with ``chosen`` selected (none when it is not one of them, as
    Django's Select does for an invalid value)."""
    return mark_safe(  # noqa: S308 - built from render_options' escaped tags
        "\n".join(
            f"{head} selected{tail}" if value == chosen else f"{head}{tail}"
            for value, head, tail in options
        )
    )


def _attrs(bound, errors) -> str:
    described = [f"{bound.auto_id}_helptext"] if bound.help_text else []
    if errors:
        described.append(f"{bound.auto_id}_error")
    aria = ' aria-invalid="true"' if errors else ""
    if described:
        aria += format_html(' aria-describedby="{}"', " ".join(described))
    return format_html('{} id="{}"', mark_safe(aria), bound.auto_id)  # noqa: S308


def filter_fields(form: forms.Form, names) -> dict[str, dict]:
    """What the filter form shows for each of ``names``: label, control and errors."""
    options = {
        **_static_options(),
        **versions.cached(FILTER_OPTION_SOURCES, FILTER_OPTIONS_KEY, _model_options),
    }
    options["department"] = options["department"] + _departments()[1]
    errors = form.errors if form.is_bound else {}
    fields = {}
    for name in names:
        bound = form[name]
        field_errors = errors.get(name, [])
        value = bound.value()
        attrs = _attrs(bound, field_errors)
        if name in options:
            chosen = "" if value is None else str(value)
            control = format_html(
                '<select name="{}"{}>\n{}\n</select>', name, attrs, select(options[name], chosen)
            )
        elif isinstance(bound.field.widget, forms.CheckboxInput):
            checked = mark_safe(" checked") if value not in (False, None, "") else ""  # noqa: S308
            control = format_html('<input type="checkbox" name="{}"{}{}>', name, attrs, checked)
        else:
            widget = bound.field.widget
            extra = mark_safe(  # noqa: S308 - escaped by format_html
                "".join(format_html(' {}="{}"', k, v) for k, v in widget.attrs.items())
            )
            shown = format_html(' value="{}"', value) if value not in (None, "") else ""
            control = format_html(
                '<input type="{}" name="{}"{}{}{}>', widget.input_type, name, shown, extra, attrs
            )
        fields[name] = {
            "name": name,
            "id": bound.auto_id,
            "label": bound.label,
            "required": bound.field.required,
            "help_text": bound.help_text,
            "control": control,
            "errors": field_errors,
        }
    return fields
