from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from escalations import demo


class Command(BaseCommand):
    help = "Used by `make run`: load demo data and users into an empty database, print logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--address",
            default="127.0.0.1:8000",
            help="host:port the server will listen on, for the log-in address printed "
            "(make run passes HOST and PORT).",
        )

    def handle(self, *args, **options) -> None:
        if not get_user_model().objects.exists():
            self.stdout.write("Empty database: loading demo data and demo users…")
            call_command("seed_demo", stdout=self.stdout)
            self.stdout.write("")
            self.stdout.write(f"Log in at http://{options['address']}/accounts/login/ with:")
            for username, role, _ in demo.DEMO_USERS:
                self.stdout.write(f"  {username:<11} {demo.DEMO_PASSWORD}   ({role})")
        else:
            self.stdout.write(
                "The database already has users; demo data was not loaded. Demo logins, if "
                f"present, use the password {demo.DEMO_PASSWORD!r} "
                "(agent, supervisor, manager)."
            )
