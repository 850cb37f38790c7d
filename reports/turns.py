"""Counts that change only at known moments: a step function over time.

The dashboard's SLA counts (breached, due soon) change with no write at all, each time an open
ticket's due time or warning time passes. Those moments are stored on the tickets, so one
computation can give the counts for every moment until the next write: the counts now, and
the change each later moment brings. ``Turns`` holds them (the first ``limit`` moments, in
arrays, so the cached figure stays the same size at any number of tickets) and answers any
moment up to ``holds_until`` by a binary search. Plain values in, plain values out; moments
are compared as the whole microseconds SQL gives (``scalars.epoch_microseconds``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from reports.scalars import epoch_microseconds

# Enough moments for hours of a busy day at any size; a figure past them is computed again.
LIMIT = 1000


@dataclass(frozen=True)
class Turns:
    """``base`` at the moment computed; from each moment in ``times`` on (sorted, in
    microseconds since 1970 UTC), ``base`` plus the running totals at the same position."""

    base: dict[str, int]
    times: array
    totals: dict[str, array]

    def at(self, moment: datetime) -> dict[str, int]:
        passed = bisect_right(self.times, epoch_microseconds(moment))
        if not passed:
            return dict(self.base)
        return {name: n + self.totals[name][passed - 1] for name, n in self.base.items()}


def turns(
    base: dict[str, int],
    changes: Iterable[tuple[datetime, str, int]],
    *,
    limit: int | None = None,
) -> tuple[Turns, datetime | None]:
    """The counts ``base`` (as they are now) and the ``changes`` to come, each (moment,
    count's name, +1 or -1, from that moment on); with the first moment they no longer
    answer for (the first change left out beyond ``limit``), or None when none was."""
    limit = LIMIT if limit is None else limit
    ordered = sorted(changes, key=lambda change: change[0])
    holds_until = ordered[limit][0] if len(ordered) > limit else None
    kept = ordered[:limit]
    times = array("q", (epoch_microseconds(moment) for moment, _name, _step in kept))
    totals = {name: array("q") for name in base}
    running = dict.fromkeys(base, 0)
    for _moment, name, step in kept:
        running[name] += step
        for total_name, total in totals.items():
            total.append(running[total_name])
    return Turns(base=dict(base), times=times, totals=totals), holds_until
