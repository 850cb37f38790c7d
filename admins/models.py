"""The people and services SC depends on.

Administrators are tracked people, not necessarily users of this site.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class AdministratorQuerySet(models.QuerySet):
    def active(self) -> AdministratorQuerySet:
        return self.filter(active=True)


class Administrator(models.Model):
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    team = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    backup = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backup_for",
        help_text="Who takes over when this administrator does not answer.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdministratorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="administrator_email_unique_ci"),
            models.CheckConstraint(
                condition=~models.Q(backup_id=models.F("id")), name="administrator_not_own_backup"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A system or service that tickets concern; its owner is declared through purview."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PurviewRole(models.TextChoices):
    OWNER = "owner", "Owner"
    BACKUP = "backup", "Backup"


class PurviewQuerySet(models.QuerySet):
    def current(self) -> PurviewQuerySet:
        return self.filter(ended_at=None)


class Purview(models.Model):
    """An administrator's own declaration that a service is theirs, as owner or backup.

    Rows are never edited: a change ends the current row and starts a new one, so the
    history of who held what, and on whose word, stays on record.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="purviews")
    admin = models.ForeignKey(Administrator, on_delete=models.PROTECT, related_name="purviews")
    role = models.CharField(max_length=10, choices=PurviewRole)
    declared_on = models.DateField(
        "declared", help_text="When the administrator declared it (or the gap was documented)."
    )
    evidence = models.CharField(
        max_length=300,
        help_text="Where the declaration is on record, for example “declared by the admin in "
        "ticket 12345”, or “documented gap: assigned until the admin declares”.",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    objects = PurviewQuerySet.as_manager()

    class Meta:
        ordering = ["service__name", "role", "admin__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "admin"],
                condition=models.Q(ended_at=None),
                name="purview_one_current_per_admin",
            ),
        ]
        indexes = [models.Index(fields=["service", "ended_at"], name="purview_service_current")]

    def __str__(self) -> str:
        return f"{self.admin} – {self.get_role_display().lower()} of {self.service}"


class ProcedureQuerySet(models.QuerySet):
    def active(self) -> ProcedureQuerySet:
        return self.filter(active=True)


class Procedure(models.Model):
    """A documented way for the support center to handle a kind of request for a service.

    Usually captured from an administrator's answer to “what can we do next time?”.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="procedures")
    title = models.CharField(max_length=200)
    body = models.TextField("steps")
    source = models.ForeignKey(
        "AdminResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
        help_text="The administrator's response the procedure came from.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        ordering = ["service__name", "title"]

    def __str__(self) -> str:
        return self.title


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    GAVE_INPUT = "gave_input", "Gave input"
    REDIRECTED = "redirected", "Redirected"
    DECLINED = "declined", "Declined without redirect"
    NO_RESPONSE = "no_response", "No response"


class Channel(models.TextChoices):
    TICKET = "ticket", "Ticket"
    SUPPORT_CHANNEL = "support_channel", "Support channel"
    DIRECT_MESSAGE = "direct_message", "Direct message"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"


# Contact that bypasses the ticket and the shared channel leaves no record others can see.
OFF_POLICY_CHANNELS = (Channel.DIRECT_MESSAGE,)


class AdminResponse(models.Model):
    """What an administrator did with one engagement, or that they did nothing."""

    engagement = models.ForeignKey(
        "escalations.Engagement", on_delete=models.PROTECT, related_name="responses"
    )
    outcome = models.CharField(max_length=12, choices=Outcome)
    channel = models.CharField(
        max_length=16, choices=Channel, blank=True, help_text="Empty for “no response”."
    )
    responded_at = models.DateTimeField("when")
    redirect_admin = models.ForeignKey(
        Administrator,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="redirected to",
    )
    redirect_detail = models.CharField(
        "documented procedure",
        max_length=300,
        blank=True,
        help_text="The procedure or place the admin pointed to, when not another admin.",
    )
    next_time = models.TextField(
        "process for next time",
        blank=True,
        help_text="What the admin says the support center can do itself next time.",
    )
    note = models.TextField(blank=True)
    logged_at = models.DateTimeField(auto_now_add=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["responded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="redirected")
                | ~models.Q(redirect_admin=None)
                | ~models.Q(redirect_detail=""),
                name="response_redirect_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="redirected")
                | models.Q(redirect_admin=None, redirect_detail=""),
                name="response_redirect_only_when_redirected",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="no_response", channel="")
                | (~models.Q(outcome="no_response") & ~models.Q(channel="")),
                name="response_channel_matches_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "responded_at"], name="response_engagement"),
            # Responses of a week by outcome and channel (the weekly report), from the index.
            models.Index(fields=["responded_at", "outcome", "channel"], name="response_week"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.responded_at:%Y-%m-%d %H:%M}"

    @property
    def off_policy(self) -> bool:
        return self.channel in OFF_POLICY_CHANNELS

    def timeline_note(self) -> str:
        """The response as the ticket's timeline tells it: who, what and how, where it was
        redirected, the process for next time, and the note."""
        summary = f"{self.engagement.admin.name}: {self.get_outcome_display().lower()}"
        if self.channel:
            summary += f" by {self.get_channel_display().lower()}"
            if self.off_policy:
                summary += " (off-policy)"
        if self.redirect_admin:
            summary += f", redirected to {self.redirect_admin.name}"
        elif self.redirect_detail:
            summary += f", redirected to {self.redirect_detail}"
        lines = [summary]
        if self.next_time:
            lines.append(f"Next time: {self.next_time}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    @property
    def is_answer(self) -> bool:
        return self.outcome != Outcome.NO_RESPONSE
