"""The import of a large TDX export: how long reading, checking and saving take.

    .venv/bin/python -m benchmarks.import_csv [--rows 100000] [--repeat 1]

Builds a throwaway SQLite database with the demo data (``bootstrap_demo``), writes a CSV of
``--rows`` rows in the TDX report's headers (categories, priorities, statuses and dates as a
real export has them), then, in a child process that loads Django as the command does, times
each step of ``import_tickets``: decoding the file, ``parse`` (every row checked, nothing
saved) and ``run`` (the rows saved in one transaction, with their timeline and audit
entries and SLA clocks). Prints a table and writes it as JSON to
benchmarks/results/import-<date>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import ROOT, django_env, log, manage, run_python, save_results

HEADERS = [
    "ID",
    "Title",
    "Type",
    "Requestor",
    "Requestor Email",
    "Acct/Dept",
    "Status",
    "Priority",
    "Category",
    "Created",
]
TITLES = ["VPN drops", "Mailbox full", "Printer offline", "Password reset", "Laptop slow"]
DEPARTMENTS = ["Finance", "Payroll", "Facilities", "Library", "Admissions"]
STATUSES = ["New", "In progress", "Waiting on requester"]


def write_csv(path: Path, rows: int, categories: list[str], priorities: list[str]) -> None:
    pick = random.Random(2026)
    start = datetime(2026, 1, 5, 8, 0)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for n in range(rows):
            opened = start + timedelta(minutes=3 * n % (60 * 24 * 300))
            writer.writerow(
                [
                    f"T{500000 + n}",
                    f"{pick.choice(TITLES)} ({n})",
                    "Incident",
                    f"Requestor {n % 997}",
                    f"user{n % 997}@example.org",
                    pick.choice(DEPARTMENTS),
                    pick.choice(STATUSES),
                    pick.choice(priorities),
                    pick.choice(categories),
                    opened.strftime("%Y-%m-%d %H:%M"),
                ]
            )


REFERENCE = """
import json
from tickets.models import Category, Priority
print(json.dumps({
    "categories": [c.name for c in Category.objects.all()],
    "priorities": sorted({p.name for p in Priority.objects.filter(active=True, category=None)}),
}))
"""


def child(file: str) -> None:
    """In the child: time each step of the import as the command runs it."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from tickets import importer
    from tickets.models import Ticket

    user = get_user_model().objects.get(username="supervisor")
    before = Ticket.objects.count()
    times = {}
    started = time.perf_counter()
    text, _note = importer.decode(Path(file).read_bytes())
    times["decode"] = time.perf_counter() - started
    started = time.perf_counter()
    parsed = importer.parse(text)
    times["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    result = importer.run(parsed, by=user, filename=Path(file).name)
    times["save"] = time.perf_counter() - started
    times["total"] = sum(times.values())
    assert result.created == len(parsed.rows) == Ticket.objects.count() - before, result
    print(json.dumps({"rows": len(parsed.rows), "bad": len(parsed.problems), **times}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="fresh database each time")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for n in range(args.repeat):
            env = django_env(SQLITE_PATH=str(Path(tmp) / f"import-{n}.sqlite3"))
            log(f"run {n + 1}: a fresh database with the demo data…")
            manage("migrate", "--no-input", "-v", "0", env=env)
            manage("createcachetable", env=env)
            manage("bootstrap_demo", env=env)
            shell = manage("shell", "-v", "0", "-c", REFERENCE, env=env)
            reference = json.loads(shell.strip().splitlines()[-1])
            file = Path(tmp) / f"tdx-export-{args.rows}.csv"
            if not file.exists():
                write_csv(file, args.rows, reference["categories"], reference["priorities"])
                log(f"  {file.name}: {file.stat().st_size / 1e6:.1f} MB")
            out = run_python("-m", "benchmarks.import_csv", "--child", str(file), env=env)
            runs.append(json.loads(out.strip().splitlines()[-1]))
    print(f"\nImport of a {args.rows:,}-row TDX export on SQLite (seconds; best of {len(runs)})")
    print(f"{'step':<8} | {'seconds':>8}")
    print(f"{'-' * 8} | {'-' * 8}")
    best = min(runs, key=lambda r: r["total"])
    for step in ("decode", "parse", "save", "total"):
        print(f"{step:<8} | {best[step]:>8.1f}")
    print(f"{best['rows'] / best['total']:,.0f} rows per second in all")
    save_results("import", rows=args.rows, runs=runs, best=best)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
