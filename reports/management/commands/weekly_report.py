from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports import issued, pdf, subscriptions
from reports.models import PeriodKind, ReportSend
from reports.periods import report_filename
from reports.weekly import build, current_week
from reports.weeks import IsoWeek


class Command(BaseCommand):
    help = (
        "Write one ISO week's report as a PDF, and/or email a finished week's issued report to "
        "the weekly report's subscribers who have not had it yet. Without a week, the previous "
        "(last complete) week."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("week", nargs="?", help="an ISO week such as 2026-W47")
        parser.add_argument(
            "--previous",
            action="store_true",
            help="the week before the current one (the default without a week)",
        )
        parser.add_argument(
            "--output",
            metavar="FILE.pdf",
            help="where to write the PDF (default weekly-report-YYYY-Www.pdf unless --email)",
        )
        parser.add_argument(
            "--email",
            action="store_true",
            help=(
                "send the issued PDF to each subscriber of the weekly report (/reports/"
                "subscriptions/) not sent it yet, as the scheduled send does: once per person"
            ),
        )

    def handle(self, *args, week: str | None, previous: bool, output, email: bool, **opts):
        if week and previous:
            raise CommandError("Give a week or --previous, not both.")
        current = current_week()
        if week:
            try:
                chosen = IsoWeek.parse(week)
            except ValueError as error:
                raise CommandError(str(error)) from error
            if chosen > current:
                raise CommandError(f"{chosen} has not started yet; the current week is {current}.")
        else:
            chosen = current.previous
        if email:
            self.email(chosen)
        if output or not email:
            self.write(chosen, Path(output) if output else None)

    def email(self, week: IsoWeek) -> None:
        """The scheduled send for ``week``, run now: issued if need be, each subscriber's send
        claimed and recorded, so neither this command run twice nor the scan sends it again."""
        if not issued.ended(week):
            raise CommandError(
                f"{week} is still running: only a finished week is emailed, as issued."
            )
        people = subscriptions.recipients(PeriodKind.WEEKLY)
        if not people:
            raise CommandError(
                "Nobody with an email address subscribes to the weekly report "
                "(/reports/subscriptions/); nothing was sent."
            )
        had = ReportSend.objects.filter(
            period_kind=PeriodKind.WEEKLY, period=str(week), user__in=[p.user for p in people]
        ).count()
        sent = subscriptions.send_period(PeriodKind.WEEKLY, week, now=timezone.now())
        line = f"Sent the report for {week} to {sent} subscriber(s); {had} had it already."
        if failed := len(people) - had - sent:
            line += f" {failed} could not be sent (see the log); the next run or scan retries."
        self.stdout.write(line)

    def write(self, week: IsoWeek, path: Path | None) -> None:
        """A finished week's issued PDF, byte for byte; the live figures for a week still
        running or not issued yet (writing a file never issues a week)."""
        ended = issued.ended(week)
        issue = issued.current_issue(week) if ended else None
        if issue is not None:
            content, kind = bytes(issue.pdf), "as issued"
        else:
            content = pdf.render_pdf(build(week), not_issued=ended)
            kind = "the live figures"
            if ended:
                kind += " (not issued yet: the periodic job issues each week after it ends)"
        path = path or Path(report_filename(week))
        path.write_bytes(content)
        self.stdout.write(
            f"Wrote {path} ({len(content) // 1024} KB), the report for {week}, {kind}."
        )
