"""The demo's urgent requests, their steps and timeline entries, on escalated tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from core.roles import display_name
from escalations.demo.content import URGENT_GROUNDS, URGENT_OUTCOMES, URGENT_STEP_NOTES
from escalations.demo.notices import Notice
from escalations.urgent.models import UrgentRequest, UrgentStep, UrgentStepRecord
from escalations.urgent.services import TIME_FORMAT
from tickets.models import EventKind, Ticket, TicketEvent, Tier
from tickets.sla.calendar import add_business_seconds


def urgent_requests(
    tickets: list[Ticket], *, manager, supervisor, cal, rng, now: datetime
) -> tuple[list[UrgentRequest], list[Notice]]:
    """Three open urgent requests (one waiting for a coordinator, one with two steps done, one
    with an estimate given) and five closed ones with every step and an outcome, on escalated
    tickets of the last weeks. Inserted with the timeline entries ``escalations.urgent``
    writes; returns them with the notifications it would have sent."""
    day = timedelta(days=1)
    escalated = [t for t in tickets if t.tier == Tier.ESCALATE]
    # Open long enough for a request to have been filed and worked.
    still_open = [t for t in escalated if t.is_open and now - 10 * day <= t.opened_at <= now - day]
    finished = [
        t
        for t in escalated
        if t.resolved_at is not None
        and t.resolved_at >= now - 25 * day
        and t.resolved_at - t.opened_at >= timedelta(hours=4)
    ]
    # (ticket, filed, end, steps done, estimate, outcome). An estimate is business hours
    # from a time, or from when it was given if that is None.
    plans = []
    opened = rng.sample(still_open, min(3, len(still_open)))
    for ticket, (hours, done, estimate) in zip(
        opened,
        [
            ((1, 5), [], None),
            ((20, 40), [UrgentStep.HISTORY_REVIEWED, UrgentStep.USER_CONTACTED], None),
            (
                (30, 60),
                [
                    UrgentStep.HISTORY_REVIEWED,
                    UrgentStep.USER_CONTACTED,
                    UrgentStep.OWNER_CONTACTED,
                ],
                (now, rng.uniform(3, 12)),
            ),
        ],
        strict=False,
    ):
        filed = max(
            ticket.opened_at + timedelta(minutes=rng.uniform(20, 90)),
            now - timedelta(hours=rng.uniform(*hours)),
        )
        plans.append((ticket, min(filed, now), now, done, estimate, ""))
    outcomes = rng.sample(URGENT_OUTCOMES, len(URGENT_OUTCOMES))
    for ticket, outcome in zip(rng.sample(finished, min(5, len(finished))), outcomes, strict=False):
        filed = ticket.opened_at + (ticket.resolved_at - ticket.opened_at) * rng.uniform(0.1, 0.5)
        closed = min(now, ticket.resolved_at + timedelta(hours=rng.uniform(0.2, 6)))
        estimate = (None, rng.uniform(2, 9)) if rng.random() < 0.6 else None
        plans.append((ticket, filed, closed, list(UrgentStep), estimate, outcome))

    coordinator = supervisor  # the only supervisor of the demo
    grounds = rng.sample(URGENT_GROUNDS, len(URGENT_GROUNDS))
    requests, steps, events, notices = [], [], [], []
    for n, (ticket, filed, end, done, estimate, outcome) in enumerate(plans):
        # The first waits for a supervisor, who was told of it when the manager filed it.
        filer = manager if n == 0 else rng.choice([manager, supervisor])
        impact, reason = grounds[n % len(grounds)]
        request = UrgentRequest(
            ticket=ticket, filed_by=filer, filed_at=filed, business_impact=impact, reason=reason
        )
        requests.append(request)
        timeline = [
            (
                filed,
                filer,
                f"Urgent request filed.\nBusiness impact: {impact}\nReason: {reason}",
                {},
            )
        ]
        if filer != coordinator:
            notices.append(Notice(coordinator, "urgent_filed", {"request": request}, ticket, filed))
        if n == 0:
            events.extend(_urgent_events(ticket, timeline))
            continue
        # Taking it on, each step, the estimate and the close, in that order up to ``end``.
        count = 1 + len(done) + (estimate is not None)
        times = iter(sorted(filed + (end - filed) * rng.uniform(0.05, 0.9) for _ in range(count)))
        request.coordinator = coordinator
        change = {"field": "coordinator", "after": display_name(coordinator)}
        timeline.append((next(times), coordinator, "Coordinating the urgent request.", change))
        for step in done:
            at, note = next(times), URGENT_STEP_NOTES[step]
            steps.append(
                UrgentStepRecord(
                    request=request, step=step, done_at=at, done_by=coordinator, note=note
                )
            )
            timeline.append(
                (at, coordinator, f"Urgent request step done: {step.label}.\n{note}", {})
            )
        updates = []
        if estimate is not None:
            at = next(times)
            since, hours = estimate
            due = add_business_seconds(cal, since or at, int(hours * 3600))
            # Promised to the quarter hour, rounded up.
            request.estimated_resolution = (due + timedelta(minutes=15 - due.minute % 15)).replace(
                second=0, microsecond=0
            )
            shown = f"{timezone.localtime(request.estimated_resolution):{TIME_FORMAT}}"
            change = {"field": "estimated resolution", "after": shown}
            note = "Estimated resolution of the urgent request set."
            timeline.append((at, coordinator, note, change))
            updates.append((at, f"Estimated resolution: {shown}."))
        if outcome:
            request.closed_at, request.closed_by, request.outcome = end, coordinator, outcome
            timeline.append((end, coordinator, f"Urgent request closed.\nOutcome: {outcome}", {}))
            updates.append((end, f"Closed. Outcome: {outcome}"))
        if filer != coordinator:
            notices.extend(
                Notice(filer, "urgent_update", {"request": request, "change": text}, ticket, at)
                for at, text in updates
            )
        events.extend(_urgent_events(ticket, timeline))
    UrgentRequest.objects.bulk_create(requests)
    UrgentStepRecord.objects.bulk_create(steps)
    TicketEvent.objects.bulk_create(events)
    # The pages link to the request, which has an id only now.
    notices = [
        Notice(
            n.user,
            n.template,
            n.context,
            n.ticket,
            n.at,
            url=n.context["request"].get_absolute_url(),
        )
        for n in notices
    ]
    return requests, notices


def _urgent_events(ticket: Ticket, timeline: list) -> list[TicketEvent]:
    return [
        TicketEvent(ticket=ticket, at=at, by=by, kind=EventKind.URGENT, note=note, **change)
        for at, by, note, change in timeline
    ]
