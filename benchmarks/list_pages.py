"""The ticket list's pages timed through Django's test client: the first page, a filtered first
page, page 200 by number (OFFSET) and the same rows by keyset, each the median of ``--repeat``
requests after a warm-up, with DEBUG off. Run on a seeded database:

    SQLITE_PATH=/tmp/list100k.sqlite3 .venv/bin/python benchmarks/list_pages.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from core import versions
    from tickets.models import Ticket

    settings.DEBUG = False
    client = Client(HTTP_HOST="127.0.0.1")
    # Through the log-in form: django-axes refuses client.login() without a request.
    response = client.post(
        reverse("login"), {"username": "supervisor", "password": "demo-pass-2026"}
    )
    assert response.status_code == 302, "the supervisor could not log in"
    base = reverse("tickets:list")
    pages = [
        ("first page", base, False),
        ("first page, just after a ticket write", base, True),
        ("filtered first page (status=new)", f"{base}?status=new", False),
        (
            "filtered first page (department, open only)",
            f"{base}?department=Finance&open_only=on",
            False,
        ),
        ('filtered first page (search "printer")', f"{base}?q=printer", False),
        ("filtered first page (SLA breached)", f"{base}?sla=breached", False),
        ("page 200 by number (OFFSET)", f"{base}?page=200", False),
    ]
    try:  # a checkout from before the keyset pages has no cursor to time
        from benchmarks.pages import keyset_url

        pages.append(("page 200 by keyset", keyset_url(base, 200), False))
        pages.append(("page 200 by title, by number", f"{base}?sort=title&page=200", False))
        pages.append(("page 200 by title, by keyset", keyset_url(base, 200, "title"), False))
    except ImportError:
        pages.append(("page 200 by title, by number", f"{base}?sort=title&page=200", False))
    print(f"{Ticket.objects.count()} tickets, median of {args.repeat} after {args.warmup}")
    print("| page | wall, median | CPU, median | queries |")
    print("| --- | ---: | ---: | ---: |")
    for name, url, bump in pages:
        for _ in range(args.warmup):
            assert client.get(url).status_code == 200
        times, cpu = [], []
        for _ in range(args.repeat):
            if bump:
                versions.bump("tickets")
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, url
        if bump:
            versions.bump("tickets")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        wall, used = statistics.median(times), statistics.median(cpu)
        print(f"| {name} | {wall:.1f} ms | {used:.1f} ms | {len(queries)} |", flush=True)


if __name__ == "__main__":
    main()
