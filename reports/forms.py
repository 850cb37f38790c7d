"""The period picker of the admin response summary, and the governance threshold form."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from reports.models import GovernanceThreshold, ThresholdScope
from reports.summary import DEFAULT_PERIOD, PERIODS

PERIOD_LABELS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "all": "All time"}


def selected_period(value: str | None) -> str:
    return value if value in PERIODS else DEFAULT_PERIOD


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=[(key, PERIOD_LABELS[key]) for key in PERIODS], required=False, label="Period"
    )


class ThresholdForm(forms.ModelForm):
    """A governance threshold: the scope picks which of service and administrator is needed."""

    class Meta:
        model = GovernanceThreshold
        fields = ["scope", "service", "admin", "limit"]
        help_texts = {
            "service": "Only for a threshold on one service.",
            "admin": "Only for a threshold on one administrator.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = self.fields["limit"]
        limit.widget.attrs.update(min=1, max=100000)
        limit.validators += [MinValueValidator(1), MaxValueValidator(100000)]

    def clean(self) -> dict:
        data = super().clean()
        scope = data.get("scope")
        if scope == ThresholdScope.SERVICE:
            if not data.get("service"):
                self.add_error("service", "Pick the service this limit is for.")
            data["admin"] = None
        elif scope == ThresholdScope.ADMIN:
            if not data.get("admin"):
                self.add_error("admin", "Pick the administrator this limit is for.")
            data["service"] = None
        elif scope == ThresholdScope.OVERALL:
            data["service"] = data["admin"] = None
        return data


class ReissueForm(forms.Form):
    """Why a week, a month or a quarter (``kind``) is re-issued, and the confirmation."""

    reason = forms.CharField(
        label="Reason for re-issuing",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with the new issue and kept in the audit log.",
    )
    confirm = forms.BooleanField(
        label="I understand the new issue replaces the current one for downloads and emails; "
        "the earlier issue stays listed.",
        error_messages={"required": "Tick the box to confirm the re-issue."},
    )

    def __init__(self, *args, kind: str = "week", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.why = f"Say why the {kind} is re-issued."
        self.fields["reason"].error_messages["required"] = self.why

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.why)
        return reason
