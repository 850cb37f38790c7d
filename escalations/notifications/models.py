"""In-app notifications, each also sent by email."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.versions import VersionedQuerySet


class Notification(models.Model):
    """Something a person should know, kept in the app and sent by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = VersionedQuerySet.as_manager()
    # The unread counts in the navigation are cached under this token.
    cache_versions = ("notifications",)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return self.subject


class NoticeKind(models.TextChoices):
    MANAGER_ESCALATED = "manager_escalated", "Manager: staff member escalated to"
    MANAGER_SILENCE = "manager_silence", "Manager: staff member did not answer"
    MANAGER_DIGEST = "manager_digest", "Manager: weekly digest"
    MANAGER_EXHAUSTED = "manager_exhausted", "Manager: nobody answered at any level"
    ADMIN_DIGEST = "admin_digest", "Administrator: weekly digest"
    MANAGER_UNANSWERED = "manager_unanswered", "Manager: ticket got no first response"


class SentNotice(models.Model):
    """An email to someone without a log-in here (a manager, an administrator's digest), on
    record. The row is written in the transaction that decides to send, so the unique
    constraints are the claim: however many scans run at once, one notice per request and
    recipient, and one digest per recipient and ISO week."""

    kind = models.CharField(max_length=20, choices=NoticeKind)
    recipient = models.EmailField(max_length=254)  # lower case: the claim ignores case
    admin = models.ForeignKey(
        "admins.Administrator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff member the notice is about, or the digest's administrator.",
    )
    engagement = models.ForeignKey(
        "escalations.Engagement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    week = models.CharField(max_length=8, blank=True)  # a digest's ISO week, "2026-W49"
    subject = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "engagement", "recipient"],
                condition=models.Q(engagement__isnull=False),
                name="sent_notice_once_per_request",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "week"],
                condition=~models.Q(week=""),
                name="sent_notice_digest_once_per_week",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"
