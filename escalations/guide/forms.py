"""Forms for the guide's sections and the scenario language."""

from __future__ import annotations

from django import forms

from escalations.guide.models import GuideSection, Scenario, check_placeholders


class GuideSectionForm(forms.ModelForm):
    class Meta:
        model = GuideSection
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 22, "spellcheck": "true"})}

    def clean_body(self) -> str:
        # Browsers send CRLF; store LF so revisions compare line by line.
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip()
        if len(body) > 50_000:
            raise forms.ValidationError("Keep a section under 50,000 characters.")
        return body + "\n"


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["scenario", "tier", "wording", "order", "active"]
        widgets = {"wording": forms.Textarea(attrs={"rows": 5})}
        labels = {"tier": "Tier it belongs to"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Any tier"), *self.fields["tier"].choices[1:]]

    def clean_wording(self) -> str:
        wording = self.cleaned_data["wording"].replace("\r\n", "\n").strip()
        check_placeholders(wording)
        return wording
