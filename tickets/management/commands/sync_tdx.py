from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tickets import tdx
from tickets.tdx.sync import sync


class Command(BaseCommand):
    help = "Pull status, priority, responsible and end times TDX changed on open tickets."

    def handle(self, *args, **options) -> None:
        if not tdx.configured():
            self.stdout.write("TDX is not configured (TDX_BASE_URL is empty): nothing to do.")
            return
        report = sync()
        if report.stopped:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
