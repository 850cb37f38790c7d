"""Tickets as the support center logs them, and the timeline of every change to them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from core.conditions import matches
from core.roles import display_name
from core.versions import VersionedQuerySet


class Category(models.Model):
    """A service-request category from the prioritisation SOP, editable by supervisors."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    objects = VersionedQuerySet.as_manager()
    # The ticket forms' option lists are cached under this token (tickets.forms).
    cache_versions = ("reference",)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.number} – {self.name}"


class Priority(models.Model):
    """A priority level. Most apply to every category; some belong to one category only."""

    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_priorities",
        help_text="Leave empty when the level applies to every category.",
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    no_response_hours = models.PositiveIntegerField(
        "no response after (business hours)",
        null=True,
        blank=True,
        help_text="How long an admin has to answer at this priority; empty uses the "
        "calendar's default.",
    )

    objects = VersionedQuerySet.as_manager()
    cache_versions = ("reference",)

    class Meta:
        ordering = ["category__number", "number"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="priority_unique_name"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(category=None), name="priority_unique_general_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} – {self.name}"

    def applies_to(self, category: Category | None) -> bool:
        return self.category_id is None or (
            category is not None and self.category_id == category.pk
        )


class Classification(models.TextChoices):
    INCIDENT = "incident", "Incident"
    SERVICE_REQUEST = "service_request", "Service request"


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_ADMIN = "waiting_admin", "Waiting on admin"
    WAITING_ON_REQUESTER = "waiting_requester", "Waiting on requester"
    WAITING_ON_VENDOR = "waiting_vendor", "Waiting on vendor"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = [
    Status.NEW,
    Status.IN_PROGRESS,
    Status.WAITING_ON_ADMIN,
    Status.WAITING_ON_REQUESTER,
    Status.WAITING_ON_VENDOR,
]
DONE_STATUSES = [Status.RESOLVED, Status.CLOSED]


class Tier(models.TextChoices):
    HANDLE = "handle", "Handle"
    COLLABORATE = "collaborate", "Collaborate"
    ESCALATE = "escalate", "Escalate"


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    DUE_SOON = "due_soon", "Due soon"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    NO_SLA = "no_sla", "No SLA"
    MET = "met", "Met"


class TicketQuerySet(VersionedQuerySet):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def escalated(self) -> TicketQuerySet:
        return self.filter(tier=Tier.ESCALATE)

    def uncategorised(self) -> TicketQuerySet:
        """Open tickets still waiting for a category or a priority: the review queue."""
        return self.open().filter(UNCATEGORISED)

    def sla_state(self, state: str, *, now) -> TicketQuerySet:
        """Tickets whose SLA badge reads ``state``: ``sla_conditions`` is the one rule, which
        the badge evaluates in memory (tickets.sla.clock.state); next_due_at is indexed."""
        return self.filter(sla_conditions(now=now)[SlaState(state)])

    def for_list(self) -> TicketQuerySet:
        """Everything a ticket row shows, in one query."""
        return self.select_related("category", "priority", "agent", "admin")


# Seed 004 prioritises on entry: a ticket is categorised once it has both a category and a
# priority. Until then its one clock is the categorisation deadline and it sits in the
# uncategorised queue.
UNCATEGORISED = Q(category=None) | Q(priority=None)
CATEGORISED = Q(category__isnull=False, priority__isnull=False)


def sla_conditions(*, now) -> dict[SlaState, Q]:
    """Each SLA state as a condition on the ticket's stored clock columns. "Due soon" starts
    at ``due_soon_at``, when only the calendar's share of the target is left."""
    # Spelled out in both directions: a negated comparison with an empty column is
    # unknown in SQL and would drop the row.
    late_response = Q(first_responded_at__gt=F("response_due_at"))
    response_on_time = (
        Q(first_responded_at=None)
        | Q(response_due_at=None)
        | Q(first_responded_at__lte=F("response_due_at"))
    )
    late_resolution = Q(status__in=DONE_STATUSES, resolved_at__gt=F("resolution_due_at"))
    resolution_on_time = (
        Q(resolved_at=None) | Q(resolution_due_at=None) | Q(resolved_at__lte=F("resolution_due_at"))
    )
    has_due = Q(response_due_at__isnull=False) | Q(resolution_due_at__isnull=False)
    is_open = Q(status__in=OPEN_STATUSES)
    running = is_open & Q(sla_paused_at=None) & response_on_time
    # Pausing does not undo a breach that happened before it.
    response_pending = Q(first_responded_at=None) | UNCATEGORISED
    breached_before_pause = Q(sla_paused_at__isnull=False) & (
        Q(resolution_due_at__lte=F("sla_paused_at"))
        | (response_pending & Q(response_due_at__lte=F("sla_paused_at")))
    )
    paused_in_time = (Q(resolution_due_at=None) | Q(resolution_due_at__gt=F("sla_paused_at"))) & (
        (Q(first_responded_at__isnull=False) & CATEGORISED)
        | Q(response_due_at=None)
        | Q(response_due_at__gt=F("sla_paused_at"))
    )
    conditions = {
        SlaState.BREACHED: (is_open & Q(next_due_at__lte=now))
        | late_response
        | late_resolution
        | (is_open & breached_before_pause),
        SlaState.DUE_SOON: running & Q(next_due_at__gt=now, due_soon_at__lte=now),
        SlaState.ON_TRACK: running
        & Q(next_due_at__gt=now)
        & (Q(due_soon_at__gt=now) | Q(due_soon_at=None)),
        SlaState.PAUSED: is_open
        & Q(sla_paused_at__isnull=False)
        & has_due
        & response_on_time
        & paused_in_time,
        SlaState.NO_SLA: Q(response_due_at=None, resolution_due_at=None),
        SlaState.MET: has_due
        & response_on_time
        & resolution_on_time
        & (Q(status__in=DONE_STATUSES) | (running & Q(next_due_at=None))),
    }
    return conditions


class Ticket(models.Model):
    external_id = models.CharField(
        "ticket ID",
        max_length=32,
        unique=True,
        help_text="The ticket number in the ticketing system.",
    )
    title = models.CharField(max_length=200)
    classification = models.CharField(
        max_length=20, choices=Classification, default=Classification.INCIDENT
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    service = models.ForeignKey(
        "admins.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    requestor_name = models.CharField("requestor", max_length=120, blank=True)
    requestor_email = models.EmailField("requestor email", blank=True)
    department = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    tier = models.CharField(max_length=12, choices=Tier, default=Tier.HANDLE)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets"
    )
    admin = models.ForeignKey(
        "admins.Administrator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name="current admin",
    )
    opened_at = models.DateTimeField("opened", default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who TDX says is responsible (its ResponsibleFullName), as the last sync saw it.
    tdx_responsible = models.CharField("responsible in TDX", max_length=120, blank=True)
    # Incremented on every save; an edit only lands if nobody saved in between.
    version = models.PositiveIntegerField(default=1)

    # SLA clock, kept by escalations.sla.refresh whenever what it depends on changes.
    first_responded_at = models.DateTimeField(
        "responded", null=True, blank=True, help_text="When the ticket first left “New”."
    )
    response_due_at = models.DateTimeField("response due", null=True, blank=True)
    resolution_due_at = models.DateTimeField("resolution due", null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    # The earliest pending due time: empty when paused, done, or without an SLA. Breached and
    # due-soon are range queries on this one indexed column.
    next_due_at = models.DateTimeField(null=True, blank=True)
    # When the ticket turns "due soon": only the calendar's share of the target next due is
    # left. Empty whenever next_due_at is.
    due_soon_at = models.DateTimeField(null=True, blank=True)
    # The next_due_at a warning or a breach notice was last sent for, so each is sent once.
    warned_for = models.DateTimeField(null=True, blank=True)
    breach_notified_for = models.DateTimeField(null=True, blank=True)
    # When the ticket was first escalated: the earliest of its Escalate requests, kept by
    # escalations.services.stamp_first_escalation in the escalation's transaction and never
    # cleared. The weekly report counts escalations and the MTTE from it and its indexes.
    escalated_at = models.DateTimeField("first escalated", null=True, blank=True, editable=False)
    # Seed 002: a ticket nobody responded to within its response target (two working days
    # when it has none) escalates on its own. Set once by the check_sla scan with a
    # conditional update (the claim), never cleared; agents' escalations are escalated_at.
    clock_escalated_at = models.DateTimeField(
        "escalated by the clock", null=True, blank=True, editable=False
    )
    objects = TicketQuerySet.as_manager()
    # Every write of a ticket makes the figures read from tickets compute again (core.versions).
    cache_versions = ("tickets",)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The list's default order, and every "filter + newest first" view.
            models.Index(fields=["-opened_at", "-id"], name="ticket_opened"),
            models.Index(fields=["status", "-opened_at"], name="ticket_status_opened"),
            models.Index(fields=["tier", "-opened_at"], name="ticket_tier_opened"),
            models.Index(fields=["priority", "-opened_at"], name="ticket_priority_opened"),
            models.Index(fields=["category", "-opened_at"], name="ticket_category_opened"),
            models.Index(fields=["agent", "-opened_at"], name="ticket_agent_opened"),
            models.Index(fields=["admin", "-opened_at"], name="ticket_admin_opened"),
            models.Index(fields=["department", "-opened_at"], name="ticket_department_opened"),
            models.Index(fields=["tier", "status", "-opened_at"], name="ticket_tier_status"),
            models.Index(fields=["next_due_at"], name="ticket_next_due"),
            # The due-soon scan and the SLA filter: tickets whose warning time has come.
            models.Index(fields=["due_soon_at"], name="ticket_due_soon"),
            models.Index(fields=["service", "-opened_at"], name="ticket_service_opened"),
            # Open tickets due before a time (the dashboard's SLA panel): without it SQLite
            # walks every open ticket through the status index.
            models.Index(fields=["status", "next_due_at"], name="ticket_status_next_due"),
            # The weekly report reads the tickets of a week from these three indexes alone:
            # logged (and escalated by a time), resolved (and whether in time), and first
            # escalated (and how long that took), each grouped by tier, category and priority.
            models.Index(
                fields=["opened_at", "escalated_at", "tier", "category", "priority"],
                name="ticket_logged",
            ),
            models.Index(
                fields=[
                    "resolved_at",
                    "resolution_due_at",
                    "first_responded_at",
                    "response_due_at",
                    "tier",
                    "category",
                    "priority",
                ],
                name="ticket_resolved",
            ),
            models.Index(fields=["escalated_at", "opened_at"], name="ticket_escalated"),
            # The list filter and the weekly count of tickets escalated by the clock.
            models.Index(fields=["clock_escalated_at"], name="ticket_clock_escalated"),
            # The weekly report's tickets still open at the end of a week (and how many of them
            # overdue): the unresolved and the resolved-since ranges, read from this index
            # alone instead of every ticket opened before the week's end from the table.
            models.Index(
                fields=["resolved_at", "opened_at", "resolution_due_at"], name="ticket_open_at_end"
            ),
            # The list's "open only", newest first: read in order from this index alone. Its
            # condition is spelled as the filter spells it ("not done"), so SQLite matches
            # the two; with "status IN (open…)" it seeks the status indexes and sorts every
            # open ticket instead.
            models.Index(
                fields=["-opened_at", "-id"],
                condition=~Q(status__in=DONE_STATUSES),
                name="ticket_open_opened",
            ),
            # An issued report's tickets changed since it was issued: those logged in the
            # period, and those resolved in it but logged outside it, each counted from its
            # own index alone (an OR of the two ranges reads every row from the table). Not
            # (opened_at, resolved_at, …): SQLite would then count the tickets open at the end
            # of a week from all those opened before it rather than from ticket_open_at_end.
            models.Index(fields=["opened_at", "updated_at"], name="ticket_opened_updated"),
            models.Index(
                fields=["resolved_at", "opened_at", "updated_at"], name="ticket_resolved_updated"
            ),
            # The weekly report's knowledge loop: a service's tickets in the weeks around a
            # procedure and how many were escalated, counted from the index alone (through
            # ticket_service_opened every escalated_at was read from the table).
            models.Index(
                fields=["service", "opened_at", "escalated_at"], name="ticket_service_escalated"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(external_id=""), name="ticket_external_id_not_empty"
            ),
            # "inc-7" and "INC-7" are one ticket: the log form and the import compare IDs
            # without case, and the database refuses a second spelling, even under a race.
            models.UniqueConstraint(
                Lower("external_id"),
                name="ticket_external_id_unique_any_case",
                violation_error_message="A ticket with this ID is already logged.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="ticket_resolved_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.external_id} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.external_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_uncategorised(self) -> bool:
        """Still waiting for a category or a priority (``UNCATEGORISED``), open or not."""
        return matches(UNCATEGORISED, self)

    def set_tier(self, tier: str, *, by, reason: str = "") -> TicketEvent | None:
        """Move the ticket to another tier and put the change on its timeline.

        Returns the timeline event, or None when the tier was already that one. Escalate is
        entered and left only through ``escalations.services.escalate`` and ``deescalate``,
        which carry the checklist, the admin and the reason.
        """
        tier = Tier(tier)
        if tier == self.tier:
            return None
        if Tier.ESCALATE in (tier, self.tier):
            raise ValidationError(
                "Escalating needs the checklist, an admin, a tag, a reason and a message; "
                "taking a ticket back needs a reason. Use Escalate or De-escalate."
            )
        before, left = self.get_tier_display(), self.tier
        with transaction.atomic():
            # Conditional on the tier this change was decided from: an escalation that landed
            # meanwhile is not silently overwritten.
            updated = Ticket.objects.filter(pk=self.pk, tier=self.tier).update(
                tier=tier, version=F("version") + 1, updated_at=timezone.now()
            )
            self.refresh_from_db()
            if not updated:
                raise ValidationError(
                    f"The tier changed meanwhile to {self.get_tier_display()}; check it again."
                )
            from core import audit

            audit.changed(self, {"tier": (before, self.get_tier_display())})
            event = self.events.create(
                by=by,
                kind=EventKind.TIER_CHANGED,
                field="tier",
                before=before,
                after=self.get_tier_display(),
                note=reason.strip(),
            )
            from tickets.signals import tier_left

            tier_left.send(Ticket, ticket=self, before=left, by=by, reason=reason.strip())
            return event

    def resolve(self, *, by, note: str = "") -> TicketEvent:
        """Mark an open ticket resolved now; refuses a ticket that is not open."""
        return self._transition(
            by=by,
            kind=EventKind.RESOLVED,
            note=note,
            allowed=OPEN_STATUSES,
            status=Status.RESOLVED,
            resolved_at=timezone.now(),
        )

    def close(self, *, by, note: str = "") -> TicketEvent:
        """Close a ticket; an open one is resolved at the same moment."""
        now = timezone.now()
        return self._transition(
            by=by,
            kind=EventKind.CLOSED,
            note=note,
            allowed=[*OPEN_STATUSES, Status.RESOLVED],
            status=Status.CLOSED,
            closed_at=now,
            resolved_at=self.resolved_at or now,
        )

    def reopen(self, *, by, note: str = "") -> TicketEvent:
        """Put a resolved or closed ticket back in progress, clearing its end times."""
        return self._transition(
            by=by,
            kind=EventKind.REOPENED,
            note=note,
            allowed=DONE_STATUSES,
            status=Status.IN_PROGRESS,
            resolved_at=None,
            closed_at=None,
        )

    def _transition(self, *, by, kind: str, note: str, allowed, **changes) -> TicketEvent:
        before = self.get_status_display()
        was_resolved, was_closed = self.resolved_at, self.closed_at
        with transaction.atomic():
            # The status condition makes a second click, or a stale page, a clear refusal
            # rather than a second event.
            updated = Ticket.objects.filter(pk=self.pk, status__in=allowed).update(
                **changes, version=F("version") + 1, updated_at=timezone.now()
            )
            if not updated:
                self.refresh_from_db()
                raise ValidationError(
                    f"Ticket #{self.external_id} is {self.get_status_display().lower()}; "
                    f"it cannot be {EventKind(kind).label.lower()} now."
                )
            self.refresh_from_db()
            from core import audit
            from tickets.sla import clock as sla

            audit.changed(
                self,
                {
                    "status": (before, self.get_status_display()),
                    "resolved_at": (was_resolved, self.resolved_at),
                    "closed_at": (was_closed, self.closed_at),
                },
            )
            sla.refresh(self)
            if kind in (EventKind.RESOLVED, EventKind.CLOSED):
                # Nobody is waiting for an admin on a finished ticket: the hand-offs withdraw
                # their open requests, in this transaction.
                from tickets.signals import ticket_finished

                ticket_finished.send(
                    Ticket, ticket=self, by=by, reason=f"Ticket {EventKind(kind).label.lower()}."
                )
            return self.events.create(
                by=by,
                kind=kind,
                field="status",
                before=before,
                after=self.get_status_display(),
                note=note.strip(),
            )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.external_id = (self.external_id or "").strip()
        if self.opened_at and self.opened_at > timezone.now() + timezone.timedelta(minutes=1):
            errors["opened_at"] = "The opened time cannot be in the future."
        elif self.opened_at and self.opened_at.year < 2000:
            errors["opened_at"] = "The opened time is before 2000: check the year."
        if self.priority_id and not self.priority.applies_to(self.category):
            errors["priority"] = f"The priority “{self.priority.name}” belongs to another category."
        if errors:
            raise ValidationError(errors)


class ClockMark(models.Model):
    """An open ticket whose SLA clock waits for a recompute: written in the transaction of a
    calendar, closure or target change, deleted when the clock is recomputed
    (``tickets.sla.holidays.recompute_marked``); a recompute cut short is finished by the
    next check_sla.

    A narrow row of its own rather than a flag on the ticket: marking 20,000 open tickets is
    then one INSERT … SELECT of their ids (milliseconds), where setting a flag rewrote 20,000
    wide ticket rows and their pages while the change held SQLite's only write lock
    (0.36 s at 100,000 tickets)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="clock_mark"
    )
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"clock of ticket {self.ticket_id} to recompute"


class EventKind(models.TextChoices):
    LOGGED = "logged", "Logged"
    CHANGED = "changed", "Changed"
    TIER_CHANGED = "tier_changed", "Tier changed"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"
    CHECKLIST = "checklist", "Checklist updated"
    ENGAGED = "engaged", "Admin added for input"
    ESCALATED = "escalated", "Escalated"
    DEESCALATED = "deescalated", "De-escalated"
    RESPONSE = "response", "Admin response logged"
    PROCEDURE = "procedure", "Procedure saved"
    REROUTED = "rerouted", "Re-routed after no response"
    LEVEL_SKIPPED = "level_skipped", "Escalation level skipped"
    EXHAUSTED = "exhausted", "Escalation policy exhausted"
    WITHDRAWN = "withdrawn", "Request withdrawn"
    URGENT = "urgent", "Urgent request"
    TDX_CHANGED = "tdx_changed", "Changed in TDX"
    CLOCK_ESCALATED = "clock_escalated", "Escalated by the clock"


class TicketEvent(models.Model):
    """One entry on a ticket's timeline. Written by the services, never edited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for changes the system made on its own.",
    )
    kind = models.CharField(max_length=20, choices=EventKind)
    field = models.CharField(max_length=50, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-at", "-id"], name="event_ticket_at"),
            # The weekly report's count of one kind of step in a week (rerouted, de-escalated):
            # without it SQLite reads every event of every ticket.
            models.Index(fields=["kind", "at"], name="event_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def by_name(self) -> str:
        return "System" if self.by is None else display_name(self.by)


# The SLA clock's calendar and targets live in tickets/sla/; Django loads an app's models from
# this module, so they are imported here, after the models they refer to.
from tickets.sla.models import (  # noqa: E402
    BusinessCalendar,
    Closure,
    MaintenanceWindow,
    ServiceTarget,
)

__all__ = [
    "BusinessCalendar",
    "Category",
    "Closure",
    "MaintenanceWindow",
    "Priority",
    "ServiceTarget",
    "Ticket",
    "TicketEvent",
]


class TdxSyncState(models.Model):
    """The one row the TDX sync keeps: where the next run starts reading changes from."""

    modified_from = models.DateTimeField(
        null=True, blank=True, help_text="TDX changes from this time on are still to be read."
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"TDX sync from {self.modified_from or 'the start'}"

    @classmethod
    def load(cls) -> TdxSyncState:
        return cls.objects.get_or_create(pk=1)[0]
