"""The business calendar and the service targets that SLA clocks run on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core import requestcache
from core.versions import VersionedQuerySet


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class BusinessCalendar(models.Model):
    """The support center's working time; SLA clocks only run inside it. One row."""

    # The organisation's one time zone: clocks, pages and weekly reports all use it. The
    # TIME_ZONE setting is only where a new installation starts.
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    workdays = models.CharField(
        max_length=20,
        default="0,1,2,3,4",
        help_text="Working days as numbers, Monday = 0 … Sunday = 6.",
    )
    opens = models.TimeField(default="08:00")
    closes = models.TimeField(default="17:00")
    # A share of the target, not a fixed time: a fixed two hours would make every two-hour
    # categorisation deadline "due soon" the minute a ticket is logged.
    due_soon_percent = models.PositiveSmallIntegerField(
        "due soon when left",
        default=25,
        help_text="Per cent of a target still left when the agent is warned and the ticket "
        "shows “due soon”: 25 warns 30 minutes before a 2-hour target, 1 working day "
        "before a 4-day one.",
    )
    no_response_hours = models.PositiveIntegerField(
        "no response after",
        default=18,
        help_text="Business hours an admin has to answer before the request is logged as "
        "“no response” and goes to the backup owner. 18 = two 9-hour working days. "
        "A priority can set its own.",
    )
    # Seed 000's communication policy, for everyone: an administrator's own date overrides it.
    # Kept with the organisation's other settings (the calendar is the one row of them).
    dm_policy_communicated_on = models.DateField(
        "direct-message policy communicated to everyone",
        null=True,
        blank=True,
        help_text="When every administrator was told to answer in the ticket or the support "
        "channel, not by direct message. Direct messages from the next day on count as the "
        "documented pattern. An administrator's own date replaces it.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The direct-message pattern in the reports reads the policy date (core.versions).
    cache_versions = ("admins",)

    # Every page reads the time zone and the due-soon warning, so they are kept in the cache
    # (tickets.sla.clock.page_settings); saving the calendar clears it.
    PAGE_SETTINGS_CACHE_KEY = "sla:page-settings"

    class Meta:
        # Moved here from another app; the table kept its name.
        db_table = "escalations_businesscalendar"
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="calendar_opens_first")
        ]

    def __str__(self) -> str:
        return "Business calendar"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        requestcache.delete(self.PAGE_SETTINGS_CACHE_KEY)

    @classmethod
    def current(cls) -> BusinessCalendar:
        calendar, created = cls.objects.get_or_create(pk=1)
        if created:
            # Read back, so the defaults given as text ("08:00") come back as times.
            calendar.refresh_from_db()
        return calendar

    @property
    def workday_numbers(self) -> list[int]:
        return sorted({int(n) for n in self.workdays.split(",") if n.strip().isdigit()})


class Closure(models.Model):
    """A day the support center is closed: a holiday or a one-off closure."""

    day = models.DateField(unique=True)
    name = models.CharField(max_length=120)
    source = models.CharField(
        max_length=40, blank=True, help_text="Where it came from, e.g. holidays:US-CA."
    )

    objects = VersionedQuerySet.as_manager()

    # The weekly report measures business hours on the calendar: the calendar's own source
    # (core.versions), as for its settings.
    cache_versions = ("admins",)

    class Meta:
        # Moved here from another app; the table kept its name.
        db_table = "escalations_closure"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class MaintenanceWindow(models.Model):
    """Planned work: time inside a window does not count against any SLA."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    objects = VersionedQuerySet.as_manager()

    # The weekly report measures business hours on the calendar: the calendar's own source
    # (core.versions), as for its settings.
    cache_versions = ("admins",)

    class Meta:
        # Moved here from another app; the table kept its name.
        db_table = "escalations_maintenancewindow"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.reason


class TargetUnit(models.TextChoices):
    HOURS = "hours", "business hours"
    DAYS = "days", "working days"


class ServiceTarget(models.Model):
    """Response and resolution targets for one category and priority; empty = no defined SLA."""

    category = models.ForeignKey(
        "tickets.Category", on_delete=models.PROTECT, related_name="targets"
    )
    priority = models.ForeignKey(
        "tickets.Priority", on_delete=models.PROTECT, related_name="targets"
    )
    response = models.PositiveSmallIntegerField(null=True, blank=True)
    response_unit = models.CharField(max_length=5, choices=TargetUnit, default=TargetUnit.HOURS)
    resolution = models.PositiveSmallIntegerField(null=True, blank=True)
    resolution_unit = models.CharField(max_length=5, choices=TargetUnit, default=TargetUnit.DAYS)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        # Moved here from another app; the table kept its name.
        db_table = "escalations_servicetarget"
        ordering = ["category__number", "priority__number"]
        constraints = [models.UniqueConstraint(fields=["category", "priority"], name="target_once")]

    def __str__(self) -> str:
        return f"{self.category} / {self.priority}"

    @staticmethod
    def describe(value: int | None, unit: str) -> str:
        if value is None:
            return "No defined SLA"
        label = TargetUnit(unit).label
        return f"{value} {label if value != 1 else label.removesuffix('s').replace('days', 'day')}"

    @property
    def response_text(self) -> str:
        return self.describe(self.response, self.response_unit)

    @property
    def resolution_text(self) -> str:
        return self.describe(self.resolution, self.resolution_unit)
