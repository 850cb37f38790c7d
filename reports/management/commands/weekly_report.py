from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.urls import reverse

from core.roles import MANAGER, members
from escalations.notifications.notify import absolute_url, site_context, tidy
from reports import issued, pdf
from reports.weekly import WeeklyReport, build, current_week
from reports.weeks import IsoWeek


def managers():
    """Active users in the Manager group who have an email address."""
    return members(MANAGER).exclude(email="")


class Command(BaseCommand):
    help = (
        "Write one ISO week's report as a PDF, and/or email it to the managers. Without a "
        "week, the previous (last complete) week."
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
            help="send the PDF to every active manager with an email address",
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
        recipients = list(managers()) if email else []
        if email and not recipients:
            raise CommandError("No active manager has an email address; nothing was sent.")

        report = build(chosen)
        if issued.ended(chosen):
            # A finished week is the issued file, byte for byte (issued now if need be).
            content = bytes(issued.issue(chosen).pdf)
        else:
            content = pdf.render_pdf(report)
        if output or not email:
            path = Path(output or pdf.filename(report))
            path.write_bytes(content)
            self.stdout.write(f"Wrote {path} ({len(content) // 1024} KB), the report for {chosen}.")
        if email:
            sent = get_connection().send_messages(
                [self.message(report, content, user.email) for user in recipients]
            )
            self.stdout.write(f"Sent the report for {chosen} to {sent} manager(s).")

    @staticmethod
    def message(report: WeeklyReport, content: bytes, to: str) -> EmailMessage:
        context = {
            "report": report,
            "site": site_context(),
            "link": absolute_url(reverse("reports:week", args=[report.week])),
            "in_app": False,
        }
        subject = " ".join(render_to_string("reports/email_subject.txt", context).split())
        body = tidy(render_to_string("reports/email_body.txt", context))
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        message.attach(pdf.filename(report), content, "application/pdf")
        return message
