"""Who is on call in a rotation: plain arithmetic on a rotation whose members and overrides
are loaded (prefetch them for a list), no query of its own.

Hand-overs happen at the rotation's local time in ``zone`` (the organisation's zone; the
active time zone when none is given), so a daylight-saving change never moves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.utils import timezone

from admins.models import Administrator, Rotation


@dataclass(frozen=True)
class Shift:
    admin: Administrator | None
    starts_at: datetime | None  # when the person next on call takes over (None: nobody next)


def _zone(zone: tzinfo | None) -> tzinfo:
    return zone or timezone.get_current_timezone()


def _handover(rotation: Rotation, index: int, zone: tzinfo) -> datetime:
    naive = datetime.combine(rotation.starts_on, rotation.handover_time) + timedelta(
        days=index * rotation.shift_days
    )
    return naive.replace(tzinfo=zone)


def _shift_index(rotation: Rotation, at: datetime, zone: tzinfo) -> int:
    local = at.astimezone(zone).replace(tzinfo=None)
    first = datetime.combine(rotation.starts_on, rotation.handover_time)
    return (local - first) // timedelta(days=rotation.shift_days)


def on_call(rotation: Rotation, at: datetime, zone: tzinfo | None = None) -> Administrator | None:
    """The administrator on call at ``at``: whoever covers an override then (the latest one
    begun), else the member whose turn it is. None before the first hand-over or with no
    members."""
    zone = _zone(zone)
    covering = [o for o in rotation.overrides.all() if o.starts_at <= at < o.ends_at]
    if covering:
        return max(covering, key=lambda o: o.starts_at).admin
    members = list(rotation.members.all())
    index = _shift_index(rotation, at, zone)
    if not members or index < 0:
        return None
    return members[index % len(members)].admin


def next_on_call(rotation: Rotation, at: datetime, zone: tzinfo | None = None) -> Shift:
    """Who takes over after the person on call at ``at``, and when: the earliest hand-over or
    override boundary after which someone else is on call."""
    zone = _zone(zone)
    now_admin = on_call(rotation, at, zone)
    index = _shift_index(rotation, at, zone)
    members = list(rotation.members.all())
    candidates = {
        edge for o in rotation.overrides.all() for edge in (o.starts_at, o.ends_at) if edge > at
    }
    if members:
        first = max(index + 1, 0)
        candidates.update(_handover(rotation, first + i, zone) for i in range(len(members) + 1))
    for when in sorted(candidates):
        admin = on_call(rotation, when, zone)
        if admin is not None and (now_admin is None or admin.pk != now_admin.pk):
            return Shift(admin, when)
    return Shift(None, None)
