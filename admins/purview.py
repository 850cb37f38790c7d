"""The purview matrix: services × administrators, with each service's gaps in coverage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from admins.models import Administrator, Purview, PurviewRole, Service

NO_OWNER, INACTIVE_OWNER, NO_BACKUP = "No owner", "Inactive owner", "No backup"
TWO_OWNERS = "Conflicting owners"
# A service's gaps as its row labels them, and as the count above the matrix words them.
GAPS = {
    NO_OWNER: "without an owner",
    INACTIVE_OWNER: "with an inactive owner",
    TWO_OWNERS: "with more than one owner",
    NO_BACKUP: "without a backup",
}


def gaps(declarations: Iterable[Purview]) -> list[str]:
    """What a service's current declarations leave uncovered, in the order of GAPS.

    An inactive owner is still the owner on record, so it is a gap of its own; an inactive
    backup cannot take over from anyone, so it counts as no backup at all. Two owners of one
    service are a conflict to resolve: nobody knows whose word the service follows.
    """
    owners, backups = [], []
    for declaration in declarations:
        (owners if declaration.role == PurviewRole.OWNER else backups).append(declaration.admin)
    found = []
    if not owners:
        found.append(NO_OWNER)
    elif any(not owner.active for owner in owners):
        found.append(INACTIVE_OWNER)
    if len(owners) > 1:
        found.append(TWO_OWNERS)
    if not any(backup.active for backup in backups):
        found.append(NO_BACKUP)
    return found


def matrix() -> dict:
    """Services × administrators with each current declaration, and each service's gaps.

    Columns are the active administrators and anyone still holding a declaration. Three
    queries whatever the size: services, administrators, current declarations.
    """
    services = list(Service.objects.all())
    current = list(Purview.objects.current().select_related("service", "admin", "recorded_by"))
    admins = list(
        Administrator.objects.filter(
            Q(active=True) | Q(pk__in=Purview.objects.current().values("admin"))
        )
    )
    held = {(p.service_id, p.admin_id): p for p in current}
    by_service: dict[int, list[Purview]] = defaultdict(list)
    for declaration in current:
        by_service[declaration.service_id].append(declaration)
    rows = []
    for service in services:
        cells = [held.get((service.pk, admin.pk)) for admin in admins]
        rows.append({"service": service, "cells": cells, "gaps": gaps(by_service[service.pk])})
    counts = {label: sum(1 for row in rows if label in row["gaps"]) for label in GAPS}
    return {
        "admins": admins,
        "rows": rows,
        "current": current,
        "gap_services": sum(1 for row in rows if row["gaps"]),
        "gap_phrases": [f"{n} {GAPS[label]}" for label, n in counts.items() if n],
    }
