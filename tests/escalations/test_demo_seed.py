"""The seed's quick paths (keys assigned in memory, clocks computed without a query, one hash
for the demo logins, SQLite pragmas) write what the slow ones wrote."""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from core.models import AuditEntry
from escalations import demo
from escalations.demo.bulk import insert
from escalations.demo.intake import plan_tickets
from escalations.demo.people import ensure_services
from escalations.handoffs.models import AdminResponse, ChecklistAnswer, Engagement
from escalations.management.commands import seed_demo
from tickets.models import ClockMark, EventKind, Ticket, TicketEvent, Tier
from tickets.sla import clock as sla

# Keys assigned in memory and the pragmas are SQLite's quick path; on PostgreSQL the seed
# uses bulk_create, which Django tests itself.
SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own insert path and pragmas"
)
# A Wednesday afternoon in Los Angeles.
NOW = datetime(2026, 3, 4, 22, 15, tzinfo=UTC)


def _seed(tickets: int = 300) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--tickets", str(tickets), "--seed", "5", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings) -> str:
    settings.DEBUG = True
    return _seed()


def test_seed_writes_every_row_it_reports_with_valid_links(seeded):
    handoffs = re.search(r"Hand-offs: (\d+) engagements, (\d+) admin responses", seeded)
    assert handoffs is not None
    assert Engagement.objects.count() == int(handoffs[1]) > 0
    assert AdminResponse.objects.count() == int(handoffs[2]) > 0
    assert Ticket.objects.count() == 300
    logged = TicketEvent.objects.filter(kind=EventKind.LOGGED)
    assert logged.count() == logged.values("ticket").distinct().count() == 300
    assert set(Ticket.objects.values_list("tier", flat=True)) == set(Tier)
    assert ChecklistAnswer.objects.values("ticket").distinct().count() == (
        Ticket.objects.filter(tier=Tier.ESCALATE).count()
    )
    # Foreign keys are checked at commit, which a test never reaches: ask the database now.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # raises on a broken link


def test_every_stored_clock_is_what_refresh_computes(seeded):
    cal = sla.load_calendar(NOW)
    tickets = list(Ticket.objects.order_by("pk"))
    assert any(t.next_due_at for t in tickets) and any(t.sla_paused_at for t in tickets)
    for ticket in tickets:
        stored = {field: getattr(ticket, field) for field in sla.CLOCK_FIELDS}
        sla.refresh(ticket, now=NOW, cal=cal)
        ticket.refresh_from_db()
        assert {field: getattr(ticket, field) for field in sla.CLOCK_FIELDS} == stored, ticket
    assert not ClockMark.objects.exists()  # no clock left waiting for a recompute


def test_demo_logins_share_one_hash_and_the_audit_log_records_each_password(seeded):
    users = list(get_user_model().objects.filter(username__in=[u for u, _, _ in demo.DEMO_USERS]))
    assert len(users) == len(demo.DEMO_USERS)
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in users)
    changed = AuditEntry.objects.filter(target_type="auth.user", changes__has_key="password")
    assert set(changed.values_list("target_id", flat=True)) == {str(u.pk) for u in users}


def _planned(seed: int) -> list[Ticket]:
    agents = demo.ensure_demo_users()[:3]
    services = ensure_services()
    # The same draws for either seed; only the ticket numbers differ.
    return plan_tickets(
        40, weeks=4, seed=seed, rng=random.Random(9), now=NOW, agents=agents, services=services
    )


def _columns(tickets: list[Ticket]) -> list[dict]:
    rows = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk").values()
    return [{k: v for k, v in row.items() if k not in ("id", "external_id")} for row in rows]


def _events(tickets: list[Ticket]) -> list[TicketEvent]:
    return [
        TicketEvent(ticket=t, at=t.opened_at, by=t.agent, kind=EventKind.LOGGED, note="è")
        for t in tickets
    ]


def _event_columns(tickets: list[Ticket]) -> list[tuple]:
    return list(
        TicketEvent.objects.filter(ticket__in=tickets)
        .order_by("pk")
        .values_list("ticket__title", "at", "by", "kind", "field", "before", "after", "note")
    )


@SQLITE_ONLY
@pytest.mark.django_db
def test_insert_writes_what_bulk_create_writes():
    with time_machine.travel(NOW, tick=False):
        built, inserted = _planned(1), _planned(2)
        Ticket.objects.bulk_create(built)
        assert insert(Ticket, inserted) is inserted
        # The timeline entries point at tickets that had no key when they were made.
        events = _events(inserted)
        TicketEvent.objects.bulk_create(_events(built))
        insert(TicketEvent, events)
    assert _columns(inserted) == _columns(built)
    assert _event_columns(inserted) == _event_columns(built)
    assert [e.ticket_id for e in events] == [t.pk for t in inserted]
    assert not any(t._state.adding for t in inserted)
    stored = Ticket.objects.get(pk=inserted[0].pk)
    assert stored.external_id == inserted[0].external_id and stored.created_at == NOW


@pytest.mark.django_db
def test_insert_never_gives_a_deleted_rows_key_again():
    tickets = insert(Ticket, _planned(1)[:3])
    last = tickets[-1].pk
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).delete()
    again = insert(Ticket, _planned(2)[:2])
    assert [t.pk for t in again] == [last + 1, last + 2]
    after = Ticket.objects.create(external_id="9", title="t", opened_at=NOW, agent=again[0].agent)
    assert after.pk == last + 3


@SQLITE_ONLY
@pytest.mark.django_db
def test_insert_refuses_a_row_that_has_a_key_or_an_unsaved_relation():
    saved = insert(Ticket, _planned(1)[:1])
    with pytest.raises(ValueError, match="already has a key"):
        insert(Ticket, saved)
    with pytest.raises(ValueError, match="unsaved related object 'ticket'"):
        insert(TicketEvent, _events(_planned(2)[:1]))


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_seed_demo_trades_durability_for_speed_only_while_seeding(
    migration_data, settings, monkeypatch
):
    settings.DEBUG = True
    during = []
    real_seed = demo.seed

    def seed(**kwargs):
        with connection.cursor() as cursor:
            during.append(cursor.execute("PRAGMA synchronous").fetchone()[0])
        return real_seed(**kwargs)

    def synchronous() -> int:
        with connection.cursor() as cursor:
            return cursor.execute("PRAGMA synchronous").fetchone()[0]

    before = synchronous()
    monkeypatch.setattr(seed_demo.demo, "seed", seed)
    _seed(60)
    assert during == [0]  # OFF
    assert synchronous() == before != 0
    assert Ticket.objects.count() == 60
