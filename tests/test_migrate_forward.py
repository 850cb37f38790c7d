"""A database made on the last main before the layered apps migrates forward intact.

The fixture is a SQLite file created at commit 1aad5c0 (``migrate``, ``seed_demo`` and one user
per role). Models that changed app keep their tables, so migrating must not add, drop or
rewrite a single row; what moves is the content types' app label, and the role groups must keep
every permission they held.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "legacy_main_1aad5c0.sqlite3.gz"

# Tables that migrating forward is expected to touch, compared in their own way below.
# (auth_permission: each added model brings its four permissions.)
BOOKKEEPING = {
    "django_migrations",
    "django_content_type",
    "auth_group_permissions",
    "auth_permission",
}

# The tables of the models that moved app, with the app that owns each now.
MOVED = {
    "admins_adminresponse": ("escalations", "AdminResponse"),
    "admins_procedure": ("escalations", "Procedure"),
    "escalations_auditentry": ("core", "AuditEntry"),
    "escalations_businesscalendar": ("tickets", "BusinessCalendar"),
    "escalations_closure": ("tickets", "Closure"),
    "escalations_maintenancewindow": ("tickets", "MaintenanceWindow"),
    "escalations_servicetarget": ("tickets", "ServiceTarget"),
}


# The permissions the roles gained with the models added since.
ONCALL = ("escalationpolicy", "policylevel", "rotation", "rotationmember", "rotationoverride")
ONCALL += ("absence",)
GRANTED = (
    {("Supervisor", "view_inboundmail")}
    | {(role, f"view_{model}") for role in ("Agent", "Supervisor") for model in ONCALL}
    | {("Supervisor", f"{verb}_{m}") for m in ONCALL for verb in ("add", "change", "delete")}
    | {
        ("Supervisor", f"{verb}_governancethreshold")
        for verb in ("view", "add", "change", "delete")
    }
    | {("Manager", "view_governancethreshold")}
    | {("Supervisor", "reissue_weekly_report")}
    | {
        (role, f"{verb}_reportsubscription")
        for role in ("Supervisor", "Manager")
        for verb in ("add", "delete")
    }
    | {("Supervisor", "view_reportsubscription")}
)

# Permissions beyond the four per added model, declared in a model's Meta.permissions.
CUSTOM_PERMISSIONS = {"reissue_weekly_report"}

# Columns later migrations added or dropped on purpose; the rows' other columns must not move.
CHANGED_COLUMNS = {
    "tickets_ticket": (
        {"due_soon_at", "tdx_responsible", "clock_escalated_at"},
        set(),
    ),
    "escalations_businesscalendar": (
        {"due_soon_percent", "dm_policy_communicated_on"},
        {"due_soon_minutes"},
    ),
    "admins_adminresponse": ({"given_up_early", "source_ip", "awaiting_classification"}, set()),
    "escalations_urgentsteprecord": ({"skipped"}, set()),
    "admins_administrator": (
        {"manager_name", "manager_email", "weekly_digest", "tdx_uid", "dm_policy_communicated_on"},
        set(),
    ),
    "admins_service": ({"policy_id", "manager_name", "manager_email"}, set()),
    "reports_reportdownload": ({"period_kind", "period_start"}, {"week_start"}),
    "escalations_engagement": (
        {"chain_id", "level", "levels", "round", "level_target", "exhausted_at", "withdrawn_at"},
        set(),
    ),
}
# Tables of models added since the legacy schema, empty after migrating: (table, model).
ADDED_TABLES = {
    "escalations_delivery": "delivery",
    "escalations_sentnotice": "sentnotice",
    "escalations_inboundmail": "inboundmail",
    **{f"admins_{model}": model for model in ONCALL},
    "tickets_tdxsyncstate": "tdxsyncstate",
    "escalations_tdxfeedanswer": "tdxfeedanswer",
    "reports_governancethreshold": "governancethreshold",
    "reports_thresholdcrossing": "thresholdcrossing",
    "reports_issuedreport": "issuedreport",
    "reports_reportsubscription": "reportsubscription",
    "reports_reportsend": "reportsend",
    "tickets_clockmark": "clockmark",
}
# Added tables a data migration fills: the default escalation policy and its three levels.
SEEDED = {"admins_escalationpolicy": 1, "admins_policylevel": 3}


def columns(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
            for table in tables
        }


def snapshot(path: Path, keep: dict[str, set[str]] | None = None) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of all its rows (of the ``keep`` columns, when
    given), in primary-key-free order."""
    with sqlite3.connect(path) as db:
        result = {}
        for table, names in columns(path).items():
            names = sorted(names & keep[table]) if keep and table in keep else sorted(names)
            listed = ", ".join(f'"{name}"' for name in names)
            rows = sorted(repr(row) for row in db.execute(f'SELECT {listed} FROM "{table}"'))  # noqa: S608 - names from sqlite_master
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


def group_permissions(path: Path) -> set[tuple[str, str]]:
    """(group, permission codename) pairs: what each role may do, whatever app owns the model."""
    with sqlite3.connect(path) as db:
        return set(
            db.execute(
                "SELECT g.name, p.codename FROM auth_group_permissions gp "
                "JOIN auth_group g ON g.id = gp.group_id "
                "JOIN auth_permission p ON p.id = gp.permission_id"
            )
        )


def permissions(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {codename for (codename,) in db.execute("SELECT codename FROM auth_permission")}


def content_types(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(
            (model, app)
            for app, model in db.execute("SELECT app_label, model FROM django_content_type")
        )


def manage(database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    before_path = folder / "before.sqlite3"
    with gzip.open(FIXTURE) as source, before_path.open("wb") as target:
        shutil.copyfileobj(source, target)
    after_path = folder / "after.sqlite3"
    shutil.copy(before_path, after_path)
    result = manage(after_path, "migrate", "--no-input")
    assert result.returncode == 0, result.stderr
    return before_path, after_path, result.stdout


def test_fixture_holds_real_data_in_every_moved_table(migrated):
    before, _, _ = migrated
    tables = snapshot(before)
    for table in [*MOVED, "tickets_ticket", "escalations_engagement", "auth_user"]:
        assert tables[table][0] > 0, f"the legacy fixture has no rows in {table}"


def test_migrating_forward_applies_the_new_migrations(migrated):
    _, _, output = migrated
    for name in (
        "core.0001_audit_log_moves_here",
        "tickets.0008_sla_models_move_here",
        "admins.0006_responses_procedures_move_out",
        "escalations.0016_layered_apps",
    ):
        assert f"Applying {name}... OK" in output


def test_every_row_of_every_table_is_intact(migrated):
    before, after, _ = migrated
    old_columns, new_columns = columns(before), columns(after)
    shared = {t: old_columns[t] & new_columns.get(t, set()) for t in old_columns}
    old, new = snapshot(before, shared), snapshot(after, shared)
    assert set(new) == set(old) | set(ADDED_TABLES), "migrating created or dropped a table"
    assert all(new[table][0] == 0 for table in ADDED_TABLES if table not in SEEDED)
    assert {table: new[table][0] for table in SEEDED} == SEEDED
    moved = {
        t: (new_columns[t] - old_columns[t], old_columns[t] - new_columns[t])
        for t in old_columns
        if new_columns[t] != old_columns[t]
    }
    assert moved == CHANGED_COLUMNS
    changed = [t for t in old if t not in BOOKKEEPING and old[t] != new[t]]
    assert changed == []


def test_moved_models_content_types_follow_them_and_nothing_is_left_behind(migrated):
    before, after, _ = migrated
    old, new = content_types(before), content_types(after)
    assert set(new) == set(old) | set(ADDED_TABLES.values())
    for table, (app, model) in MOVED.items():
        assert new[model.lower()] == app, table


def test_role_groups_keep_exactly_the_permissions_they_had(migrated):
    before, after, _ = migrated
    held = group_permissions(before)
    assert {group for group, _ in held} == {"Agent", "Supervisor", "Manager"}
    assert group_permissions(after) == held | GRANTED


def test_the_orm_reads_the_moved_rows_from_the_kept_tables(migrated):
    _, after, _ = migrated
    script = (
        "import json; from django.apps import apps; print(json.dumps({"
        + ", ".join(
            f"{table!r}: apps.get_model({app!r}, {model!r}).objects.count()"
            for table, (app, model) in MOVED.items()
        )
        + "}))"
    )
    result = manage(after, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    tables = snapshot(after)
    assert counts == {table: tables[table][0] for table in MOVED}


def test_the_migrated_database_needs_no_further_migration(migrated):
    _, after, _ = migrated
    result = manage(after, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    result = manage(after, "migrate", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_added_models_bring_new_permissions(migrated):
    before, after, _ = migrated

    added = {
        f"{verb}_{model}"
        for model in ADDED_TABLES.values()
        for verb in ("add", "change", "delete", "view")
    }
    assert permissions(after) == permissions(before) | added | CUSTOM_PERMISSIONS
