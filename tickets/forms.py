from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils import timezone

from admins.models import Service
from core.forms import BoundedDateTimeField, LocalDateTimeInput
from core.roles import AGENT, SUPERVISOR, display_name
from tickets.models import OPEN_STATUSES, Category, Priority, Status, Ticket, Tier
from tickets.services import EDITABLE_FIELDS

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


class PriorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, priority: Priority) -> str:
        if priority.category_id:
            return f"{priority.name} ({priority.category.name} only)"
        return priority.name


class TicketFieldsMixin:
    """Choices and checks shared by the log and edit forms."""

    def setup_fields(self) -> None:
        f = self.fields
        f["category"].queryset = Category.objects.filter(active=True)
        f["category"].empty_label = "Not categorised yet"
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
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate: Ticket | None = None
        self.setup_fields()
        self.fields["opened_at"].required = False
        self.fields["opened_at"].help_text += " Leave empty for now."
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
        return cleaned


class TicketEditForm(TicketFieldsMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_event = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Ticket
        fields = EDITABLE_FIELDS
        field_classes = {"opened_at": BoundedDateTimeField}

    def __init__(self, *args, seen_event: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_fields()
        ticket = self.instance
        self.fields["agent"] = UserChoiceField(staff_users(), label="Agent")
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

    def clean_opened_at(self):
        # The widget shows minutes only; an untouched field must not count as a change.
        value = self.cleaned_data["opened_at"]
        stored = self.instance.opened_at
        if value and stored and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


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
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
