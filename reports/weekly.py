"""The weekly report's figures, read from the database for one ISO week.

Every figure is an aggregate (``Count``/``Avg``/``Sum`` with ``filter=``, or
``values().annotate()``), and lists are cut to their top rows in SQL, so the number of queries
and the rows that leave the database stay the same however many tickets the week holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from admins.models import OFF_POLICY_CHANNELS, AdminResponse, Outcome
from admins.summary import AdminSummary, duration, percent, response_summary
from escalations.models import Engagement, EngagementKind, EngagementState
from reports import metrics
from reports.weeks import IsoWeek, weeks_back
from tickets.models import Ticket, Tier

TOP_ROWS = 10
TREND_WEEKS = 8
# (name, key, colour, dash pattern): the dash tells the lines apart in greyscale too.
TREND_SERIES = [
    ("Tickets logged", "logged", "#1f5fbf", ""),
    ("Escalations", "escalated", "#b42318", "6 3"),
    ("No responses", "no_response", "#8a5a00", "2 3"),
]
# Small enough that the labels stay legible when a phone scales the chart down.
CHART_SIZE = (480, 200)
TREND_CHARTS = [
    ("Tickets logged", ["logged"]),
    ("Escalations and no responses", ["escalated", "no_response"]),
]
AGE_BUCKETS = [
    ("Under 1 day", None, 1),
    ("1 to 3 days", 1, 3),
    ("3 to 7 days", 3, 7),
    ("7 days or more", 7, None),
]


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


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


def _local_date(value: datetime | date) -> date:
    # A datetime from TruncWeek on a DateTimeField, aware with USE_TZ.
    return timezone.localtime(value, zone()).date() if isinstance(value, datetime) else value


def within(field_name: str, start: datetime, end: datetime) -> Q:
    """``field_name`` in [start, end): the half-open interval every week boundary uses."""
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


# ---- One week's headline figures (called for the week and the one before) ----


Weeks = list[tuple[datetime, datetime]]


def _by_week(row: dict, weeks: int) -> list[dict]:
    """One aggregate row with keys like "logged__1" → one dict per week."""
    split: list[dict] = [{} for _ in range(weeks)]
    for key, value in row.items():
        name, _, index = key.rpartition("__")
        split[int(index)][name] = value
    return split


def ticket_figures(weeks: Weeks) -> list[dict[str, int]]:
    """Per week: logged, resolved, escalated (of those logged) and SLA outcomes of those
    resolved. One query for all the weeks."""
    reads, figures = Q(), {}
    for n, (start, end) in enumerate(weeks):
        logged = within("opened_at", start, end)
        resolved = within("resolved_at", start, end)
        escalated_by_end = Exists(
            Engagement.objects.filter(
                ticket=OuterRef("pk"), kind=EngagementKind.ESCALATE, requested_at__lt=end
            )
        )
        # Only tickets logged or resolved in the weeks are read, through the opened_at and
        # resolved_at indexes.
        reads |= logged | resolved
        figures |= {
            f"logged__{n}": Count("id", filter=logged),
            f"resolved__{n}": Count("id", filter=resolved),
            f"escalated__{n}": Count("id", filter=logged & Q(escalated_by_end)),
            f"resolution_met__{n}": Count(
                "id", filter=resolved & Q(resolved_at__lte=F("resolution_due_at"))
            ),
            f"resolution_breached__{n}": Count(
                "id", filter=resolved & Q(resolved_at__gt=F("resolution_due_at"))
            ),
        }
    return _by_week(Ticket.objects.filter(reads).aggregate(**figures), len(weeks))


def _first_escalation() -> Q:
    """The engagement is its ticket's first Escalate request."""
    earlier = Engagement.objects.filter(
        ticket=OuterRef("ticket"), kind=EngagementKind.ESCALATE
    ).filter(
        Q(requested_at__lt=OuterRef("requested_at"))
        | Q(requested_at=OuterRef("requested_at"), id__lt=OuterRef("id"))
    )
    return Q(kind=EngagementKind.ESCALATE) & ~Q(Exists(earlier))


def engagement_figures(weeks: Weeks) -> list[dict]:
    """Per week: requests made by kind, how many have been answered, the MTTA, and the
    tickets first escalated with the mean time from opened to escalated (MTTE)."""
    first = _first_escalation()
    to_escalation = ExpressionWrapper(F("requested_at") - F("ticket__opened_at"), DurationField())
    figures = {}
    for n, (start, end) in enumerate(weeks):
        week = within("requested_at", start, end)
        figures |= {
            f"requested__{n}": Count("id", filter=week),
            f"collaborate__{n}": Count("id", filter=week & Q(kind=EngagementKind.COLLABORATE)),
            f"escalate__{n}": Count("id", filter=week & Q(kind=EngagementKind.ESCALATE)),
            f"answered__{n}": Count("id", filter=week & Q(first_response_seconds__isnull=False)),
            f"still_open__{n}": Count("id", filter=week & Q(state=EngagementState.OPEN)),
            f"mtta_seconds__{n}": Avg("first_response_seconds", filter=week),
            f"first_escalated__{n}": Count("id", filter=week & first),
            f"to_escalation__{n}": Sum(to_escalation, filter=week & first),
        }
    span = within("requested_at", min(s for s, _ in weeks), max(e for _, e in weeks))
    return _by_week(Engagement.objects.filter(span).aggregate(**figures), len(weeks))


def response_figures(weeks: Weeks) -> list[dict[str, int]]:
    """Per week: responses logged (by when they happened), by outcome, and off-policy."""
    figures = {}
    for n, (start, end) in enumerate(weeks):
        week = within("responded_at", start, end)
        figures |= {
            f"total__{n}": Count("id", filter=week),
            f"off_policy__{n}": Count("id", filter=week & Q(channel__in=OFF_POLICY_CHANNELS)),
        } | {f"{o.value}__{n}": Count("id", filter=week & Q(outcome=o)) for o in Outcome}
    span = within("responded_at", min(s for s, _ in weeks), max(e for _, e in weeks))
    return _by_week(AdminResponse.objects.filter(span).aggregate(**figures), len(weeks))


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

    @property
    def escalation_rate(self) -> float | None:
        return metrics.rate(self.tickets["escalated"], self.tickets["logged"])

    @property
    def resolution_met_rate(self) -> float | None:
        t = self.tickets
        return metrics.rate(t["resolution_met"], t["resolution_met"] + t["resolution_breached"])


def headlines(weeks: Weeks) -> list[Headline]:
    """The headline figures of each week, in three queries however many weeks."""
    result = []
    for tickets, engagements, responses in zip(
        ticket_figures(weeks), engagement_figures(weeks), response_figures(weeks), strict=True
    ):
        count = engagements.pop("first_escalated")
        total = engagements.pop("to_escalation")
        mtte = {"count": count, "mtte_seconds": metrics.mean_seconds(total, count)}
        result.append(Headline(tickets, engagements, responses, mtte))
    return result


def headline_figures(now: Headline, before: Headline) -> list[Figure]:
    """The figures at the top of the report, each against the previous week."""
    rows = [
        ("Tickets logged", now.tickets["logged"], before.tickets["logged"], "count", _count),
        ("Tickets resolved", now.tickets["resolved"], before.tickets["resolved"], "count", _count),
        ("Escalation rate", now.escalation_rate, before.escalation_rate, "rate", percent),
        (
            "Admin requests",
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
            "MTTE",
            now.mtte["mtte_seconds"],
            before.mtte["mtte_seconds"],
            "duration",
            duration,
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
            change=metrics.compare(value, previous, kind=kind),
        )
        for label, value, previous, kind, show in rows
    ]


# ---- The week's tables ----


def volume_by(field_names: list[str], start: datetime, end: datetime) -> list[dict]:
    """Tickets logged and resolved in the week, grouped by the given fields."""
    logged = within("opened_at", start, end)
    resolved = within("resolved_at", start, end)
    return list(
        Ticket.objects.filter(logged | resolved)
        .values(*field_names)
        .annotate(logged=Count("id", filter=logged), resolved=Count("id", filter=resolved))
        .order_by(*field_names)
    )


def by_tier(start: datetime, end: datetime) -> list[dict]:
    found = {row["tier"]: row for row in volume_by(["tier"], start, end)}
    return [
        {
            "label": tier.label,
            "tier": tier.value,
            "logged": found.get(tier, {}).get("logged", 0),
            "resolved": found.get(tier, {}).get("resolved", 0),
        }
        for tier in Tier
    ]


def by_category(start: datetime, end: datetime) -> list[dict]:
    rows = volume_by(["category__number", "category__name"], start, end)
    return [
        {
            "label": row["category__name"] or "Uncategorised",
            "logged": row["logged"],
            "resolved": row["resolved"],
        }
        # Uncategorised last: a gap to close, not a category.
        for row in sorted(
            rows, key=lambda r: (r["category__number"] is None, r["category__number"] or 0)
        )
    ]


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


def sla_by_priority(start: datetime, end: datetime) -> tuple[list[SlaRow], SlaRow]:
    """For tickets resolved in the week, per priority: response and resolution targets met,
    breached, or without a target; and the total row."""
    rows = (
        Ticket.objects.filter(within("resolved_at", start, end))
        .values("priority", "priority__number", "priority__name", "priority__category__name")
        .annotate(
            resolved=Count("id"),
            response_met=Count("id", filter=Q(first_responded_at__lte=F("response_due_at"))),
            response_breached=Count("id", filter=Q(first_responded_at__gt=F("response_due_at"))),
            resolution_met=Count("id", filter=Q(resolved_at__lte=F("resolution_due_at"))),
            resolution_breached=Count("id", filter=Q(resolved_at__gt=F("resolution_due_at"))),
        )
    )
    keys = ["resolved", "response_met", "response_breached", "resolution_met"]
    keys += ["resolution_breached"]
    # General priorities first, in their order; then those of one category; "none" last.
    rows = sorted(
        rows,
        key=lambda r: (
            r["priority"] is None,
            r["priority__category__name"] is not None,
            r["priority__category__name"] or "",
            r["priority__number"] or 0,
        ),
    )
    result = []
    for row in rows:
        label = row["priority__name"] or "No priority"
        if row["priority__category__name"]:
            label = f"{label} ({row['priority__category__name']})"
        result.append(SlaRow(label=label, **{k: row[k] for k in keys}))
    total = SlaRow(label="All priorities", **{k: sum(getattr(r, k) for r in result) for k in keys})
    return result, total


@dataclass
class Aging:
    as_of: datetime
    total: int
    buckets: list[tuple[str, int]]
    oldest: list[Engagement]


def open_escalations(as_of: datetime) -> Aging:
    """Escalations still waiting for the admin's first answer at ``as_of``: requested before
    it, no response of any kind logged before it, ticket not resolved before it. A request
    withdrawn since then is left out, since when it was withdrawn is not recorded."""
    answered_before = AdminResponse.objects.filter(
        engagement=OuterRef("pk"), responded_at__lt=as_of
    )
    waiting = (
        Engagement.objects.filter(kind=EngagementKind.ESCALATE, requested_at__lt=as_of)
        .exclude(state=EngagementState.WITHDRAWN)
        .filter(Q(first_response_at=None) | Q(first_response_at__gte=as_of))
        .filter(Q(ticket__resolved_at=None) | Q(ticket__resolved_at__gte=as_of))
        .filter(~Exists(answered_before))
    )
    counts = {}
    for n, (_, low, high) in enumerate(AGE_BUCKETS):
        condition = Q()
        if low is not None:
            condition &= Q(requested_at__lte=as_of - timedelta(days=low))
        if high is not None:
            condition &= Q(requested_at__gt=as_of - timedelta(days=high))
        counts[f"b{n}"] = Count("id", filter=condition)
    row = waiting.aggregate(total=Count("id"), **counts)
    oldest = list(
        waiting.select_related("ticket__priority", "admin").order_by("requested_at", "id")[
            :TOP_ROWS
        ]
    )
    return Aging(
        as_of=as_of,
        total=row["total"],
        buckets=[(label, row[f"b{n}"]) for n, (label, _, _) in enumerate(AGE_BUCKETS)],
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


def _weekly_counts(queryset, field_name: str, weeks: list[tuple[datetime, datetime]]) -> list[int]:
    """One COUNT per week in a single query, over the range the weeks cover."""
    lookups = {
        f"w{n}": Count("id", filter=within(field_name, s, e)) for n, (s, e) in enumerate(weeks)
    }
    row = queryset.filter(within(field_name, weeks[0][0], weeks[-1][1])).aggregate(**lookups)
    return [row[f"w{n}"] for n in range(len(weeks))]


@dataclass
class Trend:
    weeks: list[IsoWeek]
    # (title, chart): tickets on their own scale, the much smaller counts on theirs.
    charts: list[tuple[str, metrics.Chart]]
    # One row per series, one value per week.
    rows: list[tuple[str, list[int]]]


def trend(week: IsoWeek) -> Trend:
    weeks = weeks_back(week, TREND_WEEKS)
    bounds = [w.bounds(zone()) for w in weeks]
    values = {
        "logged": _weekly_counts(Ticket.objects.all(), "opened_at", bounds),
        "escalated": _weekly_counts(
            Engagement.objects.filter(kind=EngagementKind.ESCALATE), "requested_at", bounds
        ),
        "no_response": _weekly_counts(
            AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE), "responded_at", bounds
        ),
    }
    labels = [f"W{w.week:02d}" for w in weeks]
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
    week: IsoWeek
    start: datetime
    end: datetime
    as_of: datetime
    in_progress: bool
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

    @property
    def hours(self) -> float:
        return (self.end.timestamp() - self.start.timestamp()) / 3600

    @property
    def notable_count(self) -> int:
        r = self.current.responses
        return r[Outcome.NO_RESPONSE] + r[Outcome.DECLINED]

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        return [(o.label, self.current.responses[o.value]) for o in Outcome]


def build(week: IsoWeek, *, now: datetime | None = None) -> WeeklyReport:
    """Everything the report shows for ``week``, as of ``now`` for a week still running."""
    now = now or timezone.now()
    start, end = week.bounds(zone())
    prev_start, prev_end = week.previous.bounds(zone())
    current, previous = headlines([(start, end), (prev_start, prev_end)])
    sla_rows, sla_total = sla_by_priority(start, end)
    summary = [
        row
        for row in response_summary(since=start, until=end)
        if row.requests or row.responded or row.no_response
    ]
    summary.sort(key=lambda r: (-r.requests, r.admin.name.lower()))
    off_policy_admins, off_policy_latest = off_policy(start, end)
    return WeeklyReport(
        week=week,
        start=start,
        end=end,
        as_of=min(end, now),
        in_progress=start <= now < end,
        generated_at=now,
        current=current,
        previous=previous,
        figures=headline_figures(current, previous),
        by_tier=by_tier(start, end),
        by_category=by_category(start, end),
        sla_rows=sla_rows,
        sla_total=sla_total,
        summary=summary,
        notable=notable_responses(start, end),
        aging=open_escalations(min(end, now)),
        off_policy_admins=off_policy_admins,
        off_policy_latest=off_policy_latest,
        trend=trend(week),
    )


FINISHED_WEEK_SECONDS = 300


def build_cached(week: IsoWeek, *, now: datetime | None = None) -> WeeklyReport:
    """``build``, kept for five minutes once the week is over: a finished week's figures
    change only through late answers and edits, and the report is read again and again
    around the weekly meeting. The week still running is always computed afresh."""
    now = now or timezone.now()
    if week.bounds(zone())[1] > now:
        return build(week, now=now)
    return cache.get_or_set(
        f"weekly-report:{week}", lambda: build(week, now=now), FINISHED_WEEK_SECONDS
    )
