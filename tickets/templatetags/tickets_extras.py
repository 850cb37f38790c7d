from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def age(start: datetime | None, end: datetime | None = None) -> str:
    """A compact age such as "3 d 4 h" or "45 min", for tables read at a glance."""
    if start is None:
        return ""
    seconds = max(0, int(((end or timezone.now()) - start).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {rest // 60} min"
    return f"{rest // 60} min"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def sla_state(context, ticket):
    """The ticket's SLA state; views put ``now`` in the context."""
    from tickets.sla import clock as sla

    return sla.state(ticket, now=context.get("now") or timezone.now())


@register.filter(name="display_name")
def display_name_filter(user) -> str:
    """A person as pages name them: full name, else username."""
    from core.roles import display_name

    return "" if user is None else display_name(user)
