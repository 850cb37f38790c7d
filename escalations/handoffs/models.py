"""Hand-offs to administrators: the pre-escalation checklist, engagements (a Collaborate or
Escalate request to one admin), the admins' responses and the procedures captured from them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from admins.models import Administrator, Service
from core.roles import display_name
from core.versions import VersionedQuerySet


class ChecklistItemQuerySet(VersionedQuerySet):
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
    # Every ticket page shows the items asked (escalations.handoffs.reference).
    cache_versions = ("checklist",)

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


class EngagementQuerySet(VersionedQuerySet):
    def open(self) -> EngagementQuerySet:
        return self.filter(state=EngagementState.OPEN)

    def withdraw(self, note: str) -> int:
        """Close the open ones without an answer (ticket done, taken back, moved on)."""
        from core import audit

        pks = list(self.open().values_list("pk", flat=True))
        count = self.filter(pk__in=pks).update(
            state=EngagementState.WITHDRAWN, closed_note=note, withdrawn_at=timezone.now()
        )
        audit.changed_rows(
            Engagement, pks, {"state": (EngagementState.OPEN, EngagementState.WITHDRAWN)}
        )
        return count

    def requested_since(self, since) -> EngagementQuerySet:
        return self if since is None else self.filter(requested_at__gte=since)

    def for_list(self) -> EngagementQuerySet:
        return self.select_related("ticket", "admin", "requested_by")

    def exhausted_unhandled(self) -> EngagementQuerySet:
        """Requests that went through every level of their policy unanswered, on open
        tickets, where nobody has acted since (no timeline entry by a person after it)."""
        from tickets.models import Ticket, TicketEvent

        acted = TicketEvent.objects.filter(
            ticket_id=OuterRef("ticket_id"), at__gt=OuterRef("exhausted_at"), by__isnull=False
        )
        # The ticket's state as a subquery, not a join condition: joined, SQLite starts from
        # every open ticket (the status index) instead of the few exhausted requests
        # (engagement_exhausted).
        open_ticket = Ticket.objects.open().filter(pk=OuterRef("ticket_id"))
        return (
            self.filter(exhausted_at__isnull=False)
            .filter(Exists(open_ticket))
            .exclude(Exists(acted))
        )


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
    # When it was withdrawn (ticket finished, taken back, handed on): a withdrawal after a
    # week's report was issued is one of the changes the report names.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Where the request stands in its escalation policy, as it was when it moved here: a later
    # edit of the policy never rewrites these.
    chain = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
        help_text="The first request of the chain this one continues; empty on the first.",
    )
    level = models.PositiveSmallIntegerField(default=1)
    levels = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many levels the policy had when it moved here."
    )
    round = models.PositiveSmallIntegerField(default=1)
    level_target = models.CharField(
        max_length=120, blank=True, help_text="What the level named, e.g. “the declared backup”."
    )
    # Set once, by the scan that finds no level left to move to (the claim of its notices).
    exhausted_at = models.DateTimeField(null=True, blank=True)

    objects = EngagementQuerySet.as_manager()
    # The response summary and the dashboard read requests and answers (core.versions).
    cache_versions = ("handoffs",)

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
            # The dashboard's requests nobody answered at any level, oldest first: few, so a
            # partial index holds only them.
            models.Index(
                fields=["exhausted_at", "id"],
                condition=Q(exhausted_at__isnull=False),
                name="engagement_exhausted",
            ),
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
    def chain_root_id(self) -> int:
        return self.chain_id or self.pk

    @property
    def level_label(self) -> str:
        """ "Level 2 of 3", as the policy stood when the request moved here ("" for a request
        no policy has moved)."""
        if not self.levels:
            return ""
        text = f"Level {self.level} of {self.levels}"
        return text if self.round == 1 else f"{text} (round {self.round})"

    @property
    def is_open(self) -> bool:
        return self.state == EngagementState.OPEN

    @property
    def latest_response(self) -> AdminResponse | None:
        """The last response logged (from ``responses`` prefetched, when they are)."""
        responses = list(self.responses.all())
        return responses[-1] if responses else None

    @property
    def badge(self) -> tuple[str, str]:
        """The (css state, label) of the request's badge: what the admin actually did, so a
        refusal never reads as a green "Responded"."""
        latest = self.latest_response
        if self.state == EngagementState.RESPONDED and latest is not None:
            return OUTCOME_BADGE_STATES[latest.outcome], latest.get_outcome_display()
        if self.state == EngagementState.NO_RESPONSE and latest and latest.given_up_early:
            return EngagementState.NO_RESPONSE, "Given up early"
        return self.state, self.get_state_display()

    @property
    def dead_end(self) -> str:
        """Why the agent must choose what happens next on this request ("" when nothing is
        left to choose): it was declined, went unanswered, or pointed at someone else."""
        latest = self.latest_response
        if self.state == EngagementState.NO_RESPONSE:
            return "gave up early" if latest and latest.given_up_early else "did not answer"
        if self.state == EngagementState.RESPONDED and latest is not None:
            if latest.outcome == Outcome.DECLINED:
                return "declined without a redirect"
            if latest.outcome == Outcome.REDIRECTED:
                return "redirected the request"
        return ""

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
        source_ip: str | None = None,
    ):
        """Log what the administrator did, or that they did not answer, on the ticket's
        timeline. The earliest answer sets the time to first response; a "no response" never
        does. ``source_ip`` is the address an answer given on the response page came from.
        Raises ValidationError for a time before the request or in the future."""
        from core import audit
        from escalations.handoffs.models import AdminResponse, Outcome
        from tickets.models import EventKind

        outcome = Outcome(outcome)
        errors: dict[str, str] = {}
        if outcome == Outcome.NO_RESPONSE and self.first_response_at:
            errors["outcome"] = "This admin has already answered; a later silence is not logged."
        elif outcome == Outcome.NO_RESPONSE and self.state == EngagementState.WITHDRAWN:
            errors["outcome"] = (
                "This request was withdrawn: nobody was waiting for an answer, so no silence "
                "is logged."
            )
        elif outcome == Outcome.NO_RESPONSE and self.responses.filter(outcome=outcome).exists():
            errors["outcome"] = (
                f"“No response” is already on record for {self.admin.name} on this request; "
                "a request has one silence at most."
            )
        # Silence before the agreed time is the agent's call, not yet the admin's record: it
        # needs a reason and is shown for what it is.
        early = (
            outcome == Outcome.NO_RESPONSE
            and self.answer_due_at is not None
            and responded_at < self.answer_due_at
        )
        if early and not note.strip():
            errors["note"] = (
                "The answer is not due until "
                f"{timezone.localtime(self.answer_due_at):%Y-%m-%d %H:%M}: say why you give up "
                "waiting early."
            )
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
                given_up_early=early,
                logged_by=by,
                source_ip=source_ip,
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
                by=by,
                kind=EventKind.RESPONSE,
                note=response.timeline_note(),
                after="No response (given up early)" if early else outcome.label,
            )
        return response


class ProcedureQuerySet(VersionedQuerySet):
    def active(self) -> ProcedureQuerySet:
        return self.filter(active=True)


class Procedure(models.Model):
    """A documented way for the support center to handle a kind of request for a service.

    Usually captured from an administrator's answer to “what can we do next time?”.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="procedures")
    title = models.CharField(max_length=200)
    body = models.TextField("steps")
    source = models.ForeignKey(
        "AdminResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
        help_text="The administrator's response the procedure came from.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty when the administrator wrote it themselves on the response page (see ``source``).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ProcedureQuerySet.as_manager()

    # The weekly report's knowledge loop lists the procedures captured (core.versions).
    cache_versions = ("handoffs",)

    class Meta:
        # Moved here from another app; the table kept its name.
        db_table = "admins_procedure"
        ordering = ["service__name", "title"]

    def __str__(self) -> str:
        return self.title


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    GAVE_INPUT = "gave_input", "Gave input"
    REDIRECTED = "redirected", "Redirected"
    DECLINED = "declined", "Declined without redirect"
    NO_RESPONSE = "no_response", "No response"


# A badge's colour follows what the admin did: an answer the support center can act on is
# green; a redirect still needs a step (amber); a refusal is red, like a silence.
OUTCOME_BADGE_STATES = {
    Outcome.ACCEPTED: EngagementState.RESPONDED,
    Outcome.GAVE_INPUT: EngagementState.RESPONDED,
    Outcome.REDIRECTED: EngagementState.OPEN,
    Outcome.DECLINED: EngagementState.NO_RESPONSE,
    Outcome.NO_RESPONSE: EngagementState.NO_RESPONSE,
}


class Channel(models.TextChoices):
    TICKET = "ticket", "Ticket"
    SUPPORT_CHANNEL = "support_channel", "Support channel"
    DIRECT_MESSAGE = "direct_message", "Direct message"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    # The administrator answered on their own response page (a link, no log-in).
    RESPONSE_PAGE = "response_page", "Response page"


# Contact that bypasses the ticket and the shared channel leaves no record others can see.
OFF_POLICY_CHANNELS = (Channel.DIRECT_MESSAGE,)


class AdminResponse(models.Model):
    """What an administrator did with one engagement, or that they did nothing."""

    engagement = models.ForeignKey(
        "escalations.Engagement", on_delete=models.PROTECT, related_name="responses"
    )
    outcome = models.CharField(max_length=12, choices=Outcome)
    channel = models.CharField(
        max_length=16, choices=Channel, blank=True, help_text="Empty for “no response”."
    )
    responded_at = models.DateTimeField("when")
    redirect_admin = models.ForeignKey(
        Administrator,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="redirected to",
    )
    redirect_detail = models.CharField(
        "documented procedure",
        max_length=300,
        blank=True,
        help_text="The procedure or place the admin pointed to, when not another admin.",
    )
    next_time = models.TextField(
        "process for next time",
        blank=True,
        help_text="What the admin says the support center can do itself next time.",
    )
    note = models.TextField(blank=True)
    given_up_early = models.BooleanField(
        default=False,
        help_text="A “no response” logged before the answer was due, with the reason in the note.",
    )
    awaiting_classification = models.BooleanField(
        default=False,
        help_text="An email reply recorded as “gave input” until an agent says what it was.",
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_ip = models.GenericIPAddressField(
        "from address",
        null=True,
        blank=True,
        help_text="Where an answer given on the response page came from.",
    )

    objects = VersionedQuerySet.as_manager()
    # The response summary reads the answers (core.versions).
    cache_versions = ("handoffs",)

    class Meta:
        # Moved here from another app; the table kept its name.
        db_table = "admins_adminresponse"
        ordering = ["responded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="redirected")
                | ~models.Q(redirect_admin=None)
                | ~models.Q(redirect_detail=""),
                name="response_redirect_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="redirected")
                | models.Q(redirect_admin=None, redirect_detail=""),
                name="response_redirect_only_when_redirected",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="no_response", channel="")
                | (~models.Q(outcome="no_response") & ~models.Q(channel="")),
                name="response_channel_matches_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(given_up_early=False)
                | (models.Q(outcome="no_response") & ~models.Q(note="")),
                name="response_early_silence_has_reason",
            ),
            # One silence per request: a second would count twice in "No responses".
            models.UniqueConstraint(
                fields=["engagement"],
                condition=models.Q(outcome="no_response"),
                name="response_one_silence_per_engagement",
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "responded_at"], name="response_engagement"),
            # Responses of a week by outcome and channel (the weekly report), from the index.
            models.Index(fields=["responded_at", "outcome", "channel"], name="response_week"),
            # An issued report's late answers: the responses logged since it was issued, and
            # when they were given, from the index alone instead of every response.
            models.Index(
                fields=["logged_at", "responded_at", "engagement"], name="response_logged"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.responded_at:%Y-%m-%d %H:%M}"

    @property
    def off_policy(self) -> bool:
        return self.channel in OFF_POLICY_CHANNELS

    def timeline_note(self) -> str:
        """The response as the ticket's timeline tells it: who, what and how, where it was
        redirected, the process for next time, and the note."""
        summary = f"{self.engagement.admin.name}: {self.get_outcome_display().lower()}"
        if self.given_up_early:
            due = timezone.localtime(self.engagement.answer_due_at)
            summary += f", given up early (the answer was due {due:%Y-%m-%d %H:%M})"
        if self.channel:
            summary += f" by {self.get_channel_display().lower()}"
            if self.off_policy:
                summary += " (off-policy)"
        if self.redirect_admin:
            summary += f", redirected to {self.redirect_admin.name}"
        elif self.redirect_detail:
            summary += f", redirected to {self.redirect_detail}"
        lines = [summary]
        if self.next_time:
            lines.append(f"Next time: {self.next_time}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    @property
    def is_answer(self) -> bool:
        return self.outcome != Outcome.NO_RESPONSE


class DeliveryKind(models.TextChoices):
    REQUEST = "request", "Request"
    REMINDER = "reminder", "Reminder"
    # The request posted to the TDX ticket's feed, notifying the administrator (TDX_WRITE_BACK).
    TDX_FEED = "tdx_feed", "TDX ticket feed"


class Delivery(models.Model):
    """One email to the administrator a request asks: the request itself, or its reminder.

    A row is written with the request, in the same transaction, so a send that fails or never
    happens is still on record and the ``check_sla`` scan sends it when ``due_at`` comes.
    ``due_at`` is also the claim: a sender moves it forward with a conditional update before
    sending, so two scans never send the same email twice."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=DeliveryKind)
    to = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next attempt is due; None once sent.
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One request email and one reminder per request: the reminder is sent once.
            models.UniqueConstraint(fields=["engagement", "kind"], name="delivery_once_per_kind")
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(sent_at=None), name="delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.engagement_id} to {self.to or '?'}"

    @property
    def failed(self) -> bool:
        return self.sent_at is None and bool(self.error)


class InboundStatus(models.TextChoices):
    RECORDED = "recorded", "Recorded as a response"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    OTHER_SENDER = "other_sender", "Reply from another address"
    REFUSED = "refused", "Refused"


class InboundMailQuerySet(models.QuerySet):
    def shown_on_request(self) -> InboundMailQuerySet:
        """The mail an agent sees on a request without it being an answer: auto-replies and
        replies from an address that is not the administrator's."""
        return self.filter(status__in=[InboundStatus.AUTO_REPLY, InboundStatus.OTHER_SENDER])


class InboundMail(models.Model):
    """One message the mail gateway handed over, and what became of it. Refused mail keeps
    only its envelope and the reason, never its text."""

    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=InboundStatus)
    reason = models.CharField(max_length=300, blank=True)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_mail"
    )
    response = models.OneToOneField(
        AdminResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound"
    )
    sender = models.CharField(max_length=320, blank=True)
    recipient = models.CharField(max_length=400, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    # The reply's own words, kept only for a reply from another address, for agents to read.
    text = models.TextField(blank=True)

    objects = InboundMailQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["engagement", "received_at"], name="inbound_engagement"),
            models.Index(fields=["message_id"], name="inbound_message_id"),
        ]
        constraints = [
            # One message is one answer, even when the mail server delivers it twice at once.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(status="recorded") & ~Q(message_id=""),
                name="inbound_recorded_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} from {self.sender or 'unknown'} at {self.received_at}"


class TdxFeedAnswer(models.Model):
    """A TDX ticket feed entry recorded as an administrator's answer: the link to it, so the
    same entry is never recorded twice (its id is unique)."""

    entry_id = models.BigIntegerField("TDX feed entry", unique=True)
    response = models.OneToOneField(
        AdminResponse, on_delete=models.PROTECT, related_name="tdx_entry"
    )
    url = models.URLField("link", max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"TDX feed entry {self.entry_id}"
