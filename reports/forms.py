"""The period picker of the admin response summary."""

from __future__ import annotations

from django import forms

from reports.summary import DEFAULT_PERIOD, PERIODS

PERIOD_LABELS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "all": "All time"}


def selected_period(value: str | None) -> str:
    return value if value in PERIODS else DEFAULT_PERIOD


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=[(key, PERIOD_LABELS[key]) for key in PERIODS], required=False, label="Period"
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label="Reason for re-issuing",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with the new issue and kept in the audit log.",
        error_messages={"required": "Say why the week is re-issued."},
    )
    confirm = forms.BooleanField(
        label="I understand the new issue replaces the current one for downloads and emails; "
        "the earlier issue stays listed.",
        error_messages={"required": "Tick the box to confirm the re-issue."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the week is re-issued.")
        return reason
