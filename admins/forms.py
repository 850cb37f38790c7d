from __future__ import annotations

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from admins.models import Administrator, Purview, PurviewRole, Service
from core.forms import BoundedDateField


class AdminChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, admin: Administrator) -> str:
        return admin.name if admin.active else f"{admin.name} (inactive)"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PolicyDateField(BoundedDateField):
    """The day the direct-message policy was communicated: a real date, not in the future
    (seed 000 counts direct messages after it as a pattern, so a date to come would hold a
    message against someone before they were told)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", DateInput())
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Enter the date the policy was communicated, like 2025-03-03."},
        )
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "max": timezone.localdate().isoformat()}

    def validate(self, value) -> None:
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(
                "This date is still to come: give the day the policy was communicated."
            )


class AdministratorForm(forms.ModelForm):
    class Meta:
        model = Administrator
        fields = [
            "name",
            "email",
            "team",
            "backup",
            "manager_name",
            "manager_email",
            "weekly_digest",
            "tdx_uid",
            "dm_policy_communicated_on",
            "active",
        ]
        field_classes = {"dm_policy_communicated_on": PolicyDateField}
        labels = {
            "active": "Active: can be engaged and named as a backup",
            "weekly_digest": "Weekly digest: email them a list of their open requests",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        admin = self.instance
        # A backup must be someone who can still be engaged; a backup who has since left
        # stays selectable so that saving other fields does not silently drop them.
        choices = Administrator.objects.filter(Q(active=True) | Q(pk=admin.backup_id))
        if admin.pk:
            choices = choices.exclude(pk=admin.pk)
        self.fields["backup"] = AdminChoiceField(
            choices,
            required=False,
            empty_label="No backup",
            help_text=Administrator._meta.get_field("backup").help_text,
            error_messages={
                "invalid_choice": "Choose another active administrator: "
                "nobody can be their own backup."
            },
        )
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["team"].help_text = "For example Infrastructure or Identity and access."
        self.fields["manager_name"].help_text = "Their ITS manager or area lead."
        self.fields["manager_email"].widget.attrs["autocomplete"] = "off"
        self.fields["manager_email"].error_messages["invalid"] = (
            "Enter the manager's address like name@example.org."
        )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def _email_holder(self, email: str) -> Administrator | None:
        # The database compares emails case-insensitively; say so before it refuses.
        others = Administrator.objects.exclude(pk=self.instance.pk)
        return others.filter(email__iexact=email).first()

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if holder := self._email_holder(email):
            raise forms.ValidationError(f"{holder.name} already has this email address.")
        return email

    def clean_manager_name(self) -> str:
        return " ".join(self.cleaned_data["manager_name"].split())

    def clean_manager_email(self) -> str:
        return self.cleaned_data["manager_email"].strip()

    def clean(self) -> dict:
        data = super().clean()
        name, address = data.get("manager_name"), data.get("manager_email")
        if name and not address and "manager_email" not in self.errors:
            self.add_error(
                "manager_email", f"Give {name}'s email address, or they cannot be told anything."
            )
        email = data.get("email")
        if address and email and address.lower() == email.lower():
            self.add_error(
                "manager_email", "This is the administrator's own address: give their manager's."
            )
        return data

    def save_unless_taken(self) -> Administrator | None:
        """Save the administrator; or, when another request took the email address between
        validation and the write (a double submit), return None with the error on the field."""
        try:
            # A savepoint, so the failed write leaves any outer transaction usable.
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            holder = self._email_holder(self.cleaned_data["email"])
            if holder is None:
                raise
            self.add_error("email", f"{holder.name} already has this email address.")
            return None


class AdministratorEditForm(AdministratorForm):
    # Activation has its own confirmed action, which shows what depends on the admin.
    class Meta(AdministratorForm.Meta):
        fields = [
            "name",
            "email",
            "team",
            "backup",
            "manager_name",
            "manager_email",
            "weekly_digest",
            "tdx_uid",
            "dm_policy_communicated_on",
        ]


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "description", "policy", "manager_name", "manager_email"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if Service.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"There is already a service called “{name}”.")
        return name


class DeclarePurviewForm(forms.Form):
    service = forms.ModelChoiceField(Service.objects.all(), empty_label="Choose a service")
    admin = forms.ModelChoiceField(
        Administrator.objects.active(),
        label="Administrator",
        empty_label="Choose an administrator",
        help_text="A new declaration replaces this administrator's current one for the service.",
    )
    role = forms.ChoiceField(choices=PurviewRole.choices)
    declared_on = forms.DateField(
        label="Declared on",
        widget=DateInput(),
        help_text=Purview._meta.get_field("declared_on").help_text,
    )
    evidence = forms.CharField(
        max_length=300,
        help_text="Where it is on record, for example “declared by the admin in ticket 12345” "
        "or “documented gap: assigned until the admin declares”.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["declared_on"].initial = today
        # The browser offers no future date; the service refuses one whatever the browser sent.
        self.fields["declared_on"].widget.attrs["max"] = today.isoformat()


class EndPurviewForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="Why it ends, for example “the admin handed the service to the network team”.",
    )
