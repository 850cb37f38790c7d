"""``manage.py check_sla`` at 100,000 tickets: its wall and CPU time, by kind of run.

    .venv/bin/python -m benchmarks.check_sla [--tickets 100000] [--runs 3]

Works on copies of ``make bench``'s seeded SQLite database (benchmarks/.data), never on it.
First one catch-up run brings a copy up to now (the requests that went unanswered since it was
seeded, at most the scan's batch); that copy is then the start of every timed run:

- steady: the scan a minute after another one, the usual run;
- week issued and mailed: the finished week's issued report and its sends to subscribers are
  removed first, so the run issues the week (its figures, page and PDF) and mails it, as the
  first run after the week ends and the send time comes does;
- and digests: the weekly digests of that week are removed as well, as the first run after a
  pause (or on a fresh database) finds everything due at once.

Each timed run is ``manage.py check_sla`` in a fresh process (Django's start-up included, as
from cron or the scheduler), with mail built by the in-memory backend. Prints wall and CPU
seconds (the child's user + system time) and writes benchmarks/results/check_sla-<date>.json.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import PYTHON, ROOT, django_env, log, run_python, save_results, sqlite_db

RESET = {
    "steady": "",
    "week issued and mailed": "issue",
    "and the digests": "issue,digests",
}

PREPARE = """
import django; django.setup()
from reports.models import IssuedReport, ReportSend
from reports.weekly import current_week
from escalations.notifications.models import SentNotice
week = str(current_week().previous)
parts = {parts!r}.split(",")
if "issue" in parts:
    ReportSend.objects.filter(period=week).delete()
    IssuedReport.objects.filter(period=week).delete()
if "digests" in parts:
    SentNotice.objects.filter(week=week).delete()
print(week)
"""


def copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, write-ahead log included."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def timed_check(env: dict[str, str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our manage.py with fixed arguments
        [PYTHON, str(ROOT / "manage.py"), "check_sla"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seeded = sqlite_db(args.tickets)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in RESET}
    with tempfile.TemporaryDirectory(prefix="check-sla-") as folder:
        start = Path(folder) / "start.sqlite3"
        copy(seeded, start)
        start_env = django_env(
            SQLITE_PATH=str(start), EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        )
        log("Catch-up run…")
        catch_up = timed_check(start_env)
        log(f"  {catch_up}")
        for n in range(args.runs):
            for name, parts in RESET.items():
                work = Path(folder) / "run.sqlite3"
                for old in Path(folder).glob("run.sqlite3*"):
                    old.unlink()
                copy(start, work)
                env = start_env | {"SQLITE_PATH": str(work)}
                week = run_python("-c", PREPARE.format(parts=parts), env=env).strip()
                results[name].append(timed_check(env))
                log(f"  run {n + 1}, {name} ({week}): {results[name][-1]}")
    lines = [
        f"check_sla, SQLite, {args.tickets:,} tickets, {args.runs} runs each (fresh process)",
        f"{'run':<26} {'wall s':>12} {'CPU s':>12}",
    ]
    for name, runs in results.items():
        walls = sorted(r["wall_s"] for r in runs)
        cpus = sorted(r["cpu_s"] for r in runs)
        lines.append(
            f"{name:<26} {walls[0]:>5.2f}–{walls[-1]:<6.2f} {cpus[0]:>5.2f}–{cpus[-1]:<6.2f}"
        )
    first = f"{catch_up['wall_s']} s wall, {catch_up['cpu_s']} s CPU"
    lines.append(f"(the catch-up run before them: {first})")
    text = "\n".join(lines)
    print(text)
    save_results("check_sla", tickets=args.tickets, catch_up=catch_up, runs=results, table=text)


if __name__ == "__main__":
    main()
