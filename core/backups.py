"""Online copies of the SQLite database, and putting one back.

Everything goes through SQLite's backup API, never a file copy: in WAL mode the committed
data is spread over the database file and its ``-wal`` file, and a copy of the main file
alone can miss recent commits or catch a half-written checkpoint. The backup API reads one
consistent snapshot while the app keeps writing, and writing into the live database through it
takes SQLite's own locks, so running app processes simply see the new content.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

SQLITE_HEADER = b"SQLite format 3\x00"
# How long to wait for the app's writers before giving up, like the app itself (settings.py).
BUSY_TIMEOUT_SECONDS = 20


class BackupError(Exception):
    """The copy cannot be made or used; the message says why and what to do."""


@dataclass(frozen=True)
class DatabaseSummary:
    path: Path
    size: int
    integrity: str
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.integrity == "ok"


def key_tables() -> dict[str, str]:
    """The tables a person checks a backup by, as labels and table names.

    The models are named in ``settings.BACKUP_KEY_MODELS``: core sits below the apps that own
    them, so it finds them through the app registry rather than importing them.
    """
    return {
        label: apps.get_model(model)._meta.db_table
        for label, model in settings.BACKUP_KEY_MODELS.items()
    }


def live_database(alias: str = DEFAULT_DB_ALIAS) -> Path:
    """The file of the database the app uses; refuses any other engine."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        raise BackupError(
            f"This site uses {connection.display_name}, and backup and restore work on SQLite "
            "only. Use that database's own tools: for PostgreSQL, "
            'pg_dump --format=custom --file=escalations.dump "$DATABASE_URL" and '
            'pg_restore --clean --dbname="$DATABASE_URL" escalations.dump.'
        )
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"The database {name!r} is not a plain file; nothing to back up.")
    return Path(name).resolve()


def _open(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # A URI so a missing file is an error instead of a new, empty database.
        return sqlite3.connect(
            f"file:{quote(str(path))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS
        )
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)


def summarize(path: Path) -> DatabaseSummary:
    """Integrity check and, for a sound file, row counts of the key tables present."""
    db = _open(path, read_only=True)
    counts: dict[str, int] = {}
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
        integrity = "; ".join(str(row[0]) for row in rows[:5])
        if integrity == "ok":
            existing = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            counts = {
                label: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for label, table in key_tables().items()
                if table in existing
            }
    except sqlite3.DatabaseError as error:
        integrity = f"unreadable ({error})"
    finally:
        db.close()
    return DatabaseSummary(path=path, size=path.stat().st_size, integrity=integrity, counts=counts)


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` page by page into a new file ``target``, readable only by its owner
    (it holds password hashes and personal data), as one self-contained file."""
    # SQLite takes an empty file as an empty database, so the mode is set before any data.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    destination = sqlite3.connect(target)
    try:
        # One step (pages=-1) copies the whole database inside one read transaction: in WAL
        # mode that is a consistent snapshot, and the app's writers are never blocked.
        source.backup(destination, pages=-1)
        # The copy should not need a -wal file next to it to be complete.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def backup(
    live: Path, output: Path, *, force: bool = False, require_ok: bool = True
) -> DatabaseSummary:
    """Write a consistent copy of the live database to ``output`` and check it.

    The copy is made under a temporary name and only renamed to ``output`` once it passes
    ``PRAGMA integrity_check``, so ``output`` is never a partial copy. With ``require_ok``
    off a damaged database is still copied as it is (the summary says it is not ok): what
    restore keeps of a database it is about to replace.
    """
    if not live.is_file():
        raise BackupError(f"There is no database at {live}.")
    output = output.resolve()
    if output == live:
        raise BackupError("The output cannot be the live database itself.")
    if output.exists() and not force:
        raise BackupError(f"{output} already exists; choose another name or add --force.")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    source = _open(live)
    try:
        copy_database(source, partial)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Could not copy {live}: {error}") from error
    finally:
        source.close()
    summary = summarize(partial)
    if require_ok and not summary.ok:
        raise BackupError(
            f"The copy failed PRAGMA integrity_check ({summary.integrity}); it is left at "
            f"{partial} for inspection. Check the live database the same way."
        )
    os.replace(partial, output)
    return DatabaseSummary(output, summary.size, summary.integrity, summary.counts)


def check_restorable(path: Path, *, live: Path) -> DatabaseSummary:
    """Refuse anything but an intact SQLite database of this app that is not the live one."""
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    path = path.resolve()
    if path == live or (live.exists() and path.samefile(live)):
        raise BackupError(f"{path} is the live database; restore a backup of it instead.")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database.")
    try:
        summary = summarize(path)
        db = _open(path, read_only=True)
        try:
            has_migrations = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
            ours = (
                has_migrations
                and db.execute("SELECT 1 FROM django_migrations WHERE app = 'tickets'").fetchone()
            )
        finally:
            db.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be read as a SQLite database: {error}") from error
    if not summary.ok:
        raise BackupError(f"{path} failed PRAGMA integrity_check: {summary.integrity}")
    if not has_migrations:
        raise BackupError(f"{path} has no django_migrations table: it is not a Django database.")
    if not ours:
        raise BackupError(f"{path} is a Django database, but not one of this app.")
    return summary


def safety_copy_path(live: Path, stamp: str) -> Path:
    """``db.sqlite3.before-restore-<stamp>.sqlite3`` beside the live file, never an existing
    file (the .gitignore pattern ``db.sqlite3*`` covers it)."""
    candidate = live.with_name(f"{live.name}.before-restore-{stamp}.sqlite3")
    number = 2
    while candidate.exists() or candidate.with_name(candidate.name + ".partial").exists():
        candidate = live.with_name(f"{live.name}.before-restore-{stamp}-{number}.sqlite3")
        number += 1
    return candidate


def restore(path: Path, live: Path) -> None:
    """Replace the content of the live database with ``path``, through the backup API so the
    live file keeps its WAL mode and the app's open connections see the new content."""
    source = _open(path, read_only=True)
    try:
        destination = _open(live)
        try:
            source.backup(destination, pages=-1)
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise BackupError(f"Could not restore {path} into {live}: {error}") from error
    finally:
        source.close()
