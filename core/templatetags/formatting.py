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
def percent(fraction: float | None) -> str:
    """A rate as a whole percentage; a dash when there is nothing to divide."""
    return "—" if fraction is None else f"{round(fraction * 100)}%"
