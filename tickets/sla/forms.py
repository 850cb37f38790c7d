"""Forms for the SLA pages: service targets, the business calendar, closures, maintenance."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import cache

from django import forms
from django.utils import timezone

from admins.forms import PolicyDateField
from core.forms import BoundedDateTimeField, LocalDateTimeInput
from tickets.sla.calendar import Calendar, to_seconds
from tickets.sla.models import BusinessCalendar, Closure, MaintenanceWindow, ServiceTarget, Weekday

TARGET_MAX = 999
POSITIVE = {"min_value": "Use a positive number."}


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class ServiceTargetForm(forms.ModelForm):
    """Response and resolution targets; ticking "No defined SLA" clears a target."""

    response = forms.IntegerField(
        label="Response target",
        required=False,
        min_value=1,
        max_value=TARGET_MAX,
        error_messages=POSITIVE,
        help_text="How soon someone first acts on the ticket.",
    )
    response_none = forms.BooleanField(required=False, label="No defined response SLA")
    resolution = forms.IntegerField(
        label="Resolution target",
        required=False,
        min_value=1,
        max_value=TARGET_MAX,
        error_messages=POSITIVE,
        help_text="How soon the ticket is resolved.",
    )
    resolution_none = forms.BooleanField(required=False, label="No defined resolution SLA")

    class Meta:
        model = ServiceTarget
        fields = ["response", "response_unit", "resolution", "resolution_unit", "note"]
        labels = {"response_unit": "Response unit", "resolution_unit": "Resolution unit"}
        help_texts = {"note": "Optional: what the level covers, or why it changed."}

    def __init__(self, *args, cal: Calendar, **kwargs):
        super().__init__(*args, **kwargs)
        self.cal = cal
        if self.instance.pk:
            self.initial["response_none"] = self.instance.response is None
            self.initial["resolution_none"] = self.instance.resolution is None

    def _target(self, name: str) -> int | None:
        """The value of one target, or None for "no defined SLA"; errors added on the field."""
        if self.cleaned_data.get(f"{name}_none"):
            self.cleaned_data[name] = None
            return None
        value = self.cleaned_data.get(name)
        if value is None and name not in self.errors:
            self.add_error(name, f"Enter a number, or tick “No defined {name} SLA”.")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        response, resolution = self._target("response"), self._target("resolution")
        if response is None or resolution is None or self.errors:
            return cleaned
        # A working day is one day of business hours, so mixed units compare on that.
        early = to_seconds(response, cleaned["response_unit"], self.cal)
        late = to_seconds(resolution, cleaned["resolution_unit"], self.cal)
        if early > late:
            self.add_error(
                "response",
                "The response target cannot be later than the resolution target "
                f"({ServiceTarget.describe(resolution, cleaned['resolution_unit'])}).",
            )
        return cleaned


class BusinessCalendarForm(forms.ModelForm):
    workdays = forms.TypedMultipleChoiceField(
        label="Working days",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one working day."},
    )

    class Meta:
        model = BusinessCalendar
        fields = ["time_zone", "workdays", "opens", "closes", "due_soon_percent"]
        fields += ["no_response_hours", "dm_policy_communicated_on"]
        field_classes = {"dm_policy_communicated_on": PolicyDateField}
        widgets = {
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "time_zone": "The zone the hours are in, as an IANA name such as "
            "America/Los_Angeles or Europe/London.",
            "opens": "Clocks start counting at this time on a working day.",
            "closes": "…and stop at this time.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["workdays"] = self.instance.workday_numbers
        for name, most in (("due_soon_percent", 90), ("no_response_hours", 999)):
            model_field = self.fields[name]
            self.fields[name] = forms.IntegerField(
                label=model_field.label,
                help_text=model_field.help_text,
                min_value=1,
                max_value=most,
                error_messages=POSITIVE,
            )

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if name not in _time_zones():
            raise forms.ValidationError(
                f"“{name}” is not a time zone name. Use one such as America/Los_Angeles."
            )
        return name

    def clean_workdays(self) -> str:
        return ",".join(str(n) for n in sorted(set(self.cleaned_data["workdays"])))

    def clean(self) -> dict:
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", "Closing time must be after opening time.")
        return cleaned


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["day", "name"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"day": "Date", "name": "Name"}
        help_texts = {"name": "E.g. Thanksgiving, Staff training day."}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_closure_%s")
        super().__init__(*args, **kwargs)

    def clean_day(self):
        day = self.cleaned_data["day"]
        existing = Closure.objects.filter(day=day).first()
        if existing is not None:
            raise forms.ValidationError(
                f"{day:%Y-%m-%d} is already closed: “{existing.name}”.", code="unique"
            )
        return day


MAX_WINDOW = timedelta(days=31)


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["starts_at", "ends_at", "reason"]
        field_classes = {"starts_at": BoundedDateTimeField, "ends_at": BoundedDateTimeField}
        widgets = {"starts_at": LocalDateTimeInput(), "ends_at": LocalDateTimeInput()}
        labels = {"starts_at": "Starts", "ends_at": "Ends"}
        help_texts = {"reason": "What the work is, e.g. Network core upgrade."}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_window_%s")
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["starts_at"].help_text = f"Local time ({zone})."

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "A window must end after it starts.")
        elif starts and ends and ends - starts > MAX_WINDOW:
            # A window of months would leave no working time to count an SLA in.
            self.add_error("ends_at", f"A window can last {MAX_WINDOW.days} days at most.")
        return cleaned


class HolidayImportForm(forms.Form):
    country = forms.CharField(
        label="Country",
        max_length=3,
        help_text="Two-letter ISO code, e.g. US.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 4}),
    )
    subdivision = forms.CharField(
        label="State or region",
        max_length=10,
        required=False,
        help_text="Optional, e.g. CA for California: adds that state's own holidays.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 6}),
    )
    year = forms.TypedChoiceField(label="Year", coerce=int)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_holidays_%s")
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, y) for y in self.years(this_year)]
        self.fields["year"].initial = this_year

    @staticmethod
    def years(this_year: int) -> range:
        return range(this_year - 1, this_year + 3)

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def clean_subdivision(self) -> str:
        return self.cleaned_data["subdivision"].strip().upper()
