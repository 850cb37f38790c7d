"""The hand-offs of the demo tickets: engagements, checklists, answers, silences, procedures."""

from __future__ import annotations

import math
from collections import deque
from datetime import UTC, datetime, timedelta

from admins.models import Administrator, Purview, PurviewRole
from escalations.demo.content import (
    COLLABORATION_MESSAGES,
    COLLABORATION_REASONS,
    ESCALATION_GROUNDS,
    ESCALATION_MESSAGES,
    GENERAL_NEXT_TIME,
    HANDOVER_MESSAGE,
    NO_SERVICE,
    REDIRECT_DETAILS,
    RESPONSE_NOTES,
    SILENCE_NOTES,
    TIPS,
)
from escalations.demo.people import Personality
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    ChecklistAnswer,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
    Procedure,
)
from escalations.handoffs.services import request_note
from tickets.models import EventKind, Ticket, TicketEvent, Tier
from tickets.sla import clock as sla


def _seconds(start: datetime, end: datetime) -> int:
    """Whole seconds from start to end as they passed, whatever clock change lies between."""
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


def capture_procedures(tips: list, *, rng, now: datetime) -> int:
    """Save some of the "next time" answers as procedures of their service, as an agent does
    from the ticket: the first answer that gave each tip is the procedure's source."""
    first_said: dict[str, dict[str, tuple]] = {}
    for response, ticket, title, steps in tips:
        first_said.setdefault(ticket.service.name, {}).setdefault(title, (response, ticket, steps))
    procedures, events = [], []
    for service_name, said in first_said.items():
        if rng.random() < 0.2:
            continue
        for title, (response, ticket, steps) in list(said.items())[: rng.randint(1, 3)]:
            at = min(now, response.responded_at + timedelta(hours=rng.uniform(1, 48)))
            admin = response.engagement.admin
            procedure = Procedure(
                service=ticket.service,
                title=title,
                body="\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1)),
                source=response,
                created_by=ticket.agent,
            )
            procedures.append(procedure)
            events.append(
                TicketEvent(
                    ticket=ticket,
                    at=at,
                    by=ticket.agent,
                    kind=EventKind.PROCEDURE,
                    after=title,
                    note=f"Saved for {service_name} from {admin.name}'s answer.",
                )
            )
    Procedure.objects.bulk_create(procedures)
    for procedure, event in zip(procedures, events, strict=True):
        procedure.created_at = event.at  # set again: the insert stamps the current time
    Procedure.objects.bulk_update(procedures, ["created_at"])
    TicketEvent.objects.bulk_create(events)
    return len(procedures)


class Handoffs:
    """Every engagement, checklist answer, response and timeline entry of the demo tickets,
    planned in memory and inserted in bulk afterwards.

    A ticket in Collaborate has one engagement (sometimes two); a ticket in Escalate has a
    complete checklist and one current escalation, open or answered, whose admin is the
    ticket's admin; an earlier escalation may have gone unanswered and been handed on.
    """

    def __init__(self, *, rng, now, admins, personalities, items, cal, no_response_hours):
        self.rng, self.now = rng, now
        self.cal, self.no_response_hours = cal, no_response_hours
        self.active = [a for a in admins if a.active]
        self.personalities = personalities
        self.items = items
        self.holders = self._holders()
        self.engagements: list[Engagement] = []
        self.responses: list[AdminResponse] = []
        self.events: list[TicketEvent] = []
        self.answers: list[ChecklistAnswer] = []
        self.tips: list[tuple] = []  # (response, ticket, title, steps) for procedures

    @staticmethod
    def _holders() -> dict[int, tuple]:
        """Service id → (owner, backup) from the current declarations."""
        holders: dict[int, dict[str, Administrator]] = {}
        current = Purview.objects.current().select_related("admin").order_by("pk")
        for purview in current:
            holders.setdefault(purview.service_id, {}).setdefault(purview.role, purview.admin)
        return {
            service_id: (roles.get(PurviewRole.OWNER), roles.get(PurviewRole.BACKUP))
            for service_id, roles in holders.items()
        }

    def plan(self, ticket: Ticket) -> None:
        if ticket.tier == Tier.COLLABORATE:
            # Collaborate keeps ownership with the support center: no current admin.
            at = self._request_time(ticket, after=ticket.opened_at)
            chosen = [self._pick(ticket)]
            if self.rng.random() < 0.15:
                chosen.append(self._pick(ticket, exclude=chosen[0]))
            reason = self.rng.choice(COLLABORATION_REASONS)
            for admin in chosen:
                self._collaborate(ticket, admin, at, reason=reason)
        elif ticket.tier == Tier.ESCALATE:
            self._escalate(ticket)

    def log_overdue(self, *, unlogged: int) -> list[tuple[Engagement, datetime, Administrator]]:
        """Log as no response, as the periodic scan would have, every open request whose
        answer is overdue, but the ``unlogged`` most recently due: those are left for the first
        ``check_sla`` run. An escalation then goes to a stand-in, as the agent hands it on; a
        request for input stays with the support center. Returns each silence logged on an
        escalation with when and who took over, oldest first."""
        overdue = sorted(
            (e for e in self.engagements if e.is_open and e.answer_due_at <= self.now),
            key=lambda e: e.answer_due_at,
        )
        queue = deque(overdue[: max(len(overdue) - unlogged, 0)])
        handed_on = []
        while queue:
            engagement = queue.popleft()
            at, new = self._scan_silence(engagement)
            if new is not None:
                handed_on.append((engagement, at, new.admin))
                if new.is_open and new.answer_due_at <= self.now:
                    queue.append(new)
        return sorted(handed_on, key=lambda silence: silence[1])

    def _scan_silence(self, engagement: Engagement) -> tuple[datetime, Engagement | None]:
        rng, now, ticket = self.rng, self.now, engagement.ticket
        # The scan runs every few minutes; the agent hands the ticket on soon after.
        at = min(now, engagement.answer_due_at + timedelta(minutes=rng.uniform(1, 15)))
        self._no_response(ticket, engagement, at, scan=True)
        if engagement.kind == EngagementKind.COLLABORATE:
            if rng.random() < 0.25:
                self._late_answer(ticket, engagement, at)
            return at, None
        silent, admin = engagement.admin, self._stand_in(ticket, engagement.admin)
        new = self._engage(
            ticket,
            admin,
            EngagementKind.ESCALATE,
            min(now, at + timedelta(minutes=rng.uniform(5, 90))),
            before=silent.name,
            tag=engagement.tag,
            reason=engagement.reason,
            message=self._message(
                [HANDOVER_MESSAGE], ticket, admin, previous=silent.name.split()[0]
            ),
        )
        ticket.admin = admin
        gave_up = self._respond(ticket, new)
        if gave_up is not None:
            self._no_response(ticket, new, gave_up)
            self._late_answer(ticket, new, gave_up)
        return at, new

    def _collaborate(self, ticket: Ticket, admin: Administrator, at: datetime, *, reason: str):
        message = self._message(COLLABORATION_MESSAGES, ticket, admin)
        engagement = self._engage(
            ticket, admin, EngagementKind.COLLABORATE, at, reason=reason, message=message
        )
        gave_up = self._respond(ticket, engagement)
        if gave_up is not None:
            self._no_response(ticket, engagement, gave_up)
            if self.rng.random() < 0.25:
                self._late_answer(ticket, engagement, gave_up)

    def _escalate(self, ticket: Ticket) -> None:
        rng = self.rng
        at = self._request_time(ticket, after=ticket.opened_at)
        tier_before = Tier.HANDLE
        if rng.random() < 0.12:
            # Asked for input first, then handed the ticket over.
            self._collaborate(ticket, self._pick(ticket), at, reason="")
            at = self._request_time(ticket, after=at)
            tier_before = Tier.COLLABORATE
        self._checklist(ticket, at)
        admin = self._pick(ticket)
        tag, reason = rng.choice(ESCALATION_GROUNDS)
        engagement = self._engage(
            ticket,
            admin,
            EngagementKind.ESCALATE,
            at,
            tag=tag,
            reason=reason,
            message=self._message(ESCALATION_MESSAGES, ticket, admin),
        )
        self.events.append(
            TicketEvent(
                ticket=ticket,
                at=at,
                by=ticket.agent,
                kind=EventKind.TIER_CHANGED,
                field="tier",
                before=tier_before.label,
                after=Tier.ESCALATE.label,
            )
        )
        gave_up = self._respond(ticket, engagement)
        if gave_up is None:
            ticket.admin = admin
            return
        handover = gave_up + timedelta(minutes=rng.uniform(5, 90))
        if handover < (ticket.resolved_at or self.now) and rng.random() < 0.6:
            # The admin stayed silent: ownership goes to someone who may answer.
            silent, admin = admin, self._stand_in(ticket, admin)
            if rng.random() < 0.75:
                self._no_response(ticket, engagement, gave_up)
            else:
                # Handed on without logging the silence: escalate() withdraws the open one.
                engagement.state = EngagementState.WITHDRAWN
                engagement.withdrawn_at = handover
                engagement.closed_note = f"Ownership moved to {admin.name}."
            message = self._message(
                [HANDOVER_MESSAGE], ticket, admin, previous=silent.name.split()[0]
            )
            engagement = self._engage(
                ticket,
                admin,
                EngagementKind.ESCALATE,
                handover,
                before=silent.name,
                tag=tag,
                reason=reason,
                message=message,
            )
            gave_up = self._respond(ticket, engagement)
        if gave_up is not None:
            # The current owner answers in the end, after the silence was logged.
            self._no_response(ticket, engagement, gave_up)
            self._late_answer(ticket, engagement, gave_up)
        ticket.admin = admin

    def _pick(self, ticket: Ticket, *, exclude: Administrator | None = None) -> Administrator:
        """Mostly the service's declared owner, else its backup, else any active admin."""
        owner, backup = self.holders.get(ticket.service_id, (None, None))
        draw = self.rng.random()
        for admin, share in ((owner, 0.7), (backup, 0.85)):
            if admin is not None and admin.active and admin != exclude and draw < share:
                return admin
        return self.rng.choice([a for a in self.active if a != exclude])

    def _stand_in(self, ticket: Ticket, admin: Administrator) -> Administrator:
        """Who takes over from a silent admin: the service's backup, else the admin's."""
        _, backup = self.holders.get(ticket.service_id, (None, None))
        for candidate in (backup, admin.backup):
            if candidate is not None and candidate.active and candidate != admin:
                return candidate
        return self.rng.choice([a for a in self.active if a != admin])

    def _request_time(self, ticket: Ticket, *, after: datetime) -> datetime:
        """Minutes to hours after ``after``, while the ticket was still open."""
        latest = min(self.now, ticket.resolved_at or self.now)
        at = after + timedelta(minutes=self.rng.lognormvariate(math.log(50), 1.0))
        if at > latest:
            at = after + (latest - after) * self.rng.uniform(0.2, 0.8)
        return at

    def _delay(self, personality: Personality) -> timedelta:
        minutes = self.rng.lognormvariate(math.log(personality.median_minutes), 0.9)
        return timedelta(minutes=min(max(minutes, 6), 5 * 24 * 60))

    def _checklist(self, ticket: Ticket, at: datetime) -> None:
        answered = max(ticket.opened_at, at - timedelta(minutes=self.rng.uniform(2, 30)))
        items = [item for item in self.items if item.required or self.rng.random() < 0.5]
        self.answers.extend(
            ChecklistAnswer(
                ticket=ticket,
                item=item,
                item_text=item.text,
                checked=True,
                answered_at=answered,
                answered_by=ticket.agent,
            )
            for item in items
        )
        self.events.append(
            TicketEvent(
                ticket=ticket,
                at=answered,
                by=ticket.agent,
                kind=EventKind.CHECKLIST,
                note="\n".join(f"☑ {item.text}" for item in items),
            )
        )

    def _message(
        self, templates: list[str], ticket: Ticket, admin: Administrator, **names: str
    ) -> str:
        return self.rng.choice(templates).format(
            ticket=ticket.external_id,
            admin=admin.name.split()[0],
            service=ticket.service.name if ticket.service else NO_SERVICE,
            **names,
        )

    def _engage(
        self,
        ticket: Ticket,
        admin: Administrator,
        kind: str,
        at: datetime,
        *,
        message: str,
        reason: str = "",
        tag: str = "",
        before: str = "",
    ) -> Engagement:
        """The engagement and its timeline entry, as ``collaborate`` and ``escalate`` write
        them."""
        if kind == EngagementKind.ESCALATE:
            event = TicketEvent(
                kind=EventKind.ESCALATED,
                field="admin",
                before=before,
                note=request_note(tag=tag, reason=reason, message=message),
            )
        else:
            event = TicketEvent(
                kind=EventKind.ENGAGED, note=request_note(reason=reason, message=message)
            )
        event.ticket, event.at, event.by, event.after = ticket, at, ticket.agent, admin.name
        self.events.append(event)
        engagement = Engagement(
            ticket=ticket,
            admin=admin,
            kind=kind,
            requested_at=at,
            answer_due_at=sla.answer_due(
                at,
                priority=ticket.priority,
                cal=self.cal,
                default_hours=self.no_response_hours,
            ),
            requested_by=ticket.agent,
            tag=tag,
            reason=reason,
            message=message,
        )
        self.engagements.append(engagement)
        return engagement

    def _respond(self, ticket: Ticket, engagement: Engagement) -> datetime | None:
        """Log the admin's answer, or leave the request open while the ticket is open.

        For an admin who stays silent, returns when the support center stops waiting (two
        or three days on) and logs nothing: the caller decides what happens then. On a
        ticket that is done, an answer still to come is moved to before ``now``.
        """
        rng, now = self.rng, self.now
        personality = self.personalities[engagement.admin_id]
        if rng.random() < personality.silent:
            at = engagement.requested_at + timedelta(hours=rng.uniform(30, 80))
            # While the ticket is open, the silence goes unlogged for a week or so.
            if ticket.resolved_at is None and now - engagement.requested_at < timedelta(days=7):
                return None
            if at <= now:
                return at
        else:
            at = engagement.requested_at + self._delay(personality)
        if at > now:
            if ticket.resolved_at is None:
                return None
            at = engagement.requested_at + (now - engagement.requested_at) * rng.uniform(0.1, 0.9)
        self._answer(ticket, engagement, at)
        return None

    def _late_answer(self, ticket: Ticket, engagement: Engagement, gave_up: datetime) -> None:
        at = gave_up + min(
            timedelta(hours=self.rng.uniform(1, 48)), (self.now - gave_up) * self.rng.random()
        )
        self._answer(ticket, engagement, at)

    def _no_response(
        self, ticket: Ticket, engagement: Engagement, at: datetime, *, scan: bool = False
    ) -> None:
        """Log a silence: by the ticket's agent, or by the scan, which names nobody and
        writes no note."""
        response = AdminResponse(
            engagement=engagement,
            outcome=Outcome.NO_RESPONSE,
            channel="",
            responded_at=at,
            note="" if scan else self.rng.choice(SILENCE_NOTES),
            logged_by=None if scan else ticket.agent,
        )
        if engagement.state == EngagementState.OPEN:
            engagement.state = EngagementState.NO_RESPONSE
        self._log(ticket, response)

    def _answer(self, ticket: Ticket, engagement: Engagement, at: datetime) -> None:
        rng = self.rng
        personality = self.personalities[engagement.admin_id]
        draw = rng.random()
        if draw < personality.declines:
            outcome = Outcome.DECLINED
        elif draw < personality.declines + personality.redirects:
            outcome = Outcome.REDIRECTED
        elif engagement.kind == EngagementKind.COLLABORATE:
            outcome = Outcome.GAVE_INPUT if rng.random() < 0.93 else Outcome.ACCEPTED
        else:
            outcome = Outcome.ACCEPTED if rng.random() < 0.9 else Outcome.GAVE_INPUT
        if rng.random() < personality.direct:
            channel = Channel.DIRECT_MESSAGE
        else:
            channel = rng.choices(
                [Channel.TICKET, Channel.SUPPORT_CHANNEL, Channel.EMAIL, Channel.IN_PERSON],
                [45, 30, 18, 7],
            )[0]
        response = AdminResponse(
            engagement=engagement,
            outcome=outcome,
            channel=channel,
            responded_at=at,
            logged_by=ticket.agent,
        )
        if outcome == Outcome.REDIRECTED:
            if rng.random() < 0.55:
                response.redirect_admin = self._stand_in(ticket, engagement.admin)
            else:
                response.redirect_detail = rng.choice(REDIRECT_DETAILS)
        share = personality.next_time * (0.3 if outcome == Outcome.DECLINED else 1)
        if rng.random() < share:
            tips = TIPS.get(ticket.service.name, []) if ticket.service else []
            if tips and rng.random() < 0.7:
                title, steps = rng.choice(tips)
                response.next_time = " ".join(steps)
                self.tips.append((response, ticket, title, steps))
            else:
                response.next_time = rng.choice(GENERAL_NEXT_TIME)
        if rng.random() < 0.15:
            response.note = rng.choice(RESPONSE_NOTES)
        if engagement.first_response_at is None or at < engagement.first_response_at:
            engagement.first_response_at = at
            engagement.first_response_seconds = _seconds(engagement.requested_at, at)
        engagement.state = EngagementState.RESPONDED
        self._log(ticket, response)

    def _log(self, ticket: Ticket, response: AdminResponse) -> None:
        """The response and its timeline entry (``AdminResponse.timeline_note``, as
        ``Engagement.record_response`` writes it)."""
        self.responses.append(response)
        self.events.append(
            TicketEvent(
                ticket=ticket,
                at=response.responded_at,
                by=response.logged_by,
                kind=EventKind.RESPONSE,
                after=response.get_outcome_display(),
                note=response.timeline_note(),
            )
        )
