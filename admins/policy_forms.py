"""Forms for escalation policies, on-call rotations, overrides and absences."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from admins.models import (
    Absence,
    Administrator,
    EscalationPolicy,
    Rotation,
    RotationOverride,
    TargetKind,
)

MAX_LEVELS = 8
MAX_MEMBERS = 12


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = EscalationPolicy
        fields = ["name", "description", "is_default", "repeat_count"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def _get_validation_exclusions(self):
        # One default at a time: saving a new default takes the flag from the old one (in
        # the view's transaction), so the constraint is not a reason to refuse the form.
        return {*super()._get_validation_exclusions(), "is_default"}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = EscalationPolicy.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"There is already a policy called “{name}”.")
        return name

    def clean_repeat_count(self) -> int:
        value = self.cleaned_data["repeat_count"]
        if value > 3:
            raise ValidationError("Repeat at most 3 times.")
        return value


class LevelForm(forms.Form):
    target = forms.ChoiceField(choices=[("", "—"), *TargetKind.choices], required=False)
    admin = forms.ModelChoiceField(
        Administrator.objects.active(), required=False, label="Administrator"
    )
    rotation = forms.ModelChoiceField(Rotation.objects.all(), required=False)
    timeout_hours = forms.IntegerField(
        label="Timeout (business hours)",
        required=False,
        min_value=1,
        max_value=200,
        help_text="Empty: the priority's usual answer time.",
    )

    def __init__(self, *args, choices: dict[str, list] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The formset reads the administrators and rotations once for all its forms.
        for name, options in (choices or {}).items():
            self.fields[name].choices = [("", self.fields[name].empty_label), *options]

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target == TargetKind.ADMIN and not data.get("admin"):
            self.add_error("admin", "Choose the administrator this level asks.")
        if target == TargetKind.ROTATION and not data.get("rotation"):
            self.add_error("rotation", "Choose the rotation whose on-call person is asked.")
        return data


class BaseLevelFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        if not hasattr(self, "_choices"):
            self._choices = {
                "admin": [(a.pk, str(a)) for a in Administrator.objects.active()],
                "rotation": [(r.pk, str(r)) for r in Rotation.objects.all()],
            }
        return {**super().get_form_kwargs(index), "choices": self._choices}

    def levels(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("target")]

    def clean(self):
        if any(self.errors):
            return
        levels = self.levels()
        if not levels:
            raise ValidationError("A policy needs at least one level.")
        if levels[0]["target"] != TargetKind.ASKED:
            raise ValidationError(
                "Level 1 is always the administrator the agent asked: choose "
                f"“{TargetKind.ASKED.label}” first."
            )
        if any(level["target"] == TargetKind.ASKED for level in levels[1:]):
            raise ValidationError(
                f"“{TargetKind.ASKED.label}” can only be level 1; to ask them again, "
                "set the policy to repeat."
            )


LevelFormSet = forms.formset_factory(
    LevelForm, formset=BaseLevelFormSet, extra=2, max_num=MAX_LEVELS, absolute_max=MAX_LEVELS
)


class RotationForm(forms.ModelForm):
    """The rotation and its members in turn order: one select per turn, two spare."""

    class Meta:
        model = Rotation
        fields = ["name", "shift_days", "handover_time", "starts_on"]
        widgets = {
            "handover_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = []
        if self.instance.pk:
            current = [m.admin_id for m in self.instance.members.all()]
        admins = Administrator.objects.active()
        count = max(len(current) + 2, 3)
        for index in range(min(count, MAX_MEMBERS)):
            self.fields[f"member_{index}"] = forms.ModelChoiceField(
                admins,
                required=False,
                label=f"Turn {index + 1}",
                initial=current[index] if index < len(current) else None,
            )
        self.fields["shift_days"].widget.attrs["min"] = 1

    def member_fields(self):
        return [self[name] for name in self.fields if name.startswith("member_")]

    def chosen_members(self) -> list[Administrator]:
        return [
            self.cleaned_data[name]
            for name in self.fields
            if name.startswith("member_") and self.cleaned_data.get(name)
        ]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if Rotation.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(f"There is already a rotation called “{name}”.")
        return name

    def clean(self):
        data = super().clean()
        members = self.chosen_members() if not self.errors else []
        if not self.errors and not members:
            self.add_error("member_0", "Choose at least one administrator to be on call.")
        if len({m.pk for m in members}) != len(members):
            self.add_error("member_0", "Each administrator takes one turn in the rotation.")
        return data


class OverrideForm(forms.ModelForm):
    class Meta:
        model = RotationOverride
        fields = ["rotation", "admin", "starts_at", "ends_at"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin"].queryset = Administrator.objects.active()

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The cover must end after it starts.")
        return data


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["admin", "starts_at", "ends_at", "stand_in", "note"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        labels = {"admin": "Administrator"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stand_in"].queryset = Administrator.objects.active()
        self.fields["stand_in"].help_text = "Asked instead while they are away (optional)."

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The absence must end after it starts.")
        admin, stand_in = data.get("admin"), data.get("stand_in")
        if admin and stand_in and admin.pk == stand_in.pk:
            self.add_error("stand_in", "Choose someone other than the absent administrator.")
        return data
