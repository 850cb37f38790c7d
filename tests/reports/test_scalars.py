"""The one-query figures: scalar subqueries sent together, and seconds between two times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Avg, DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone

from escalations.handoffs.models import Engagement
from reports.scalars import (
    EpochMicroseconds,
    SecondsBetween,
    epoch_microseconds,
    one_row,
    one_row_at,
    total,
)
from tests.factories import EngagementFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_several_figures_come_back_from_one_query(django_assert_num_queries):
    TicketFactory(title="Printer jam")
    TicketFactory(title="Printer offline")
    TicketFactory(title="Password reset")
    with django_assert_num_queries(1):
        row = one_row(
            printers=total(Ticket.objects.filter(title__startswith="Printer")),
            passwords=total(Ticket.objects.filter(title__startswith="Password")),
            everything=total(Ticket.objects.all()),
        )
    assert row == {"printers": 2, "passwords": 1, "everything": 3}


def test_an_empty_set_counts_zero_and_has_no_sum_or_mean():
    none = Engagement.objects.all()
    row = one_row(
        n=total(none),
        seconds=total(none, Sum("first_response_seconds")),
        mean=total(none, Avg("first_response_seconds")),
    )
    assert row == {"n": 0, "seconds": None, "mean": None}


def test_no_figures_asked_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert one_row() == {}


def test_values_go_through_the_field_converters():
    opened = timezone.now() - timedelta(days=2)
    ticket = TicketFactory(opened_at=opened)
    EngagementFactory(ticket=ticket, requested_at=opened + timedelta(hours=3))
    waited = ExpressionWrapper(F("requested_at") - F("ticket__opened_at"), DurationField())
    row = one_row(waited=total(Engagement.objects.all(), Sum(waited)))
    assert row["waited"] == timedelta(hours=3)


def test_seconds_between_two_times_is_worked_out_in_the_database():
    opened = timezone.now() - timedelta(days=3)
    for minutes in (90, 30):
        ticket = TicketFactory(opened_at=opened)
        EngagementFactory(ticket=ticket, requested_at=opened + timedelta(minutes=minutes))
    row = one_row(
        seconds=total(
            Engagement.objects.all(), Sum(SecondsBetween("requested_at", "ticket__opened_at"))
        )
    )
    # SQLite's julianday keeps milliseconds: plenty for a mean time to escalate.
    assert row["seconds"] == pytest.approx(120 * 60, abs=0.01)


def test_epoch_microseconds_are_exact_to_the_microsecond():
    # A fraction that rounds up at the millisecond, a whole second, and no time at all.
    opened = [
        datetime(2026, 12, 1, 7, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 1, 8, tzinfo=UTC),
    ]
    for at in opened:
        TicketFactory(opened_at=at)
    rows = (
        Ticket.objects.order_by("opened_at")
        .annotate(opened=EpochMicroseconds("opened_at"), resolved=EpochMicroseconds("resolved_at"))
        .values_list("opened", "resolved")
    )
    assert list(rows) == [(epoch_microseconds(at), None) for at in opened]
    assert rows[1][0] - rows[0][0] == 1
    assert epoch_microseconds(opened[1]) == 1796112000 * 1_000_000


def test_figures_built_once_are_bound_to_each_call_s_own_times(django_assert_num_queries):
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for hours in (0, 1, 25, 26, 27):
        TicketFactory(opened_at=day + timedelta(hours=hours))
    built = []

    def build(bounds):
        built.append(bounds)
        start, end = bounds
        opened = Ticket.objects.filter(opened_at__gte=start, opened_at__lt=end)
        return {"logged": total(opened), "mean_id": total(opened, Avg("id"))}

    first = one_row_at(("test",), build, [day, day + timedelta(days=1)])
    with django_assert_num_queries(1):
        second = one_row_at(("test",), build, [day + timedelta(days=1), day + timedelta(days=2)])
    assert first["logged"] == 2 and second["logged"] == 3
    ids = sorted(Ticket.objects.values_list("id", flat=True))
    assert second["mean_id"] == pytest.approx(sum(ids[2:]) / 3)
    assert len(built) == 1
