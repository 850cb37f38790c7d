"""Who downloaded which weekly report, and when: the report leaves the site as a file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReportDownload(models.Model):
    """One PDF download of one week's report. Written by the PDF view, never edited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(help_text="The Monday of the ISO week downloaded.")
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        indexes = [
            models.Index(fields=["week_start", "-downloaded_at"], name="reportdownload_week")
        ]
        # Reading the reports is its own permission, so every role can be given it alone.
        permissions = [("view_weekly_report", "Can read weekly reports")]

    def __str__(self) -> str:
        return f"{self.user} downloaded the week of {self.week_start:%Y-%m-%d}"


class PeriodKind(models.TextChoices):
    WEEKLY = "weekly", "Weekly"


class IssuedReport(models.Model):
    """One period's report as it was issued: the figures, the page and the PDF, frozen.

    The PDF is kept in the database (bytea on PostgreSQL) rather than under MEDIA_ROOT, so the
    one database backup holds it with its row and the two cannot drift apart. A report is a few
    tens of kilobytes and a week issues one or two."""

    period_kind = models.CharField(max_length=10, choices=PeriodKind, default=PeriodKind.WEEKLY)
    period = models.CharField(max_length=10, help_text="The ISO week, such as 2026-W20.")
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
