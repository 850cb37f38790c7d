from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets import tdx
from tickets.models import Ticket
from tickets.signals import tdx_synced
from tickets.tdx.client import TdxClient
from tickets.tdx.sync import sync


class Command(BaseCommand):
    help = "Pull status, priority, responsible and end times TDX changed on open tickets."

    def handle(self, *args, **options) -> None:
        if not tdx.configured():
            self.stdout.write("TDX is not configured (TDX_BASE_URL is empty): nothing to do.")
            return
        now = timezone.now()
        with TdxClient() as client:
            report = sync(client=client, now=now)
            if report.stopped:
                raise CommandError(report.summary())
            self.stdout.write(report.summary())
            answers = sum(
                count or 0 for _, count in tdx_synced.send(Ticket, client=client, now=now)
            )
        self.stdout.write(f"TDX feeds: {answers} answer(s) recorded from administrators.")
