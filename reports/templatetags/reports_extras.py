from __future__ import annotations

from django import template

from reports import summary

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """A time to first response as people say it: 45 min, 3.5 h, 2.1 d."""
    return summary.duration(seconds)


@register.filter
def percent(fraction: float | None) -> str:
    """A rate as a whole percentage; a dash when there is nothing to divide."""
    return summary.percent(fraction)
