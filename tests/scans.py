"""Two check_sla scans started at the same instant, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import time_machine
from django.db import connection


def at_once(run: Callable[..., object], *, now: datetime, count: int = 2) -> tuple[list, list]:
    """``run(now=now)`` in ``count`` threads released together by a barrier, with the clock
    frozen at ``now``: what each returned, and every exception raised."""
    barrier = threading.Barrier(count)
    reports: list = []
    errors: list = []

    def scan() -> None:
        try:
            barrier.wait()
            reports.append(run(now=now))
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(count)]
    with time_machine.travel(now, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return reports, errors
