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
