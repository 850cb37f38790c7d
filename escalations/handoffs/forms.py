from __future__ import annotations

from django import forms
from django.utils import timezone

from admins.models import Administrator, PurviewRole, Service
from core.forms import BoundedDateTimeField
from escalations.guide.models import Scenario, check_placeholders
from escalations.handoffs.inbound import outcome_choices
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    ChecklistAnswer,
    ChecklistItem,
    Engagement,
    Outcome,
)
from escalations.handoffs.reference import reference
from tickets.models import Tier


class ChecklistForm(forms.Form):
    """One checkbox and one note per active checklist item, filled from the saved answers."""

    def __init__(
        self, *args, items: list[ChecklistItem], answers: dict[int, ChecklistAnswer], **kw
    ):
        super().__init__(*args, **kw)
        self.items, self.saved = items, answers
        for item in items:
            answer = answers.get(item.pk)
            self.fields[f"item_{item.pk}"] = forms.BooleanField(
                required=False,
                label=item.text,
                help_text=item.help,
                initial=bool(answer and answer.checked),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                required=False,
                max_length=500,
                label="Note",
                initial=answer.note if answer else "",
            )

    def rows(self) -> list[dict]:
        return [
            {
                "item": item,
                "checkbox": self[f"item_{item.pk}"],
                "note": self[f"note_{item.pk}"],
                "answer": self.saved.get(item.pk),
            }
            for item in self.items
        ]

    def answers(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {item.pk: (data[f"item_{item.pk}"], data[f"note_{item.pk}"]) for item in self.items}


class AdminOptions:
    """Active administrators for a ticket's hand-off forms, those who declared the ticket's
    service first. From the cache (escalations.handoffs.reference), however many forms use
    them."""

    def __init__(self, service: Service | None):
        known = reference()
        self.admins = known.admins
        declared = known.declared.get(service.pk, []) if service else []
        self.suggested = {p.admin_id: p for p in declared}
        self.service = service

    def choices(self, *, blank: bool) -> list:
        def label(admin: Administrator) -> str:
            purview = self.suggested.get(admin.pk)
            role = f" – {purview.get_role_display().lower()}" if purview else ""
            return f"{admin.name}{role}" + (f" ({admin.team})" if admin.team else "")

        ranked = sorted(
            (a for a in self.admins if a.pk in self.suggested),
            key=lambda a: (self.suggested[a.pk].role != PurviewRole.OWNER, a.name),
        )
        others = [(a.pk, label(a)) for a in self.admins if a.pk not in self.suggested]
        choices: list = [("", "Choose an admin")] if blank else []
        if ranked:
            choices.append(
                (f"Declared for {self.service.name}", [(a.pk, label(a)) for a in ranked])
            )
            choices.append(("Other admins", others))
        else:
            choices += others
        return choices

    def first_suggestion(self) -> Administrator | None:
        owners = [p for p in self.suggested.values() if p.role == PurviewRole.OWNER]
        pick = (owners or list(self.suggested.values()) or [None])[0]
        return pick.admin if pick else None


class MessageMixin:
    message_rows = 6

    def setup_message(self, scenarios: list[Scenario]) -> None:
        self.fields["message"].widget = forms.Textarea(attrs={"rows": self.message_rows})
        self.scenarios = scenarios

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        check_placeholders(message)
        return message


class CollaborateForm(MessageMixin, forms.Form):
    admins = forms.ModelMultipleChoiceField(
        queryset=Administrator.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        label="Admins to add as participants",
    )
    message = forms.CharField(
        max_length=5000,
        help_text="Sent through the ticket; {admin}, {ticket}, {service} and {agent} are "
        "filled in.",
    )
    reason = forms.CharField(
        required=False, max_length=1000, label="Why their input is needed (optional)"
    )

    def __init__(
        self, *args, options: AdminOptions | None = None, scenarios: list[Scenario] = (), **kw
    ):
        super().__init__(*args, **kw)
        if options:
            self.fields["admins"].choices = options.choices(blank=False)
        self.setup_message(scenarios)


class EscalateForm(MessageMixin, forms.Form):
    admin = forms.ModelChoiceField(
        queryset=Administrator.objects.active(),
        label="New owner",
        help_text="Admins who declared the ticket's service are listed first.",
    )
    tag = forms.CharField(
        max_length=60, help_text="The tag the ticket gets in the ticketing system."
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the issue is outside the support center's scope.",
    )
    message = forms.CharField(
        max_length=5000,
        label="Message to the admin",
        help_text="End with the meta-protocol question: what process can the support center "
        "follow next time?",
    )
    meta_confirmed = forms.BooleanField(
        required=False,
        label="My message asks the meta-protocol question in my own words",
        help_text="Needed only when the message does not use the question as the templates "
        "word it.",
    )

    def __init__(
        self, *args, options: AdminOptions | None = None, scenarios: list[Scenario] = (), **kw
    ):
        super().__init__(*args, **kw)
        self.setup_message(scenarios)
        if options is None:
            return
        self.fields["admin"].choices = options.choices(blank=True)
        suggestion = options.first_suggestion()
        if suggestion and not self.is_bound:
            self.initial.setdefault("admin", suggestion.pk)


class DeescalateForm(forms.Form):
    tier = forms.ChoiceField(
        choices=[(t.value, t.label) for t in (Tier.HANDLE, Tier.COLLABORATE)],
        label="Back to",
        widget=forms.RadioSelect,
        initial=Tier.HANDLE,
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required: why the ticket comes back to the support center.",
    )


class PassOnForm(forms.Form):
    """Where a declined, unanswered or redirected request goes next."""

    admin = forms.ModelChoiceField(queryset=Administrator.objects.active(), label="Send to")

    def __init__(self, *args, engagement: Engagement, options: AdminOptions, **kw):
        super().__init__(*args, **kw)
        self.engagement = engagement
        self.fields["admin"].choices = options.choices(blank=True)


class ResponseForm(forms.Form):
    engagement = forms.ModelChoiceField(queryset=Engagement.objects.none(), label="Request")
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    channel = forms.ChoiceField(
        choices=[("", "—"), *Channel.choices],
        required=False,
        help_text="How the admin answered. A direct message is recorded as off-policy.",
    )
    responded_at = BoundedDateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now. Not before the request, not in the future.",
    )
    redirect_admin = forms.ModelChoiceField(
        queryset=Administrator.objects.active(),
        required=False,
        label="Redirected to admin",
    )
    redirect_detail = forms.CharField(
        required=False,
        max_length=300,
        label="…or to a documented procedure",
        help_text="Its name or link.",
    )
    next_time = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Process for next time",
        help_text="The admin's answer to “what can the support center do next time?”.",
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for “no response” logged before the answer is due: why you stop "
        "waiting early.",
    )

    def __init__(self, *args, engagements: list[Engagement], options: AdminOptions, **kw):
        super().__init__(*args, **kw)
        field = self.fields["engagement"]
        field.queryset = Engagement.objects.filter(pk__in=[e.pk for e in engagements])
        field.choices = [("", "Choose the request")] + [
            (
                e.pk,
                f"{e.admin.name} – {e.get_kind_display().lower()}, "
                f"{timezone.localtime(e.requested_at):%Y-%m-%d %H:%M} "
                f"({e.get_state_display().lower()})",
            )
            for e in engagements
        ]
        open_ones = [e for e in engagements if e.is_open]
        if not self.is_bound and len(open_ones) == 1:
            self.initial["engagement"] = open_ones[0].pk
        self.fields["redirect_admin"].choices = [("", "—")] + [
            (a.pk, a.name) for a in options.admins
        ]

    def clean_responded_at(self):
        return self.cleaned_data["responded_at"] or timezone.now()

    def record(self, *, by) -> AdminResponse:
        data = self.cleaned_data
        return data["engagement"].record_response(
            outcome=data["outcome"],
            channel=data["channel"],
            responded_at=data["responded_at"],
            by=by,
            next_time=data["next_time"],
            note=data["note"],
            redirect_admin=data["redirect_admin"],
            redirect_detail=data["redirect_detail"],
        )


class ProcedureForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        max_length=10000, label="Steps", widget=forms.Textarea(attrs={"rows": 4})
    )


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["text", "help", "required", "order", "active"]
        widgets = {"help": forms.Textarea(attrs={"rows": 2})}


class ClassifyForm(forms.Form):
    outcome = forms.ChoiceField(label="The reply was", choices=())
    redirect_detail = forms.CharField(
        label="Redirected to", max_length=300, required=False, help_text="Only for a redirect."
    )

    def __init__(self, *args, response: AdminResponse, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.response = response
        self.fields["outcome"].choices = [("", "Choose…"), *outcome_choices(response.engagement)]
        self.auto_id = f"classify-{response.pk}-%s"
