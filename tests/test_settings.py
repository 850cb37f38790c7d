"""The settings a deployment depends on, checked in a fresh process as production starts it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_development_secret_key():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "development key" in result.stderr


def test_production_deploy_check_passes_with_a_random_key(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="dashboard.example.org",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secure_settings_can_be_switched_off_for_a_plain_http_deployment(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    result = manage(
        "shell",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="intranet",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False 0"


def test_sqlite_file_is_tuned_for_concurrent_agents(tmp_path):
    code = (
        "from django.db import connection;"
        "c = connection.cursor();"
        "print(*[c.execute(f'PRAGMA {p}').fetchone()[0] for p in "
        "('journal_mode', 'synchronous', 'busy_timeout', 'foreign_keys')])"
    )
    result = manage("shell", "-c", code, SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 0, result.stderr
    # WAL journal, synchronous=FULL (2), a 20 s busy timeout, foreign keys enforced.
    assert result.stdout.strip().splitlines()[-1] == "wal 2 20000 1"


def test_sqlite_uses_immediate_transactions_and_no_atomic_requests():
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert not db.get("ATOMIC_REQUESTS")


def test_time_zone_and_names_have_local_defaults():
    assert settings.USE_TZ is True
    assert os.environ.get("TIME_ZONE", "America/Los_Angeles") == settings.TIME_ZONE
    assert settings.SUPPORT_CENTER_NAME
    assert settings.EMAIL_BACKEND.endswith("locmem.EmailBackend")


def test_the_suite_runs_on_the_test_settings():
    """`make test` and .ci/run pass --ds, so an exported DJANGO_SETTINGS_MODULE (as people who
    run manage.py have) cannot put the suite on the production settings; subprocesses the
    tests start inherit the same module."""
    assert settings.SETTINGS_MODULE == "config.settings_test"
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings_test"
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_a_tdx_web_url_that_is_not_an_http_address_refuses_to_start():
    # It becomes the href of every TDX link: a javascript: address would run on a click.
    result = manage("check", TDX_WEB_URL="javascript:alert(1)//")
    assert result.returncode != 0
    assert "TDX_WEB_URL" in result.stderr
    assert manage("check", TDX_WEB_URL="https://h.example/TDNext").returncode == 0
