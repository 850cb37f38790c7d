"""The ticket page's timeline, rendered once per state of the ticket's events.

Events are written by the services and never edited, and their ids only grow, so how many a
ticket has and the newest id say whether its timeline changed: one indexed count instead of
loading and rendering up to ``TIMELINE_LIMIT`` rows on every view. The names shown come from
user accounts, so a write to any of them (the ``permissions`` token) renders it again; the
times are shown in the organisation's zone, which is part of the stamp. The fragment holds no
CSRF token and no "minutes ago": nothing in it belongs to one viewer or to the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core import versions
from core.permissions import SOURCE as USERS
from tickets.models import Ticket

TIMELINE_LIMIT = 200
SOURCES = (USERS,)


@dataclass(frozen=True)
class Timeline:
    html: SafeString
    count: int
    newest_id: int

    @property
    def shown(self) -> int:
        return min(self.count, TIMELINE_LIMIT)

    @property
    def more(self) -> bool:
        return self.count > TIMELINE_LIMIT


def _key(external_id: str) -> str:
    # Every role sees the same entries, so one fragment serves every viewer.
    return f"ticket-timeline:{external_id}"


def timeline(request: HttpRequest, ticket: Ticket) -> Timeline:
    state = ticket.events.aggregate(count=Count("id"), newest=Max("id"))
    count, newest = state["count"], state["newest"] or 0

    def render() -> tuple[str, None]:
        events = list(ticket.events.select_related("by")[:TIMELINE_LIMIT])
        context = {"events": events, "more_events": count > TIMELINE_LIMIT}
        return render_to_string("tickets/ticket_detail.html#timeline", context), None

    html = versions.cached(
        SOURCES,
        _key(ticket.external_id),
        render,
        stamp=(ticket.pk, count, newest, timezone.get_current_timezone_name()),
    )
    return Timeline(mark_safe(html), count, newest)  # noqa: S308 - rendered by our template


def ticket_of_page(request: HttpRequest) -> str | None:
    """The ticket id of a ticket's page (or action) this request is for, else None; resolved
    once a request, for the prefetchers of the request cache."""
    if not hasattr(request, "_ticket_of_page"):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        found = match.kwargs.get("external_id") if match and match.namespace == "tickets" else None
        request._ticket_of_page = found or None
    return request._ticket_of_page


def prefetch(request: HttpRequest) -> list[str]:
    """The timeline's cache keys on a ticket's pages, read with the keys every page needs."""
    external_id = ticket_of_page(request)
    return versions.keys_for(SOURCES, _key(external_id)) if external_id else []
