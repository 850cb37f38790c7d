"""Urgent requests: a manager asks for a faster answer than the SLA on one ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.versions import VersionedQuerySet


class UrgentStep(models.TextChoices):
    HISTORY_REVIEWED = "history_reviewed", "Ticket history reviewed"
    USER_CONTACTED = "user_contacted", "User contacted"
    STATUS_COMMUNICATED = "status_communicated", "Status communicated to the requester"
    OWNER_CONTACTED = "owner_contacted", "Service owner contacted"
    FOLLOW_UP_DOCUMENTED = "follow_up_documented", "Follow-up documented in the ticket"


class UrgentRequestQuerySet(VersionedQuerySet):
    def open(self) -> UrgentRequestQuerySet:
        return self.filter(closed_at=None)


class UrgentRequest(models.Model):
    """A manager's or supervisor's request for a faster answer than the SLA on one ticket."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="urgent_requests"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    business_impact = models.TextField(help_text="Who cannot work, and what it costs.")
    reason = models.TextField(help_text="Why the SLA's timing is not enough here.")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The supervisor who works the request.",
    )
    estimated_resolution = models.DateTimeField(
        null=True, blank=True, help_text="The resolution time given to the user."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)

    objects = UrgentRequestQuerySet.as_manager()

    # The weekly report counts the urgent requests filed in the week (core.versions).
    cache_versions = ("handoffs",)

    class Meta:
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["closed_at", "-filed_at"], name="urgent_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(closed_at=None), name="urgent_one_open_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"Urgent request on #{self.ticket.external_id}"

    def get_absolute_url(self) -> str:
        return reverse("urgent:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class UrgentStepRecord(models.Model):
    """One recorded step of working an urgent request: who did it, when, and a note."""

    request = models.ForeignKey(UrgentRequest, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(max_length=24, choices=UrgentStep)
    done_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    skipped = models.BooleanField(
        default=False, help_text="Not done, on purpose: the note says why (given when closing)."
    )

    class Meta:
        ordering = ["done_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="urgent_step_once"),
            models.CheckConstraint(
                condition=Q(skipped=False) | ~Q(note=""), name="urgent_skip_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.get_step_display()
