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
    tdx_uid = models.CharField(
        "TDX account",
        max_length=64,
        blank=True,
        help_text="The administrator's user id (UID) in TDX: their comments on a ticket's feed "
        "count as answers.",
    )
    # Seed 000: direct messages after the policy was communicated are a documented pattern.
    # Empty: the date given for everyone on the business calendar (reports.dm_pattern).
    dm_policy_communicated_on = models.DateField(
        "direct-message policy communicated",
        null=True,
        blank=True,
        help_text="When this administrator was told to answer in the ticket or the support "
        "channel, not by direct message: their direct messages from the next day on count as "
        "the documented pattern. Empty: the date for everyone on the business calendar.",
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
    policy = models.ForeignKey(
        "admins.EscalationPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        verbose_name="escalation policy",
        help_text="Empty: the default policy.",
    )
    # Seed 002: the manager responsible for the service hears when one of its tickets goes
    # unanswered past its response target. A name and an address, not a log-in.
    manager_name = models.CharField("manager", max_length=120, blank=True)
    manager_email = models.EmailField(
        "manager's email",
        blank=True,
        help_text="Told when a ticket for this service gets no first response in time.",
    )

    objects = VersionedQuerySet.as_manager()
    # The ticket forms' option lists are cached under this token (tickets.forms).
    cache_versions = ("services",)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PurviewRole(models.TextChoices):
    OWNER = "owner", "Owner"
    BACKUP = "backup", "Backup"


class PurviewQuerySet(VersionedQuerySet):
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
    # The ticket page's hand-off forms suggest the declared admins (escalations.handoffs.reference).
    cache_versions = ("purviews",)

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


class TargetKind(models.TextChoices):
    ASKED = "asked", "The administrator asked first"
    BACKUP = "backup", "The declared backup"
    ADMIN = "admin", "A named administrator"
    ROTATION = "rotation", "Whoever is on call in a rotation"
    MANAGER = "manager", "The administrator's manager (told by email)"
    SUPERVISORS = "supervisors", "The support center's supervisors (told)"


# Targets that are told rather than asked: nobody there answers a request, so a level naming
# them passes the request on at once.
TOLD_TARGETS = (TargetKind.MANAGER, TargetKind.SUPERVISORS)


class EscalationPolicy(models.Model):
    """An ordered list of levels an unanswered request moves through (PagerDuty's escalation
    policy, in business hours). A service names one; every other service uses the default."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(
        "default policy",
        default=False,
        help_text="Used by every service that names no policy of its own.",
    )
    repeat_count = models.PositiveSmallIntegerField(
        "repeat",
        default=0,
        help_text="How many times the levels start over after the last one (0: stop there).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="policy_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyLevel(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=12, choices=TargetKind)
    admin = models.ForeignKey(
        Administrator,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For “a named administrator”.",
    )
    rotation = models.ForeignKey(
        "admins.Rotation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For “whoever is on call”.",
    )
    timeout_hours = models.PositiveSmallIntegerField(
        "timeout (business hours)",
        null=True,
        blank=True,
        help_text="How long this level has to answer; empty: the priority's usual answer time.",
    )

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="policy_level_position"),
            models.CheckConstraint(
                condition=~models.Q(target="admin") | models.Q(admin__isnull=False),
                name="policy_level_admin_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(target="rotation") | models.Q(rotation__isnull=False),
                name="policy_level_rotation_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Level {self.position}: {self.describe()}"

    def describe(self) -> str:
        if self.target == TargetKind.ADMIN and self.admin_id:
            return self.admin.name
        if self.target == TargetKind.ROTATION and self.rotation_id:
            return f"on call in {self.rotation.name}"
        return self.get_target_display()


class Rotation(models.Model):
    """An on-call schedule: the members take turns of ``shift_days`` each, handing over at
    ``handover_time`` (the organisation's local time), counted from ``starts_on``."""

    name = models.CharField(max_length=120, unique=True)
    shift_days = models.PositiveSmallIntegerField(
        "rotation length (days)", default=7, help_text="How long each member is on call."
    )
    handover_time = models.TimeField("hand-over time", help_text="Local time of each hand-over.")
    starts_on = models.DateField("first hand-over", help_text="The first member starts then.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shift_days__gte=1), name="rotation_shift_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    admin = models.ForeignKey(Administrator, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "position"], name="rotation_member_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rotation}: {self.position}. {self.admin}"


class RotationOverride(models.Model):
    """Someone else covers a rotation for a period (a swap, a holiday)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    admin = models.ForeignKey(
        Administrator, on_delete=models.PROTECT, related_name="+", verbose_name="stand-in"
    )
    starts_at = models.DateTimeField("from")
    ends_at = models.DateTimeField("until")

    class Meta:
        ordering = ["rotation", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="rotation_override_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admin} covers {self.rotation}"


class AbsenceQuerySet(models.QuerySet):
    def at(self, when) -> AbsenceQuerySet:
        return self.filter(starts_at__lte=when, ends_at__gt=when)


class Absence(models.Model):
    """An administrator away for a period: every escalation level skips them (or asks the
    stand-in) while it lasts, and the skip is never counted as their silence."""

    admin = models.ForeignKey(Administrator, on_delete=models.PROTECT, related_name="absences")
    starts_at = models.DateTimeField("from")
    ends_at = models.DateTimeField("until")
    stand_in = models.ForeignKey(
        Administrator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="absence_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(stand_in=models.F("admin")),
                name="absence_stand_in_not_self",
            ),
        ]
        indexes = [models.Index(fields=["admin", "ends_at"], name="absence_admin_ends")]

    def __str__(self) -> str:
        return f"{self.admin} away"
