from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core import backups
from core.backups import BackupError, DatabaseSummary


def describe(summary: DatabaseSummary) -> list[str]:
    lines = [f"  size: {summary.size / 1_000_000:.1f} MB ({summary.size:,} bytes)"]
    lines += [f"  {label}: {count:,}" for label, count in summary.counts.items()]
    return lines


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to a file while the app runs, through SQLite's backup API "
        "(a consistent snapshot, WAL included), then check the copy with PRAGMA "
        "integrity_check. SQLite only; on PostgreSQL use pg_dump."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="the file to write; default backups/escalations-YYYYmmdd-HHMMSS.sqlite3 "
            "in the project folder",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace the output file if it exists"
        )

    def handle(self, *args, output: Path | None, force: bool, **options) -> None:
        try:
            live = backups.live_database()
            if output is None:
                stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
                output = settings.BASE_DIR / "backups" / f"escalations-{stamp}.sqlite3"
            summary = backups.backup(live, output, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up {live} to {summary.path} (integrity ok)."))
        self.stdout.write("\n".join(describe(summary)))
