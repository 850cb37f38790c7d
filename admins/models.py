"""The people and services SC depends on.

Administrators are tracked people, not necessarily users of this site.
"""

from __future__ import annotations

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
