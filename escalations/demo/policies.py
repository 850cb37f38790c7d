"""The demo's escalation policy, on-call rotation and absence, so every page that shows them
has something to show. Idempotent and deterministic for a given ``now``."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from admins.models import (
    Absence,
    Administrator,
    EscalationPolicy,
    PolicyLevel,
    Rotation,
    RotationMember,
    Service,
    TargetKind,
)

ROTATION = "Network on call"
ON_CALL = ("Kim Osei", "Hana Mori", "Dana Whitfield")
POLICY = "Network: owner, on call, then the infrastructure lead"
LEAD = "Lee Marsh"
SERVICES = ("VPN", "Wi-Fi")
AWAY, STAND_IN = "Priya Natarajan", "Tomás Ibarra"


def ensure_policies(*, now: datetime) -> dict[str, int]:
    """A weekly rotation of three, a three-level policy used by the network services, and an
    absence with a stand-in that covers ``now``."""
    admins = {a.name: a for a in Administrator.objects.filter(name__in=[*ON_CALL, LEAD, AWAY])}
    admins |= {a.name: a for a in Administrator.objects.filter(name=STAND_IN)}
    today = timezone.localtime(now).date()
    monday = today - timedelta(days=today.weekday() + 21)
    rotation, made = Rotation.objects.get_or_create(
        name=ROTATION,
        defaults={"shift_days": 7, "handover_time": time(9, 0), "starts_on": monday},
    )
    if made:
        RotationMember.objects.bulk_create(
            RotationMember(rotation=rotation, admin=admins[name], position=position)
            for position, name in enumerate(ON_CALL, start=1)
        )
    policy, made = EscalationPolicy.objects.get_or_create(
        name=POLICY,
        defaults={
            "description": "Network requests: whoever is on call backs the owner up, then the "
            "infrastructure lead decides."
        },
    )
    if made:
        PolicyLevel.objects.bulk_create(
            [
                PolicyLevel(policy=policy, position=1, target=TargetKind.ASKED),
                PolicyLevel(
                    policy=policy,
                    position=2,
                    target=TargetKind.ROTATION,
                    rotation=rotation,
                    timeout_hours=8,
                ),
                PolicyLevel(
                    policy=policy,
                    position=3,
                    target=TargetKind.ADMIN,
                    admin=admins[LEAD],
                    timeout_hours=4,
                ),
            ]
        )
    Service.objects.filter(name__in=SERVICES, policy=None).update(policy=policy)
    if not Absence.objects.filter(admin=admins[AWAY]).exists():
        Absence.objects.create(
            admin=admins[AWAY],
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=6),
            stand_in=admins[STAND_IN],
            note="Annual leave",
        )
    return {"rotations": 1, "policies": 1, "absences": 1}
