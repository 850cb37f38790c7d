"""The reports' records: who downloaded which period's report (it leaves the site as a file),
governance thresholds, issued reports and their subscriptions and sends."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.versions import VersionedQuerySet


class PeriodKind(models.TextChoices):
    """How often a report is issued and sent: the cadence of a subscription."""

    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


# What a person subscribes to and is mailed: quarters are issued, but not sent by email.
CADENCES = [PeriodKind.WEEKLY, PeriodKind.MONTHLY]
CADENCE_CHOICES = [(kind.value, kind.label) for kind in CADENCES]

PERIOD_HELP = "The ISO week (2026-W20) or the month (2026-05)."
ISSUED_PERIOD_HELP = "The ISO week (2026-W20), the month (2026-05) or the quarter (2026-Q2)."


class ReportDownload(models.Model):
    """One PDF download of one period's report (a week, a month or a quarter). Written by
    the PDF views, never edited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(max_length=10, choices=PeriodKind, default=PeriodKind.WEEKLY)
    period_start = models.DateField(
        help_text="The first day of the period downloaded: the Monday of an ISO week, the 1st "
        "of a month or of a quarter's first month."
    )
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        indexes = [
            models.Index(
                fields=["period_kind", "period_start", "-downloaded_at"],
                name="reportdownload_period",
            )
        ]
        # Reading the reports is its own permission, so every role can be given it alone.
        permissions = [("view_weekly_report", "Can read weekly reports")]

    def __str__(self) -> str:
        return (
            f"{self.user} downloaded the {self.period_kind} report of {self.period_start:%Y-%m-%d}"
        )


class ThresholdScope(models.TextChoices):
    OVERALL = "overall", "All escalations"
    SERVICE = "service", "One service"
    ADMIN = "admin", "One administrator"


ALREADY_SET = "A threshold for this already exists: change its limit by removing it first."


class GovernanceThreshold(models.Model):
    """Seed 003 module 4: a limit on escalations per ISO week, overall, for one service or for
    one administrator. Crossing it sends one notice per week (``ThresholdCrossing``)."""

    scope = models.CharField(max_length=10, choices=ThresholdScope, default=ThresholdScope.OVERALL)
    service = models.ForeignKey(
        "admins.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    admin = models.ForeignKey(
        "admins.Administrator",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="administrator",
    )
    limit = models.PositiveIntegerField(
        "limit per week", help_text="More escalations than this in one week is reported."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Cached figures that read the thresholds (core.versions): the dashboard keeps the week's
    # breaches under "governance"; the weekly report lists the thresholds its week crossed
    # under "admins", configuration written as rarely as the administrators and the calendar.
    cache_versions = ("governance", "admins")

    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["scope", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="overall", service=None, admin=None)
                    | models.Q(scope="service", service__isnull=False, admin=None)
                    | models.Q(scope="admin", service=None, admin__isnull=False)
                ),
                name="threshold_scope_matches",
            ),
            models.CheckConstraint(condition=models.Q(limit__gte=1), name="threshold_limit_min"),
            # One threshold per thing counted: partial constraints, since SQLite cannot treat
            # empty columns as equal in one constraint.
            models.UniqueConstraint(
                fields=["scope"],
                condition=models.Q(scope="overall"),
                name="threshold_one_overall",
                violation_error_message=ALREADY_SET,
            ),
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(service__isnull=False),
                name="threshold_one_per_service",
                violation_error_message=ALREADY_SET,
            ),
            models.UniqueConstraint(
                fields=["admin"],
                condition=models.Q(admin__isnull=False),
                name="threshold_one_per_admin",
                violation_error_message=ALREADY_SET,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: more than {self.limit} a week"

    @property
    def subject(self) -> str:
        if self.scope == ThresholdScope.SERVICE:
            return str(self.service)
        if self.scope == ThresholdScope.ADMIN:
            return str(self.admin)
        return "All escalations"


class ThresholdCrossing(models.Model):
    """One threshold crossed in one ISO week. The unique constraint is the claim: however many
    scans run at once, one row, so one notice, per threshold and week."""

    threshold = models.ForeignKey(
        GovernanceThreshold, on_delete=models.CASCADE, related_name="crossings"
    )
    week_start = models.DateField(help_text="The Monday of the ISO week.")
    count = models.PositiveIntegerField(help_text="Escalations counted when it was crossed.")
    limit = models.PositiveIntegerField(help_text="The limit at the time.")
    crossed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["threshold", "week_start"], name="crossing_once_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.threshold.subject}: {self.count} in the week of {self.week_start}"


class IssuedReport(models.Model):
    """One period's report as it was issued: the figures, the page and the PDF, frozen.

    The PDF is kept in the database (bytea on PostgreSQL) rather than under MEDIA_ROOT, so the
    one database backup holds it with its row and the two cannot drift apart. A report is a few
    tens of kilobytes and a week issues one or two."""

    period_kind = models.CharField(max_length=10, choices=PeriodKind, default=PeriodKind.WEEKLY)
    period = models.CharField(max_length=10, help_text=ISSUED_PERIOD_HELP)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the scheduled job or the first view issued it.",
    )
    reason = models.TextField(blank=True)
    figures = models.JSONField(default=dict)
    html = models.TextField(help_text="The report's page section as issued.")
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64, help_text="Hash of the report's content.")
    pdf_sha256 = models.CharField(max_length=64, help_text="Hash of the PDF file.")
    is_current = models.BooleanField(default=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # One current issue per period: two servers issuing at once store one.
            models.UniqueConstraint(
                fields=["period_kind", "period"],
                condition=models.Q(is_current=True),
                name="issuedreport_one_current",
            )
        ]
        permissions = [("reissue_weekly_report", "Can re-issue a weekly report")]

    def __str__(self) -> str:
        return f"{self.period} issued {self.issued_at:%Y-%m-%d %H:%M}"


class ReportSubscription(models.Model):
    """A manager or supervisor who gets each finished period's issued PDF by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    period_kind = models.CharField(
        max_length=10, choices=CADENCE_CHOICES, default=PeriodKind.WEEKLY
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__username", "period_kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period_kind"], name="reportsubscription_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} gets the {self.get_period_kind_display().lower()} report"


class ReportSend(models.Model):
    """One emailing of one period's issued report to one person.

    The row is inserted (the claim) before the email leaves, so a second server running the
    job meets the unique constraint and skips it; a send that fails deletes its row again, which
    releases the claim for the next run. A row that stays is a send that happened."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField()
    period_kind = models.CharField(
        max_length=10, choices=CADENCE_CHOICES, default=PeriodKind.WEEKLY
    )
    period = models.CharField(max_length=10, help_text=PERIOD_HELP)
    issued = models.ForeignKey(IssuedReport, on_delete=models.PROTECT, related_name="sends")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period_kind", "period"], name="reportsend_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} to {self.email}"
