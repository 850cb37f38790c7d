"""The upgrade that makes ticket IDs unique whatever their case stops, naming them, when two
IDs already differ only by case, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("tickets", "0015_clock_stale")]
AFTER = [("tickets", "0016_q21_ticket_id_any_case")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_case_twins_stop_the_upgrade_with_their_ids_and_change_nothing():
    old = migrate(BEFORE)
    Ticket = old.get_model("tickets", "Ticket")
    agent = old.get_model("auth", "User").objects.create(username="twin-maker")
    for external_id in ("INC-7", "inc-7", "INC-8"):
        Ticket.objects.create(
            external_id=external_id,
            title="Printer",
            agent_id=agent.pk,
            opened_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
    try:
        with pytest.raises(RuntimeError, match="INC-7, inc-7"):
            migrate(AFTER)
        assert Ticket.objects.count() == 3
        Ticket.objects.filter(external_id="inc-7").update(external_id="INC-7-B")
        new = migrate(AFTER)
        assert new.get_model("tickets", "Ticket").objects.count() == 3
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
