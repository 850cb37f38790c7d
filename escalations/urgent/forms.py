"""Forms for filing and working urgent requests."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from core.forms import BoundedDateTimeField, LocalDateTimeInput
from escalations.urgent.models import UrgentStep
from tickets.models import Ticket


class UrgentRequestForm(forms.Form):
    ticket_number = forms.CharField(
        label="Ticket number",
        max_length=32,
        help_text="The number the ticket already has in the ticketing system.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    business_impact = forms.CharField(
        label="Business impact",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who cannot work, and what it costs while they wait.",
    )
    reason = forms.CharField(
        label="Why it cannot wait for the SLA",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The planned response times were considered, and this ticket needs more.",
    )

    #: The number that was typed when no ticket with it is logged yet.
    missing_number: str = ""

    def clean_ticket_number(self) -> str:
        number = self.cleaned_data["ticket_number"].strip().lstrip("#").strip()
        if not number:
            raise forms.ValidationError("Type the ticket's number.")
        ticket = Ticket.objects.filter(external_id=number).first()
        if ticket is None:
            self.missing_number = number
            raise forms.ValidationError(
                f"No ticket #{number} is logged here yet. Log it first, then file the request."
            )
        self.cleaned_data["ticket"] = ticket
        return number

    @property
    def log_url(self) -> str:
        """Where the missing ticket is logged, with its number."""
        return reverse("tickets:new") + "?" + urlencode({"external_id": self.missing_number})


class UrgentStepForm(forms.Form):
    """One step of the coordinator's work. Every remaining step has its own small form on the
    page, so the ids carry the step."""

    step = forms.ChoiceField(choices=UrgentStep.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note",
        widget=forms.TextInput(attrs={"placeholder": "Note (optional)"}),
    )

    def __init__(self, *args, step: str = "", **kwargs):
        if step not in UrgentStep.values:
            step = ""
        kwargs.setdefault("auto_id", f"id_{step or 'step'}_%s")
        kwargs.setdefault("initial", {"step": step})
        super().__init__(*args, **kwargs)
        self.step = step


class UrgentEstimateForm(forms.Form):
    estimated_resolution = BoundedDateTimeField(
        label="Estimated resolution",
        widget=LocalDateTimeInput(),
        help_text="The time the user is told the issue should be resolved. The filer is told.",
    )


class UrgentCloseForm(forms.Form):
    """The outcome, and a reason for each coordinator's step left unrecorded."""

    outcome = forms.CharField(
        label="Outcome",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was done, and what the requester and the user were told. Closing is final.",
    )

    def __init__(self, *args, missing: list[UrgentStep] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        for step in self.missing:
            self.fields[f"skip_{step.value}"] = forms.CharField(
                required=False,
                max_length=2000,
                label=f"Why “{step.label}” is skipped",
                help_text="Required unless you record the step above first.",
            )

    def skip_fields(self) -> list:
        return [self[f"skip_{step.value}"] for step in self.missing]

    def skips(self) -> dict[str, str]:
        return {step.value: self.cleaned_data[f"skip_{step.value}"] for step in self.missing}
