from __future__ import annotations

from django.core.management.base import BaseCommand

from escalations import silence as checks


class Command(BaseCommand):
    help = (
        "Log unanswered admin requests as no response and re-route them to the backup, and "
        "warn agents of SLA due times and breaches. Safe to run any number of times, and "
        "several at once."
    )

    def handle(self, *args, **options) -> None:
        report = checks.run()
        self.stdout.write(str(report))
