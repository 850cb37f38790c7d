"""The hand-off workflows: the pre-escalation checklist, Collaborate, Escalate, De-escalate.

Each writes the ticket, its engagements and its timeline in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from admins.models import Administrator, Purview
from core import audit
from core.models import AuditAction
from core.roles import display_name
from escalations.guide.models import Scenario, fill_placeholders
from escalations.handoffs import delivery, levels
from escalations.handoffs.models import (
    AdminResponse,
    ChecklistAnswer,
    ChecklistItem,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
    Procedure,
)
from escalations.notifications import managers
from tickets.models import EventKind, Status, Ticket, TicketEvent, Tier
from tickets.services import change_fields
from tickets.sla import clock as sla
from tickets.sla.models import BusinessCalendar


class ChecklistIncomplete(ValidationError):
    """Escalation refused: these required checklist items are not checked on the ticket."""

    def __init__(self, missing: list[ChecklistItem]):
        self.missing = missing
        names = "; ".join(item.text for item in missing)
        super().__init__(f"Complete the pre-escalation checklist first. Still missing: {names}.")


def missing_items(ticket: Ticket) -> list[ChecklistItem]:
    """The active required items this ticket has not checked, in checklist order."""
    checked = ChecklistAnswer.objects.filter(item=OuterRef("pk"), ticket=ticket, checked=True)
    return list(ChecklistItem.objects.asked().filter(required=True).exclude(Exists(checked)))


def save_checklist(
    ticket: Ticket, *, by, answers: Mapping[int, tuple[bool, str]]
) -> list[ChecklistAnswer]:
    """Store the answers (item id → checked, note) that differ from what is saved, with the
    item's current wording, and put the changes on the timeline. Returns what changed."""
    items = ChecklistItem.objects.in_bulk(list(answers))
    now = timezone.now()
    changed: list[ChecklistAnswer] = []
    with transaction.atomic():
        # The lock orders this save against an escalation checking the same answers.
        ticket = locked_ticket(ticket)
        saved = {a.item_id: a for a in ticket.checklist_answers.filter(item__in=list(items))}
        for item_id, (checked, note) in answers.items():
            item, note = items[item_id], note.strip()
            answer = saved.get(item_id)
            if answer is None and not checked and not note:
                continue
            if answer is not None and (answer.checked, answer.note) == (checked, note):
                continue
            answer = answer or ChecklistAnswer(ticket=ticket, item=item)
            answer.item_text, answer.checked, answer.note = item.text, checked, note
            answer.answered_at, answer.answered_by = now, by
            answer.save()
            changed.append(answer)
        if changed:
            ticket.events.create(
                by=by,
                at=now,
                kind=EventKind.CHECKLIST,
                note="\n".join(str(a) + (f" ({a.note})" if a.note else "") for a in changed),
            )
    return changed


def _require_open(ticket: Ticket, action: str) -> None:
    if not ticket.is_open:
        raise ValidationError(
            f"Ticket #{ticket.external_id} is {ticket.get_status_display().lower()}; "
            f"reopen it before you {action}."
        )


def stamp_first_escalation(tickets: QuerySet[Ticket]) -> int:
    """Set each ticket's ``escalated_at`` to its earliest Escalate request, in one UPDATE.
    The weekly report counts escalations and the time to escalate from it."""
    first = (
        Engagement.objects.filter(ticket=OuterRef("pk"), kind=EngagementKind.ESCALATE)
        .order_by("requested_at")
        .values("requested_at")[:1]
    )
    return tickets.update(escalated_at=Subquery(first))


def locked_ticket(ticket: Ticket) -> Ticket:
    """The ticket, locked for the rest of the transaction: every hand-off and every answer
    takes it first. PostgreSQL serialises them on the ticket row; SQLite's immediate
    transactions already serialise every writer."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("admin", "service", "priority")
        .get(pk=ticket.pk)
    )


def collaborate(
    ticket: Ticket, *, admins: Iterable[Administrator], by, message: str, reason: str = ""
) -> list[Engagement]:
    """Add administrators as participants for input. The support center keeps ownership; a
    ticket in Handle moves to Collaborate. One engagement per administrator."""
    admins = list(admins)
    if not admins:
        raise ValidationError({"admins": "Choose at least one admin."})
    if not message.strip():
        raise ValidationError({"message": "Write the message the admin receives."})
    now = timezone.now()
    with transaction.atomic():
        ticket = locked_ticket(ticket)
        _require_open(ticket, "add an admin")
        waiting = set(
            ticket.engagements.open()
            .filter(kind=EngagementKind.COLLABORATE, admin__in=admins)
            .values_list("admin__name", flat=True)
        )
        if waiting:
            raise ValidationError(
                {"admins": f"Already awaiting an answer from {', '.join(sorted(waiting))}."}
            )
        if ticket.tier == Tier.HANDLE:
            change_fields(ticket, by=by, changes={"tier": Tier.COLLABORATE}, at=now)
        due = answer_due(ticket, now)
        engagements = Engagement.objects.bulk_create(
            Engagement(
                ticket=ticket,
                admin=admin,
                kind=EngagementKind.COLLABORATE,
                requested_at=now,
                answer_due_at=due,
                requested_by=by,
                reason=reason.strip(),
                message=_fill(message, ticket=ticket, admin=admin, by=by),
            )
            for admin in admins
        )
        for engagement in engagements:  # bulk_create sends no signal for the audit log
            audit.record(AuditAction.CREATED, target=engagement)
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=ticket,
                at=now,
                by=by,
                kind=EventKind.ENGAGED,
                after=engagement.admin.name,
                note=request_note(reason=reason, message=engagement.message),
            )
            for engagement in engagements
        )
        delivery.schedule(engagements)
    return engagements


# Seed 000: every escalation asks the administrator what the support center can do itself
# next time. The framework's own words; the Escalate scenarios' questions count as well.
META_QUESTION = (
    "What process can the support center follow the next time a ticket like this comes in?"
)


def _words(text: str) -> str:
    return " ".join(re.findall(r"[\w{}]+", text.lower()))


def meta_questions(scenarios: Iterable[Scenario] | None = None) -> list[str]:
    """The meta-protocol question as the framework and the Escalate scenarios word it: each
    question of a scenario's wording that asks about next time."""
    if scenarios is None:
        scenarios = Scenario.objects.filter(active=True, tier__in=[Tier.ESCALATE, ""])
    found = [META_QUESTION]
    for scenario in scenarios:
        for question in re.findall(r"[^.?!]*\?", scenario.wording):
            if "next time" in question.lower() and question.strip() not in found:
                found.append(question.strip())
    return found


def asks_meta_question(message: str, questions: Iterable[str]) -> bool:
    """Whether the message contains one of ``questions`` word for word (case, spacing and
    punctuation aside; a placeholder stands for whatever filled it)."""
    text = _words(message)
    for question in questions:
        parts = [re.escape(part) for part in re.split(r"\{\w+\}", _words(question))]
        if re.search(r".+?".join(parts), text):
            return True
    return False


def escalate(
    ticket: Ticket,
    *,
    admin: Administrator,
    by,
    tag: str,
    reason: str,
    message: str,
    meta_confirmed: bool = False,
) -> Engagement:
    """Move ownership of the ticket to an administrator, only with a complete checklist.

    The message must ask the meta-protocol question (``meta_questions``), or the agent confirms
    (``meta_confirmed``) that it asks it in other words.
    The ticket's admin, tier and status change on the timeline; an earlier open escalation
    to someone else is withdrawn, since a ticket has one owner at a time. The ticket's first
    escalation (``escalated_at``, what the weekly report counts) is stamped in the same
    transaction.
    """
    errors = {
        name: f"Give the {label}."
        for name, label, value in [
            ("tag", "tag", tag),
            ("reason", "reason for escalating", reason),
            ("message", "message to the admin", message),
        ]
        if not value.strip()
    }
    if not admin.active:
        errors["admin"] = f"{admin.name} is inactive; choose an active admin."
    if message.strip() and not meta_confirmed and not asks_meta_question(message, meta_questions()):
        errors["message"] = (
            "The message must end with the meta-protocol question, so the admin's answer can "
            f"become a procedure: “{META_QUESTION}” If you asked it in your own words, tick "
            "the box below to confirm."
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        ticket = locked_ticket(ticket)
        _require_open(ticket, "escalate")
        missing = missing_items(ticket)
        if missing:
            raise ChecklistIncomplete(missing)
        escalations = ticket.engagements.filter(kind=EngagementKind.ESCALATE)
        if escalations.open().filter(admin=admin).exists():
            raise ValidationError({"admin": f"The ticket is already escalated to {admin.name}."})
        escalations.withdraw(f"Ownership moved to {admin.name}.")
        engagement = Engagement.objects.create(
            ticket=ticket,
            admin=admin,
            kind=EngagementKind.ESCALATE,
            requested_at=now,
            answer_due_at=answer_due(ticket, now),
            requested_by=by,
            tag=tag.strip(),
            reason=reason.strip(),
            message=_fill(message, ticket=ticket, admin=admin, by=by),
        )
        managers.staff_escalated(engagement)  # recorded now, emailed once this commits
        # The first escalation of the ticket: stamped once, never moved by later ones.
        if Ticket.objects.filter(pk=ticket.pk, escalated_at=None).update(escalated_at=now):
            audit.changed(ticket, {"escalated_at": (None, now)})
        before = ticket.admin.name if ticket.admin else ""
        ticket.events.create(
            by=by,
            at=now,
            kind=EventKind.ESCALATED,
            field="admin",
            before=before,
            after=admin.name,
            note=request_note(tag=tag, reason=reason, message=engagement.message),
        )
        change_fields(
            ticket,
            by=by,
            changes={"tier": Tier.ESCALATE, "status": Status.WAITING_ON_ADMIN, "admin": admin},
            at=now,
            silent={"admin"},
        )
        delivery.schedule([engagement])
    return engagement


def deescalate(ticket: Ticket, *, by, reason: str, tier: str = Tier.HANDLE) -> None:
    """Take ownership back from the administrator: the open escalation is withdrawn, the
    ticket returns to the support center in the given tier. A reason is required."""
    tier = Tier(tier)
    if tier == Tier.ESCALATE:
        raise ValueError("De-escalating moves the ticket to Handle or Collaborate.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the ticket comes back to the support center."})
    now = timezone.now()
    with transaction.atomic():
        ticket = locked_ticket(ticket)
        if ticket.tier != Tier.ESCALATE:
            raise ValidationError(f"Ticket #{ticket.external_id} is not escalated.")
        ticket.engagements.filter(kind=EngagementKind.ESCALATE).withdraw(reason.strip())
        ticket.events.create(
            by=by,
            at=now,
            kind=EventKind.DEESCALATED,
            field="admin",
            before=ticket.admin.name if ticket.admin else "",
            after="",
            note=reason.strip(),
        )
        changes = {"tier": tier, "admin": None}
        if ticket.status == Status.WAITING_ON_ADMIN:
            changes["status"] = Status.IN_PROGRESS
        change_fields(ticket, by=by, changes=changes, at=now, silent={"admin"})
        withdraw_left_behind(ticket, before=Tier.ESCALATE, by=by, reason=reason)


# The requests a tier keeps waiting for: in Handle the support center works alone; in
# Collaborate it keeps ownership and asks only for input; in Escalate an owner may still be
# joined by participants asked for input.
KINDS_IN_TIER = {
    Tier.HANDLE: frozenset(),
    Tier.COLLABORATE: frozenset({EngagementKind.COLLABORATE}),
    Tier.ESCALATE: frozenset({EngagementKind.COLLABORATE, EngagementKind.ESCALATE}),
}


def withdraw_open_requests(
    ticket: Ticket, *, reason: str, by=None, kinds: Iterable[str] | None = None
) -> list[Engagement]:
    """Withdraw the ticket's open requests to administrators (of ``kinds``, every kind by
    default), e.g. because it is resolved, with one timeline entry per request, so nobody
    later reads a silence into a request nobody was waiting on any more."""
    pending = ticket.engagements.open().select_related("admin")
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    withdrawn = list(pending)
    if not withdrawn:
        return []
    Engagement.objects.filter(pk__in=[e.pk for e in withdrawn]).withdraw(reason)
    now = timezone.now()
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=ticket,
            at=now,
            by=by,
            kind=EventKind.WITHDRAWN,
            after=engagement.admin.name,
            note=f"{engagement.get_kind_display()} request withdrawn: {reason}",
        )
        for engagement in withdrawn
    )
    return withdrawn


def withdraw_left_behind(ticket: Ticket, *, before: str, by, reason: str = "") -> list[Engagement]:
    """The ticket left tier ``before``: withdraw the open requests its new tier does not keep
    waiting for (a ticket back in Handle waits on no administrator)."""
    kinds = set(EngagementKind) - KINDS_IN_TIER[Tier(ticket.tier)]
    moved = f"the ticket moved from {Tier(before).label} to {ticket.get_tier_display()}"
    return withdraw_open_requests(
        ticket,
        reason=f"{moved} ({reason.strip()})." if reason.strip() else f"{moved}.",
        by=by,
        kinds=kinds,
    )


def recompute_answer_deadlines(tickets: QuerySet[Ticket], *, cal) -> int:
    """Move the answer deadlines of the open requests on ``tickets`` to ``cal``'s hours."""
    default_hours = BusinessCalendar.current().no_response_hours
    count = 0
    for engagement in (
        Engagement.objects.open().filter(ticket__in=tickets).select_related("ticket__priority")
    ):
        engagement.answer_due_at = sla.answer_due(
            engagement.requested_at,
            priority=engagement.ticket.priority,
            cal=cal,
            default_hours=default_hours,
        )
        Engagement.objects.filter(pk=engagement.pk).update(answer_due_at=engagement.answer_due_at)
        delivery.move_reminder(engagement, cal)
        count += 1
    return count


def answer_due(ticket: Ticket, requested_at: datetime) -> datetime:
    """When silence on a request made now becomes "no response", in business time."""
    return sla.answer_due(
        requested_at,
        priority=ticket.priority,
        cal=sla.load_calendar(requested_at),
        default_hours=BusinessCalendar.current().no_response_hours,
    )


def request_note(*, message: str, reason: str = "", tag: str = "") -> str:
    """The timeline note of a request to an administrator: its tag and reason when given, then
    the message, one per line, as ``collaborate`` and ``escalate`` write it."""
    lines = []
    if tag.strip():
        lines.append(f"Tag: {tag.strip()}")
    if reason.strip():
        lines.append(f"Reason: {reason.strip()}")
    lines.append(f"Message: {message.strip()}")
    return "\n".join(lines)


def _fill(message: str, *, ticket: Ticket, admin: Administrator, by) -> str:
    return fill_placeholders(
        message.strip(),
        ticket=f"#{ticket.external_id}",
        admin=admin.name,
        service=ticket.service.name if ticket.service_id else "",
        agent=display_name(by),
    )


def backup_for(engagement: Engagement) -> Administrator | None:
    """Who takes over an unanswered request: the service's declared backup (or another
    declared owner) when there is one, else the administrator's own backup."""
    service_id = engagement.ticket.service_id
    if service_id:
        declared = (
            Purview.objects.current()
            .filter(service_id=service_id, admin__active=True)
            .exclude(admin_id=engagement.admin_id)
            .select_related("admin")
            # "backup" sorts before "owner": the declared backup first, then another owner.
            .order_by("role", "declared_on", "id")
        )
        for purview in declared:
            return purview.admin
    backup = engagement.admin.backup
    return backup if backup is not None and backup.active else None


def record_silence(engagement: Engagement, *, now: datetime) -> tuple[bool, Engagement | None]:
    """Log "no response" on an engagement whose answer is overdue and hand the request to
    the next level of its policy. Returns whether this call logged the silence, and the new
    engagement if someone was asked; see ``move_on``."""
    result = move_on(engagement, now=now)
    return result.logged, result.new


@dataclass
class MoveResult:
    logged: bool = False
    new: Engagement | None = None
    exhausted: bool = False  # this call found no level left: tell supervisors and the manager
    root: Engagement | None = None


def move_on(engagement: Engagement, *, now: datetime, plans: dict | None = None) -> MoveResult:
    """Log "no response" on an overdue engagement and move the request to the next level of
    its service's escalation policy: a new engagement (level, round and target recorded as
    the policy stands now), or, when no level is left, the chain marked exhausted. Every
    level passed over (away, already silent, told) is a timeline entry, never a silence.
    Claims the engagement with a conditional update, so when two runs meet, exactly one
    does the work. ``plans`` keeps the policies read in one scan (by service), so a scan
    reads each policy once."""
    with transaction.atomic():
        # The ticket first, then the engagement: the same order as every other hand-off
        # (escalate, resolve, close), so PostgreSQL never sees two of them wait on each other.
        ticket = locked_ticket(engagement.ticket)
        claimed = Engagement.objects.filter(
            pk=engagement.pk, state=EngagementState.OPEN, answer_due_at__lte=now
        ).update(state=EngagementState.NO_RESPONSE)
        if not claimed:
            return MoveResult()
        audit.changed(engagement, {"state": (EngagementState.OPEN, EngagementState.NO_RESPONSE)})
        engagement.refresh_from_db()
        engagement.record_response(
            outcome=Outcome.NO_RESPONSE, channel="", responded_at=now, by=None
        )
        root = engagement.chain if engagement.chain_id else engagement
        result = MoveResult(logged=True, root=root)
        if not ticket.is_open:
            return result
        plans = {} if plans is None else plans
        if ticket.service_id not in plans:
            plans[ticket.service_id] = levels.plan_for(ticket.service)
        plan = plans[ticket.service_id]
        move = levels.next_move(engagement, root=root, plan=plan, now=now)
        total = len(plan.levels)
        for step in move.steps:
            ticket.events.create(
                by=None,
                at=now,
                kind=EventKind.LEVEL_SKIPPED,
                before=engagement.admin.name,
                after=f"Level {step.level.position} of {total}",
                note=f"Level {step.level.position} of {total} ({step.level.label}) "
                f"{'was told' if step.told else 'was skipped'}: {step.note}.",
            )
        if move.exhausted:
            claimed = Engagement.objects.filter(pk=engagement.pk, exhausted_at=None).update(
                exhausted_at=now
            )
            engagement.exhausted_at = now
            result.exhausted = bool(claimed)
            ticket.events.create(
                by=None,
                at=now,
                kind=EventKind.EXHAUSTED,
                before=engagement.admin.name,
                note=f"Nobody answered at any level of the {plan.name} policy after "
                f"{engagement.admin.name}; the supervisors and the manager were told.",
            )
            return result
        new = _move_to(engagement, ticket, move, plan=plan, root=root, now=now)
        result.new = new
    return result


def _move_to(engagement, ticket, move, *, plan, root, now) -> Engagement:
    target, level, total = move.admin, move.level, len(plan.levels)
    if level.timeout_hours:
        cal = sla.load_calendar(now)
        due = sla.add_business_seconds(cal, now, level.timeout_hours * 3600)
    else:
        due = answer_due(ticket, now)
    new = Engagement.objects.create(
        ticket=ticket,
        admin=target,
        kind=engagement.kind,
        requested_at=now,
        answer_due_at=due,
        requested_by=engagement.requested_by,
        tag=engagement.tag,
        reason=engagement.reason or f"No answer from {engagement.admin.name} in the agreed time.",
        message=_renamed(engagement.message, engagement.admin.name, target.name),
        chain=root,
        level=level.position,
        levels=total,
        round=move.round,
        level_target=level.label[:120],
    )
    how = f" ({move.note})" if move.note else ""
    ticket.events.create(
        by=None,
        at=now,
        kind=EventKind.REROUTED,
        field="admin" if engagement.kind == EngagementKind.ESCALATE else "",
        before=engagement.admin.name,
        after=target.name,
        note=f"{engagement.admin.name} did not answer in time; the request went to "
        f"{target.name}{how}: level {level.position} of {total} of the {plan.name} policy, "
        f"{level.label.lower()}.",
    )
    if engagement.kind == EngagementKind.ESCALATE and ticket.admin_id == engagement.admin_id:
        change_fields(ticket, by=None, changes={"admin": target}, at=now, silent={"admin"})
    # The new target gets the request itself, tracked like any other: their own response
    # link, the reminder, and a retry if the send fails.
    delivery.schedule([new])
    return new


def pass_on(engagement: Engagement, *, to: Administrator, by) -> Engagement:
    """Send a request that was declined, went unanswered or was redirected to another
    administrator (the backup, or whoever the agent chooses), with the same tag, reason and
    message. An escalation moves the ticket's ownership with it. Raises ValidationError when
    there is nothing to pass on, or ``to`` cannot take it."""
    if not engagement.dead_end:
        raise ValidationError(
            f"{engagement.admin.name}'s request is {engagement.badge[1].lower()}: "
            "there is nothing to pass on."
        )
    if to.pk == engagement.admin_id:
        raise ValidationError({"admin": f"Choose someone other than {to.name}."})
    if not to.active:
        raise ValidationError({"admin": f"{to.name} is inactive; choose an active admin."})
    now = timezone.now()
    with transaction.atomic():
        ticket = locked_ticket(engagement.ticket)
        _require_open(ticket, "pass the request on")
        escalating = engagement.kind == EngagementKind.ESCALATE
        if escalating and ticket.admin_id != engagement.admin_id:
            raise ValidationError(
                f"Ownership has already moved on from {engagement.admin.name}; see the ticket."
            )
        if ticket.engagements.open().filter(admin=to, kind=engagement.kind).exists():
            raise ValidationError({"admin": f"Already awaiting an answer from {to.name}."})
        if escalating:
            ticket.engagements.filter(kind=EngagementKind.ESCALATE).withdraw(
                f"Ownership moved to {to.name}."
            )
        new = Engagement.objects.create(
            ticket=ticket,
            admin=to,
            kind=engagement.kind,
            requested_at=now,
            answer_due_at=answer_due(ticket, now),
            requested_by=by,
            tag=engagement.tag,
            reason=engagement.reason,
            message=_renamed(engagement.message, engagement.admin.name, to.name),
        )
        ticket.events.create(
            by=by,
            at=now,
            kind=EventKind.ESCALATED if escalating else EventKind.ENGAGED,
            field="admin" if escalating else "",
            before=engagement.admin.name if escalating else "",
            after=to.name,
            note=f"{engagement.admin.name} {engagement.dead_end}; the request went on to "
            f"{to.name}.\n" + request_note(tag=new.tag, reason=new.reason, message=new.message),
        )
        if escalating:
            change_fields(ticket, by=by, changes={"admin": to}, at=now, silent={"admin"})
            managers.staff_escalated(new)  # recorded now, emailed once this commits
        elif ticket.tier == Tier.HANDLE:
            change_fields(ticket, by=by, changes={"tier": Tier.COLLABORATE}, at=now)
        delivery.schedule([new])
    return new


def _renamed(message: str, old: str, new: str) -> str:
    # Whole words only: a short name must not change inside other words.
    return re.sub(rf"\b{re.escape(old)}\b", lambda _: new, message)


def save_procedure(response: AdminResponse, *, title: str, body: str, by) -> Procedure:
    """Keep an administrator's "next time" answer as a procedure of the ticket's service, so
    the next ticket for that service can be handled without them."""
    ticket = response.engagement.ticket
    if ticket.service_id is None:
        raise ValidationError("Set the ticket's service first: a procedure belongs to a service.")
    errors = {}
    if not title.strip():
        errors["title"] = "Give the procedure a title."
    if not body.strip():
        errors["body"] = "Write the steps."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        procedure = Procedure.objects.create(
            service_id=ticket.service_id,
            title=title.strip(),
            body=body.strip(),
            source=response,
            created_by=by,
        )
        ticket.events.create(
            by=by,
            kind=EventKind.PROCEDURE,
            after=procedure.title,
            note=f"Saved for {ticket.service.name} from {response.engagement.admin.name}'s answer.",
        )
    return procedure
