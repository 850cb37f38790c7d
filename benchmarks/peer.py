"""This product's main pages side by side with django-helpdesk's, at 100,000 tickets on SQLite.

    .venv/bin/python -m benchmarks.peer [--tickets 100000] [--repeat 20] [--warmup 2]

Installs django-helpdesk (PEER_VERSION) from the package registry into its own virtualenv,
benchmarks/.data/peer-venv (kept, so a rerun installs nothing), writes a minimal project
for it in a temporary folder (benchmarks/peer_site.py), and seeds
benchmarks/.data/peer-<N>.sqlite3 once with N tickets in six queues, one to three
follow-ups each. This product's side is the database ``make bench`` builds
(benchmarks/.data/bench-<N>.sqlite3).

Each side runs in its own child process with Django's test client, logged in as a user who
sees everything, DEBUG off while the clock runs: warm-up requests, one request counted in
CaptureQueriesContext, then ``--repeat`` rounds in which the parent asks each child for one
request of each page in turn, alternating which side goes first, so both see the same
machine. Prints the median and 95th percentile of each side, the ratio of the medians and
the queries, and writes them to benchmarks/results/peer-<date>.json. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    DATA,
    PYTHON,
    ROOT,
    django_env,
    log,
    machine,
    percentile,
    save_results,
    sqlite_db,
)

PEER_VERSION = "2.6.1"
PEER_REQUIREMENTS = [f"django-helpdesk=={PEER_VERSION}", "Django>=4.2,<6"]
PEER_SITE = ROOT / "benchmarks" / "peer_site.py"

# (row, this product's page key in benchmarks.pages, the peer's page key in peer_site).
ROWS = [
    ("dashboard", "dashboard", "dashboard"),
    ("ticket list, first page (peer: its data)", "list", "list_data"),
    ("ticket list, open only (peer: its data)", "list_open", "list_data"),
    ("ticket list page (peer: without rows)", "list", "list_page"),
    ("ticket page, open escalation", "detail_open", "ticket"),
    ("weekly report / reports index", "week", "reports"),
]


def peer_venv() -> Path:
    """benchmarks/.data/peer-venv with django-helpdesk installed; its Python."""
    venv = DATA / "peer-venv"
    python = venv / "bin" / "python"
    marker = venv / f".installed-{PEER_VERSION}"
    if marker.exists():
        return python
    log(f"Installing django-helpdesk {PEER_VERSION} into {venv.relative_to(ROOT)} (once)…")
    shutil.rmtree(venv, ignore_errors=True)
    DATA.mkdir(parents=True, exist_ok=True)
    _run([PYTHON, "-m", "venv", str(venv)])
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + PEER_REQUIREMENTS
    )
    marker.touch()
    return python


def _run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # noqa: S603
    if result.returncode:
        log(result.stdout + result.stderr)
        raise SystemExit(f"{' '.join(command[:4])}… failed ({result.returncode})")
    return result.stdout


def peer_env(project: Path, db: Path) -> dict[str, str]:
    """The peer child's environment: its own settings, nothing of this checkout's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLITE_PATH", "DEBUG", "PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="peer_settings",
        PYTHONPATH=str(project),
        PEER_DB=str(db),
        PEER_MEDIA=str(project / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


def peer_db(python: Path, project: Path, tickets: int, *, rebuild: bool) -> Path:
    """benchmarks/.data/peer-<tickets>.sqlite3, migrated and seeded the first time, kept."""
    path = DATA / f"peer-{tickets}.sqlite3"
    if rebuild:
        path.unlink(missing_ok=True)
    if not path.exists():
        log(f"Building {path.relative_to(ROOT)} with {tickets:,} tickets (once)…")
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        env = peer_env(project, building)
        started = time.perf_counter()
        _run([str(python), "-P", "-m", "django", "migrate", "-v", "0"], env=env, cwd=project)
        out = _run([str(python), "-P", str(PEER_SITE), "seed", str(tickets)], env=env, cwd=project)
        log(f"  {out.strip()} in {time.perf_counter() - started:.0f} s")
        building.rename(path)
    return path


class Child:
    """A child process serving timed requests (peer_site.serve): one page key a line in, its
    milliseconds a line out."""

    def __init__(self, name: str, command: list[str], *, env: dict[str, str], cwd: Path):
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603 - our own scripts, fixed arguments
            command, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.pages: list[dict] = []

    def ready(self) -> list[dict]:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} child stopped ({self.process.wait()})")
        self.pages = json.loads(line)
        return self.pages

    def time(self, key: str) -> float:
        self.process.stdin.write(key + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} child stopped ({self.process.wait()})")
        return float(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def here_child(warmup: int) -> None:
    """Runs in this checkout's child (SQLITE_PATH set): the pages of ROWS, served."""
    from django.core.cache import cache

    from benchmarks.pages import FRESH, logged_in_client, pages
    from benchmarks.peer_site import serve

    client = logged_in_client()
    wanted = {here for _, here, _ in ROWS}
    chosen = [
        {"key": key, "label": label, "url": url, "fresh": key in FRESH}
        for key, label, url, _ in pages()
        if key in wanted
    ]
    serve(client, chosen, clear=cache.clear, warmup=warmup)


def run(here: Child, peer: Child, repeat: int) -> dict[str, dict[str, list[float]]]:
    """``repeat`` rounds of one request of each page on each side, interleaved; the times."""
    here_keys = [p["key"] for p in here.pages]
    peer_keys = [p["key"] for p in peer.pages]
    times: dict[str, dict[str, list[float]]] = {
        "here": {k: [] for k in here_keys},
        "peer": {k: [] for k in peer_keys},
    }
    for round_ in range(repeat):
        started = time.perf_counter()
        for n in range(max(len(here_keys), len(peer_keys))):
            pair = [("here", here, here_keys), ("peer", peer, peer_keys)]
            for side, child, keys in pair if round_ % 2 == 0 else reversed(pair):
                if n < len(keys):
                    times[side][keys[n]].append(child.time(keys[n]))
        log(f"  round {round_ + 1}/{repeat} in {time.perf_counter() - started:.1f} s")
    return times


def summarise(pages: list[dict], times: dict[str, list[float]]) -> dict[str, dict]:
    return {
        page["key"]: {
            **page,
            "runs": len(times[page["key"]]),
            "p50_ms": round(percentile(times[page["key"]], 50), 1),
            "p95_ms": round(percentile(times[page["key"]], 95), 1),
        }
        for page in pages
    }


def table(here: dict[str, dict], peer: dict[str, dict], tickets: int, repeat: int) -> str:
    about = machine()
    head = (
        f"{'page':<42} {'here p50':>9} {'here p95':>9} {'peer p50':>9} {'peer p95':>9}"
        f" {'ratio':>7} {'queries':>9}"
    )
    lines = [
        f"SQLite, {tickets:,} tickets, django-helpdesk {PEER_VERSION}, {repeat} interleaved"
        f" rounds, {about['nproc']} cores ({about['cpu']})",
        head,
        "-" * len(head),
    ]
    for label, here_key, peer_key in ROWS:
        mine, theirs = here.get(here_key), peer.get(peer_key)
        if not mine or not theirs:
            continue
        ratio = theirs["p50_ms"] / mine["p50_ms"]
        queries = f"{mine['queries']} / {theirs['queries']}"
        lines.append(
            f"{label:<42} {mine['p50_ms']:>9.1f} {mine['p95_ms']:>9.1f} {theirs['p50_ms']:>9.1f}"
            f" {theirs['p95_ms']:>9.1f} {ratio:>6.1f}× {queries:>9}"
        )
    lines.append("ms; ratio = peer p50 / here p50; queries here / there, one request each")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds of every page")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="seed the peer's database afresh")
    parser.add_argument("--here-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.here_child:
        here_child(args.warmup)
        return

    python = peer_venv()
    ours = sqlite_db(args.tickets)
    with tempfile.TemporaryDirectory(prefix="peer-helpdesk-") as folder:
        project = Path(folder)
        # Imported here, not at the top: the peer's side is a script of its own venv.
        from benchmarks.peer_site import write_project

        write_project(project)
        theirs = peer_db(python, project, args.tickets, rebuild=args.rebuild)
        log("Warming up both sides and counting their queries…")
        here = Child(
            "here",
            [PYTHON, "-m", "benchmarks.peer", "--here-child", "--warmup", str(args.warmup)],
            env=django_env(SQLITE_PATH=str(ours)),
            cwd=ROOT,
        )
        peer = Child(
            "peer",
            [str(python), "-P", str(PEER_SITE), "serve", "--warmup", str(args.warmup)],
            env=peer_env(project, theirs),
            cwd=project,
        )
        try:
            here.ready()
            peer.ready()
            log(f"Timing {args.repeat} interleaved rounds…")
            times = run(here, peer, args.repeat)
        finally:
            here.close()
            peer.close()
    here_pages = summarise(here.pages, times["here"])
    peer_pages = summarise(peer.pages, times["peer"])
    text = table(here_pages, peer_pages, args.tickets, args.repeat)
    print(text)
    save_results(
        "peer",
        database="sqlite",
        tickets=args.tickets,
        peer=f"django-helpdesk {PEER_VERSION}",
        repeat=args.repeat,
        rows=[
            {"page": label, "here": here_key, "peer": peer_key}
            for label, here_key, peer_key in ROWS
        ],
        here=here_pages,
        peer_pages=peer_pages,
        times=times,
        table=text,
    )


if __name__ == "__main__":
    main()
