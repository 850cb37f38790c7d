"""The people and services SC depends on.

Administrators are tracked people, not necessarily users of this site.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from core.versions import VersionedQuerySet


class AdministratorQuerySet(VersionedQuerySet):
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
    # Seed 002: the ITS manager (or area lead) hears when their staff are escalated to. A
    # manager is a name and an address, not necessarily someone with a log-in here.
    manager_name = models.CharField("manager", max_length=120, blank=True)
    manager_email = models.EmailField(
        "manager's email",
        max_length=254,
        blank=True,
        help_text="Gets a notice when this administrator is escalated to or does not answer, "
        "and a weekly digest of their staff's open requests.",
    )
    weekly_digest = models.BooleanField(
        "weekly digest",
        default=True,
        help_text="Email this administrator a weekly list of their open requests.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdministratorQuerySet.as_manager()
    # The response summary's rows are the administrators (core.versions).
    cache_versions = ("admins",)

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
