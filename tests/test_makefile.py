"""What `make run` and `make test` do with what the shell and the command line give them."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def make_dry_run(*args: str, **env: str) -> str:
    result = subprocess.run(  # noqa: S603
        ["make", "--dry-run", "--no-print-directory", *args],  # noqa: S607
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db
def test_make_run_prints_the_log_in_address_on_the_port_it_serves():
    commands = make_dry_run("run", "PORT=8101")
    bootstrap = next(line for line in commands.splitlines() if "bootstrap_demo" in line)
    address = bootstrap.split("--address", 1)[1].split()[0]
    assert address == "127.0.0.1:8101"
    assert "runserver 127.0.0.1:8101" in commands

    out = io.StringIO()
    # The demo data itself is covered by the seed_demo tests; here only the address matters.
    with mock.patch("escalations.management.commands.bootstrap_demo.call_command"):
        call_command("bootstrap_demo", "--address", address, stdout=out)
    assert "Log in at http://127.0.0.1:8101/accounts/login/" in out.getvalue()
    assert "8000" not in out.getvalue()


def test_make_test_names_the_test_settings_over_an_exported_module():
    commands = make_dry_run(
        "test", "PYTEST_ARGS=-k nothing", DJANGO_SETTINGS_MODULE="config.settings"
    )
    pytest_line = next(line for line in commands.splitlines() if "bin/pytest" in line)
    assert "--ds=config.settings_test" in pytest_line.split()
