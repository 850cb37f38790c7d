"""Urgent requests: a manager or supervisor asks for a faster answer than the SLA gives on a
ticket already logged, and a supervisor coordinates it to a close.

Every workflow here writes the request and an "Urgent request" entry on the ticket's timeline
in one transaction; mail goes out only once that transaction has committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from core.claims import claim
from core.roles import SUPERVISOR, display_name, members
from escalations.notifications.notify import notify
from escalations.urgent.models import UrgentRequest, UrgentStep, UrgentStepRecord
from tickets.models import EventKind, Status, Ticket, TicketEvent

STEP_TOTAL = len(UrgentStep)
TIME_FORMAT = "%Y-%m-%d %H:%M"


# Reads ---------------------------------------------------------------------------------------


def with_progress(requests: QuerySet[UrgentRequest]) -> QuerySet[UrgentRequest]:
    """What a row of urgent requests shows, in one query: the ticket, the people and the number
    of steps done out of ``step_total``."""
    return requests.select_related("ticket", "filed_by", "coordinator", "closed_by").annotate(
        steps_done=Count("steps", filter=Q(steps__skipped=False), distinct=True),
        step_total=Value(STEP_TOTAL, output_field=IntegerField()),
    )


def open_requests() -> QuerySet[UrgentRequest]:
    """Open urgent requests, the longest waiting first."""
    return with_progress(UrgentRequest.objects.open()).order_by("filed_at", "id")


def recently_closed(days: int = 30) -> QuerySet[UrgentRequest]:
    """Requests closed in the last ``days`` days, the latest first."""
    since = timezone.now() - timezone.timedelta(days=days)
    return with_progress(UrgentRequest.objects.filter(closed_at__gte=since)).order_by(
        "-closed_at", "-id"
    )


def history(request: UrgentRequest) -> QuerySet[TicketEvent]:
    """The ticket's "Urgent request" entries written while this request was open.

    A ticket has at most one open request at a time and the filing and closing entries carry
    the request's own times, so that window holds exactly this request's entries.
    """
    events = request.ticket.events.filter(kind=EventKind.URGENT, at__gte=request.filed_at)
    if request.closed_at is not None:
        events = events.filter(at__lte=request.closed_at)
    return events.select_related("by")


# Workflows -----------------------------------------------------------------------------------


def _lock(request: UrgentRequest) -> None:
    """Lock the request's row and reload the caller's instance from it, so the checks see the
    current state and the caller sees the change."""
    request.refresh_from_db(from_queryset=UrgentRequest.objects.select_for_update(of=("self",)))


def _require_open(request: UrgentRequest) -> None:
    if not request.is_open:
        raise ValidationError(
            f"This urgent request was closed on "
            f"{timezone.localtime(request.closed_at):{TIME_FORMAT}}; it cannot change any more."
        )


def _require_coordinator(request: UrgentRequest, field: str) -> None:
    if request.coordinator_id is None:
        raise ValidationError(
            {
                field: "Nobody coordinates this request yet: a supervisor takes it first, then "
                "records the steps."
            },
            code="no_coordinator",
        )


def missing_steps(request: UrgentRequest) -> list[UrgentStep]:
    """The coordinator's steps neither recorded nor skipped yet, in their order."""
    recorded = set(request.steps.values_list("step", flat=True))
    return [step for step in UrgentStep if step.value not in recorded]


def _tell_filer(request: UrgentRequest, *, by, change: str) -> None:
    # Inside the transaction: the notification row lands with the change, the mail after it.
    if request.filed_by_id != by.pk:
        notify(
            [request.filed_by],
            template="urgent_update",
            context={"request": request, "change": change},
            url=request.get_absolute_url(),
            ticket=request.ticket,
        )


def file_urgent(ticket: Ticket, *, by, business_impact: str, reason: str) -> UrgentRequest:
    """Ask for a faster answer on a logged ticket, put it on the ticket's timeline and tell
    every active supervisor but the filer (the mail leaves after commit). Refused with a
    ValidationError for a closed ticket, a ticket that already has an open urgent request, or
    an empty impact or reason."""
    business_impact, reason = business_impact.strip(), reason.strip()
    errors = {}
    if not business_impact:
        errors["business_impact"] = "Say who cannot work and what it costs."
    if not reason:
        errors["reason"] = "Say why the SLA's timing is not enough for this ticket."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        # The ticket's row lock orders two filings on the same ticket (PostgreSQL); SQLite's
        # immediate transactions already serialise writers.
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if ticket.status == Status.CLOSED:
            raise ValidationError(
                {
                    "ticket": f"Ticket #{ticket.external_id} is closed. Ask the support center "
                    "to reopen it before filing an urgent request."
                }
            )
        current = UrgentRequest.objects.open().filter(ticket=ticket).first()
        if current is not None:
            raise ValidationError(
                {
                    "ticket": f"Ticket #{ticket.external_id} already has an open urgent request, "
                    f"filed {timezone.localtime(current.filed_at):{TIME_FORMAT}}.",
                },
                code="already_open",
            )
        request = UrgentRequest.objects.create(
            ticket=ticket,
            filed_by=by,
            filed_at=now,
            business_impact=business_impact,
            reason=reason,
        )
        ticket.events.create(
            at=now,
            by=by,
            kind=EventKind.URGENT,
            note=f"Urgent request filed.\nBusiness impact: {business_impact}\nReason: {reason}",
        )
        notify(
            members(SUPERVISOR).exclude(pk=by.pk),
            template="urgent_filed",
            context={"request": request},
            url=request.get_absolute_url(),
            ticket=ticket,
        )
    return request


def take_urgent(request: UrgentRequest, *, by) -> UrgentRequest:
    """Make ``by``, a supervisor, the request's coordinator (taking it over from another one).
    Taking a request one already coordinates changes nothing and writes nothing."""
    if not by.has_perm("escalations.change_urgentrequest"):
        raise PermissionDenied("Only a supervisor can coordinate an urgent request.")
    with transaction.atomic():
        _lock(request)
        _require_open(request)
        if request.coordinator_id == by.pk:
            return request
        before = display_name(request.coordinator) if request.coordinator else ""
        request.coordinator = by
        request.save(update_fields=["coordinator"])
        request.ticket.events.create(
            by=by,
            kind=EventKind.URGENT,
            field="coordinator",
            before=before,
            after=display_name(by),
            note="Taken over as coordinator of the urgent request."
            if before
            else "Coordinating the urgent request.",
        )
    return request


def record_step(request: UrgentRequest, *, step: str, by, note: str = "") -> UrgentStepRecord:
    """Record that one of the coordinator's steps is done. Each step is recorded once; a closed
    request takes no more steps, and one nobody has taken takes none yet."""
    step = UrgentStep(step)
    note = note.strip()
    with transaction.atomic():
        _lock(request)
        _require_open(request)
        _require_coordinator(request, "step")
        done = request.steps.filter(step=step).select_related("done_by").first()
        if done is not None:
            raise ValidationError(
                {
                    "step": f"“{step.label}” was already recorded by "
                    f"{display_name(done.done_by)} on "
                    f"{timezone.localtime(done.done_at):{TIME_FORMAT}}."
                },
                code="step_done",
            )
        now = timezone.now()
        # A concurrent click may have won the race: its record stands, this one is refused.
        record = claim(
            UrgentStepRecord, request=request, step=step, done_at=now, done_by=by, note=note
        )
        if record is None:
            raise ValidationError(
                {"step": f"“{step.label}” was recorded meanwhile."}, code="step_done"
            )
        request.ticket.events.create(
            at=now,
            by=by,
            kind=EventKind.URGENT,
            note=f"Urgent request step done: {step.label}." + (f"\n{note}" if note else ""),
        )
    return record


def set_estimate(request: UrgentRequest, *, by, estimated_resolution: datetime) -> UrgentRequest:
    """Set or change the resolution time given to the user, and tell the filer. Refused for a
    time in the past (to the minute) and on a closed request."""
    # The form's precision is the minute: the minute that is running now is not the past.
    if estimated_resolution < timezone.now().replace(second=0, microsecond=0):
        raise ValidationError(
            {"estimated_resolution": "The estimated resolution cannot be in the past."}
        )
    with transaction.atomic():
        _lock(request)
        _require_open(request)
        before = request.estimated_resolution
        if before == estimated_resolution:
            return request
        request.estimated_resolution = estimated_resolution
        request.save(update_fields=["estimated_resolution"])
        after = f"{timezone.localtime(estimated_resolution):{TIME_FORMAT}}"
        request.ticket.events.create(
            by=by,
            kind=EventKind.URGENT,
            field="estimated resolution",
            before=f"{timezone.localtime(before):{TIME_FORMAT}}" if before else "",
            after=after,
            note="Estimated resolution of the urgent request " + ("changed." if before else "set."),
        )
        _tell_filer(request, by=by, change=f"Estimated resolution: {after}.")
    return request


def close_urgent(
    request: UrgentRequest, *, by, outcome: str, skips: Mapping[str, str] | None = None
) -> UrgentRequest:
    """Close the request with what came of it, and tell the filer. The outcome is required;
    a request is closed once, by a request someone coordinates. Every step not recorded needs
    a reason in ``skips`` (step → why it was not done): it is kept as a skipped step, on the
    timeline. Refused with a ValidationError naming each step left without one."""
    outcome = outcome.strip()
    skips = {step: (why or "").strip() for step, why in (skips or {}).items()}
    errors = {}
    if not outcome:
        errors["outcome"] = "Say what came of the request before closing it."
    now = timezone.now()
    with transaction.atomic():
        _lock(request)
        _require_open(request)
        if request.coordinator_id is None:
            errors[NON_FIELD_ERRORS] = (
                "Nobody coordinates this request yet: a supervisor takes it and works its "
                "steps before it is closed."
            )
        missing = missing_steps(request)
        for step in missing:
            if not skips.get(step.value):
                errors[f"skip_{step.value}"] = (
                    f"“{step.label}” is not recorded: record it, or say why it is skipped."
                )
        if errors:
            raise ValidationError(errors)
        for step in missing:
            UrgentStepRecord.objects.create(
                request=request,
                step=step,
                done_at=now,
                done_by=by,
                note=skips[step.value],
                skipped=True,
            )
            request.ticket.events.create(
                at=now,
                by=by,
                kind=EventKind.URGENT,
                note=f"Urgent request step skipped: {step.label}.\n{skips[step.value]}",
            )
        request.closed_at, request.closed_by, request.outcome = now, by, outcome
        request.save(update_fields=["closed_at", "closed_by", "outcome"])
        request.ticket.events.create(
            at=now,
            by=by,
            kind=EventKind.URGENT,
            note=f"Urgent request closed.\nOutcome: {outcome}",
        )
        _tell_filer(request, by=by, change=f"Closed. Outcome: {outcome}")
    return request
