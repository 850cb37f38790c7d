"""The weekly report's figures, read from the database for one ISO week.

Every figure is an aggregate: the headline numbers and the trend are scalar subqueries sent as
one query (``reports.scalars``), the tables are ``values().annotate()``, and lists are cut to
their top rows in SQL. So the number of queries and the rows that leave the database stay the
same however many tickets the week holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core import versions
from core.templatetags.formatting import duration, percent
from escalations.handoffs.models import (
    OFF_POLICY_CHANNELS,
    AdminResponse,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
)
from reports import definitions, dm_pattern, funnel, governance, knowledge, metrics, timings
from reports.dm_pattern import DmPattern
from reports.links import url_for
from reports.periods import Month, Part, Period, Quarter, report_title
from reports.scalars import SecondsBetween, one_row_at, total
from reports.summary import AdminSummary, response_summary
from reports.summary_table import WEEK_KEYS, table_context
from reports.weeks import IsoWeek, weeks_back
from tickets.models import Category, Priority, Ticket, Tier
from tickets.sla.clock import organisation_zone

TOP_ROWS = 10
TREND_WEEKS = 8
# (name, key, colour, dash pattern): the dash tells the lines apart in greyscale too.
TREND_SERIES = [
    ("Tickets logged", "logged", "#1f5fbf", ""),
    ("Escalate requests", "escalated", "#b42318", "6 3"),
    ("No responses", "no_response", "#8a5a00", "2 3"),
]
# Small enough that the labels stay legible when a phone scales the chart down.
CHART_SIZE = (480, 200)
TREND_CHARTS = [
    ("Tickets logged", ["logged"]),
    ("Escalate requests and no responses", ["escalated", "no_response"]),
]
AGE_BUCKETS = [
    ("Under 1 day", None, 1),
    ("1 to 3 days", 1, 3),
    ("3 to 7 days", 3, 7),
    ("7 days or more", 7, None),
]


def zone() -> ZoneInfo:
    """Weeks start at Monday 00:00 in the organisation's time zone, the one the clocks use."""
    return organisation_zone()


def current_week(now: datetime | None = None) -> IsoWeek:
    return IsoWeek.containing(timezone.localtime(now or timezone.now(), zone()).date())


def weeks_with_data() -> list[tuple[IsoWeek, int]]:
    """(week, tickets logged) for every week in which a ticket was opened, newest first."""
    rows = (
        Ticket.objects.order_by()
        .annotate(week=TruncWeek("opened_at", tzinfo=zone()))
        .values("week")
        .annotate(n=Count("id"))
        .order_by("-week")
    )
    return [(IsoWeek.containing(_local_date(row["week"])), row["n"]) for row in rows]


# The times table's rows, in order: its labels on the page and in an issue's changes.
TIME_LABELS = {
    "answer": "First answer (wall clock)",
    "answer_business": "First answer (business hours)",
    "escalation": "To first escalation",
    "resolve": "To resolve",
}


@dataclass
class WeekRow:
    """One line of the week picker: the week's headline counts, each a grouped aggregate."""

    week: IsoWeek
    logged: int
    resolved: int = 0
    resolution_met: int = 0
    resolution_breached: int = 0
    escalated: int = 0
    no_response: int = 0
    current: bool = False

    @property
    def resolution_met_rate(self) -> float | None:
        return metrics.rate(self.resolution_met, self.resolution_met + self.resolution_breached)


def week_rows(now: datetime | None = None) -> list[WeekRow]:
    """Every week with tickets, newest first, with its headline counts: tickets logged,
    resolved (and the resolution target met or breached), first escalated, and no responses
    logged. One grouped query per figure (four in all, one when there is no ticket), however
    many weeks."""
    current = current_week(now)
    rows = {
        week: WeekRow(week=week, logged=n, current=week == current) for week, n in weeks_with_data()
    }
    if not rows:
        return []

    def by_week(queryset, field: str, **counts) -> list[dict]:
        return list(
            queryset.order_by()
            .annotate(week=TruncWeek(field, tzinfo=zone()))
            .values("week")
            .annotate(**counts)
        )

    resolved = Ticket.objects.filter(resolved_at__isnull=False)
    for row in by_week(
        resolved,
        "resolved_at",
        resolved=Count("id"),
        resolution_met=Count("id", filter=Q(resolved_at__lte=F("resolution_due_at"))),
        resolution_breached=Count("id", filter=Q(resolved_at__gt=F("resolution_due_at"))),
    ):
        week = rows.get(IsoWeek.containing(_local_date(row.pop("week"))))
        if week:
            for name, value in row.items():
                setattr(week, name, value)
    for queryset, field, name in [
        (Ticket.objects.filter(escalated_at__isnull=False), "escalated_at", "escalated"),
        (AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE), "responded_at", "no_response"),
    ]:
        for row in by_week(queryset, field, n=Count("id")):
            week = rows.get(IsoWeek.containing(_local_date(row["week"])))
            if week:
                setattr(week, name, row["n"])
    return list(rows.values())


def _local_date(value: datetime | date) -> date:
    # A datetime from TruncWeek on a DateTimeField, aware with USE_TZ.
    return timezone.localtime(value, zone()).date() if isinstance(value, datetime) else value


def within(field_name: str, start: datetime, end: datetime) -> Q:
    """``field_name`` in [start, end): the half-open interval every week boundary uses."""
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


# ---- The headline figures and the trend: every count of every week in one query ----


Weeks = list[tuple[datetime, datetime]]
# A week's figures, by group: "tickets", "engagements", "mtte", "responses".
WeekFigures = dict[str, dict]


def _trend_subqueries(start: datetime, end: datetime) -> dict[str, dict[str, Subquery]]:
    """The trend chart's three counts for one week (a subset of ``_headline_subqueries``)."""
    return {
        "tickets": {"logged": total(Ticket.objects.filter(within("opened_at", start, end)))},
        "engagements": {
            "escalate": total(
                Engagement.objects.filter(
                    within("requested_at", start, end), kind=EngagementKind.ESCALATE
                )
            )
        },
        "responses": {
            Outcome.NO_RESPONSE.value: total(
                AdminResponse.objects.filter(
                    within("responded_at", start, end), outcome=Outcome.NO_RESPONSE
                )
            )
        },
    }


def _headline_subqueries(start: datetime, end: datetime) -> dict[str, dict[str, Subquery]]:
    """Every headline figure of one week, each its own subquery over its own rows.

    Tickets: logged, resolved, escalated (of those logged, by the end of the week) and the
    resolution target met or breached (of those resolved). Requests to admins made in the week
    by kind, answered, still open, and the MTTA. The tickets first escalated in the week
    (``Ticket.escalated_at``) with their total time from opened to escalated (for the MTTE).
    Responses logged in the week (by when they happened), by outcome, and by direct
    message."""
    logged = Ticket.objects.filter(within("opened_at", start, end))
    resolved = Ticket.objects.filter(within("resolved_at", start, end))
    first_escalated = Ticket.objects.filter(within("escalated_at", start, end))
    to_escalation = SecondsBetween("escalated_at", "opened_at")
    requested = Engagement.objects.filter(within("requested_at", start, end))
    responses = AdminResponse.objects.filter(within("responded_at", start, end))
    return {
        "tickets": {
            "logged": total(logged),
            "resolved": total(resolved),
            "escalated": total(logged.filter(escalated_at__lt=end)),
            "resolution_met": total(resolved.filter(resolved_at__lte=F("resolution_due_at"))),
            "response_met": total(resolved.filter(first_responded_at__lte=F("response_due_at"))),
            "response_breached": total(
                resolved.filter(first_responded_at__gt=F("response_due_at"))
            ),
            "resolution_breached": total(resolved.filter(resolved_at__gt=F("resolution_due_at"))),
            # Issue 17: escalated by the clock (no first response in time) during the week.
            "clock_escalated": total(
                Ticket.objects.filter(within("clock_escalated_at", start, end))
            ),
        },
        "engagements": {
            "answered": total(requested.filter(first_response_seconds__isnull=False)),
            "still_open": total(requested.filter(state=EngagementState.OPEN)),
            "mtta_seconds": total(requested, Avg("first_response_seconds")),
        }
        | {kind.value: total(requested.filter(kind=kind)) for kind in EngagementKind},
        "mtte": {
            "count": total(first_escalated),
            "to_escalation": total(first_escalated, Sum(to_escalation)),
        },
        "responses": {
            "off_policy": total(responses.filter(channel__in=OFF_POLICY_CHANNELS)),
        }
        | {o.value: total(responses.filter(outcome=o)) for o in Outcome},
    }


def weekly_figures(weeks: Weeks, *, headline_weeks: int) -> list[WeekFigures]:
    """For each (start, end): the trend's counts, and for the last ``headline_weeks`` weeks
    every headline figure. One query however many weeks (see ``reports.scalars``), its SQL
    built once per process for each number of weeks (``one_row_at``)."""

    def subqueries(bounds: list[datetime]) -> dict[str, Subquery]:
        built = {}
        for n in range(len(weeks)):
            start, end = bounds[2 * n], bounds[2 * n + 1]
            full = n >= len(weeks) - headline_weeks
            groups = _headline_subqueries(start, end) if full else _trend_subqueries(start, end)
            for group, figures in groups.items():
                for name, subquery in figures.items():
                    built[f"{group}__{name}__{n}"] = subquery
        return built

    bounds = [moment for week in weeks for moment in week]
    result: list[WeekFigures] = [{} for _ in weeks]
    for key, value in one_row_at(("weekly_figures", headline_weeks), subqueries, bounds).items():
        group, name, n = key.split("__")
        result[int(n)].setdefault(group, {})[name] = value
    return result


@dataclass
class Figure:
    label: str
    display: str
    previous_display: str
    change: metrics.Change | None


def _count(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


@dataclass
class Headline:
    tickets: dict
    engagements: dict
    responses: dict
    mtte: dict

    @classmethod
    def from_figures(cls, figures: WeekFigures) -> Headline:
        """A week's ``weekly_figures``, with the totals that are sums of other figures (every
        request has one kind, every response one outcome)."""
        mtte = figures["mtte"]
        engagements, responses = figures["engagements"], figures["responses"]
        kinds = [engagements[kind.value] for kind in EngagementKind]
        return cls(
            tickets=figures["tickets"],
            engagements=engagements | {"requested": sum(kinds)},
            responses=responses | {"total": sum(responses[o.value] for o in Outcome)},
            mtte={
                "count": mtte["count"],
                "mtte_seconds": metrics.mean_seconds(mtte["to_escalation"], mtte["count"]),
            },
        )

    @property
    def escalation_rate(self) -> float | None:
        return metrics.rate(self.tickets["escalated"], self.tickets["logged"])

    @property
    def resolution_met_rate(self) -> float | None:
        t = self.tickets
        return metrics.rate(t["resolution_met"], t["resolution_met"] + t["resolution_breached"])

    @property
    def response_met_rate(self) -> float | None:
        t = self.tickets
        return metrics.rate(t["response_met"], t["response_met"] + t["response_breached"])


def headline_figures(
    now: Headline, before: Headline, *, against: str = metrics.PREVIOUS_WEEK
) -> list[Figure]:
    """The figures at the top of the report, each against ``before``: the previous week, or
    for a week still running the same elapsed part of it (``against`` says which)."""
    rows = [
        ("Tickets logged", now.tickets["logged"], before.tickets["logged"], "count", _count),
        ("Tickets resolved", now.tickets["resolved"], before.tickets["resolved"], "count", _count),
        ("Escalation rate", now.escalation_rate, before.escalation_rate, "rate", percent),
        (
            "Requests to administrators",
            now.engagements["requested"],
            before.engagements["requested"],
            "count",
            _count,
        ),
        (
            "MTTA",
            now.engagements["mtta_seconds"],
            before.engagements["mtta_seconds"],
            "duration",
            duration,
        ),
        (
            "Tickets first escalated",
            now.mtte["count"],
            before.mtte["count"],
            "count",
            _count,
        ),
        (
            "MTTE",
            now.mtte["mtte_seconds"],
            before.mtte["mtte_seconds"],
            "duration",
            duration,
        ),
        (
            "Response SLA met",
            now.response_met_rate,
            before.response_met_rate,
            "rate",
            percent,
        ),
        (
            "Resolution SLA met",
            now.resolution_met_rate,
            before.resolution_met_rate,
            "rate",
            percent,
        ),
        (
            "No responses logged",
            now.responses[Outcome.NO_RESPONSE],
            before.responses[Outcome.NO_RESPONSE],
            "count",
            _count,
        ),
        (
            "Off-policy direct messages",
            now.responses["off_policy"],
            before.responses["off_policy"],
            "count",
            _count,
        ),
    ]
    return [
        Figure(
            label=label,
            display=show(value),
            previous_display=show(previous),
            change=metrics.compare(value, previous, kind=kind, against=against),
        )
        for label, value, previous, kind, show in rows
    ]


# ---- The week's tables ----


def week_tickets(start: datetime, end: datetime) -> list[dict]:
    """Tickets logged or resolved in the week, grouped by tier, category and priority, with
    what the volume and SLA tables add up (a group can come twice, once logged and once
    resolved: the tables sum the rows).

    One query, two grouped scans joined by UNION ALL, each read from an index that holds every
    column it needs (``ticket_logged``, ``ticket_resolved``) instead of from the tickets. The
    few categories and priorities are named afterwards."""
    group = ["tier", "category", "priority"]
    zero = Value(0)
    logged = (
        Ticket.objects.filter(within("opened_at", start, end))
        .values(*group)
        .annotate(
            logged=Count("pk"),
            resolved=zero,
            response_met=zero,
            response_breached=zero,
            resolution_met=zero,
            resolution_breached=zero,
        )
        .order_by()
    )
    resolved = (
        Ticket.objects.filter(within("resolved_at", start, end))
        .values(*group)
        .annotate(
            logged=zero,
            resolved=Count("pk"),
            response_met=Count("pk", filter=Q(first_responded_at__lte=F("response_due_at"))),
            response_breached=Count("pk", filter=Q(first_responded_at__gt=F("response_due_at"))),
            resolution_met=Count("pk", filter=Q(resolved_at__lte=F("resolution_due_at"))),
            resolution_breached=Count("pk", filter=Q(resolved_at__gt=F("resolution_due_at"))),
        )
        .order_by()
    )
    rows = list(logged.union(resolved, all=True))
    categories = Category.objects.in_bulk({row["category"] for row in rows} - {None})
    priorities = Priority.objects.select_related("category").in_bulk(
        {row["priority"] for row in rows} - {None}
    )
    for row in rows:
        row["category"] = categories.get(row["category"])
        row["priority"] = priorities.get(row["priority"])
    return rows


def _add(target: dict, row: dict, keys: list[str]) -> None:
    for key in keys:
        target[key] = target.get(key, 0) + row[key]


def volumes(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Tickets logged and resolved in the week by tier and by category, from ``week_tickets``."""
    keys = ["logged", "resolved"]
    tiers = {
        tier.value: {"label": tier.label, "tier": tier.value} | dict.fromkeys(keys, 0)
        for tier in Tier
    }
    categories: dict[int | None, dict] = {}
    for row in rows:
        number = row["category"].number if row["category"] else None
        label = row["category"].name if row["category"] else "Uncategorised"
        category = categories.setdefault(number, {"label": label} | dict.fromkeys(keys, 0))
        _add(tiers[row["tier"]], row, keys)
        _add(category, row, keys)
    # Uncategorised last: a gap to close, not a category.
    order = sorted(categories, key=lambda number: (number is None, number or 0))
    return list(tiers.values()), [categories[number] for number in order]


@dataclass
class SlaRow:
    label: str
    resolved: int
    response_met: int
    response_breached: int
    resolution_met: int
    resolution_breached: int

    @property
    def response_none(self) -> int:
        return self.resolved - self.response_met - self.response_breached

    @property
    def resolution_none(self) -> int:
        return self.resolved - self.resolution_met - self.resolution_breached

    @property
    def resolution_rate(self) -> float | None:
        return metrics.rate(self.resolution_met, self.resolution_met + self.resolution_breached)


SLA_KEYS = [
    "resolved",
    "response_met",
    "response_breached",
    "resolution_met",
    "resolution_breached",
]


def sla_by_priority(rows: list[dict]) -> tuple[list[SlaRow], SlaRow]:
    """For tickets resolved in the week, per priority: response and resolution targets met,
    breached, or without a target; and the total row. From ``week_tickets``."""
    priorities: dict[Priority | None, dict] = {}
    for row in rows:
        if row["resolved"]:
            _add(priorities.setdefault(row["priority"], dict.fromkeys(SLA_KEYS, 0)), row, SLA_KEYS)

    def order(priority: Priority | None) -> tuple:
        # General priorities first, in their order; then those of one category; "none" last.
        if priority is None:
            return (True, False, "", 0)
        category = priority.category.name if priority.category else None
        return (False, category is not None, category or "", priority.number)

    result = []
    for priority in sorted(priorities, key=order):
        label = "No priority"
        if priority is not None:
            label = priority.name
            if priority.category:
                label = f"{label} ({priority.category.name})"
        result.append(SlaRow(label=label, **priorities[priority]))
    total = SlaRow(
        label="All priorities", **{k: sum(getattr(r, k) for r in result) for k in SLA_KEYS}
    )
    return result, total


@dataclass
class Aging:
    as_of: datetime
    total: int
    buckets: list[tuple[str, int]]
    oldest: list[Engagement]


def open_escalations(as_of: datetime) -> Aging:
    """Escalations still waiting for the admin's first answer at ``as_of``: requested before
    it, no response of any kind logged before it, ticket not resolved before it, and not
    withdrawn before it (a request withdrawn since was still waiting then)."""
    answered_before = AdminResponse.objects.filter(
        engagement=OuterRef("pk"), responded_at__lt=as_of
    )
    # Not answered by then: never answered, or answered since. Both are small sets found
    # through their own index (answered since as an id list, so SQLite does not walk every
    # earlier request in date order instead).
    answered_since = Engagement.objects.filter(first_response_at__gte=as_of).values("pk")
    waiting = (
        Engagement.objects.filter(kind=EngagementKind.ESCALATE, requested_at__lt=as_of)
        .filter(Q(first_response_at=None) | Q(pk__in=answered_since))
        .exclude(state=EngagementState.WITHDRAWN, withdrawn_at__lt=as_of)
        .exclude(state=EngagementState.WITHDRAWN, withdrawn_at=None)
        .filter(Q(ticket__resolved_at=None) | Q(ticket__resolved_at__gte=as_of))
        .filter(~Exists(answered_before))
    )
    # The counts are window aggregates over every waiting escalation, computed before the
    # LIMIT: the oldest ten and the totals come in one query.
    counts = {"total": Window(Count("id"))}
    for n, (_, low, high) in enumerate(AGE_BUCKETS):
        condition = Q()
        if low is not None:
            condition &= Q(requested_at__lte=as_of - timedelta(days=low))
        if high is not None:
            condition &= Q(requested_at__gt=as_of - timedelta(days=high))
        counts[f"b{n}"] = Window(Count("id", filter=condition))
    oldest = list(
        waiting.select_related("ticket__priority", "admin")
        .annotate(**counts)
        .order_by("requested_at", "id")[:TOP_ROWS]
    )
    first = oldest[0] if oldest else None
    return Aging(
        as_of=as_of,
        total=first.total if first else 0,
        buckets=[
            (label, getattr(first, f"b{n}") if first else 0)
            for n, (label, _, _) in enumerate(AGE_BUCKETS)
        ],
        oldest=oldest,
    )


def notable_responses(start: datetime, end: datetime) -> list[AdminResponse]:
    """No responses and declines without redirect of the week: escalations first, then by
    the ticket's priority, then in time order."""
    return list(
        AdminResponse.objects.filter(
            within("responded_at", start, end),
            outcome__in=[Outcome.NO_RESPONSE, Outcome.DECLINED],
        )
        .select_related("engagement__ticket__priority", "engagement__admin")
        .order_by(
            "-engagement__kind",
            F("engagement__ticket__priority__number").asc(nulls_last=True),
            "responded_at",
            "id",
        )[:TOP_ROWS]
    )


def off_policy(start: datetime, end: datetime) -> tuple[list[dict], list[AdminResponse]]:
    """Direct messages of the week: the count per administrator, and the latest ones."""
    week = AdminResponse.objects.filter(
        within("responded_at", start, end), channel__in=OFF_POLICY_CHANNELS
    )
    per_admin = list(
        week.values("engagement__admin", "engagement__admin__name")
        .annotate(n=Count("id"))
        .order_by("-n", "engagement__admin__name")[:TOP_ROWS]
    )
    latest = list(
        week.select_related("engagement__ticket", "engagement__admin").order_by(
            "-responded_at", "-id"
        )[:TOP_ROWS]
    )
    return per_admin, latest


@dataclass
class Trend:
    # The weeks before and including a week's own, or a month's weeks, or a quarter's months.
    weeks: list[IsoWeek | Part]
    # (title, chart): tickets on their own scale, the much smaller counts on theirs.
    charts: list[tuple[str, metrics.Chart]]
    # One row per series, one value per column.
    rows: list[tuple[str, list[int]]]

    @property
    def columns(self) -> list[tuple[str, str, str]]:
        """(heading, address of its own report, its dates when it is cut at the period's
        edges, else "") for each column of the trend table."""
        result = []
        for column in self.weeks:
            if isinstance(column, Part):
                cut = "" if column.whole else column.dates
                heading = str(column.period) if isinstance(column.period, IsoWeek) else None
                heading = heading or column.period.title
                result.append((heading, url_for(column.period), cut))
            else:
                result.append((str(column), url_for(column), ""))
        return result


def _short_label(column: IsoWeek | Part) -> str:
    return column.label if isinstance(column, Part) else f"W{column.week:02d}"


def trend(weeks: list[IsoWeek | Part], figures: list[WeekFigures]) -> Trend:
    """The chart and table of the trend's columns, from their ``weekly_figures``."""
    values = {
        "logged": [f["tickets"]["logged"] for f in figures],
        "escalated": [f["engagements"]["escalate"] for f in figures],
        "no_response": [f["responses"][Outcome.NO_RESPONSE] for f in figures],
    }
    labels = [_short_label(w) for w in weeks]
    styles = {key: (colour, dash) for _, key, colour, dash in TREND_SERIES}
    names = {key: name for name, key, _, _ in TREND_SERIES}
    charts = [
        (
            title,
            metrics.line_chart(
                labels,
                [(names[k], k, values[k]) for k in keys],
                styles=styles,
                width=CHART_SIZE[0],
                height=CHART_SIZE[1],
            ),
        )
        for title, keys in TREND_CHARTS
    ]
    rows = [(name, values[key]) for name, key, _, _ in TREND_SERIES]
    return Trend(weeks=weeks, charts=charts, rows=rows)


@dataclass
class WeeklyReport:
    """The report of one period: an ISO week, a month or a quarter (the same figures)."""

    period: Period
    start: datetime
    end: datetime
    as_of: datetime
    in_progress: bool
    # For a week still running: the previous week is compared up to this same point of it.
    compared_until: datetime | None
    generated_at: datetime
    current: Headline
    previous: Headline
    figures: list[Figure]
    by_tier: list[dict]
    by_category: list[dict]
    sla_rows: list[SlaRow]
    sla_total: SlaRow
    summary: list[AdminSummary]
    notable: list[AdminResponse]
    aging: Aging
    off_policy_admins: list[dict]
    off_policy_latest: list[AdminResponse]
    trend: Trend
    # Direct messages before and after each administrator's policy date (reports.dm_pattern),
    # the after-policy ones per trend column.
    dm_pattern: list[DmPattern] = dataclass_field(default_factory=list)
    # The governance thresholds the week crossed (tickets escalated by the clock are counted in
    # current.tickets, apart from the agents' Escalate requests).
    governance_breaches: list = dataclass_field(default_factory=list)
    # Plain dicts (JSON as they are): see reports/timings.py, funnel.py and knowledge.py.
    timings: dict = dataclass_field(default_factory=dict)
    activity: dict = dataclass_field(default_factory=dict)
    escalations_by: dict = dataclass_field(default_factory=dict)
    funnel: dict = dataclass_field(default_factory=dict)
    knowledge: dict = dataclass_field(default_factory=dict)

    @property
    def week(self) -> Period:
        # The name every weekly caller knows; a month's or a quarter's report answers too.
        return self.period

    @property
    def is_week(self) -> bool:
        return isinstance(self.period, IsoWeek)

    @property
    def title(self) -> str:
        return report_title(self.period)

    @property
    def trend_title(self) -> str:
        if self.is_week:
            return f"The last {len(self.trend.weeks)} weeks"
        return "Week by week" if isinstance(self.period, Month) else "Month by month"

    @property
    def trend_unit(self) -> str:
        return "Month" if isinstance(self.period, Quarter) else "Week"

    @property
    def trend_last(self) -> str:
        return self.trend.columns[-1][0] if self.trend.weeks else ""

    @property
    def compare_span(self) -> str:
        """The part of the previous period a running one is compared with, in words."""
        if self.compared_until is None:
            return ""
        start = timezone.localtime(self.period.previous.bounds(zone())[0], zone())
        until = timezone.localtime(self.compared_until, zone())
        if self.is_week:
            return f"Monday 00:00 to {until:%A %H:%M}"
        return f"{start.day} {start:%b} 00:00 to {until.day} {until:%b %H:%M}"

    @property
    def this_period(self) -> str:
        return f"this {self.period.kind}"

    @property
    def the_period(self) -> str:
        return f"the {self.period.kind}"

    @property
    def hours(self) -> float:
        return (self.end.timestamp() - self.start.timestamp()) / 3600

    @property
    def compared_with(self) -> str:
        """What the headline figures are compared with, in a few words."""
        previous = self.period.previous.title
        if self.compared_until is None:
            return previous
        until = timezone.localtime(self.compared_until, zone())
        if self.is_week:
            return f"{previous} to {until:%a %H:%M}"
        return f"{previous} to {until.day} {until:%b %H:%M}"

    @property
    def summary_table(self) -> dict:
        return table_context(self.summary, WEEK_KEYS)

    @property
    def notable_count(self) -> int:
        r = self.current.responses
        return r[Outcome.NO_RESPONSE] + r[Outcome.DECLINED]

    @property
    def summary_requests(self) -> int:
        return sum(row.requests for row in self.summary)

    @property
    def summary_direct(self) -> int:
        return sum(row.direct_messages for row in self.summary)

    @property
    def time_rows(self) -> list[tuple[str, dict]]:
        """(label, spread) for the times table: mean, median and 90th percentile of each."""
        timings = self.timings
        return [(label, timings[key]) for key, label in TIME_LABELS.items() if key in timings]

    @property
    def escalation_tables(self) -> list[tuple[str, list[dict], str]]:
        by = self.escalations_by
        return [
            ("By service", by.get("service", []), "by-service-table"),
            ("By team", by.get("team", []), "by-team-table"),
        ]

    @property
    def dm_trend_labels(self) -> list[str]:
        return [_short_label(column) for column in self.trend.weeks]

    @property
    def definitions(self) -> list[tuple[str, str]]:
        return definitions.DEFINITIONS

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        return [(o.label, self.current.responses[o.value]) for o in Outcome]


def same_point_a_week_before(moment: datetime) -> datetime:
    """The same weekday and wall-clock time seven days before ``moment``, in the
    organisation's zone (so across a daylight-saving change it is 167 or 169 hours back)."""
    local = timezone.localtime(moment, zone())
    # Arithmetic on an aware datetime moves the wall clock; the offset is worked out again.
    return (local.replace(tzinfo=None) - timedelta(days=7)).replace(tzinfo=zone())


def same_point_before(period: Period, moment: datetime) -> datetime:
    """As far into the previous period as ``moment`` is into ``period``, by the wall clock
    (for a week: ``same_point_a_week_before``), but not past the previous period's end: the
    31st of a month is compared with the whole of a 30-day month before it."""
    if isinstance(period, IsoWeek):
        return same_point_a_week_before(moment)
    start = period.bounds(zone())[0].replace(tzinfo=None)
    previous_start, previous_end = period.previous.bounds(zone())
    local = timezone.localtime(moment, zone()).replace(tzinfo=None)
    point = (previous_start.replace(tzinfo=None) + (local - start)).replace(tzinfo=zone())
    return min(point, previous_end)


def trend_columns(period: Period) -> list[IsoWeek | Part]:
    """A week's trend is the weeks up to it; a month's its weeks, a quarter's its months."""
    if isinstance(period, IsoWeek):
        return weeks_back(period, TREND_WEEKS)
    return period.parts


def build(period: Period, *, now: datetime | None = None) -> WeeklyReport:
    """Everything the report shows for ``period`` (a week, a month or a quarter), as of
    ``now`` for a period still running. Every period goes through the same figure code."""
    week = period
    now = now or timezone.now()
    start, end = period.bounds(zone())
    in_progress = start <= now < end
    columns = trend_columns(period)
    bounds = [c.bounds(zone()) for c in columns]
    # A week's trend ends with the previous week and this one; a month's or a quarter's
    # parts are followed by the previous period and its own. All in the same one query.
    rows = list(bounds)
    if not isinstance(period, IsoWeek):
        rows += [period.previous.bounds(zone()), (start, end)]
    own = len(rows) - 1
    compared_until = None
    if in_progress:
        # A running period against a whole one always looks like a fall ("resolved down
        # 33%" on a Wednesday): compare with the previous one up to the same point.
        compared_until = same_point_before(period, now)
        rows.append((rows[own - 1][0], compared_until))
    figures = weekly_figures(rows, headline_weeks=2)
    compared = figures[-1] if in_progress else figures[own - 1]
    previous, current = Headline.from_figures(compared), Headline.from_figures(figures[own])
    figures = figures[: len(columns)]
    tickets = week_tickets(start, end)
    tiers, categories = volumes(tickets)
    sla_rows, sla_total = sla_by_priority(tickets)
    summary = [
        row
        for row in response_summary(since=start, until=end)
        if row.requests or row.responded or row.no_response
    ]
    summary.sort(key=lambda r: (-r.requests, r.admin.name.lower()))
    off_policy_admins, off_policy_latest = off_policy(start, end)
    against = metrics.PREVIOUS_WEEK
    if not isinstance(period, IsoWeek):
        against = f"the previous {period.kind}"
    if in_progress:
        against = f"{period.previous.title} to the same point"
    return WeeklyReport(
        period=period,
        start=start,
        end=end,
        as_of=min(end, now),
        in_progress=in_progress,
        compared_until=compared_until,
        generated_at=now,
        current=current,
        previous=previous,
        figures=headline_figures(
            current,
            previous,
            against=against,
        ),
        by_tier=tiers,
        by_category=categories,
        sla_rows=sla_rows,
        sla_total=sla_total,
        summary=summary,
        notable=notable_responses(start, end),
        aging=open_escalations(min(end, now)),
        off_policy_admins=off_policy_admins,
        off_policy_latest=off_policy_latest,
        trend=trend(columns, figures),
        dm_pattern=dm_pattern.pattern(
            until=end, columns=bounds, period=(start, end), limit=TOP_ROWS
        ),
        # The thresholds are limits per ISO week: a month is not held against them.
        governance_breaches=(
            governance.breaches(week, now=now) if isinstance(week, IsoWeek) else []
        ),
        timings=timings.timings(start, end),
        activity=timings.activity(start, end),
        escalations_by=timings.escalations_by(start, end),
        funnel=funnel.funnel(start, end, as_of=min(end, now)),
        knowledge=knowledge.knowledge_loop(end, as_of=min(end, now)),
    )


FINISHED_WEEK_SECONDS = 300
# Everything ``build`` reads, by its core.versions source: tickets; requests, answers,
# urgent requests and procedures; administrators, the business calendar (settings, closures,
# maintenance windows) and the governance thresholds; services; categories and priorities.
# The timeline steps it counts (rerouted, de-escalated) are written with a request's change.
# Few sources on purpose: after a restart or an eviction each missing token costs an add.
REPORT_SOURCES = ("tickets", "handoffs", "admins", "services", "reference")


def build_cached(week: Period, *, now: datetime | None = None) -> WeeklyReport:
    """``build``, kept once the week is over until anything it reads is written
    (``REPORT_SOURCES``): a late answer shows at the next view, so the issued page's "changed
    since" is never a stale comparison. Five minutes at most besides, for a write no token
    sees (raw SQL). The week still running is always computed afresh."""
    now = now or timezone.now()
    if week.bounds(zone())[1] > now:
        return build(week, now=now)
    return versions.cached(
        REPORT_SOURCES,
        f"{week.adjective}-report:{week}",
        lambda: (build(week, now=now), now + timedelta(seconds=FINISHED_WEEK_SECONDS)),
        now=now,
    )
