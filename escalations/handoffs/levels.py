"""Where an unanswered request goes next under its service's escalation policy.

Reads only: ``plan_for`` loads the policy, ``next_move`` decides the next level's target
(skipping whoever is away or already went silent on this chain), and the caller
(``services.record_silence``) writes the move. The levels are copied into plain values, so
what a move records is the policy as it stood at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from admins.models import (
    Absence,
    Administrator,
    EscalationPolicy,
    PolicyLevel,
    Purview,
    TargetKind,
)
from admins.oncall import on_call
from escalations.handoffs.models import Engagement, EngagementState
from tickets.sla.clock import organisation_zone


@dataclass(frozen=True)
class Level:
    position: int
    target: str
    label: str
    admin: Administrator | None = None
    rotation: object | None = None
    timeout_hours: int | None = None


@dataclass(frozen=True)
class Plan:
    name: str
    levels: tuple[Level, ...]
    repeat: int = 0


# Today's behaviour, used when no default policy is on record: the administrator asked, then
# the declared backup, then the supervisors.
BUILT_IN = Plan(
    name="Default",
    levels=(
        Level(1, TargetKind.ASKED, TargetKind.ASKED.label),
        Level(2, TargetKind.BACKUP, TargetKind.BACKUP.label),
        Level(3, TargetKind.SUPERVISORS, TargetKind.SUPERVISORS.label),
    ),
)


def plan_for(service) -> Plan:
    """The policy of ``service`` (its own, else the default one), as plain values."""
    levels = Prefetch(
        "levels",
        queryset=PolicyLevel.objects.select_related("admin").prefetch_related(
            "rotation__members__admin", "rotation__overrides__admin"
        ),
    )
    policies = EscalationPolicy.objects.prefetch_related(levels)
    policy_id = getattr(service, "policy_id", None)
    policy = (
        policies.filter(pk=policy_id).first()
        if policy_id
        else policies.filter(is_default=True).first()
    )
    if policy is None:
        return BUILT_IN
    return Plan(
        name=policy.name,
        repeat=policy.repeat_count,
        levels=tuple(
            Level(
                position=level.position,
                target=level.target,
                label=level.describe(),
                admin=level.admin,
                rotation=level.rotation,
                timeout_hours=level.timeout_hours,
            )
            for level in policy.levels.all()
        ),
    )


@dataclass
class Step:
    """A level passed over on the way: skipped (nobody to ask, away, already silent) or
    told (the manager, the supervisors)."""

    level: Level
    round: int
    told: bool
    note: str


@dataclass
class Move:
    steps: list[Step] = field(default_factory=list)
    level: Level | None = None
    round: int = 1
    admin: Administrator | None = None
    note: str = ""  # how the target was found (on call, standing in)

    @property
    def exhausted(self) -> bool:
        return self.admin is None


def _backup(engagement: Engagement, skip: set[int]) -> Administrator | None:
    """The service's declared backup (or another declared owner), else the silent
    administrator's own backup, leaving out everyone in ``skip``."""
    service_id = engagement.ticket.service_id
    if service_id:
        declared = (
            Purview.objects.current()
            .filter(service_id=service_id, admin__active=True)
            .exclude(admin_id__in=skip | {engagement.admin_id})
            .select_related("admin")
            # "backup" sorts before "owner": the declared backup first, then another owner.
            .order_by("role", "declared_on", "id")
        )
        for purview in declared[:1]:
            return purview.admin
    backup = engagement.admin.backup
    if backup is not None and backup.active and backup.pk not in skip:
        return backup
    return None


def next_move(engagement: Engagement, *, root: Engagement, plan: Plan, now: datetime) -> Move:
    """The next level after ``engagement`` that has someone to ask. Nobody who went silent on
    this chain in the current round is asked again; a new round (the policy repeats) may ask
    them once more. An absent administrator is replaced by their stand-in, or skipped; either
    is a step on the record, never a silence."""
    chain = Engagement.objects.filter(pk=root.pk) | Engagement.objects.filter(chain_id=root.pk)
    asked = list(chain.values_list("admin_id", "round", "state"))
    absences = {a.admin_id: a for a in Absence.objects.at(now).select_related("stand_in")}
    busy = set(
        engagement.ticket.engagements.open()
        .filter(kind=engagement.kind)
        .values_list("admin_id", flat=True)
    )
    move = Move()
    for round_ in range(engagement.round, plan.repeat + 2):
        silent = {
            admin_id
            for admin_id, r, state in asked
            if r == round_ and state == EngagementState.NO_RESPONSE
        } | ({engagement.admin_id} if round_ == engagement.round else set())
        first = engagement.level + 1 if round_ == engagement.round else 1
        for level in plan.levels:
            if level.position < first:
                continue
            if level.target in (TargetKind.MANAGER, TargetKind.SUPERVISORS):
                move.steps.append(Step(level, round_, True, f"{level.label}: told"))
                continue
            candidate, how = _resolve(level, engagement, root, silent, now)
            if candidate is None or not candidate.active:
                why = how or "nobody to ask"
                move.steps.append(Step(level, round_, False, why))
                continue
            if candidate.pk in silent:
                note = f"{candidate.name} already went without answering"
                move.steps.append(Step(level, round_, False, note))
                continue
            if candidate.pk in busy:
                note = f"{candidate.name} is already being asked"
                move.steps.append(Step(level, round_, False, note))
                continue
            away = absences.get(candidate.pk)
            if away is not None:
                stand_in = away.stand_in
                until = f"away until {_local(away.ends_at)}"
                usable = (
                    stand_in is not None
                    and stand_in.active
                    and stand_in.pk not in silent
                    and stand_in.pk not in absences
                    and stand_in.pk not in busy
                )
                if not usable:
                    move.steps.append(Step(level, round_, False, f"{candidate.name} is {until}"))
                    continue
                how = f"{stand_in.name} stands in for {candidate.name} ({until})"
                candidate = stand_in
            move.level, move.round, move.admin, move.note = level, round_, candidate, how
            return move
    return move


def _resolve(level: Level, engagement, root, silent: set[int], now) -> tuple:
    if level.target == TargetKind.ASKED:
        return root.admin, ""
    if level.target == TargetKind.ADMIN:
        return level.admin, ""
    if level.target == TargetKind.BACKUP:
        return _backup(engagement, silent), "no declared backup left to ask"
    if level.target == TargetKind.ROTATION:
        # The organisation's hand-over times, as the on-call page shows them, whichever zone
        # the process runs in (check_sla activates none).
        admin = on_call(level.rotation, now, organisation_zone())
        if admin is None:
            return None, f"nobody on call in {level.rotation.name}"
        return admin, f"on call in {level.rotation.name}"
    return None, ""


def _local(when: datetime) -> str:
    return f"{timezone.localtime(when, organisation_zone()):%a %d %b %H:%M}"
