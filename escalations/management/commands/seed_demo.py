from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from escalations import demo
from tickets.models import SlaState, Ticket


class Command(BaseCommand):
    help = "Fill an empty database with realistic demo data, the same for the same seed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=400)
        parser.add_argument("--weeks", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="seed even with DEBUG off (demo logins share one known password)",
        )

    def handle(self, *args, tickets: int, weeks: int, seed: int, **options) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: demo users have a published password. "
                "Pass --allow-production to seed anyway."
            )
        if tickets < 0 or weeks < 1 or seed < 0:
            raise CommandError("--tickets must be 0 or more, --weeks 1 or more, --seed 0 or more.")
        if Ticket.objects.exists():
            raise CommandError(
                "The database already has tickets; demo data only goes into an empty one."
            )
        started = time.perf_counter()
        with _fast_sqlite():
            result = demo.seed(tickets=tickets, weeks=weeks, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result.tickets} tickets over {weeks} weeks and "
                f"{result.users} demo users in {time.perf_counter() - started:.1f} s."
            )
        )
        self.stdout.write(
            f"Hand-offs: {result.engagements} engagements, {result.responses} admin responses, "
            f"{result.purviews} purview declarations and {result.procedures} procedures."
        )
        states = ", ".join(
            f"{result.sla_states[state]} {state.label.lower().replace('sla', 'SLA')}"
            for state in SlaState
            if state in result.sla_states
        )
        self.stdout.write(f"SLA now: {states}.")
        self.stdout.write(
            f"Urgent requests: {result.urgent_requests} ({result.urgent_open} open); "
            f"{result.notifications} notifications. Run check_sla for the few notices and "
            "unanswered requests left for it."
        )
        self.stdout.write(
            f"Tickets nobody answered, escalated by the clock: {result.clock_escalated}; "
            f"governance thresholds set: {result.thresholds}."
        )


# What the seeding connection trades for speed on SQLite. The seed goes into a database
# without tickets, in one transaction: the command failing midway rolls it back as before,
# but the disk is not waited for at each write, so a power cut or an operating-system crash
# while seeding can damage the file (SQLite's warning for synchronous=OFF). It is a demo
# database: migrate makes it again. A large page cache keeps the indexes of 100,000 tickets
# in memory instead of spilling half-written pages to the log.
SEEDING_PRAGMAS = {"synchronous": "OFF", "cache_size": "-262144", "temp_store": "MEMORY"}


@contextmanager
def _fast_sqlite() -> Iterator[None]:
    """SEEDING_PRAGMAS on this connection only, while seeding; the settings' values after.
    Not inside a transaction someone else opened (a test's): SQLite refuses to change the
    safety level there, and it is that transaction's commit that would need it."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        before = {}
        for name, value in SEEDING_PRAGMAS.items():
            before[name] = cursor.execute(f"PRAGMA {name}").fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")
