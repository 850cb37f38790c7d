"""The ticket list's pages: keyset ("cursor") pages, so a deep page costs what the first does.

A Next link carries the sort value and the id of the page's last row (``?after=<value>,<id>``),
a Previous link those of its first row (``?before=…``): the page is the rows strictly after
(before) that key in the list's order, read through the same index as the first page instead
of stepping over every earlier row with OFFSET. ``?page=N`` still works (old links, the first
page) and ``start`` carries the position, so the page says which rows it shows.

NULL sorts as the smallest value on every database (SQLite's own order; PostgreSQL's default
is the opposite, so the order is spelled out): first ascending, last descending. In a cursor
an empty value is NULL for the nullable sort keys (a priority's number, an admin's name), which
no real value of them can be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, Min, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone

from core import versions
from core.htmx import id_param
from core.templatetags.formatting import datetime_attr

PAGE_SIZE = 50
COUNT_SOURCES = ("tickets",)
# SQLite's integers are 64-bit: a larger number in a hand-written cursor would fail the query.
_INT_RANGE = range(-(2**63), 2**63)


@dataclass(frozen=True)
class Key:
    """One column of the list's order."""

    path: str
    descending: bool
    nullable: bool
    field: models.Field

    def flipped(self) -> Key:
        return Key(self.path, not self.descending, self.nullable, self.field)


def keys_for(ordering: list[Any] | tuple[Any, ...], model: type[models.Model] | None = None):
    """The keys of a queryset's ``order_by`` ending in the id tie-breaker, or None for an order
    a cursor cannot follow (an expression, a relation's default order, no tie-breaker)."""
    if model is None:
        from tickets.models import Ticket

        model = Ticket
    keys = []
    for item in ordering:
        if not isinstance(item, str):
            return None
        path = item.removeprefix("-")
        opts, nullable, field = model._meta, False, None
        try:
            for part in path.split("__"):
                field = opts.get_field(part)
                nullable = nullable or field.null
                if field.is_relation:
                    opts = field.related_model._meta
        except FieldDoesNotExist:
            return None
        if field is None or field.is_relation:
            return None
        keys.append(Key(path, item.startswith("-"), nullable, field))
    if not keys or keys[-1].path not in ("id", "pk") or len(keys) != 2:
        return None
    return keys


def order_by(keys: list[Key]) -> list[OrderBy]:
    expressions = []
    for key in keys:
        column = F(key.path)
        if not key.nullable:
            expressions.append(column.desc() if key.descending else column.asc())
        elif key.descending:
            expressions.append(column.desc(nulls_last=True))
        else:
            expressions.append(column.asc(nulls_first=True))
    return expressions


def _beyond(key: Key, value: Any) -> Q | None:
    """Rows past ``value`` in this key's direction, or None for none."""
    if key.descending:
        if value is None:
            return None
        past = Q(**{f"{key.path}__lt": value})
        return past | Q(**{f"{key.path}__isnull": True}) if key.nullable else past
    if value is None:
        return Q(**{f"{key.path}__isnull": False})
    return Q(**{f"{key.path}__gt": value})


def after(keys: list[Key], values: list[Any]) -> Q:
    """The rows strictly after ``values`` in the order of ``keys``."""
    condition: Q | None = None
    same = Q()
    for key, value in zip(keys, values, strict=True):
        step = _beyond(key, value)
        if step is not None:
            condition = same & step if condition is None else condition | (same & step)
        same &= Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})
    if condition is None:
        return Q(pk__in=[])
    first, value = keys[0], values[0]
    if not first.nullable and value is not None:
        # Redundant, but a plain range on the leading column lets SQLite seek in the index
        # instead of testing the OR against every row from the top.
        bound = "lte" if first.descending else "gte"
        condition = Q(**{f"{first.path}__{bound}": value}) & condition
    return condition


def _value(row: models.Model, path: str) -> Any:
    value: Any = row
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def cursor(row: models.Model, keys: list[Key]) -> str:
    """``<sort value>,<id>`` of ``row``; an empty sort value is NULL."""
    value = _value(row, keys[0].path)
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else value
    return f"{text},{row.pk}"


def parse_cursor(text: str | None, keys: list[Key]) -> list[Any] | None:
    """The values of a cursor, or None for anything that is not one."""
    if not text or len(text) > 500 or "\x00" in text or "," not in text:
        return None
    raw, pk_text = text.rsplit(",", 1)
    pk = id_param(pk_text)
    if pk is None or pk not in _INT_RANGE:
        return None
    key = keys[0]
    if raw == "" and key.nullable:
        return [None, pk]
    try:
        value = key.field.to_python(raw)
    except (ValidationError, ValueError, OverflowError):
        return None
    if value is None or (isinstance(value, int) and value not in _INT_RANGE):
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return None
    return [value, pk]


@dataclass(frozen=True)
class Link:
    """A pagination link's query parameters; None removes one."""

    page: int | None = None
    after: str | None = None
    before: str | None = None
    start: int | None = None


@dataclass
class ListPage:
    object_list: list[models.Model]
    count: int
    start: int | None  # the first row's position, when known
    previous: Link | None
    next: Link | None

    @property
    def end(self) -> int | None:
        return self.start + len(self.object_list) - 1 if self.start else None

    @property
    def has_other_pages(self) -> bool:
        return self.previous is not None or self.next is not None

    # Iterated and sized as Django's Page is: its rows.
    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _position(text: str | None) -> int | None:
    start = id_param(text)
    return start if start and start < 2**31 else None


def paginate(queryset: QuerySet, params, *, count: int, size: int | None = None) -> ListPage:
    """The page of ``queryset`` that ``params`` (the request's GET) asks for: by cursor
    (``after``/``before``) when the order allows one, else by number; ``count`` is the total,
    known beforehand (it is cached). A cursor past the end gives the first page."""
    size = size or PAGE_SIZE
    keys = keys_for(list(queryset.query.order_by))
    if keys is not None:
        queryset = queryset.order_by(*order_by(keys))
        start = _position(params.get("start"))
        for name, backwards in (("after", False), ("before", True)):
            values = parse_cursor(params.get(name), keys)
            if values is not None:
                page = _keyset_page(queryset, keys, values, backwards, start, count, size)
                if page.object_list:
                    return page
    return _numbered_page(queryset, params.get("page"), keys, count, size)


def _keyset_page(queryset, keys, values, backwards, start, count, size) -> ListPage:
    if backwards:
        flipped = [key.flipped() for key in keys]
        rows = list(
            queryset.filter(after(flipped, values)).order_by(*order_by(flipped))[: size + 1]
        )
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        if not more_before:
            start = 1
        more_after = True
    else:
        rows = list(queryset.filter(after(keys, values))[: size + 1])
        more_after = len(rows) > size
        rows = rows[:size]
        more_before = True
    if not rows:
        return ListPage([], count, None, None, None)
    previous = next_ = None
    if more_before:
        back = max(start - size, 1) if start else None
        previous = Link(before=cursor(rows[0], keys), start=back)
    if more_after:
        next_ = Link(after=cursor(rows[-1], keys), start=start + len(rows) if start else None)
    return ListPage(rows, count, start, previous, next_)


def _numbered_page(queryset, number, keys, count, size) -> ListPage:
    paginator = Paginator(queryset, size)
    paginator.count = count  # known already: no COUNT query
    page = paginator.get_page(number)
    rows = list(page.object_list)
    if not rows:
        return ListPage([], count, None, None, None)
    start = page.start_index()
    previous = next_ = None
    if page.has_previous():
        if keys is None:
            back = page.previous_page_number()
            previous = Link(page=back if back > 1 else None)
        else:
            previous = Link(before=cursor(rows[0], keys), start=max(start - size, 1))
    if page.has_next():
        if keys is None:
            next_ = Link(page=page.next_page_number())
        else:
            next_ = Link(after=cursor(rows[-1], keys), start=start + len(rows))
    return ListPage(rows, count, start, previous, next_)


def count_key(params, names, *, user_pk: int | None) -> str:
    """The cache key of the count of the tickets these filters match: the non-empty filter
    parameters as sent (two spellings of one filter only cost a second entry), and the person
    for the filters that depend on who asks."""
    import hashlib

    parts = sorted((name, params.get(name)) for name in names if params.get(name))
    # The date filters' day boundaries are the calendar zone's midnights.
    parts.append(("zone", timezone.get_current_timezone_name()))
    if user_pk is not None:
        parts.append(("user", str(user_pk)))
    return "ticket-list-count:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _next_sla_turn(queryset: QuerySet, now: datetime) -> datetime | None:
    """The first moment after ``now`` at which a ticket's SLA state may change without a
    write: its next due time or its due-soon time passing. Two index lookups; over every
    ticket, not only the open ones, which can only make the figure expire sooner."""
    turns = [
        queryset.filter(**{f"{column}__gt": now}).aggregate(turn=Min(column))["turn"]
        for column in ("next_due_at", "due_soon_at")
    ]
    return min((turn for turn in turns if turn is not None), default=None)


def cached_count(queryset: QuerySet, key: str, *, clocked: bool, now: datetime) -> int:
    """``queryset.count()`` from the cache until a ticket is written (every ticket write bumps
    the "tickets" token) or, for filters on the SLA state (``clocked``), until the clock moves
    a ticket from one state to another."""

    def compute() -> tuple[int, datetime | None]:
        holds_until = _next_sla_turn(queryset.model.objects.all(), now) if clocked else None
        return queryset.order_by().count(), holds_until

    return versions.cached(COUNT_SOURCES, key, compute, now=now)


def _detail_url() -> tuple[str, str]:
    """The detail address around a ticket ID, reversed once: ``reverse`` for each of a page's
    rows was a tenth of the list's time."""
    from django.urls import reverse

    before, after = reverse("tickets:detail", args=["0"]).rsplit("0", 1)
    return before, after


# The characters ``reverse`` leaves unquoted in a path argument.
_URL_SAFE = "!$&'()*+,;=/~:@"


def rows(tickets: list[models.Model], *, now: datetime) -> list[dict[str, Any]]:
    """What each row of the list shows, as plain values: the template reads them with no
    include, tag or filter per row (those were most of the list's time). Times are in the
    current zone, as the ``date`` filter shows them."""
    from urllib.parse import quote

    from core.roles import display_name
    from tickets.models import sla_conditions
    from tickets.sla import clock

    # Built once for the page: building the conditions costs more than evaluating them.
    conditions = sla_conditions(now=now)
    before, after = _detail_url()
    result = []
    for ticket in tickets:
        opened = timezone.localtime(ticket.opened_at)
        state = clock.state(ticket, now=now, conditions=conditions)
        due = ticket.next_due_at
        result.append(
            {
                "url": f"{before}{quote(ticket.external_id, safe=_URL_SAFE)}{after}",
                "external_id": ticket.external_id,
                "title": ticket.title,
                "classification": ticket.get_classification_display(),
                "requestor": ticket.requestor_name,
                "department": ticket.department,
                "status": ticket.get_status_display(),
                "priority": (ticket.priority.name or "—") if ticket.priority_id else "—",
                "tier": ticket.tier,
                "tier_label": ticket.get_tier_display(),
                "agent": display_name(ticket.agent),
                "admin": (ticket.admin.name or "—") if ticket.admin_id else "—",
                "opened_attr": datetime_attr(opened),
                "opened_date": opened.strftime("%Y-%m-%d"),
                "sla": state.value,
                "sla_label": state.label,
                "sla_title": (
                    f"Next due {timezone.localtime(due):%Y-%m-%d %H:%M}" if due else state.label
                ),
            }
        )
    return result
