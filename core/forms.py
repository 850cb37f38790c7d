"""Form helpers every app uses: bounded date fields and errors shown where they belong."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Dates outside these years are typing mistakes, and the far ones overflow when converted.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def sensible_year(value) -> None:
    if value and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise forms.ValidationError(
            f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.", code="year"
        )


class VisibleOnlyDescribedBoundField(forms.BoundField):
    """Help and error text describe the visible input only: the hidden copy of the initial
    value Django adds for a field with a callable default must not point at them."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if (widget or self.field.widget).is_hidden:
            attrs.pop("aria-describedby", None)
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    default_validators = [sensible_year]
    bound_field_class = VisibleOnlyDescribedBoundField


class BoundedDateField(forms.DateField):
    default_validators = [sensible_year]
    bound_field_class = VisibleOnlyDescribedBoundField


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def report_unshown(request, bound: Iterable[forms.Form], shown: Iterable) -> None:
    """Errors of a submitted form that is no longer on the page (the record moved on: closed,
    taken back, done by someone else) become messages, so the refusal is still explained."""
    shown = list(shown)
    for form in bound:
        if not any(form is placed for placed in shown):
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
