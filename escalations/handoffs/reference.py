"""What every ticket page's hand-off cards read that no ticket owns: the active
administrators, the current declarations of purview, the active scenarios and the checklist
items asked; and the services' procedures. Written rarely (by supervisors and
administrators), read on every ticket view: kept in the cache under the tokens of what they
are read from (core.versions), and read with the keys every ticket page reads, so a warm page
asks the database for none of them.

The procedures are apart: they are under the ``handoffs`` token, which every request to an
admin and every answer replaces, and the rest need not be read again each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from admins.models import Administrator, Purview
from core import versions
from escalations.guide.models import Scenario
from escalations.handoffs.models import ChecklistItem, Procedure
from tickets.timeline import ticket_of_page

SOURCES = (
    *Administrator.cache_versions,
    *Purview.cache_versions,
    *Scenario.cache_versions,
    *ChecklistItem.cache_versions,
)
KEY = "handoff-reference"
PROCEDURE_SOURCES = Procedure.cache_versions
PROCEDURES_KEY = "handoff-procedures"


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


def _procedures() -> tuple[dict[int, list[Procedure]], None]:
    by_service: dict[int, list[Procedure]] = {}
    for procedure in Procedure.objects.active():
        by_service.setdefault(procedure.service_id, []).append(procedure)
    return by_service, None


def procedures(service_id: int | None) -> list[Procedure]:
    """The service's active procedures, by title."""
    if service_id is None:
        return []
    return versions.cached(PROCEDURE_SOURCES, PROCEDURES_KEY, _procedures).get(service_id, [])


def prefetch(request: HttpRequest) -> list[str]:
    """The reference's cache keys on a ticket's pages, read with the keys every page needs."""
    if ticket_of_page(request) is None:
        return []
    return [
        *versions.keys_for(SOURCES, KEY),
        *versions.keys_for(PROCEDURE_SOURCES, PROCEDURES_KEY),
    ]
