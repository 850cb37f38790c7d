"""The weekly report's arithmetic on plain values: rates, means, week-on-week changes and the
trend chart's coordinates. No ORM here; the figures come from database aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


def rate(part: int, whole: int) -> float | None:
    """``part`` as a fraction of ``whole``; None when there is nothing to divide."""
    return part / whole if whole else None


def mean_seconds(total: timedelta | float | None, count: int) -> float | None:
    """The mean of ``count`` durations whose sum is ``total`` (a timedelta or seconds)."""
    if not count or total is None:
        return None
    seconds = total.total_seconds() if isinstance(total, timedelta) else float(total)
    return seconds / count


def median(values: list[float]) -> float | None:
    """The median of exact values (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[float], percent: int) -> float | None:
    """The nearest-rank percentile: the smallest value with ``percent``% of them at or below
    it (the admin summary picks its 90th percentile the same way)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return float(ordered[rank - 1])


def spread(values: list[float]) -> dict[str, float | None]:
    """Mean, median and 90th percentile of ``values`` (seconds), with how many there are."""
    return {
        "count": len(values),
        "mean": sum(values) / len(values) if values else None,
        "median": median(values),
        "p90": percentile(values, 90),
    }


@dataclass(frozen=True)
class Change:
    """How a figure moved against the previous week: "up", "down" or "same", in a few words
    for a table column (``short``) and in a sentence (``text``)."""

    direction: str
    short: str
    text: str

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼"}.get(self.direction, "=")


PREVIOUS_WEEK = "the previous week"


def _change(direction: str, short: str, against: str) -> Change:
    if direction == "same":
        return Change(direction, short, f"{short} as {against}")
    return Change(direction, short, f"{short} on {against}")


def percent_change(current: float, previous: float) -> float | None:
    """Relative change in percent; None when the previous value was 0 (no base to compare)."""
    if not previous:
        return None
    return (current - previous) / previous * 100


def compare(
    current: float | None,
    previous: float | None,
    *,
    kind: str = "count",
    against: str = PREVIOUS_WEEK,
) -> Change | None:
    """The change from ``previous`` to ``current``. ``kind`` is "count" or "duration"
    (relative change in percent) or "rate" (fractions; the change is in percentage points).
    ``against`` names what ``previous`` is, for the sentence. None when either week has no
    value."""
    if current is None or previous is None:
        return None
    if kind == "rate":
        # From the unrounded rates: 14.4% against 13.5% (both shown as 14%) is up 1 pt, and
        # 14.6% against 14.4% (15% and 14%) is the same.
        points = round((current - previous) * 100)
        if points == 0:
            return _change("same", "same", against)
        direction = "up" if points > 0 else "down"
        unit = "pt" if abs(points) == 1 else "pts"
        return _change(direction, f"{direction} {abs(points)} {unit}", against)
    if current == previous:
        return _change("same", "same", against)
    direction = "up" if current > previous else "down"
    change = percent_change(current, previous)
    if change is None:
        return Change(direction, "up from none", f"up from none {against}")
    if round(change) == 0:
        return _change("same", "about the same", against)
    return _change(direction, f"{direction} {abs(round(change))}%", against)


def nice_step(value: float) -> int:
    """The smallest whole 1, 2, 2.5 or 5 × 10ⁿ at or above ``value``: a round axis step."""
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * magnitude
        if candidate >= value and candidate == int(candidate):
            return int(candidate)
    return 10 * magnitude  # pragma: no cover - 10 × magnitude always qualifies


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    key: str
    points: list[Point]
    colour: str = "currentColor"
    dash: str = ""

    @property
    def path(self) -> str:
        """The SVG polyline ``points`` attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    ticks: list[Tick]
    labels: list[XLabel]

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


def line_chart(
    labels: list[str],
    series: list[tuple[str, str, list[int]]],
    *,
    styles: dict[str, tuple[str, str]] | None = None,
    width: int = 640,
    height: int = 240,
    margins: tuple[int, int, int, int] = (16, 16, 28, 44),
    ticks: int = 4,
) -> Chart:
    """Coordinates for a line chart in an SVG ``viewBox`` of ``width`` × ``height``.

    ``series`` holds (name, key, values), one value per label; ``styles`` maps a key to its
    (colour, dash pattern); ``margins`` are top, right, bottom, left. The y axis runs from 0
    to ``ticks`` round steps, just above the largest value.
    """
    top, right, bottom, left = margins
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max((v for _, _, values in series for v in values), default=0)
    step = nice_step(largest / ticks)
    top_value = step * ticks
    step_x = plot_w / (len(labels) - 1) if len(labels) > 1 else 0
    styles = styles or {}

    def x(i: int) -> float:
        return left + (i * step_x if len(labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - value / top_value * plot_h

    def line(name: str, key: str, values: list[int]) -> Series:
        colour, dash = styles.get(key, ("currentColor", ""))
        points = [Point(x(i), y(v), v, labels[i]) for i, v in enumerate(values[: len(labels)])]
        return Series(name=name, key=key, points=points, colour=colour, dash=dash)

    return Chart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        series=[line(name, key, values) for name, key, values in series],
        ticks=[Tick(y(step * n), step * n) for n in range(ticks + 1)],
        labels=[XLabel(x(i), text) for i, text in enumerate(labels)],
    )
