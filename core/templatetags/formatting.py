"""Filters that say figures the way people read them, on pages and in reports alike."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def datetime_attr(value) -> str:
    """A moment for ``<time datetime>``: ISO 8601 to the second in the current zone (the
    standard allows no more than three decimals; microseconds made 462 values invalid)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


@register.filter
def duration(seconds: float | None) -> str:
    """A time to first response as people say it: 45 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@register.filter
def exact_duration(seconds: float | None) -> str:
    """A duration to the second under an hour and to the minute under two days, so a median
    of 20 min 30 s reads as that, not as 20 or 21 min: 20 min 30 s, 3 h 5 min, 2 d 4 h."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        if not minutes:
            return f"{rest} s"
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if whole < 86400 * 2:
        hours, rest = divmod(round(whole / 60), 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, rest = divmod(round(whole / 3600), 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


@register.filter
def percent(fraction: float | None) -> str:
    """A rate as a whole percentage; a dash when there is nothing to divide."""
    return "—" if fraction is None else f"{round(fraction * 100)}%"
