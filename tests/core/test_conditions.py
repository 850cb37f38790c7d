"""core.conditions decides for one row exactly what the database decides for the query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F, Q
from django.utils import timezone

from core.conditions import matches
from tests import factories
from tickets.models import Status, Ticket

NOW = timezone.now()

CONDITIONS = {
    "value comparison": Q(response_due_at__lte=NOW),
    "column against column": Q(first_responded_at__gt=F("response_due_at")),
    "empty column": Q(response_due_at=None),
    "isnull false": Q(sla_paused_at__isnull=False),
    "relation by key": Q(category=None) | Q(priority__isnull=True),
    "in": Q(status__in=[Status.RESOLVED, Status.CLOSED]),
    "and of or": (Q(resolved_at=None) | Q(resolved_at__lte=F("resolution_due_at")))
    & Q(status__in=[Status.NEW, Status.IN_PROGRESS]),
    "strict bounds": Q(response_due_at__gt=NOW, response_due_at__lt=NOW + timedelta(hours=2)),
    "gte on equal": Q(resolution_due_at__gte=F("resolved_at")),
}


@pytest.fixture
def tickets(agent):
    hour = timedelta(hours=1)
    rows = [
        # Every column empty: a comparison with NULL is not true, in SQL or here.
        {"response_due_at": None, "first_responded_at": None, "category": None},
        {"response_due_at": NOW - hour, "first_responded_at": NOW},
        {"response_due_at": NOW + hour, "first_responded_at": NOW},
        {"response_due_at": NOW + 3 * hour, "sla_paused_at": NOW},
        {"status": Status.RESOLVED, "resolved_at": NOW, "resolution_due_at": NOW},
        {"status": Status.CLOSED, "resolved_at": NOW, "resolution_due_at": NOW - hour},
        {"status": Status.IN_PROGRESS, "resolved_at": None, "resolution_due_at": None},
    ]
    for columns in rows:
        ticket = factories.TicketFactory(agent=agent)
        # Opened a day ago, so every resolved_at above is after it (a table constraint).
        Ticket.objects.filter(pk=ticket.pk).update(opened_at=NOW - 24 * hour, **columns)
    return list(Ticket.objects.all())


@pytest.mark.parametrize("name", CONDITIONS)
def test_one_row_matches_exactly_when_the_query_returns_it(tickets, name):
    condition = CONDITIONS[name]
    in_sql = set(Ticket.objects.filter(condition).values_list("pk", flat=True))
    in_memory = {t.pk for t in tickets if matches(condition, t)}
    assert in_memory == in_sql
    # The set is a real test of the condition, neither everything nor always empty by accident.
    assert len(tickets) == 7


def test_the_evaluator_loads_no_related_rows(tickets, django_assert_num_queries):
    with django_assert_num_queries(0):
        for ticket in tickets:
            matches(CONDITIONS["relation by key"], ticket)


def test_a_negated_condition_is_refused_rather_than_guessed(tickets):
    with pytest.raises(ValueError, match="Negated"):
        matches(~Q(response_due_at=None), tickets[0])


def test_a_condition_across_a_relation_is_refused(tickets):
    with pytest.raises(ValueError, match="own columns"):
        matches(Q(category__number=1), tickets[0])
