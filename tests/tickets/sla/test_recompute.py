"""A calendar, closure or target change marks the open tickets in one INSERT … SELECT and
recomputes their clocks in short batches: the clocks must come out exactly as the one-by-one
refresh."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from tickets.models import OPEN_STATUSES, Category, ClockMark, Status, Ticket
from tickets.services import log_ticket
from tickets.sla import clock as sla
from tickets.sla.holidays import mark_open, recompute_marked
from tickets.sla.models import Closure, MaintenanceWindow, ServiceTarget

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
START = datetime(2026, 11, 16, 8, 30, tzinfo=LA)
CHANGED_AT = datetime(2026, 11, 20, 11, 15, tzinfo=LA)
COLUMNS = sla.CLOCK_FIELDS


def clocks() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in Ticket.objects.values_list("pk", *COLUMNS)}


def a_mix_of_tickets(agent) -> list[Ticket]:
    """Some forty tickets over every category and priority that applies to it, uncategorised
    ones, paused ones, answered ones and finished ones, logged over four days."""
    categories = list(Category.objects.order_by("number"))
    # Every pair with a target (some of them "no defined SLA"), then no category or priority.
    pairs = [
        (target.category, target.priority)
        for target in ServiceTarget.objects.select_related("category", "priority").order_by("pk")
    ]
    pairs += [(None, None), (categories[0], None)]
    statuses = [
        Status.NEW,
        Status.IN_PROGRESS,
        Status.WAITING_ON_REQUESTER,
        Status.WAITING_ON_VENDOR,
        Status.WAITING_ON_ADMIN,
        Status.RESOLVED,
    ]
    tickets = []
    for n in range(42):
        category, priority = pairs[n % len(pairs)]
        opened = START + timedelta(hours=7 * n % 80, minutes=13 * n % 60)
        with time_machine.travel(opened, tick=False):
            ticket = log_ticket(
                by=agent,
                external_id=str(9000 + n),
                title=f"Ticket {n}",
                opened_at=opened,
                category=category,
                priority=priority,
            )
        status = statuses[n % len(statuses)]
        if status != Status.NEW:
            with time_machine.travel(opened + timedelta(hours=2), tick=False):
                Ticket.objects.filter(pk=ticket.pk).update(status=status)
                sla.refresh(Ticket.objects.get(pk=ticket.pk))
        tickets.append(ticket)
    return tickets


def one_by_one() -> dict[int, tuple]:
    """What the former recompute gave: ``refresh`` on each open ticket, its target looked up
    on its own; rolled back, so only the figures are kept."""
    cal = sla.load_calendar()
    with transaction.atomic():
        for ticket in Ticket.objects.open().order_by("pk"):
            sla.refresh(ticket, cal=cal)
        expected = clocks()
        transaction.set_rollback(True)
    return expected


def change_the_calendar(supervisor) -> None:
    # A closure in the past still moves the due times of tickets opened before it.
    Closure.objects.create(day=date(2026, 11, 17), name="Staff training")
    Closure.objects.create(day=date(2026, 11, 26), name="Holiday")
    MaintenanceWindow.objects.create(
        starts_at=datetime(2026, 11, 20, 13, 0, tzinfo=LA),
        ends_at=datetime(2026, 11, 20, 15, 30, tzinfo=LA),
        reason="Core upgrade",
    )
    for target in ServiceTarget.objects.exclude(response=None)[:3]:
        target.response = target.response + 1
        target.save()


def test_batched_recompute_gives_the_clocks_of_the_one_by_one_refresh(agent, supervisor):
    a_mix_of_tickets(agent)
    with time_machine.travel(CHANGED_AT, tick=False):
        before = clocks()
        change_the_calendar(supervisor)
        marked = mark_open(Ticket.objects.all())
        expected = one_by_one()
        # Small batches, so several transactions each take their share.
        recomputed = recompute_marked(batch=5)

    assert marked == recomputed == Ticket.objects.open().count() == 35
    after = clocks()
    assert after == expected
    # The change moved due times (the comparison is not between two unchanged tables) and
    # left the finished tickets' clocks as they were.
    assert sum(after[pk] != before[pk] for pk in after) >= 15
    for pk in Ticket.objects.exclude(status__in=OPEN_STATUSES).values_list("pk", flat=True):
        assert after[pk] == before[pk]
    assert not ClockMark.objects.exists()


def test_marking_is_one_query_and_writes_no_ticket_row(agent, django_assert_num_queries):
    a_mix_of_tickets(agent)
    before = list(Ticket.objects.order_by("pk").values_list("pk", "updated_at", *COLUMNS))
    with django_assert_num_queries(1):
        assert mark_open(Ticket.objects.all()) == 35
    assert set(ClockMark.objects.values_list("ticket_id", flat=True)) == set(
        Ticket.objects.open().values_list("pk", flat=True)
    )
    assert list(Ticket.objects.order_by("pk").values_list("pk", "updated_at", *COLUMNS)) == before


def test_marking_again_keeps_one_mark_a_ticket_and_only_the_open_ones(agent):
    a_mix_of_tickets(agent)
    some = Ticket.objects.filter(pk__in=Ticket.objects.order_by("pk").values("pk")[:12])
    open_in_some = some.open().count()
    assert mark_open(some) == open_in_some
    assert mark_open(Ticket.objects.all()) == 35
    assert ClockMark.objects.count() == 35
    assert recompute_marked() == 35
    assert not ClockMark.objects.exists()


def test_a_closure_added_on_the_page_leaves_every_clock_right(agent, supervisor_client):
    a_mix_of_tickets(agent)
    with time_machine.travel(CHANGED_AT, tick=False):
        Closure.objects.create(day=date(2026, 11, 23), name="Staff training")
        expected = one_by_one()
        Closure.objects.all().delete()
        response = supervisor_client.post(
            reverse("sla:closure_new"), {"day": "2026-11-23", "name": "Staff training"}, follow=True
        )
    assert "35 open tickets recomputed." in response.content.decode()
    assert clocks() == expected


def test_check_sla_finishes_a_recompute_cut_short(agent):
    a_mix_of_tickets(agent)
    with time_machine.travel(CHANGED_AT, tick=False):
        Closure.objects.create(day=date(2026, 11, 23), name="Staff training")
        expected = one_by_one()
        # The change committed with its marks; the process stopped before recomputing.
        mark_open(Ticket.objects.all())
        out = io.StringIO()
        call_command("check_sla", stdout=out)
    assert "35 marked SLA clocks recomputed." in out.getvalue()
    assert clocks() == expected


def test_a_ticket_saved_after_the_change_keeps_the_clock_it_was_given(agent):
    ticket, *_ = a_mix_of_tickets(agent)
    with time_machine.travel(CHANGED_AT, tick=False):
        Closure.objects.create(day=date(2026, 11, 23), name="Staff training")
        mark_open(Ticket.objects.all())
        # An agent's save between the commit and the batch refreshes its own clock; its mark
        # stays, and the batch gives it the same clock again.
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.IN_PROGRESS)
        saved = sla.refresh(Ticket.objects.get(pk=ticket.pk))
        expected = clocks()[ticket.pk]
    with time_machine.travel(CHANGED_AT + timedelta(minutes=3), tick=False):
        assert recompute_marked() == 35
    assert Ticket.objects.get(pk=ticket.pk).resolution_due_at == saved.resolution_due_at
    assert clocks()[ticket.pk] == expected
