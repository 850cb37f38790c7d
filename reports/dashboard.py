"""The dashboard, in seed 001's order: a strip of headline numbers, open escalations, the admin
response summary, recent tickets, then the rest. A manager's dashboard starts with the weekly
report and the response summary instead, since reading them is what the role is for."""

from __future__ import annotations

from django.db.models import Case, Count, Min, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core import requestcache, versions
from escalations.handoffs.models import Engagement
from escalations.urgent.models import UrgentRequest
from escalations.urgent.services import open_requests
from reports import governance
from reports.summary import (
    DEFAULT_PERIOD,
    median_first_response,
    sort_summary,
    summary_figure,
    summary_for_period,
)
from reports.summary_table import DASHBOARD_KEYS, table_context
from reports.turns import Turns, turns
from reports.weekly import Headline, current_week, headline_figures, weekly_figures, zone
from tickets.forms import TicketLogForm
from tickets.models import SlaState, Ticket, Tier, sla_conditions
from tickets.sla.clock import state as sla_state

DASHBOARD_ROWS = 15
DASHBOARD_ADMINS = 8
# Section partials of templates/escalations/dashboard.html: (full width under the strip, then
# the column beside the quick log form, for those who may log tickets).
SECTIONS = (["open-escalations", "summary"], ["recent", "urgent", "sla"])
MANAGER_SECTIONS = (["weekly", "summary"], ["open-escalations", "urgent", "recent", "sla"])


TICKET_COUNTS = (("tickets",), "dashboard:tickets")
AWAITING = (("handoffs",), "dashboard:awaiting")
GOVERNANCE_SOURCES = ("governance", "handoffs", "tickets", "admins", "services")


def median_figure(week_start) -> tuple[tuple[str, ...], str]:
    return ("handoffs",), f"dashboard:median:{week_start.isoformat()}"


def governance_figure(week) -> tuple[tuple[str, ...], str]:
    return GOVERNANCE_SOURCES, f"dashboard:governance:{week}"


def read_cached_figures(now) -> None:
    """Reads every cached figure the dashboard shows in one cache query, not one each: on the
    database cache each read is a query. The figures below then find them in the request."""
    week = current_week(now)
    week_start, _end = week.bounds(zone())
    figures = [
        summary_figure(DEFAULT_PERIOD),
        TICKET_COUNTS,
        AWAITING,
        median_figure(week_start),
        governance_figure(week),
    ]
    keys = [key for sources, name in figures for key in versions.keys_for(sources, name)]
    requestcache.get_many(dict.fromkeys(keys))


def ticket_counts(*, now) -> dict:
    """Open escalations, breached and due-soon tickets, from the cache until a ticket is
    written. The SLA counts also change as due and warning times pass, with no write: the
    cached figure holds those moments (reports.turns), so one cache read answers any moment
    until the next write. Two queries when computed."""

    def compute() -> tuple[Turns, object]:
        # The same rules as the badge and the list's SLA filter, so the numbers agree.
        states = sla_conditions(now=now)
        base = Ticket.objects.open().aggregate(
            escalations=Count("id", filter=Q(tier=Tier.ESCALATE)),
            breached=Count("id", filter=states[SlaState.BREACHED]),
            soon=Count("id", filter=states[SlaState.DUE_SOON]),
        )
        # Only a ticket with a due time still to come changes state with the clock: then it
        # is breached (unless it already is, for a late answer or before a pause), and due
        # soon from its warning time until then while its clock runs (on track or due soon
        # now, as the badge says).
        ahead = (
            Ticket.objects.open()
            .filter(next_due_at__gt=now)
            .annotate(
                breached=Case(When(states[SlaState.BREACHED], then=True), default=False),
                running=Case(
                    When(states[SlaState.ON_TRACK] | states[SlaState.DUE_SOON], then=True),
                    default=False,
                ),
            )
            .order_by()
            .values_list("next_due_at", "due_soon_at", "breached", "running")
        )
        changes = []
        for due, soon_from, breached, running in ahead:
            if not breached:
                changes.append((due, "breached", 1))
            if running and soon_from is not None and soon_from < due:
                if soon_from > now:
                    changes.append((soon_from, "soon", 1))
                changes.append((due, "soon", -1))
        return turns(base, changes)

    return versions.cached(*TICKET_COUNTS, compute, now=now).at(now)


def headline_strip(*, now, awaiting: int | None = None) -> dict:
    """The numbers across the top: open escalations, requests awaiting an admin's answer
    (counted here unless given), breached tickets (and due soon), and the median time to
    first answer of this week's requests. Cached (core.versions): two or three queries
    when computed, none while nothing they read was written."""
    week = current_week(now)
    week_start, week_end = week.bounds(zone())

    def median() -> tuple[float | None, object]:
        answered = Engagement.objects.filter(requested_at__gte=week_start)
        return median_first_response(answered), week_end

    def open_requests() -> tuple[int, None]:
        return Engagement.objects.open().count(), None

    if awaiting is None:
        awaiting = versions.cached(*AWAITING, open_requests, now=now)
    return ticket_counts(now=now) | {
        "awaiting": awaiting,
        "week": week,
        "median_seconds": versions.cached(*median_figure(week_start), median, now=now),
    }


def governance_breaches(week, *, now) -> list[governance.Breach]:
    """The week's crossed thresholds, from the cache until a request, a ticket (its
    service), a threshold or the administrator or service it names is written, or a request
    dated later than now comes within the week. One query when none is set; when computed,
    one more per scope in use and one for the next request ahead."""

    def compute() -> tuple[list[governance.Breach], object]:
        found = governance.breaches(week, now=now)
        _start, end = week.bounds(zone())
        ahead = Engagement.objects.filter(requested_at__gte=now, requested_at__lt=end).aggregate(
            first=Min("requested_at")
        )
        return found, min(end, ahead["first"] or end)

    return versions.cached(*governance_figure(week), compute, now=now)


def last_week_figures(now) -> dict:
    """The headline figures of last week's report against the week before: one query."""
    week = current_week(now).previous
    figures = weekly_figures([week.previous.bounds(zone()), week.bounds(zone())], headline_weeks=2)
    before, last = (Headline.from_figures(f) for f in figures)
    return {"week": week, "figures": headline_figures(last, before)}


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    # Whoever reads rather than works tickets (a manager) gets the report and the summary
    # first. Decided by permission, not by the role's label, so it follows the role table.
    manager = not request.user.has_perm("tickets.add_ticket")
    read_cached_figures(now)
    context = {}
    awaiting = None
    if request.user.has_perm("admins.view_administrator"):
        everyone = summary_for_period(DEFAULT_PERIOD, now=now)
        # The summary counts every administrator's open requests, whatever their age: their
        # sum is the strip's "awaiting an answer", without counting again.
        awaiting = sum(s.open for s in everyone)
        rows = [s for s in everyone if s.requests or s.open]
        context["summary"] = sort_summary(rows, "-requests")[0][:DASHBOARD_ADMINS]
        context["summary_table"] = table_context(context["summary"], DASHBOARD_KEYS)
        context["summary_days"] = DEFAULT_PERIOD
    open_escalations = Ticket.objects.open().escalated()
    strip = headline_strip(now=now, awaiting=awaiting)
    context |= {
        "top_sections": (MANAGER_SECTIONS if manager else SECTIONS)[0],
        "more_sections": (MANAGER_SECTIONS if manager else SECTIONS)[1],
        "strip": strip,
        "open_escalations": open_escalations.for_list().order_by("opened_at", "id")[
            :DASHBOARD_ROWS
        ],
        "open_escalation_count": strip["escalations"],
        "exhausted": list(
            Engagement.objects.exhausted_unhandled()
            .select_related("ticket", "admin")
            .order_by("exhausted_at", "id")[:DASHBOARD_ROWS]
        ),
        "recent_tickets": Ticket.objects.for_list().order_by("-id")[:10],
        "form": TicketLogForm(),
        "now": now,
        "sla_breached_count": strip["breached"],
        "sla_due_soon_count": strip["soon"],
    }
    # Only an open ticket with its clock running has a due time (tickets.sla.clock.next_due,
    # as the check_sla scan relies on), so no status condition: with one, SQLite would read
    # every open ticket and sort them, instead of the first rows of the next_due_at index.
    attention = Ticket.objects.filter(next_due_at__isnull=False, due_soon_at__lte=now)
    context["sla_attention"] = list(
        attention.for_list().order_by("next_due_at", "id")[:DASHBOARD_ROWS]
    )
    # Each row's badge from one set of conditions: the badge's template tag builds them again
    # for every row, which costs more than evaluating them.
    conditions = sla_conditions(now=now)
    for ticket in context["sla_attention"]:
        ticket.sla = sla_state(ticket, now=now, conditions=conditions)
    # Seed 003 module 4: a week over a governance threshold says so at the top.
    context["governance_breaches"] = governance_breaches(strip["week"], now=now)
    if manager and request.user.has_perm("reports.view_weekly_report"):
        context["last_week"] = last_week_figures(now)
    if request.user.has_perm("escalations.view_urgentrequest"):
        urgent = list(open_requests()[:DASHBOARD_ROWS])
        context["urgent_requests"] = urgent
        context["urgent_count"] = (
            len(urgent) if len(urgent) < DASHBOARD_ROWS else UrgentRequest.objects.open().count()
        )
    return render(request, "escalations/dashboard.html", context)
