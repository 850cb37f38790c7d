"""Several agents at once against the running app on SQLite, as in production.

gunicorn serves config.settings (several worker processes, each with threads) on a fresh,
migrated SQLite file; worker processes log in through the login form, log tickets and edit one
shared ticket at the same moment. Nothing may fail with "database is locked", no edit may be
lost, and every ticket must be stored. A backup taken in the middle must be consistent.

Run directly (``python tests/test_concurrency.py URL USER PASSWORD PREFIX SHARED N``) this
file is one such worker: stdlib only, printing what it saw as JSON.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 6
TICKETS_PER_WORKER = 8
USERNAME = "load_agent"
PASSWORD = "load-test-pass-2026"
SHARED = "SHARED-1"


# --- the worker: a browser without JavaScript, in the standard library -----------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


class EditForm(HTMLParser):
    """The values of the form posting to ``action``, as a browser would send them."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a.get("name")
            self.values.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.values[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


class Agent:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )
        self.log: list[tuple[str, str, int]] = []

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        self.log.append(("POST" if data is not None else "GET", path, status))
        return status, text

    @staticmethod
    def csrf(page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def login(self, username: str, password: str) -> None:
        _, page = self.request("/accounts/login/")
        status, _ = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": self.csrf(page), "username": username, "password": password},
        )
        if status != 302:
            raise RuntimeError(f"login answered {status}")

    def log_ticket(self, external_id: str) -> int:
        _, page = self.request("/tickets/new/")
        status, _ = self.request(
            "/tickets/new/",
            {
                "csrfmiddlewaretoken": self.csrf(page),
                "external_id": external_id,
                "title": f"Load test {external_id}",
                "classification": "incident",
                "tier": "handle",
            },
        )
        return status

    def edit_title(self, external_id: str, title: str) -> tuple[int, int]:
        """Load the ticket page and save its edit form with a new title, like a person;
        returns the answer and the version the edit was based on."""
        _, page = self.request(f"/tickets/{external_id}/")
        form = EditForm(f"/tickets/{external_id}/edit/")
        form.feed(page)
        status, _ = self.request(
            f"/tickets/{external_id}/edit/",
            {**form.values, "csrfmiddlewaretoken": self.csrf(page), "title": title},
        )
        return status, int(form.values["version"])


def work(base_url: str, username: str, password: str, prefix: str, shared: str, n: int) -> dict:
    agent = Agent(base_url)
    agent.login(username, password)
    logged, edits = [], []
    for i in range(n):
        external_id = f"{prefix}{i}"
        if agent.log_ticket(external_id) == 302:
            logged.append(external_id)
        title = f"Edited by {prefix} #{i}"
        edits.append((title, *agent.edit_title(shared, title)))
    return {"logged": logged, "edits": edits, "log": agent.log}


# --- the test -------------------------------------------------------------------------------


def clean_env(sqlite_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1", SQLITE_PATH=str(sqlite_path))
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def start_server(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", "127.0.0.1:0"]
        + ["--workers", "3", "--threads", "4", "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    # Port 0: the system picks a free port, and gunicorn says which.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and server.poll() is None:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log_path.read_text())
        if found:
            return server, found.group(1)
        time.sleep(0.1)
    server.kill()
    raise AssertionError("gunicorn did not start:\n" + log_path.read_text())


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(5)


def rows(path: Path, sql: str, *params) -> list[tuple]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs the live server on SQLite")
def test_agents_logging_and_editing_at_once_lose_nothing(tmp_path):
    database = tmp_path / "live.sqlite3"
    env = clean_env(database)
    manage(env, "migrate", "--no-input")
    manage(env, "create_user", USERNAME, "--role", "agent", "--password", PASSWORD)
    server, base_url = start_server(env, tmp_path / "server.log")
    try:
        first = Agent(base_url)
        first.login(USERNAME, PASSWORD)
        assert first.log_ticket(SHARED) == 302

        workers = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, __file__, base_url, USERNAME, PASSWORD]
                + [f"W{w}-", SHARED, str(TICKETS_PER_WORKER)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in range(WORKERS)
        ]
        # A backup while they write: the app keeps going and the copy is one snapshot.
        time.sleep(0.5)
        backup = tmp_path / "during.sqlite3"
        manage(env, "backup", "--output", str(backup))
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            results.append(json.loads(out))
    finally:
        stop(server)
    server_log = (tmp_path / "server.log").read_text()

    answers = [entry for result in results for entry in result["log"]]
    assert not [a for a in answers if a[2] >= 500], server_log
    assert "database is locked" not in server_log
    assert "Traceback" not in server_log
    assert {status for _, path, status in answers if path == "/tickets/new/" and _ == "POST"} == {
        302
    }

    # Every ticket is stored, each with its "logged" event.
    logged = sorted(e for result in results for e in result["logged"])
    expected = sorted(f"W{w}-{i}" for w in range(WORKERS) for i in range(TICKETS_PER_WORKER))
    assert logged == expected
    stored = rows(
        database,
        "SELECT t.external_id FROM tickets_ticket t JOIN tickets_ticketevent e "
        "ON e.ticket_id = t.id AND e.kind = 'logged' WHERE t.external_id != ? "
        "ORDER BY t.external_id",
        SHARED,
    )
    assert sorted(row[0] for row in stored) == expected

    # No lost update: each accepted edit was based on a different version (two saves from the
    # same version would mean one overwrote the other unseen), each one is on the timeline and
    # follows the one before it, a refused one (409: someone saved first) is not, and the
    # ticket holds the last accepted title.
    edits = [edit for result in results for edit in result["edits"]]
    assert {status for _, status, _ in edits} <= {302, 409}
    accepted = [title for title, status, _ in edits if status == 302]
    refused = [title for title, status, _ in edits if status == 409]
    assert accepted
    based_on = sorted(version for _, status, version in edits if status == 302)
    assert based_on == list(range(1, len(accepted) + 1))
    changes = rows(
        database,
        "SELECT e.before, e.after FROM tickets_ticketevent e JOIN tickets_ticket t "
        "ON e.ticket_id = t.id WHERE t.external_id = ? AND e.kind = 'changed' "
        "ORDER BY e.id",
        SHARED,
    )
    assert sorted(after for _, after in changes) == sorted(accepted)
    assert not set(refused) & {after for _, after in changes}
    titles = [f"Load test {SHARED}"] + [after for _, after in changes]
    assert [before for before, _ in changes] == titles[:-1]
    ((title, version),) = rows(
        database, "SELECT title, version FROM tickets_ticket WHERE external_id = ?", SHARED
    )
    assert title == titles[-1]
    assert version == 1 + len(accepted)

    # The backup taken under load is intact and consistent: no ticket without its event.
    assert rows(backup, "PRAGMA integrity_check") == [("ok",)]
    assert rows(
        backup,
        "SELECT COUNT(*) FROM tickets_ticket t WHERE NOT EXISTS (SELECT 1 FROM "
        "tickets_ticketevent e WHERE e.ticket_id = t.id AND e.kind = 'logged')",
    ) == [(0,)]
    ((in_backup,),) = rows(backup, "SELECT COUNT(*) FROM tickets_ticket")
    print(  # shown with -s: how hard the run pushed
        f"{len(answers)} requests, {len(accepted)} edits saved, {len(refused)} conflicts, "
        f"{in_backup} of {len(expected) + 1} tickets in the backup"
    )


if __name__ == "__main__":
    base_url, username, password, prefix, shared, n = sys.argv[1:7]
    print(json.dumps(work(base_url, username, password, prefix, shared, int(n))))
