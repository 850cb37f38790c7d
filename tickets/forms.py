from __future__ import annotations

import copy
import json
import re

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils import timezone

from admins.models import Service
from core import versions
from core.forms import BoundedDateTimeField, LocalDateTimeInput
from core.roles import AGENT, SUPERVISOR, display_name
from tickets.models import OPEN_STATUSES, Category, Priority, Status, Ticket, Tier
from tickets.services import EDITABLE_FIELDS, display_value

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Escalate has its own form: the checklist, an admin, a tag, a reason and a message.
SC_TIERS = [(t.value, t.label) for t in (Tier.HANDLE, Tier.COLLABORATE)]


def staff_users():
    """People who can own a ticket: agents and supervisors."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[AGENT, SUPERVISOR])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return display_name(user)


class CategoryChoiceField(forms.ModelChoiceField):
    # Every page names a category by its name; the number is only an ordering.
    def label_from_instance(self, category: Category) -> str:
        return category.name


def priority_label(priority: Priority) -> str:
    if priority.category_id:
        return f"{priority.name} ({priority.category.name} only)"
    return priority.name


class PriorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, priority: Priority) -> str:
        return priority_label(priority)


# The option lists of the ticket forms (every ticket page and the log form render them), kept
# in the cache until a category, priority, service or user is written.
OPTION_SOURCES = ("reference", "services", "permissions")
OPTIONS_KEY = "ticket-form-options"
OPTION_FIELDS = {"category": "categories", "priority": "priorities", "service": "services"}


def _options() -> tuple[dict[str, list[tuple[int, str]]], None]:
    return {
        "categories": [(c.pk, c.name) for c in Category.objects.filter(active=True)],
        "priorities": [
            (p.pk, priority_label(p))
            for p in Priority.objects.filter(active=True).select_related("category")
        ],
        "services": [(s.pk, str(s)) for s in Service.objects.all()],
        "agents": [(u.pk, display_name(u)) for u in staff_users()],
    }, None


def form_options() -> dict[str, list[tuple[int, str]]]:
    return versions.cached(OPTION_SOURCES, OPTIONS_KEY, _options)


def prefetch_options(request) -> list[str]:
    """The option lists' cache keys, read with the other keys every page needs."""
    return versions.keys_for(OPTION_SOURCES, OPTIONS_KEY)


def use_cached_options(form: forms.Form) -> None:
    """The category, priority, service and agent options from the cache, not four queries;
    a posted value is still checked against the database by the field."""
    options = form_options()
    for name, key in (*OPTION_FIELDS.items(), ("agent", "agents")):
        field = form.fields[name]
        empty = [] if field.empty_label is None else [("", field.empty_label)]
        field.choices = [*empty, *options[key]]


class TicketFieldsMixin:
    """Choices and checks shared by the log and edit forms."""

    def setup_fields(self) -> None:
        f = self.fields
        f["category"] = CategoryChoiceField(
            Category.objects.filter(active=True),
            required=f["category"].required,
            empty_label="Not categorised yet",
            label=f["category"].label,
        )
        f["priority"] = PriorityChoiceField(
            Priority.objects.filter(active=True).select_related("category"),
            required=False,
            empty_label="No priority yet",
            help_text="Levels marked with a category only apply to that category.",
        )
        f["service"].queryset = Service.objects.all()
        f["service"].empty_label = "Not known"
        f["opened_at"].widget = LocalDateTimeInput()
        f["opened_at"].help_text = "When the ticket was opened in the ticketing system."
        f["requestor_email"].widget.attrs["autocomplete"] = "off"


class TicketLogForm(TicketFieldsMixin, forms.ModelForm):
    class Meta:
        model = Ticket
        field_classes = {"opened_at": BoundedDateTimeField}
        fields = [
            "external_id",
            "title",
            "classification",
            "category",
            "priority",
            "service",
            "tier",
            "requestor_name",
            "requestor_email",
            "department",
            "opened_at",
            "status",
            "agent",
        ]

    def __init__(self, *args, lookup: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate: Ticket | None = None
        self.setup_fields()
        self.fields["opened_at"].required = False
        self.fields["opened_at"].help_text += " Leave empty for now."
        # The model's default (now) would fill the field the help asks to leave empty.
        if "opened_at" not in (kwargs.get("initial") or {}):
            self.initial["opened_at"] = None
        # Seed 001's fields: a ticket may arrive already in progress or assigned to a colleague.
        # Left as they are, the ticket is New and the person logging it is its agent.
        self.fields["status"].choices = [
            (s.value, s.label) for s in OPEN_STATUSES if s != Status.WAITING_ON_ADMIN
        ]
        self.fields["status"].required = False
        self.fields["status"].help_text = "Leave as New unless the ticket is already being worked."
        self.fields["agent"] = UserChoiceField(
            staff_users(),
            label="Agent",
            required=False,
            empty_label="Me",
            help_text="Who works the ticket; leave as Me to take it yourself.",
        )
        ext = self.fields["external_id"]
        ext.widget.attrs.update(
            {
                # Browsers compile `pattern` with the `v` flag, where a bare `-` in a class is a
                # syntax error and the check is silently dropped: escape it. Same rule as
                # clean_external_id, at least one digit included.
                "pattern": r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9._\-]*",
                "autocomplete": "off",
                "inputmode": "text",
            }
        )
        ext.help_text = "The number the ticketing system gave the ticket."
        use_cached_options(self)
        if lookup:
            # Typing a TDX number fills the rest from TDX (tickets.tdx); the fields stay editable.
            ext.widget.attrs.update(
                {
                    "hx-get": reverse_lazy("tickets:tdx_lookup"),
                    "hx-trigger": "change",
                    "hx-include": "closest form",
                    "hx-target": "#log-fields",
                    "hx-swap": "outerHTML",
                }
            )
            ext.help_text += " The details fill in from TDX when it knows the number."
        self.fields["tier"].choices = SC_TIERS
        # Procedures saved for the service show up as soon as it is chosen.
        self.fields["service"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("tickets:procedure_hint"),
                "hx-target": "#procedure-hint",
                "hx-swap": "outerHTML",
            }
        )
        self.fields[
            "tier"
        ].help_text = (
            "To escalate, log the ticket first, then complete its pre-escalation checklist."
        )

    def clean_external_id(self) -> str:
        value = (self.cleaned_data.get("external_id") or "").strip()
        if not EXTERNAL_ID.match(value) or not any(c.isdigit() for c in value):
            raise forms.ValidationError(
                "Use the ticket number as the ticketing system shows it: letters, digits, "
                "dots, dashes or underscores, with at least one digit."
            )
        self.duplicate = Ticket.objects.filter(external_id__iexact=value).first()
        if self.duplicate:
            raise forms.ValidationError(f"Ticket #{self.duplicate.external_id} is already logged.")
        return value

    def validate_unique(self) -> None:
        # clean_external_id already answered duplicates with a link to the existing ticket.
        if not self.duplicate:
            super().validate_unique()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("opened_at"):
            cleaned["opened_at"] = timezone.now()
            self.instance.opened_at = cleaned["opened_at"]
        # Left empty (or not on the form, as on the dashboard's quick log): the defaults.
        if not cleaned.get("status"):
            cleaned["status"] = Status.NEW
        if not cleaned.get("agent"):
            cleaned.pop("agent", None)
        return cleaned


def _raw(value) -> str:
    """A widget's value as the browser posts it back: one string."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return "" if value is None else str(value).replace("\r\n", "\n")


KEEP_MINE, KEEP_THEIRS = "mine", "theirs"


class TicketEditForm(TicketFieldsMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_event = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # What the page showed, so a save applies only what this editor changed; after a conflict
    # it is what the other person saved, and ``conflicts`` names the fields both changed.
    seen_values = forms.CharField(widget=forms.HiddenInput, required=False)
    conflicts = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Ticket
        fields = EDITABLE_FIELDS
        field_classes = {"opened_at": BoundedDateTimeField}

    def __init__(self, *args, seen_event: int | None = None, choosing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_fields()
        ticket = self.instance
        # Validation writes the posted values onto the instance; the stored ones stay here.
        self.stored = copy.copy(ticket)
        self.fields["agent"] = UserChoiceField(staff_users(), label="Agent")
        use_cached_options(self)
        # Resolve, close and reopen are their own actions; the edit keeps an open ticket open.
        # Waiting on admin follows an escalation; it is not a status to pick by hand.
        open_choices = [
            (s.value, s.label)
            for s in Status
            if s in OPEN_STATUSES and (s != Status.WAITING_ON_ADMIN or ticket.status == s)
        ]
        if ticket.is_open:
            self.fields["status"].choices = open_choices
        else:
            self.fields["status"].disabled = True
        if not self.is_bound:
            self.initial["version"] = ticket.version
            # The page passes the newest event it shows when it shows them all.
            self.initial["seen_event"] = (
                seen_event
                if seen_event is not None
                else ticket.events.order_by("-id").values_list("id", flat=True).first() or 0
            )
            self.initial["seen_values"] = json.dumps(self.raw_values())
        # A field both people changed: this editor picks which value stays. Right after the
        # conflict (``choosing``) nothing is picked yet, so no error is shown.
        self.conflict_names = [
            n for n in self.data.get("conflicts", "").split(",") if n in self.Meta.fields
        ]
        for name in self.conflict_names:
            self.fields[f"keep_{name}"] = forms.ChoiceField(
                label=self.fields[name].label,
                choices=[(KEEP_MINE, "Yours"), (KEEP_THEIRS, "Theirs")],
                widget=forms.RadioSelect,
                required=not choosing,
                error_messages={"required": "Both of you changed this: choose which value stays."},
            )

    def raw_values(self) -> dict[str, str]:
        """Each editable field as the page shows it (unbound) or as it was posted (bound)."""
        return {
            name: _raw(self[name].field.widget.format_value(self[name].value()))
            for name in self.Meta.fields
        }

    def seen(self) -> dict[str, str] | None:
        """The values the page showed this editor, or None when the post does not say."""
        try:
            seen = json.loads(self.data.get("seen_values") or "null")
        except ValueError:
            return None
        return seen if isinstance(seen, dict) else None

    def clean_opened_at(self):
        # The widget shows minutes only; an untouched field must not count as a change.
        value = self.cleaned_data["opened_at"]
        stored = self.instance.opened_at
        if value and stored and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def changed_names(self, seen: dict[str, str] | None) -> set[str]:
        """The fields whose posted value differs from ``seen`` (all of them without it)."""
        posted = self.raw_values()
        return {
            name
            for name in self.Meta.fields
            if not self.fields[name].disabled and (seen is None or posted[name] != seen.get(name))
        }

    def changes(self) -> dict:
        """Only what this editor changed from the values they saw: a field someone else
        changed meanwhile is never written back with the old value."""
        names = self.changed_names(self.seen())
        names -= {
            n for n in self.conflict_names if self.cleaned_data.get(f"keep_{n}") == KEEP_THEIRS
        }
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in names}

    def after_conflict(self, ticket: Ticket, others: set[str], seen_event: int) -> TicketEditForm:
        """The form to show after ``ticket`` was saved by someone else: this editor's changes
        kept, the other person's values in the fields only they changed, and a choice for each
        field both changed. Saving it applies only this editor's changes."""
        theirs = TicketEditForm(instance=ticket, seen_event=seen_event).raw_values()
        seen = self.seen()
        if seen is not None:
            others = others | {n for n in theirs if theirs[n] != seen.get(n)}
        mine = self.changed_names(seen if seen is not None else theirs)
        posted = self.raw_values()
        data = self.data.copy()
        both = []
        for name in self.Meta.fields:
            if name in others and name not in mine:
                data[name] = theirs[name]
            elif name in others and posted[name] != theirs[name]:
                both.append(name)
        # Item by item: QueryDict.update would add a second value instead of replacing.
        data["version"] = str(ticket.version)
        data["seen_event"] = str(seen_event)
        data["seen_values"] = json.dumps(theirs)
        data["conflicts"] = ",".join(both)
        for name in both:
            data.pop(f"keep_{name}", None)
        form = TicketEditForm(data, instance=ticket, choosing=True)
        form.is_valid()
        return form

    def conflict_rows(self) -> list[dict]:
        """For each field both people changed: its label, both values as people read them,
        and the radio buttons to pick one."""
        if not self.conflict_names:
            return []
        mine = copy.copy(self.stored)
        for name in self.conflict_names:
            if name in self.cleaned_data:
                setattr(mine, name, self.cleaned_data[name])
        return [
            {
                "name": name,
                "label": self.fields[name].label,
                "mine": display_value(mine, name),
                "theirs": display_value(self.stored, name),
                "choice": self[f"keep_{name}"],
            }
            for name in self.conflict_names
        ]


class TierForm(forms.Form):
    tier = forms.ChoiceField(choices=SC_TIERS)
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: why the tier changes. It goes on the timeline.",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note for the timeline (optional)",
    )
