"""Concurrent users against gunicorn with production settings, on SQLite and on PostgreSQL.

    .venv/bin/python -m benchmarks.load [--db sqlite|postgres|both] [--users 20] [--seconds 60]

For each database: a copy of the seeded SQLite file (benchmarks/.data, as ``benchmarks.pages``
builds it), or a throwaway PostgreSQL cluster in a temporary folder on a free port, seeded with
``seed_demo``. Then gunicorn on 127.0.0.1 with DEBUG=0, a random SECRET_KEY and the secure
cookie and redirect settings off (plain HTTP on the loopback), and ``--users`` threads, each
logged in through the login form as its own agent with its own cookie jar, for ``--seconds``:
dashboard, ticket list (a page, a filter or a search), ticket pages, and logging tickets
(the form, then a POST with its CSRF token and a unique ticket ID). Afterwards every ticket a
user was told was logged is looked up in the database. Prints the figures and writes them to
benchmarks/results/load-<date>.json. A stdlib load generator: threads, urllib, http.cookiejar.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from benchmarks.common import (
    PYTHON,
    ROOT,
    checkpoint,
    django_env,
    log,
    manage,
    percentile,
    run_python,
    save_results,
    seed,
    sqlite_db,
)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What a user does, with how often: mostly reading, about one action in seven logs a ticket.
ACTIONS = [("dashboard", 25), ("list", 30), ("detail", 30), ("log", 15)]
LIST_QUERIES = ["", "?open_only=on", "?tier=escalate", "?sla=breached", "?q=printer"]


# ---- Inside Django (child processes) ----


def child_prepare(users: int, password: str) -> None:
    """Create the load users (agents) and print them with a sample of ticket IDs."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection

    from core.roles import AGENT
    from tickets.models import Ticket

    User = get_user_model()
    hashed = make_password(password)  # one hash (one salt) for all: hashing is slow on purpose
    agents = Group.objects.get(name=AGENT)
    names = []
    for n in range(1, users + 1):
        user, _ = User.objects.update_or_create(
            username=f"load{n:02d}",
            defaults={"password": hashed, "first_name": "Load", "last_name": f"User {n}"},
        )
        user.groups.add(agents)
        names.append(user.username)
    if connection.vendor == "postgresql":
        # Fresh from a bulk load: gather the planner's statistics now, as autovacuum would
        # shortly, rather than racing it during the run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    ids = list(Ticket.objects.order_by("?").values_list("external_id", flat=True)[:500])
    print(json.dumps({"users": names, "tickets": ids}))


def child_count(prefix: str) -> None:
    import django

    django.setup()
    from tickets.models import Ticket

    found = Ticket.objects.filter(external_id__startswith=prefix)
    print(
        json.dumps(
            {
                "total": Ticket.objects.count(),
                "ids": list(found.values_list("external_id", flat=True)),
            }
        )
    )


def in_django(env: dict[str, str], *args: str) -> dict:
    output = run_python("-m", "benchmarks.load", *args, env=env)
    return json.loads(output.strip().splitlines()[-1])


# ---- Databases ----


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sqlite_copy(tickets: int):
    """A copy of the seeded SQLite database, so the tickets logged here do not change the
    one the page benchmark reads."""
    source = sqlite_db(tickets)
    checkpoint(source)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        copy = Path(folder) / "load.sqlite3"
        shutil.copyfile(source, copy)
        yield {"SQLITE_PATH": str(copy)}, f"SQLite {tickets:,} tickets"


def pg_bin() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts)
    if not candidates:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) not found: see TOOLCHAIN.md")
    return candidates[-1].parent


@contextmanager
def postgres(tickets: int):
    """A throwaway PostgreSQL cluster (as .ci/run starts one), migrated and seeded."""
    bin_dir = pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"

    def pg(*args: str) -> None:
        subprocess.run([*as_pg, *args], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    try:
        pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust")
        # fsync stays on: SQLite runs with synchronous=FULL, so both keep every commit.
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        log_file = str(folder / "server.log")
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log_file, "-w", "-o", options, "start")
        url = f"postgres://postgres@127.0.0.1:{port}/postgres"
        version = subprocess.run(  # noqa: S603
            [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout.split()[2]
        log(f"PostgreSQL {version} on port {port}; seeding {tickets:,} tickets…")
        seed(django_env(DATABASE_URL=url), tickets)
        yield {"DATABASE_URL": url}, f"PostgreSQL {version} {tickets:,} tickets"
    finally:
        subprocess.run(  # noqa: S603
            [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


# ---- The server ----


@contextmanager
def gunicorn(db_env: dict[str, str], workers: int):
    """gunicorn with production settings on a free port of 127.0.0.1; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        env = django_env(
            **db_env,
            DJANGO_SETTINGS_MODULE="benchmarks.serve_settings",
            BENCH_STATIC_ROOT=static_root,
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            SECURE_HSTS_SECONDS="0",
        )
        manage("collectstatic", "--no-input", "-v", "0", env=env)
        port = free_port()
        server_log = Path(static_root) / "gunicorn.log"
        with server_log.open("w") as out:
            server = subprocess.Popen(  # noqa: S603
                [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi"]
                + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()  # noqa: S310
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log(server_log.read_text())
                        raise SystemExit("gunicorn did not start") from None
                    time.sleep(0.2)
            yield base, server_log
        finally:
            server.terminate()
            server.wait(timeout=30)


# ---- The users ----


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow


@dataclass
class Sample:
    action: str
    ms: float
    ok: bool
    detail: str = ""


@dataclass
class User:
    base: str
    username: str
    password: str
    number: int
    prefix: str
    tickets: list[str]
    samples: list[Sample] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)
    token: str = ""

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
        )
        self.rng = random.Random(self.number)  # noqa: S311 - a load mix, not a secret

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        if data is not None:
            request.add_header("Origin", self.base)
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            return (
                error.code,
                error.read().decode(errors="replace"),
                error.headers.get("Location", ""),
            )

    def timed(self, action: str, path: str, data: dict | None = None, expect: int = 200):
        started = time.perf_counter()
        try:
            status, text, location = self.request(path, data)
        except OSError as error:
            self.samples.append(
                Sample(action, (time.perf_counter() - started) * 1000, False, repr(error))
            )
            return None, "", ""
        ms = (time.perf_counter() - started) * 1000
        ok = status == expect
        self.samples.append(Sample(action, ms, ok, "" if ok else f"{status} {path}"))
        if match := CSRF.search(text):
            self.token = match.group(1)
        return status, text, location

    def log_in(self) -> None:
        status, text, _ = self.request("/accounts/login/")
        token = CSRF.search(text).group(1)
        data = {"username": self.username, "password": self.password, "csrfmiddlewaretoken": token}
        status, _, location = self.request("/accounts/login/", data)
        if status != 302:
            raise SystemExit(f"{self.username} could not log in ({status})")

    def step(self, n: int) -> None:
        action = self.rng.choices([a for a, _ in ACTIONS], [w for _, w in ACTIONS])[0]
        if action == "dashboard":
            self.timed("dashboard", "/")
        elif action == "list":
            query = self.rng.choice(LIST_QUERIES)
            if not query and self.rng.random() < 0.5:
                query = f"?page={self.rng.randint(2, 200)}"
            self.timed("list", "/tickets/" + query)
        elif action == "detail":
            ticket = self.rng.choice(self.tickets + self.logged[-5:])
            self.timed("detail", f"/tickets/{ticket}/")
        else:
            self.timed("log form", "/tickets/new/")
            external_id = f"{self.prefix}{self.number:02d}-{n}"
            data = {
                "csrfmiddlewaretoken": self.token,
                "external_id": external_id,
                "title": f"Load test ticket {n} from {self.username}",
                "classification": "incident",
                "tier": "handle",
                "requestor_name": "Load Tester",
                "department": "Operations",
            }
            status, _, location = self.timed("log ticket", "/tickets/new/", data, expect=302)
            if status == 302 and location.rstrip("/").endswith(external_id):
                self.logged.append(external_id)
            elif status == 302:
                self.samples[-1].ok = False
                self.samples[-1].detail = f"302 to {location}"

    def run(self, start: threading.Barrier, stop_at: list[float]) -> None:
        start.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            n += 1
            self.step(n)


def run_load(base: str, users: list[str], password: str, tickets: list[str], seconds: float):
    prefix = f"LT{secrets.token_hex(3)}-"
    people = [
        User(base, name, password, n, prefix, tickets) for n, name in enumerate(users, start=1)
    ]
    for person in people:
        person.log_in()
    barrier = threading.Barrier(len(people) + 1)
    stop_at = [0.0]
    threads = [threading.Thread(target=p.run, args=(barrier, stop_at)) for p in people]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return people, prefix, elapsed


def summarise(people: list[User], elapsed: float) -> dict:
    by_action: dict[str, list[Sample]] = defaultdict(list)
    for person in people:
        for sample in person.samples:
            by_action[sample.action].append(sample)
    every = [s for samples in by_action.values() for s in samples]

    def figures(samples: list[Sample]) -> dict:
        times = [s.ms for s in samples]
        return {
            "requests": len(samples),
            "per_second": round(len(samples) / elapsed, 1),
            "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1),
            "errors": sum(not s.ok for s in samples),
        }

    errors = [s.detail for s in every if not s.ok]
    return {
        "seconds": round(elapsed, 1),
        "all": figures(every),
        "actions": {a: figures(by_action[a]) for a in sorted(by_action)},
        "error_examples": errors[:10],
    }


def one_run(label: str, db_env: dict[str, str], args) -> dict:
    password = secrets.token_urlsafe(18)
    prepared = in_django(
        django_env(**db_env), "--child-prepare", str(args.users), "--password", password
    )
    log(f"{label}: gunicorn with {args.workers} workers, {args.users} users, {args.seconds} s…")
    with gunicorn(db_env, args.workers) as (base, server_log):
        people, prefix, elapsed = run_load(
            base, prepared["users"], password, prepared["tickets"], args.seconds
        )
        server_errors = [
            line for line in server_log.read_text().splitlines() if "Traceback" in line
        ]
    result = summarise(people, elapsed)
    confirmed = {t for p in people for t in p.logged}
    found = set(in_django(django_env(**db_env), "--child-count", prefix)["ids"])
    result.update(
        database=label,
        workers=args.workers,
        users=args.users,
        logged_confirmed=len(confirmed),
        logged_in_db=len(found & confirmed),
        missing=sorted(confirmed - found)[:20],
        unconfirmed_in_db=len(found - confirmed),
        server_tracebacks=len(server_errors),
    )
    return result


def table(results: list[dict]) -> str:
    lines = []
    for r in results:
        a = r["all"]
        lines.append(
            f"{r['database']}: {r['users']} users, {r['seconds']} s, gunicorn {r['workers']} "
            f"workers: {a['requests']} requests, {a['per_second']} req/s, p50 {a['p50_ms']} ms, "
            f"p95 {a['p95_ms']} ms, errors {a['errors']}; tickets logged {r['logged_confirmed']}, "
            f"in the database {r['logged_in_db']}"
        )
        heads = ("requests", 8), ("req/s", 7), ("p50 ms", 8), ("p95 ms", 8), ("p99 ms", 8)
        lines.append(
            f"  {'action':<12} " + " ".join(f"{h:>{w}}" for h, w in heads) + f" {'errors':>7}"
        )
        for action, f in r["actions"].items():
            lines.append(
                f"  {action:<12} {f['requests']:>8} {f['per_second']:>7} {f['p50_ms']:>8}"
                f" {f['p95_ms']:>8} {f['p99_ms']:>8} {f['errors']:>7}"
            )
        if r["error_examples"]:
            lines.append("  errors, e.g.: " + "; ".join(r["error_examples"]))
        if r["server_tracebacks"]:
            lines.append(f"  server tracebacks in gunicorn's log: {r['server_tracebacks']}")
        if r["missing"]:
            lines.append("  MISSING from the database: " + ", ".join(r["missing"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--tickets", type=int, default=100_000, help="SQLite seed")
    parser.add_argument("--pg-tickets", type=int, default=100_000, help="PostgreSQL seed")
    parser.add_argument("--child-prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    parser.add_argument("--child-count", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_prepare:
        return child_prepare(args.child_prepare, args.password)
    if args.child_count:
        return child_count(args.child_count)

    results = []
    if args.db in ("sqlite", "both"):
        with sqlite_copy(args.tickets) as (db_env, label):
            results.append(one_run(label, db_env, args))
    if args.db in ("postgres", "both"):
        with postgres(args.pg_tickets) as (db_env, label):
            results.append(one_run(label, db_env, args))
    text = table(results)
    print(text)
    save_results("load", runs=results)
    failed = any(r["all"]["errors"] or r["missing"] or r["server_tracebacks"] for r in results)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
