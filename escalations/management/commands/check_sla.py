from __future__ import annotations

from django.core.management.base import BaseCommand

from escalations import silence as checks
from tickets.sla.holidays import recompute_marked


class Command(BaseCommand):
    help = (
        "Log unanswered admin requests as no response and re-route them to the backup, and "
        "warn agents of SLA due times and breaches. Safe to run any number of times, and "
        "several at once."
    )

    def handle(self, *args, **options) -> None:
        # A calendar change recomputes the clocks it marked straight after it commits; a run
        # cut short (a crash, a restart) left marks, finished here before the scan reads them.
        repaired = recompute_marked()
        report = checks.run()
        if repaired:
            self.stdout.write(f"{repaired} marked SLA clocks recomputed.")
        self.stdout.write(str(report))
