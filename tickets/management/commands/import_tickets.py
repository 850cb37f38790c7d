"""Import tickets from a CSV exported from a TDX ticket report."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tickets import importer


class Command(BaseCommand):
    help = "Import tickets from a TDX ticket report exported as CSV."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check the rows, save nothing.")
        parser.add_argument("--update", action="store_true", help="Update tickets already here.")
        parser.add_argument("--skip-bad-rows", action="store_true", help="Import the good rows.")
        parser.add_argument("--by", help="Username recorded as the importer (default: first).")

    def handle(self, *args, file, dry_run, update, skip_bad_rows, by, **options):
        path = Path(file)
        try:
            text, note = importer.decode(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=by).first() if by else users.order_by("pk").first()
        if user is None:
            raise CommandError(f"No active user {by!r}." if by else "No user to record.")
        parsed = importer.parse(text, note=note)
        for line in parsed.notes:
            self.stdout.write(line)
        for problem in parsed.problems:
            self.stderr.write(str(problem))
        self.stdout.write(
            f"{len(parsed.rows)} rows: {len(parsed.good)} good, "
            f"{len(parsed.rows) - len(parsed.good)} bad, {len(parsed.existing)} already here."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing saved.")
            return
        try:
            result = importer.run(
                parsed, by=user, filename=path.name, update=update, skip_bad=skip_bad_rows
            )
        except importer.ImportRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Created {result.created}, updated {result.updated}, skipped {result.skipped} bad, "
            f"left {result.existing_left} existing unchanged."
        )
