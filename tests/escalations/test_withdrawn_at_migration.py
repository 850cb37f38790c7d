"""The upgrade that records when requests were withdrawn fills in the time for those
withdrawn before it: from the ticket's timeline, else the next request, else the resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

AFTER = ("escalations", "0030_engagement_withdrawn_at")
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def before():
    """Every other app at its latest migration and escalations just before this one, so the
    rows are made as they were (whatever escalations migrations came after it)."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return [("escalations", "0029_merged_choices") if n[0] == AFTER[0] else n for n in leaves]


def test_requests_withdrawn_before_the_upgrade_get_their_withdrawal_time():
    old = migrate(before())
    user = old.get_model("auth", "User").objects.create(username="upgrade-agent")
    Ticket = old.get_model("tickets", "Ticket")
    Event = old.get_model("tickets", "TicketEvent")
    Admin = old.get_model("admins", "Administrator")
    Engagement = old.get_model("escalations", "Engagement")
    ada = Admin.objects.create(name="Ada Net", email="ada@example.org")
    bo = Admin.objects.create(name="Bo Mail", email="bo@example.org")

    def ticket(n, **fields):
        return Ticket.objects.create(
            external_id=f"9{n}", title="VPN", agent_id=user.pk, opened_at=T0, **fields
        )

    def request(t, admin, *, hours, state="withdrawn"):
        return Engagement.objects.create(
            ticket=t,
            admin=admin,
            kind="collaborate",
            requested_at=T0 + timedelta(hours=hours),
            requested_by=user,
            message="Hi",
            state=state,
        )

    try:
        # 1: the timeline says when (the entry naming the other admin does not count).
        first = ticket(1)
        by_event = request(first, ada, hours=1)
        Event.objects.create(ticket=first, kind="withdrawn", after="Bo Mail", at=T0)
        Event.objects.create(
            ticket=first, kind="withdrawn", after="Ada Net", at=T0 + timedelta(hours=5)
        )
        # 2: handed on to another admin, no entry: when the next request was made.
        second = ticket(2)
        handed_on = request(second, ada, hours=1)
        request(second, bo, hours=3, state="open")
        # 3: withdrawn when the ticket was resolved.
        third = ticket(3, status="resolved", resolved_at=T0 + timedelta(hours=8))
        at_resolution = request(third, ada, hours=2)
        # 4: nothing to go by, and an open request: left empty.
        unknown = request(ticket(4), ada, hours=1)
        still_open = request(ticket(5), bo, hours=1, state="open")

        new = migrate([AFTER]).get_model("escalations", "Engagement")
        when = dict(new.objects.values_list("pk", "withdrawn_at"))
        assert when[by_event.pk] == T0 + timedelta(hours=5)
        assert when[handed_on.pk] == T0 + timedelta(hours=3)
        assert when[at_resolution.pk] == T0 + timedelta(hours=8)
        assert when[unknown.pk] is None and when[still_open.pk] is None
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
