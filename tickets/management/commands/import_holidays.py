from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from tickets.models import Ticket
from tickets.sla.holidays import import_holidays, mark_open, recompute_marked


class Command(BaseCommand):
    help = (
        "Add a closure for each public holiday of a year from the holidays package, e.g. "
        "`import_holidays US --subdivision CA --year 2026`, and recompute open tickets' SLA "
        "clocks. Days that already have a closure are skipped, so running it twice is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="Two-letter ISO country code, e.g. US.")
        parser.add_argument("--subdivision", default="", help="State or region, e.g. CA.")
        parser.add_argument(
            "--year", type=int, default=None, help="The year to import; default this year."
        )

    def handle(self, *args, country: str, subdivision: str, year: int | None, **options) -> None:
        year = year or timezone.localdate().year
        try:
            with transaction.atomic():
                added, skipped = import_holidays(country, subdivision, year)
                recomputed = mark_open(Ticket.objects.all()) if added else 0
            recompute_marked()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"{added} closure{'s' if added != 1 else ''} added, {skipped} already on the "
            f"calendar; {recomputed} open ticket{'s' if recomputed != 1 else ''} recomputed."
        )
