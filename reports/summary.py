"""The admin response summary: per administrator, what was asked of them and what they did.

Counts are database aggregates; the median and 90th percentile of the time to first response
are picked by window functions, so only a few rows per administrator leave the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, FilteredRelation, Min, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from admins.models import Administrator
from core import versions
from escalations.handoffs.models import AdminResponse, Channel, Engagement, EngagementState, Outcome

PERIODS = {"7": 7, "30": 30, "90": 90, "all": None}
DEFAULT_PERIOD = "30"
SORT_KEYS = {
    "name": lambda s: s.admin.name.lower(),
    "requests": lambda s: s.requests,
    "responded": lambda s: s.responded,
    "rate": lambda s: -1 if s.response_rate is None else s.response_rate,
    "no_response": lambda s: s.no_response,
    "declined": lambda s: s.declined,
    "median": lambda s: float("inf") if s.median_seconds is None else s.median_seconds,
    "p90": lambda s: float("inf") if s.p90_seconds is None else s.p90_seconds,
    "direct": lambda s: s.direct_messages,
    "open": lambda s: s.open,
}


def median_ranks(n: int) -> tuple[int, int]:
    """The 1-based ranks whose mean is the median of n sorted values (equal when n is odd)."""
    return (n + 1) // 2, (n + 2) // 2


def nearest_rank(n: int, percent: int) -> int:
    """The 1-based nearest-rank position of the given percentile among n sorted values."""
    return max(1, -(-n * percent // 100))  # ceil(n * percent / 100) in integers


@dataclass
class AdminSummary:
    admin: Administrator
    requests: int = 0
    responded: int = 0
    no_response: int = 0
    declined: int = 0
    direct_messages: int = 0
    open: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    # The earliest request of the period (any state): when it leaves a sliding window, the
    # figures may change with no write (summary_for_period).
    first_requested_at: datetime | None = None

    @property
    def response_rate(self) -> float | None:
        return None if not self.requests else self.responded / self.requests


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    days = PERIODS[period]
    return None if days is None else (now or timezone.now()) - timedelta(days=days)


def response_summary(
    *,
    since: datetime | None = None,
    admins: Iterable[Administrator] | None = None,
    until: datetime | None = None,
) -> list[AdminSummary]:
    """One row per administrator (all of them, or those given), for engagements requested
    since ``since`` (all time when None) and before ``until`` (no end when None). Open
    engagements are counted whatever their age."""
    people = Administrator.objects.all()
    if admins is not None:
        people = people.filter(pk__in=[a.pk for a in admins]).select_related("backup")
    period = Q()
    if since:
        period &= Q(engagements__requested_at__gte=since)
    if until:
        period &= Q(engagements__requested_at__lt=until)
    relation = "engagements"
    if period:
        # Only the period's requests are joined, a range of the (admin, requested_at) index,
        # rather than every request ever made filtered afterwards.
        people = people.annotate(in_period=FilteredRelation("engagements", condition=period))
        relation = "in_period"

    def when(**lookups: object) -> Q:
        return Q(**{f"{relation}__{name}": value for name, value in lookups.items()})

    # A request withdrawn before any answer (ticket resolved, taken back, moved to someone
    # else) is not held against the admin; every other request counts.
    counted = when(
        state__in=[EngagementState.OPEN, EngagementState.RESPONDED, EngagementState.NO_RESPONSE]
    ) | when(first_response_at__isnull=False)
    if period:
        people = people.annotate(s_first=Min(f"{relation}__requested_at"))
    people = people.annotate(
        s_requests=Count(relation, filter=counted),
        s_responded=Count(relation, filter=when(first_response_at__isnull=False)),
        s_no_response=Count(relation, filter=when(state=EngagementState.NO_RESPONSE)),
    )
    rows = {
        a.pk: AdminSummary(
            admin=a,
            requests=a.s_requests,
            responded=a.s_responded,
            no_response=a.s_no_response,
            first_requested_at=getattr(a, "s_first", None),
        )
        for a in people
    }
    if admins is None:
        # Every backup is one of the rows: linked here rather than joined into the grouped
        # query, where SQLite would group each engagement by the backup's columns as well
        # (several times slower at 100,000 tickets).
        for summary in rows.values():
            if summary.admin.backup_id:
                summary.admin.backup = rows[summary.admin.backup_id].admin
    responses = AdminResponse.objects.filter(engagement__admin__in=list(rows))
    engagements = Engagement.objects.filter(admin__in=list(rows))
    if since:
        responses = responses.filter(engagement__requested_at__gte=since)
        engagements = engagements.filter(requested_at__gte=since)
    if until:
        responses = responses.filter(engagement__requested_at__lt=until)
        engagements = engagements.filter(requested_at__lt=until)
    for row in responses.values("engagement__admin").annotate(
        declined=Count("engagement", filter=Q(outcome=Outcome.DECLINED), distinct=True),
        direct=Count("id", filter=Q(channel=Channel.DIRECT_MESSAGE)),
    ):
        summary = rows[row["engagement__admin"]]
        summary.declined, summary.direct_messages = row["declined"], row["direct"]
    # Open requests count whatever their age: counted apart, through the state index.
    for row in (
        Engagement.objects.open()
        .filter(admin__in=list(rows))
        .order_by()
        .values("admin")
        .annotate(n=Count("id"))
    ):
        rows[row["admin"]].open = row["n"]
    for admin_id, median, p90 in _percentiles(engagements):
        rows[admin_id].median_seconds, rows[admin_id].p90_seconds = median, p90
    return list(rows.values())


def summary_for_period(period: str, *, now: datetime | None = None) -> list[AdminSummary]:
    """``response_summary`` of every administrator over one of PERIODS, read from the cache
    until a request, an answer or an administrator is written (core.versions), or until the
    oldest request in the window leaves it: never a figure the database would not give."""
    now = now or timezone.now()
    since = period_start(period, now)

    def compute() -> tuple[list[AdminSummary], datetime | None]:
        rows = response_summary(since=since)
        firsts = [row.first_requested_at for row in rows if row.first_requested_at]
        if since is None or not firsts:
            return rows, None
        return rows, min(firsts) + (now - since)

    return versions.cached(*summary_figure(period), compute, now=now)


def summary_figure(period: str) -> tuple[tuple[str, ...], str]:
    """The sources and cache key of ``summary_for_period``'s figure, for a reader of many."""
    return ("handoffs", "admins"), f"summary:{period}"


def _percentiles(engagements) -> list[tuple[int, float, float]]:
    """(admin id, median, 90th percentile) of the seconds to first response, per admin."""
    ranked = (
        engagements.filter(first_response_seconds__isnull=False)
        .order_by()  # the model's ordering would only add a sort
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("admin_id")],
                order_by=[F("first_response_seconds").asc(), F("id").asc()],
            ),
            n=Window(Count("id"), partition_by=[F("admin_id")]),
        )
        # Integer division: the same ranks as median_ranks and nearest_rank(n, 90).
        .filter(Q(rank=(F("n") + 1) / 2) | Q(rank=(F("n") + 2) / 2) | Q(rank=(F("n") * 9 + 9) / 10))
        .values_list("admin_id", "rank", "n", "first_response_seconds")
    )
    picked: dict[int, dict[int, int]] = defaultdict(dict)
    sizes: dict[int, int] = {}
    for admin_id, rank, n, seconds in ranked:
        picked[admin_id][rank] = seconds
        sizes[admin_id] = n
    result = []
    for admin_id, values in picked.items():
        n = sizes[admin_id]
        low, high = median_ranks(n)
        result.append(
            (admin_id, (values[low] + values[high]) / 2, float(values[nearest_rank(n, 90)]))
        )
    return result


def median_first_response(engagements) -> float | None:
    """The median seconds to first response over ``engagements`` that were answered (the
    mean of the two middle values for an even count); None when none was. One query: the
    window functions pick the middle one or two rows in the database."""
    middle = list(
        engagements.filter(first_response_seconds__isnull=False)
        .order_by()
        .annotate(
            rank=Window(RowNumber(), order_by=[F("first_response_seconds").asc(), F("id").asc()]),
            n=Window(Count("id")),
        )
        .filter(Q(rank=(F("n") + 1) / 2) | Q(rank=(F("n") + 2) / 2))
        .values_list("first_response_seconds", flat=True)
    )
    return sum(middle) / len(middle) if middle else None


def sort_summary(rows: list[AdminSummary], sort: str) -> tuple[list[AdminSummary], str]:
    """Rows in the order asked (a key from SORT_KEYS, "-" for descending); the order used."""
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        sort, key = "-requests", "requests"
    rows = sorted(rows, key=lambda s: s.admin.name.lower())
    return sorted(rows, key=SORT_KEYS[key], reverse=sort.startswith("-")), sort
