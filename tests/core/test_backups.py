"""Backups of the live SQLite database, restoring one, and the JSON export for PostgreSQL.

The backup and restore commands read and write the database file itself through a separate
SQLite connection, so these tests commit their data (``migration_data`` implies a
transactional database) instead of keeping it inside the test's transaction.
"""

from __future__ import annotations

import io
import re
import sqlite3
import stat
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from core import backups
from core.models import AuditEntry
from escalations.handoffs.models import AdminResponse, ChecklistItem, Engagement
from tests.factories import AgentFactory, EngagementFactory, TicketFactory
from tickets import services
from tickets.models import Category, EventKind, Priority, Ticket, TicketEvent
from tickets.sla.models import ServiceTarget

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="backup and restore are SQLite features; on PostgreSQL they refuse (tested below)",
)

# The export documented in README.md ("Backup and restore"); keep the two in step.
EXPORT = [
    "dumpdata",
    "--natural-foreign",
    "--natural-primary",
    "--exclude",
    "contenttypes",
    "--exclude",
    "auth.permission",
    "--exclude",
    "sessions",
    "--indent",
    "2",
]


@pytest.fixture
def live_db() -> Path:
    """The test database file, which the commands treat as the live database; the safety
    copies restore leaves beside it are removed afterwards."""
    path = Path(connection.settings_dict["NAME"])
    yield path
    for leftover in path.parent.glob(f"{path.name}.before-restore-*"):
        leftover.unlink()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def records() -> Ticket:
    """A ticket with an edit, an engagement and a response: a row in every key table."""
    agent = AgentFactory(username="agent_ann")
    ticket = TicketFactory(external_id="INC1001", title="VPN drops", agent=agent)
    ticket.events.create(by=agent, kind=EventKind.LOGGED)
    services.update_ticket(
        ticket,
        by=agent,
        changes={"title": "VPN drops every hour"},
        expected_version=ticket.version,
        seen_event=0,
    )
    engagement = EngagementFactory(ticket=ticket, requested_by=agent)
    engagement.record_response(
        outcome="gave_input", channel="ticket", responded_at=timezone.now(), by=agent
    )
    return ticket


def query(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


@sqlite_only
def test_backup_copies_the_live_database_and_checks_it(migration_data, live_db, tmp_path):
    records()
    # A folder that does not exist yet, with characters that mean something in a URI.
    output = tmp_path / "nightly #1?" / "copy.sqlite3"

    printed = run("backup", "--output", str(output))

    assert f"Backed up {live_db.resolve()} to {output}" in printed
    assert "integrity ok" in printed
    assert f"({output.stat().st_size:,} bytes)" in printed
    assert "tickets: 1\n" in printed
    assert "engagements: 1\n" in printed
    assert "admin responses: 1" in printed
    assert query(output, "PRAGMA integrity_check") == [("ok",)]
    assert query(output, "SELECT external_id, title FROM tickets_ticket") == [
        ("INC1001", "VPN drops every hour")
    ]
    assert query(output, "SELECT COUNT(*) FROM tickets_ticketevent") == [
        (TicketEvent.objects.count(),)
    ]
    assert query(output, "SELECT COUNT(*) FROM auth_group") == [(3,)]
    # One self-contained file that only its owner can read: it holds password hashes.
    assert query(output, "PRAGMA journal_mode") == [("delete",)]
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert [p.name for p in output.parent.iterdir()] == ["copy.sqlite3"]


@sqlite_only
def test_backup_names_the_copy_by_date_in_the_backups_folder(
    migration_data, live_db, tmp_path, settings
):
    settings.BASE_DIR = tmp_path

    run("backup")

    (copy,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"escalations-\d{8}-\d{6}\.sqlite3", copy.name)
    assert query(copy, "PRAGMA integrity_check") == [("ok",)]


@sqlite_only
def test_backup_refuses_to_overwrite_a_file_without_force(migration_data, live_db, tmp_path):
    output = tmp_path / "copy.sqlite3"
    output.write_text("an older copy")

    with pytest.raises(CommandError, match="already exists; choose another name or add --force"):
        run("backup", "--output", str(output))
    assert output.read_text() == "an older copy"

    run("backup", "--output", str(output), "--force")
    assert query(output, "PRAGMA integrity_check") == [("ok",)]


@sqlite_only
def test_backup_is_one_consistent_snapshot_while_the_app_writes(migration_data, live_db, tmp_path):
    agent = AgentFactory()
    stop = threading.Event()
    written: list[str] = []
    failures: list[BaseException] = []

    def keep_logging() -> None:
        try:
            while not stop.is_set():
                external_id = f"W{len(written) + 1}"
                services.log_ticket(by=agent, external_id=external_id, title="Busy day")
                written.append(external_id)
        except BaseException as error:  # reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 20
        while len(written) < count and not failures and time.monotonic() < deadline:
            time.sleep(0.01)

    writer = threading.Thread(target=keep_logging)
    writer.start()
    try:
        wait_for(5)
        run("backup", "--output", str(tmp_path / "copy.sqlite3"))
        copied = len(written)
        wait_for(copied + 5)
    finally:
        stop.set()
        writer.join(30)
    assert not failures
    copy = tmp_path / "copy.sqlite3"
    assert query(copy, "PRAGMA integrity_check") == [("ok",)]
    (tickets,) = query(copy, "SELECT COUNT(*) FROM tickets_ticket")[0]
    assert 5 <= tickets < Ticket.objects.count()
    # A ticket and its "logged" event are committed together, so a snapshot has both or
    # neither.
    assert query(
        copy,
        "SELECT COUNT(*) FROM tickets_ticket t WHERE NOT EXISTS (SELECT 1 FROM "
        "tickets_ticketevent e WHERE e.ticket_id = t.id AND e.kind = 'logged')",
    ) == [(0,)]


@sqlite_only
def test_restore_puts_a_backup_back_and_saves_the_database_it_replaces(
    migration_data, live_db, tmp_path
):
    ticket = records()
    backup = tmp_path / "before.sqlite3"
    run("backup", "--output", str(backup))
    Ticket.objects.filter(pk=ticket.pk).update(title="Changed after the backup")
    TicketFactory(external_id="INC2002", title="Logged after the backup", agent=ticket.agent)

    printed = run("restore", str(backup), "--yes")

    ticket.refresh_from_db()
    assert ticket.title == "VPN drops every hour"
    assert not Ticket.objects.filter(external_id="INC2002").exists()
    assert Engagement.objects.count() == AdminResponse.objects.count() == 1
    (safety,) = live_db.parent.glob(f"{live_db.name}.before-restore-*.sqlite3")
    assert query(safety, "SELECT external_id, title FROM tickets_ticket ORDER BY external_id") == [
        ("INC1001", "Changed after the backup"),
        ("INC2002", "Logged after the backup"),
    ]
    assert f"Saved the database as it was to {safety}" in printed
    assert f"Restored {backup} into {live_db.resolve()}" in printed
    assert "migrate" not in printed  # same version: nothing to migrate
    entry = AuditEntry.objects.get(target_type="database")
    assert entry.target == "Database restored from before.sqlite3"
    assert entry.changes["restored_from"] == str(backup)
    assert entry.changes["previous_saved_as"] == str(safety)
    # The live file keeps the app's WAL journal.
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@sqlite_only
@pytest.mark.parametrize(("answer", "restored"), [("no", False), ("", False), ("restore", True)])
def test_restore_goes_ahead_only_when_restore_is_typed(
    migration_data, live_db, tmp_path, monkeypatch, answer, restored
):
    backup = tmp_path / "empty.sqlite3"
    run("backup", "--output", str(backup))
    TicketFactory(external_id="INC3003")
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or answer)

    if restored:
        run("restore", str(backup))
    else:
        with pytest.raises(CommandError, match="Restore cancelled; nothing changed"):
            run("restore", str(backup))

    assert prompts == ['Type "restore" to go on: ']
    assert Ticket.objects.filter(external_id="INC3003").exists() is not restored
    safety_copies = list(live_db.parent.glob(f"{live_db.name}.before-restore-*"))
    assert len(safety_copies) == (1 if restored else 0)


def _not_sqlite(path: Path) -> Path:
    path.write_text("external_id,title\nINC1,VPN\n")
    return path


def _other_app(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE django_migrations (id integer, app text, name text)")
    db.execute("INSERT INTO django_migrations VALUES (1, 'blog', '0001_initial')")
    db.commit()
    db.close()
    return path


def _not_django(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (body text)")
    db.close()
    return path


DAMAGE = slice(4096 * 3, 4096 * 7)  # pages 4 to 7
GARBAGE = b"\xff" * (DAMAGE.stop - DAMAGE.start)


def _damaged(path: Path) -> Path:
    call_command("backup", "--output", str(path), stdout=io.StringIO())
    with path.open("r+b") as handle:
        handle.seek(DAMAGE.start)
        handle.write(GARBAGE)
    return path


@sqlite_only
@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda path: path, "There is no file at"),
        (_not_sqlite, "is not a SQLite database"),
        (_not_django, "has no django_migrations table"),
        (_other_app, "is a Django database, but not one of this app"),
        (_damaged, "integrity_check|cannot be read"),
    ],
    ids=["missing", "not-sqlite", "not-django", "other-app", "damaged"],
)
def test_restore_refuses_a_file_that_is_not_a_sound_backup(
    migration_data, live_db, tmp_path, make, error
):
    ticket = TicketFactory()
    path = make(tmp_path / "candidate.sqlite3")

    with pytest.raises(CommandError, match=error):
        run("restore", str(path), "--yes")

    assert Ticket.objects.get() == ticket
    assert not list(live_db.parent.glob(f"{live_db.name}.before-restore-*"))


@sqlite_only
def test_a_damaged_database_is_copied_only_as_the_safety_copy_and_a_restore_mends_it(
    migration_data, live_db, tmp_path
):
    good = tmp_path / "good.sqlite3"
    run("backup", "--output", str(good))
    damaged = _damaged(tmp_path / "damaged.sqlite3")

    with pytest.raises(backups.BackupError, match="failed PRAGMA integrity_check"):
        backups.backup(damaged, tmp_path / "copy.sqlite3")
    assert not (tmp_path / "copy.sqlite3").exists()

    # What restore keeps of the database it replaces, damaged or not.
    kept = backups.backup(damaged, tmp_path / "kept.sqlite3", require_ok=False)
    assert not kept.ok
    assert kept.path.read_bytes()[DAMAGE] == damaged.read_bytes()[DAMAGE] == GARBAGE

    backups.restore(good, damaged)
    assert backups.summarize(damaged).ok


@sqlite_only
def test_restore_refuses_the_live_database_itself(migration_data, live_db):
    with pytest.raises(CommandError, match="is the live database"):
        run("restore", str(live_db), "--yes")


def test_backup_and_restore_name_the_postgresql_tools_on_another_database(monkeypatch, tmp_path):
    # Runs on every database: the refusal is decided before any connection is made.
    default = connections["default"]
    monkeypatch.setattr(default, "vendor", "postgresql")
    monkeypatch.setattr(default, "display_name", "PostgreSQL")

    with pytest.raises(CommandError, match="SQLite only.*pg_dump"):
        run("backup", "--output", str(tmp_path / "copy.sqlite3"))
    with pytest.raises(CommandError, match="SQLite only.*pg_restore"):
        run("restore", str(tmp_path / "copy.sqlite3"), "--yes")
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="checks the refusal on PostgreSQL (DATABASE_URL)"
)
@pytest.mark.django_db
def test_backup_refuses_postgresql_and_names_pg_dump(tmp_path):
    with pytest.raises(CommandError, match="This site uses PostgreSQL.*pg_dump"):
        run("backup", "--output", str(tmp_path / "copy.sqlite3"))
    assert not list(tmp_path.iterdir())


def to_milliseconds(rows) -> list[tuple]:
    """Django's JSON serializer writes times to the millisecond."""
    return [
        tuple(
            v.replace(microsecond=v.microsecond // 1000 * 1000) if isinstance(v, datetime) else v
            for v in row
        )
        for row in rows
    ]


def snapshot() -> dict:
    """What the export must carry over, by natural values rather than primary keys (users
    and groups get new ones), with times to the millisecond."""
    User = get_user_model()
    snap = {
        "users": sorted(
            User.objects.values_list(
                "username", "password", "email", "is_staff", "date_joined", "groups__name"
            )
        ),
        "groups": {
            group.name: sorted(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.all()
        },
        "tickets": list(
            Ticket.objects.order_by("external_id").values_list(
                "external_id",
                "title",
                "status",
                "tier",
                "version",
                "agent__username",
                "category__name",
                "priority__name",
                "opened_at",
                "updated_at",
                "response_due_at",
            )
        ),
        "events": list(
            TicketEvent.objects.order_by("id").values_list(
                "ticket__external_id", "kind", "field", "before", "after", "by__username", "at"
            )
        ),
        "engagements": list(
            Engagement.objects.order_by("id").values_list(
                "ticket__external_id", "admin__email", "kind", "state", "first_response_at"
            )
        ),
        "responses": list(
            AdminResponse.objects.order_by("id").values_list(
                "engagement__ticket__external_id", "outcome", "channel", "responded_at"
            )
        ),
        "audit trail": list(
            AuditEntry.objects.order_by("id").values_list(
                "at", "action", "target_type", "target_id", "user__username", "changes"
            )
        ),
        "reference rows": [
            model.objects.count() for model in (Category, Priority, ChecklistItem, ServiceTarget)
        ],
    }
    return {
        name: to_milliseconds(rows) if isinstance(rows, list) and name != "reference rows" else rows
        for name, rows in snap.items()
    }


@pytest.fixture
def registry(migration_data):
    """``migration_data`` runs ``sync_role_permissions`` on the global app registry, which
    leaves every ``AppConfig.models_module`` at None (escalations/roles.py); dumpdata, and the
    post_migrate handlers that flush runs, then skip every app. Put the modules back."""
    for app_config in apps.get_app_configs():
        if app_config.models_module is None:
            app_config.import_models()


def test_json_export_loads_into_an_empty_database(registry, tmp_path):
    """The documented move to PostgreSQL: dumpdata, then migrate, flush and loaddata on the
    new database. Here the same database is emptied in between; CI runs it on both."""
    records()
    before = snapshot()
    export = tmp_path / "escalations.json"
    run(*EXPORT, "-o", str(export))

    run("flush", "--no-input")
    assert not Ticket.objects.exists()
    assert not Group.objects.exists()
    assert not Category.objects.exists()

    printed = run("loaddata", str(export))

    assert re.search(r"Installed \d+ object\(s\) from 1 fixture\(s\)", printed)
    assert snapshot() == before
    assert before["tickets"][0][:2] == ("INC1001", "VPN drops every hour")
    assert all(before["reference rows"])
    assert before["audit trail"]
    # Logging in and permission checks work on the loaded data.
    user = get_user_model().objects.get(username="agent_ann")
    assert user.check_password("correct-horse-battery")
    assert user.has_perm("tickets.change_ticket")
