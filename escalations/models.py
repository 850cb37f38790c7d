"""The framework the support center works by: guide sections, the scenario language, the
pre-escalation checklist and the engagements with administrators."""

from __future__ import annotations

import string

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from escalations import markdown
from escalations.roles import display_name
from tickets.models import Tier


class GuideSection(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(help_text="Markdown: **bold**, *italic*, lists, tables, links.")
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("escalations:guide") + f"#{self.slug}"

    def revise(self, *, title: str, body: str, by) -> GuideRevision | None:
        """Save a new text and keep it as the next revision; None when nothing changed."""
        if title == self.title and body == self.body:
            return None
        with transaction.atomic():
            self.title, self.body = title, body
            self.body_html = markdown.render(body)
            self.updated_at, self.updated_by = timezone.now(), by
            self.save()
            last = self.revisions.aggregate(n=Max("number"))["n"] or 0
            return self.revisions.create(
                number=last + 1, title=title, body=body, by=by, at=self.updated_at
            )


class GuideRevision(models.Model):
    """One saved version of a section: never edited, so the history is the record."""

    section = models.ForeignKey(GuideSection, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.section.title} r{self.number}"

    @property
    def by_name(self) -> str:
        return "Initial text" if self.by is None else display_name(self.by)


class ScenarioQuerySet(models.QuerySet):
    def search(self, text: str) -> ScenarioQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(scenario__icontains=text) | Q(wording__icontains=text))


class Scenario(models.Model):
    """A situation the support center meets, and wording it can use; also a message template.

    Placeholders {ticket}, {admin}, {service} and {agent} are filled in when used.
    """

    PLACEHOLDERS = ("ticket", "admin", "service", "agent")

    scenario = models.CharField(max_length=200)
    wording = models.TextField(
        help_text="Placeholders: {ticket}, {admin}, {service} and {agent} are filled in."
    )
    tier = models.CharField(max_length=12, choices=Tier, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.scenario

    def fill(self, **values: str) -> str:
        """The wording with its placeholders filled; unknown or missing ones stay as typed."""
        return fill_placeholders(self.wording, **values)

    @classmethod
    def unknown_placeholders(cls, text: str) -> list[str]:
        try:
            names = [field for _, field, _, _ in string.Formatter().parse(text) if field]
        except ValueError:
            return ["(unbalanced braces)"]
        return sorted({n for n in names if n not in cls.PLACEHOLDERS})


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_placeholders(text: str, **values: str) -> str:
    """Fill {ticket}, {admin}, {service} and {agent} in a message; other braces, and text an
    agent typed with unbalanced braces, stay exactly as written."""
    known = {name: values[name] for name in Scenario.PLACEHOLDERS if values.get(name)}
    if not known or "{" not in text:
        return text
    try:
        return string.Formatter().vformat(text, (), _Keep(known))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text


class ChecklistItemQuerySet(models.QuerySet):
    def asked(self) -> ChecklistItemQuerySet:
        """The items agents answer today; retired ones keep their past answers."""
        return self.filter(active=True)


class ChecklistItem(models.Model):
    """One thing to do before a ticket's ownership moves to an administrator."""

    text = models.CharField(max_length=200)
    help = models.TextField(blank=True, help_text="Shown under the item: what counts as done.")
    required = models.BooleanField(
        default=True, help_text="Escalation is refused until every required item is checked."
    )
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive items are no longer asked.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class ChecklistAnswer(models.Model):
    """A ticket's answer to one checklist item, with the item's wording as it was shown."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="checklist_answers"
    )
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    item_text = models.CharField(max_length=200)
    checked = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "item"], name="checklist_answer_once")
        ]

    def __str__(self) -> str:
        return f"{'☑' if self.checked else '☐'} {self.item_text}"

    @property
    def answered_by_name(self) -> str:
        return display_name(self.answered_by)


class EngagementKind(models.TextChoices):
    COLLABORATE = "collaborate", "Collaborate"
    ESCALATE = "escalate", "Escalate"


class EngagementState(models.TextChoices):
    OPEN = "open", "Awaiting response"
    RESPONDED = "responded", "Responded"
    NO_RESPONSE = "no_response", "No response"
    WITHDRAWN = "withdrawn", "Withdrawn"


class EngagementQuerySet(models.QuerySet):
    def open(self) -> EngagementQuerySet:
        return self.filter(state=EngagementState.OPEN)

    def withdraw(self, note: str) -> int:
        """Close the open ones without an answer (ticket done, taken back, moved on)."""
        from escalations import audit

        pks = list(self.open().values_list("pk", flat=True))
        count = self.filter(pk__in=pks).update(state=EngagementState.WITHDRAWN, closed_note=note)
        audit.changed_rows(
            Engagement, pks, {"state": (EngagementState.OPEN, EngagementState.WITHDRAWN)}
        )
        return count

    def requested_since(self, since) -> EngagementQuerySet:
        return self if since is None else self.filter(requested_at__gte=since)

    def for_list(self) -> EngagementQuerySet:
        return self.select_related("ticket", "admin", "requested_by")


class Engagement(models.Model):
    """One request to one administrator on one ticket: input (Collaborate) or ownership
    (Escalate). Its responses, and its silences, are the administrator's record."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="engagements"
    )
    admin = models.ForeignKey(
        "admins.Administrator", on_delete=models.PROTECT, related_name="engagements"
    )
    kind = models.CharField(max_length=12, choices=EngagementKind)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    tag = models.CharField(max_length=60, blank=True)
    reason = models.TextField(blank=True)
    message = models.TextField()
    state = models.CharField(max_length=12, choices=EngagementState, default=EngagementState.OPEN)
    # Kept with the engagement so the response summary is a plain aggregate.
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    # When silence becomes "no response" (business time); check_sla acts on it.
    answer_due_at = models.DateTimeField(null=True, blank=True)
    closed_note = models.TextField(blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["admin", "-requested_at"], name="engagement_admin_requested"),
            # Requests made in a week, by kind, state and answer time (the weekly report),
            # counted from the index alone.
            models.Index(
                fields=["requested_at", "kind", "state", "first_response_seconds"],
                name="engagement_week",
            ),
            # Escalations still waiting for an answer at some time (the report's aging): the
            # ones never answered, and the ones answered after that time. The first is a
            # partial index, so no other query can pick it by mistake.
            models.Index(
                fields=["kind", "requested_at"],
                condition=Q(first_response_at=None),
                name="engagement_unanswered",
            ),
            models.Index(fields=["first_response_at"], name="engagement_first_response"),
            models.Index(fields=["state", "requested_at"], name="engagement_state_requested"),
            models.Index(fields=["ticket", "-requested_at"], name="engagement_ticket"),
            models.Index(fields=["state", "answer_due_at"], name="engagement_answer_due"),
            # Covers the response summary (counts and percentiles per admin), so it reads this
            # index instead of the rows, which carry the messages.
            models.Index(
                fields=[
                    "admin",
                    "requested_at",
                    "state",
                    "first_response_at",
                    "first_response_seconds",
                ],
                name="engagement_admin_summary",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_at=None) | Q(first_response_at__gte=F("requested_at")),
                name="engagement_response_after_request",
            ),
            models.CheckConstraint(
                condition=~Q(kind="escalate") | ~Q(reason=""), name="engagement_escalate_reason"
            ),
            # Asking the same admin twice at once would count one silence twice.
            models.UniqueConstraint(
                fields=["ticket", "admin", "kind"],
                condition=Q(state="open"),
                name="engagement_one_open_per_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.ticket.external_id} → {self.admin}"

    @property
    def is_open(self) -> bool:
        return self.state == EngagementState.OPEN

    def record_response(
        self,
        *,
        outcome: str,
        channel: str,
        responded_at,
        by,
        next_time: str = "",
        note: str = "",
        redirect_admin=None,
        redirect_detail: str = "",
    ):
        """Log what the administrator did, or that they did not answer, on the ticket's
        timeline. The earliest answer sets the time to first response; a "no response" never
        does. Raises ValidationError for a time before the request or in the future."""
        from admins.models import AdminResponse, Outcome
        from escalations import audit
        from tickets.models import EventKind

        outcome = Outcome(outcome)
        errors: dict[str, str] = {}
        if outcome == Outcome.NO_RESPONSE and self.first_response_at:
            errors["outcome"] = "This admin has already answered; a later silence is not logged."
        if responded_at < self.requested_at:
            errors["responded_at"] = (
                "The response cannot come before the request "
                f"({timezone.localtime(self.requested_at):%Y-%m-%d %H:%M})."
            )
        elif responded_at > timezone.now() + timezone.timedelta(minutes=1):
            errors["responded_at"] = "The response time cannot be in the future."
        if outcome != Outcome.REDIRECTED:
            redirect_admin, redirect_detail = None, ""
        if outcome == Outcome.NO_RESPONSE:
            channel = ""
        elif not channel:
            errors["channel"] = "Say how the admin answered."
        if outcome == Outcome.REDIRECTED and not (redirect_admin or redirect_detail.strip()):
            errors["redirect_admin"] = "Name the admin or the procedure the ticket was sent to."
        elif redirect_admin is not None and redirect_admin.pk == self.admin_id:
            errors["redirect_admin"] = "A redirect names someone other than the admin asked."
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            response = AdminResponse.objects.create(
                engagement=self,
                outcome=outcome,
                channel=channel,
                responded_at=responded_at,
                redirect_admin=redirect_admin,
                redirect_detail=redirect_detail.strip(),
                next_time=next_time.strip(),
                note=note.strip(),
                logged_by=by,
            )
            mine = Engagement.objects.filter(pk=self.pk)
            if response.is_answer:
                # Conditional, so the earliest answer wins even when two are logged at once.
                mine.filter(
                    Q(first_response_at=None) | Q(first_response_at__gt=responded_at)
                ).update(
                    first_response_at=responded_at,
                    # Timestamps, so a daylight-saving change in between is counted right.
                    first_response_seconds=int(
                        responded_at.timestamp() - self.requested_at.timestamp()
                    ),
                )
                mine.filter(state__in=[EngagementState.OPEN, EngagementState.NO_RESPONSE]).update(
                    state=EngagementState.RESPONDED
                )
            else:
                mine.filter(state=EngagementState.OPEN).update(state=EngagementState.NO_RESPONSE)
            before = (self.state, self.first_response_at)
            self.refresh_from_db()
            audit.changed(
                self,
                {
                    "state": (before[0], self.state),
                    "first_response_at": (before[1], self.first_response_at),
                },
            )
            self.ticket.events.create(
                by=by, kind=EventKind.RESPONSE, note=response.timeline_note(), after=outcome.label
            )
        return response


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

    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    workdays = models.CharField(
        max_length=20,
        default="0,1,2,3,4",
        help_text="Working days as numbers, Monday = 0 … Sunday = 6.",
    )
    opens = models.TimeField(default="08:00")
    closes = models.TimeField(default="17:00")
    due_soon_minutes = models.PositiveIntegerField(
        "due soon warning",
        default=120,
        help_text="Minutes before a due time when the agent is warned and the ticket shows "
        "“due soon”.",
    )
    no_response_hours = models.PositiveIntegerField(
        "no response after",
        default=18,
        help_text="Business hours an admin has to answer before the request is logged as "
        "“no response” and goes to the backup owner. 18 = two 9-hour working days. "
        "A priority can set its own.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Pages read the due-soon warning from the cache (escalations.sla.due_soon_window).
    DUE_SOON_CACHE_KEY = "sla:due-soon-minutes"

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="calendar_opens_first")
        ]

    def __str__(self) -> str:
        return "Business calendar"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(self.DUE_SOON_CACHE_KEY)

    @classmethod
    def current(cls) -> BusinessCalendar:
        calendar, _ = cls.objects.get_or_create(pk=1)
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

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class MaintenanceWindow(models.Model):
    """Planned work: time inside a window does not count against any SLA."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    class Meta:
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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return self.subject


class UrgentStep(models.TextChoices):
    HISTORY_REVIEWED = "history_reviewed", "Ticket history reviewed"
    USER_CONTACTED = "user_contacted", "User contacted"
    STATUS_COMMUNICATED = "status_communicated", "Status communicated to the requester"
    OWNER_CONTACTED = "owner_contacted", "Service owner contacted"
    FOLLOW_UP_DOCUMENTED = "follow_up_documented", "Follow-up documented in the ticket"


class UrgentRequestQuerySet(models.QuerySet):
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

    class Meta:
        ordering = ["done_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "step"], name="urgent_step_once")]

    def __str__(self) -> str:
        return self.get_step_display()


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    DENIED = "denied", "Access refused"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries are never changed.")

    def delete(self):
        raise PermissionError("Audit entries are never deleted.")


class AuditEntry(models.Model):
    """Who did what, when, to which record, with the values before and after. Append-only:
    the app can add entries but neither change nor delete them."""

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the system (scheduled checks) or an anonymous visitor.",
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["user", "-at"], name="audit_user"),
            models.Index(fields=["action", "-at"], name="audit_action"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target} by {self.username or 'system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are never deleted.")
