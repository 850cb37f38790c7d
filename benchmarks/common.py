"""What the page and load benchmarks share: where their data lives, how a seeded database is
built once and kept, and how the machine is described in the results."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
# The demo users' password (escalations.demo.DEMO_PASSWORD), fine on a throwaway database.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def django_env(**extra: str) -> dict[str, str]:
    """The environment for a child process on this checkout: no DATABASE_URL or DEBUG left
    over from the caller, so each run says which database and settings it uses."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def run_python(*args: str, env: dict[str, str]) -> str:
    """This checkout's Python with ``args`` (a script of ours and fixed arguments); its
    standard output. On a failure its output is logged and the benchmark stops."""
    result = subprocess.run(  # noqa: S603 - our own scripts with fixed arguments
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        log(result.stdout + result.stderr)
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode})")
    return result.stdout


def manage(*args: str, env: dict[str, str], quiet: bool = True) -> str:
    output = run_python(str(ROOT / "manage.py"), *args, env=env)
    if not quiet:
        log(output.strip())
    return output


def save_results(name: str, **results: object) -> Path:
    """benchmarks/results/<name>-<date>.json: when, the machine, and ``results``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    out = RESULTS / f"{name}-{now:%Y%m%d-%H%M%S}.json"
    payload = {"when": now.isoformat(timespec="seconds"), "machine": machine(), **results}
    out.write_text(json.dumps(payload, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    return out


def seed(env: dict[str, str], tickets: int) -> None:
    """Migrate, then the demo data with ``tickets`` tickets (the admins, engagements and
    responses come with it)."""
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("createcachetable", env=env)
    started = time.perf_counter()
    manage("seed_demo", "--tickets", str(tickets), env=env, quiet=False)
    log(f"  seeded in {time.perf_counter() - started:.0f} s")


def sqlite_db(tickets: int, *, rebuild: bool = False) -> Path:
    """benchmarks/.data/bench-<tickets>.sqlite3, seeded the first time (or when ``rebuild``)
    and kept; ``migrate`` runs on it every time, so it follows the checkout's migrations."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"bench-{tickets}.sqlite3"
    if rebuild:
        for old in DATA.glob(path.name + "*"):
            old.unlink()
    if not path.exists():
        log(f"Building {path.relative_to(ROOT)} with {tickets:,} tickets (once)…")
        building = path.with_suffix(".building")
        for stale in DATA.glob(building.name + "*"):
            stale.unlink()
        seed(django_env(SQLITE_PATH=str(building)), tickets)
        checkpoint(building)
        building.rename(path)
    manage("migrate", "--no-input", "-v", "0", env=django_env(SQLITE_PATH=str(path)))
    manage("createcachetable", env=django_env(SQLITE_PATH=str(path)))
    return path


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so the file alone is the whole database."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def machine() -> dict[str, object]:
    """nproc, CPU model, RAM, Python and SQLite versions, for the results and the README."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def percentile(values: list[float], percent: float) -> float:
    """Nearest rank: the smallest value with at least ``percent`` % of values at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]
