"""What every ticket page's hand-off cards read that no ticket owns: the active
administrators, the current declarations of purview, the active scenarios and the checklist
items asked. Written rarely (by supervisors and administrators), read on every ticket view:
kept in the cache under the tokens of the four (core.versions), and read with the keys every
ticket page reads, so a warm page asks the database for none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import Resolver404, resolve

from admins.models import Administrator, Purview
from core import versions
from escalations.guide.models import Scenario
from escalations.handoffs.models import ChecklistItem

SOURCES = (
    *Administrator.cache_versions,
    *Purview.cache_versions,
    *Scenario.cache_versions,
    *ChecklistItem.cache_versions,
)
KEY = "handoff-reference"


@dataclass(frozen=True)
class Reference:
    admins: list[Administrator]  # active, by name
    # Current declarations of active administrators, by service id, owners first.
    declared: dict[int, list[Purview]]
    scenarios: list[Scenario]  # active, in their order
    checklist_items: list[ChecklistItem]  # asked, in their order


def _compute() -> tuple[Reference, None]:
    declared: dict[int, list[Purview]] = {}
    for purview in (
        Purview.objects.current()
        .filter(admin__active=True)
        .select_related("admin")  # AdminOptions.first_suggestion() returns it
        .order_by("role", "declared_on", "id")
    ):
        declared.setdefault(purview.service_id, []).append(purview)
    reference = Reference(
        admins=list(Administrator.objects.active()),
        declared=declared,
        scenarios=list(Scenario.objects.filter(active=True)),
        checklist_items=list(ChecklistItem.objects.asked()),
    )
    return reference, None


def reference() -> Reference:
    return versions.cached(SOURCES, KEY, _compute)


def prefetch(request: HttpRequest) -> list[str]:
    """The reference's cache keys on a ticket's pages, read with the keys every page needs."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return []
    if match.namespace != "tickets" or not match.kwargs.get("external_id"):
        return []
    return versions.keys_for(SOURCES, KEY)
