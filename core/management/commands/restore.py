from __future__ import annotations

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core import audit, backups
from core.backups import BackupError
from core.management.commands.backup import describe
from core.models import AuditAction

CONFIRMATION = "restore"


def system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return ""


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup made by `backup`, after a confirmation. "
        "The current database is first saved beside it as "
        "<name>.before-restore-<stamp>.sqlite3. SQLite only; on PostgreSQL use pg_restore."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup to put back")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )

    def handle(self, *args, file: Path, yes: bool, **options) -> None:
        try:
            live = backups.live_database()
            incoming = backups.check_restorable(file, live=live)
        except BackupError as error:
            raise CommandError(str(error)) from error
        current = backups.summarize(live) if live.exists() else None
        self.stdout.write(f"Restore {incoming.path}:")
        self.stdout.write("\n".join(describe(incoming)))
        if current:
            self.stdout.write(f"It replaces everything in the live database {live}:")
            self.stdout.write("\n".join(describe(current)))
            if not current.ok:
                self.stdout.write(
                    self.style.WARNING(f"  the live database fails: {current.integrity}")
                )
        if not yes:
            try:
                answer = input(f'Type "{CONFIRMATION}" to go on: ')
            except EOFError:
                answer = ""
            if answer.strip() != CONFIRMATION:
                raise CommandError("Restore cancelled; nothing changed.")

        # This process's own connection must not hold a snapshot of the old content.
        connections.close_all()
        safety = None
        if current:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            try:
                # Kept even when damaged: it may be all there is of the latest work.
                safety = backups.backup(
                    live, backups.safety_copy_path(live, stamp), require_ok=False
                )
            except BackupError as error:
                raise CommandError(
                    f"{error} Nothing was restored. If the database is beyond reading, stop "
                    f"the app, move {live} (and its -wal and -shm files) aside, and run "
                    "restore again."
                ) from error
            damaged = "" if safety.ok else " (damaged, as it was)"
            self.stdout.write(f"Saved the database as it was to {safety.path}{damaged}.")
        try:
            backups.restore(incoming.path, live)
        except BackupError as error:
            raise CommandError(str(error)) from error
        restored = backups.summarize(live)
        if not restored.ok:
            raise CommandError(
                f"The restored database fails PRAGMA integrity_check: {restored.integrity}"
            )
        self.stdout.write(self.style.SUCCESS(f"Restored {incoming.path} into {live}."))
        self.stdout.write("\n".join(describe(restored)))
        pending = self.pending_migrations()
        if pending:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(pending)} migration(s) of this version: run "
                    "`python manage.py migrate` before starting the app."
                )
            )
        else:
            # Everything after the backup is gone; the restored trail says so.
            audit.record(
                AuditAction.CHANGED,
                target_type="database",
                target_id=live.name,
                label=f"Database restored from {incoming.path.name}",
                changes={
                    "restored_from": str(incoming.path),
                    "previous_saved_as": str(safety.path) if safety else "",
                    "system_user": system_user(),
                },
            )

    def pending_migrations(self) -> list:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        return executor.migration_plan(executor.loader.graph.leaf_nodes())
