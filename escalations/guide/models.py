"""The framework reference: guide sections with their history, and the scenario language."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from core.roles import display_name
from core.versions import VersionedQuerySet
from escalations.guide import markdown
from tickets.models import Tier


class GuideSection(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(help_text="Markdown: **bold**, *italic*, lists, tables, links.")
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("escalations:guide") + f"#{self.slug}"

    def revise(self, *, title: str, body: str, by) -> GuideRevision | None:
        """Save a new text and keep it as the next revision; None when nothing changed."""
        if title == self.title and body == self.body:
            return None
        with transaction.atomic():
            self.title, self.body = title, body
            self.body_html = markdown.render(body)
            self.updated_at, self.updated_by = timezone.now(), by
            self.save()
            last = self.revisions.aggregate(n=Max("number"))["n"] or 0
            return self.revisions.create(
                number=last + 1, title=title, body=body, by=by, at=self.updated_at
            )


class GuideRevision(models.Model):
    """One saved version of a section: never edited, so the history is the record."""

    section = models.ForeignKey(GuideSection, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.section.title} r{self.number}"

    @property
    def by_name(self) -> str:
        return "Initial text" if self.by is None else display_name(self.by)


class ScenarioQuerySet(VersionedQuerySet):
    def search(self, text: str) -> ScenarioQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(scenario__icontains=text) | Q(wording__icontains=text))


class Scenario(models.Model):
    """A situation the support center meets, and wording it can use; also a message template.

    Placeholders {ticket}, {admin}, {service} and {agent} are filled in when used.
    """

    PLACEHOLDERS = ("ticket", "admin", "service", "agent")

    scenario = models.CharField(max_length=200)
    wording = models.TextField(
        help_text="Placeholders: {ticket}, {admin}, {service} and {agent} are filled in."
    )
    tier = models.CharField(max_length=12, choices=Tier, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScenarioQuerySet.as_manager()
    # Every open ticket's hand-off forms offer the wordings (escalations.handoffs.reference).
    cache_versions = ("scenarios",)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.scenario

    def fill(self, **values: str) -> str:
        """The wording with the placeholders it was given filled. The result is still a
        message template: placeholders not given and ``{{``/``}}`` stay as written, so the
        send fills {admin} later. Saved wording a supervisor wrote before the rules were
        checked never raises: anything that is not a plain placeholder stays as typed."""
        return fill_placeholders(self.wording, final=False, **values)

    @classmethod
    def unknown_placeholders(cls, text: str) -> list[str]:
        return placeholder_problems(text)


#: The longest filled message: the message fields' own max_length.
MESSAGE_LIMIT = 5000

# ``{{`` and ``}}`` are literal braces; ``{name}`` is a placeholder; any other brace is
# refused at save. Only plain names are looked up: no format spec, attribute or index.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholder_problems(text: str) -> list[str]:
    """What in a message template is not a plain placeholder, as typed (empty if none)."""
    problems: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            problem = "(unbalanced braces)"
        elif name not in Scenario.PLACEHOLDERS:
            problem = name
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return problems


def check_placeholders(text: str) -> None:
    """Refuse a message template with anything but plain placeholders, saying what and why."""
    problems = placeholder_problems(text)
    if problems:
        shown = ", ".join("{" + p + "}" if not p.startswith("(") else p for p in problems)
        raise ValidationError(
            f"Unknown placeholder {', '.join(problems)} (as typed: {shown}). Only the plain "
            "names {ticket}, {admin}, {service} and {agent} are filled in: no format "
            "widths, dots or brackets inside the braces. Write {{ and }} for a literal brace."
        )


def fill_placeholders(
    text: str, *, final: bool = True, limit: int = MESSAGE_LIMIT, **values: str
) -> str:
    """Fill {ticket}, {admin}, {service} and {agent} by plain substitution, and bound the
    result to ``limit`` characters. With ``final`` the doubled braces become single ones;
    anything else in braces (never evaluated) stays exactly as written."""
    known = {name: str(values[name]) for name in Scenario.PLACEHOLDERS if values.get(name)}

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0] if final else token
        name = match.group(1)
        if name is None or name not in known:
            return token
        # A value filled in early stays a template: its own braces ("Mail {Exchange}") are
        # doubled, so the send prints them instead of refusing them as placeholders.
        return known[name] if final else known[name].replace("{", "{{").replace("}", "}}")

    return _TOKEN.sub(replace, text)[:limit]
