"""How each page's cost grows with the data: the same pages as ``make bench`` at several sizes.

    .venv/bin/python -m benchmarks.growth [--sizes 1000,10000,100000,300000] [--repeat 10]

Seeds benchmarks/.data/bench-<N>.sqlite3 for each size the first time (300,000 tickets take
a few minutes and about 0.8 GB), then measures every page at each size in its own child
process, exactly as ``make bench`` does (benchmarks/pages.py: Django's test client in-process,
DEBUG off, queries counted on one separate request). Prints the median per size and the query
counts, and writes benchmarks/results/growth-<date>.json.

A page whose cost does not depend on the data shows the same median at every size; the
growth column is the largest size's median over the smallest's.
"""

from __future__ import annotations

import argparse

from benchmarks.common import log, save_results, sqlite_db
from benchmarks.pages import run_child

# The data-dependent labels in benchmarks.pages (the middle page's number, the busiest week)
# differ by size; rows are matched by key and named here.
NAMES = {
    "baseline": "baseline: notifications",
    "dashboard": "dashboard",
    "list": "tickets: page 1",
    "list_deep": "tickets: middle page (offset)",
    "list_keyset": "tickets: middle page (keyset)",
    "list_open": "tickets: open only",
    "list_escalate": "tickets: tier escalate",
    "list_breached": "tickets: SLA breached",
    "list_search": "tickets: search",
    "detail_open": "ticket: open escalation",
    "detail_done": "ticket: resolved",
    "admins": "admins: list (30 days)",
    "admins_all": "admins: summary (all)",
    "admin": "admin page",
    "purview": "purview matrix",
    "week": "weekly report (computed)",
    "week_cached": "weekly report (cached)",
    "week_pdf": "weekly PDF (made afresh)",
}


def table(runs: dict[int, dict]) -> str:
    sizes = sorted(runs)
    by_size = {n: {p["key"]: p for p in runs[n]["pages"]} for n in sizes}
    keys = [p["key"] for p in runs[sizes[-1]]["pages"]]
    head = f"{'page (p50 ms)':<30}" + "".join(f"{n:>10,}" for n in sizes)
    head += f"{'growth':>8}  queries"
    lines = ["sqlite, p50 ms by tickets in the database", head, "-" * (len(head) + 12)]
    for key in keys:
        cells = [by_size[n].get(key) for n in sizes]
        line = f"{NAMES.get(key, key):<30}"
        line += "".join(f"{c['p50_ms']:>10.1f}" if c else f"{'-':>10}" for c in cells)
        first, last = cells[0], cells[-1]
        line += f"{last['p50_ms'] / first['p50_ms']:>7.1f}x" if first and last else f"{'-':>8}"
        counts = sorted({c["queries"] for c in cells if c})
        line += "  " + ("flat " if len(counts) == 1 else "") + "/".join(map(str, counts))
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,300000")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests a page (PDF: /6)")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    runs = {}
    for n in sizes:
        path = sqlite_db(n)
        log(f"Timing at {n:,} tickets…")
        runs[n] = run_child({"SQLITE_PATH": str(path)}, args.repeat, args.warmup)
    text = table(runs)
    print(text)
    save_results("growth", sizes=sizes, repeat=args.repeat, results=runs, table=text)


if __name__ == "__main__":
    main()
