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
