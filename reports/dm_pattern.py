"""The direct-message pattern of seed 000: "individuals who continue using direct messages
after policy communication are creating a documented pattern".

Each administrator's policy date is their own (``Administrator.dm_policy_communicated_on``),
else the date for everyone on the business calendar, else none. A direct-message answer counts
as *after* when it was given on a later day than the policy date, by the organisation's
calendar: from 00:00 (organisation time) on the next day. The day of the communication itself,
and every answer of someone with no date, count as *before*: nobody is held to a policy on the
day they may not yet have read it.

One grouped query over the direct-message answers, whatever the number of answers or
administrators (after two small ones for the dates): "after" is a comparison of the answer's
time with the first moment after each distinct policy date, worked out here, so no date is
computed per row; the trend is a conditional count per column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, Q, Subquery

from admins.models import Administrator
from escalations.handoffs.models import AdminResponse, Channel
from tickets.sla.clock import organisation_zone
from tickets.sla.models import BusinessCalendar

# The administrator's page shows this many ISO weeks, the current one last.
DETAIL_WEEKS = 8


def everyone_date() -> Subquery:
    """The business calendar's date for everyone, as a subquery: no query of its own."""
    return Subquery(
        BusinessCalendar.objects.filter(pk=1).values("dm_policy_communicated_on")[:1],
        output_field=DateField(),
    )


@dataclass
class DmPattern:
    """One administrator's direct-message answers given before ``until``."""

    admin_id: int
    name: str
    own_date: date | None
    policy_date: date | None
    before: int = 0
    after: int = 0
    # After the policy date and inside the report's period.
    after_in_period: int = 0
    # After the policy date, one count per trend column.
    trend: list[int] = field(default_factory=list)

    @property
    def date_source(self) -> str:
        if self.own_date:
            return "their own date"
        if self.policy_date:
            return "the date for everyone"
        return ""


def _cut(day: date) -> datetime:
    """The first moment after the policy day: 00:00 of the next day, organisation time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=organisation_zone())


def _after(everyone: date | None, admins: Sequence[Administrator] | None) -> Q:
    """Answers given after their administrator's policy date, as plain comparisons on the
    answer's time (no per-row date arithmetic): one condition per distinct policy date, those
    of ``admins`` when given, else read in one query."""
    if admins is not None:
        own_dates = {a.dm_policy_communicated_on for a in admins} - {None}
    else:
        own_dates = (
            Administrator.objects.exclude(dm_policy_communicated_on=None)
            .order_by()
            .values_list("dm_policy_communicated_on", flat=True)
            .distinct()
        )
    after = Q(pk__in=[])
    for day in own_dates:
        after |= Q(engagement__admin__dm_policy_communicated_on=day, responded_at__gte=_cut(day))
    if everyone is not None:
        after |= Q(
            engagement__admin__dm_policy_communicated_on=None, responded_at__gte=_cut(everyone)
        )
    return after


def pattern(
    *,
    until: datetime,
    columns: Sequence[tuple[datetime, datetime]] = (),
    period: tuple[datetime, datetime] | None = None,
    admins: Sequence[Administrator] | None = None,
    limit: int | None = None,
    everyone: date | None | bool = False,
) -> list[DmPattern]:
    """Per administrator with a direct-message answer before ``until``: how many came before
    and after their policy date, how many after it fell in ``period``, and the after-count of
    each of ``columns`` (half-open [start, end) bounds). Most after-policy answers first.
    Three queries: the date for everyone (unless given as ``everyone``), the distinct
    personal dates (unless ``admins`` are given), the grouped count."""
    if everyone is False:
        everyone = BusinessCalendar.current().dm_policy_communicated_on
    answers = AdminResponse.objects.filter(channel=Channel.DIRECT_MESSAGE, responded_at__lt=until)
    if admins is not None:
        answers = answers.filter(engagement__admin__in=[a.pk for a in admins])
    after = _after(everyone, admins)
    counts = {
        f"c{n}": Count("id", filter=after & _within(*bounds)) for n, bounds in enumerate(columns)
    }
    if period:
        counts["in_period"] = Count("id", filter=after & _within(*period))
    rows = (
        answers.values(
            "engagement__admin",
            "engagement__admin__name",
            "engagement__admin__dm_policy_communicated_on",
        )
        .annotate(total=Count("id"), after=Count("id", filter=after), **counts)
        .order_by("-after", "-total", "engagement__admin__name")
    )
    if limit:
        rows = rows[:limit]
    return [
        DmPattern(
            admin_id=row["engagement__admin"],
            name=row["engagement__admin__name"],
            own_date=row["engagement__admin__dm_policy_communicated_on"],
            policy_date=row["engagement__admin__dm_policy_communicated_on"] or everyone,
            before=row["total"] - row["after"],
            after=row["after"],
            after_in_period=row.get("in_period", 0),
            trend=[row[f"c{n}"] for n in range(len(columns))],
        )
        for row in rows
    ]


def _within(start: datetime, end: datetime) -> Q:
    return Q(responded_at__gte=start, responded_at__lt=end)


def for_admin(
    admin: Administrator, *, until: datetime, columns: Sequence[tuple[datetime, datetime]]
) -> DmPattern:
    """``pattern`` of one administrator, with zeros when they never answered by direct
    message. ``admin`` is loaded with ``everyone_dm_policy`` (see ``with_everyone_date``)."""
    rows = pattern(until=until, columns=columns, admins=[admin], everyone=admin.everyone_dm_policy)
    if rows:
        return rows[0]
    return DmPattern(
        admin_id=admin.pk,
        name=admin.name,
        own_date=admin.dm_policy_communicated_on,
        policy_date=admin.dm_policy_communicated_on or admin.everyone_dm_policy,
        trend=[0] * len(columns),
    )


def with_everyone_date(admins):
    """``admins`` (a queryset) with the date for everyone on each, in the same query."""
    return admins.annotate(everyone_dm_policy=everyone_date())
