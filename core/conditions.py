"""Evaluate a ``Q`` condition against one model instance, the way the database would.

A rule written once as ``Q`` objects can then filter and count in SQL and decide for a single
row already in memory (a badge on a page) without a query, so the two can never disagree.

Supported: ``AND``/``OR`` of plain lookups (``exact``, ``in``, ``isnull``, ``gt``, ``gte``,
``lt``, ``lte``) on the model's own columns, with values or ``F()`` of another column. As in
SQL, comparing with an empty (NULL) column is not true. Negated conditions are refused: in SQL
a negated comparison with an empty column is unknown, not true; spell the rule out instead.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from django.db.models import F, Model, Q


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda value, other: value is not None and other is not None and op(value, other)


LOOKUPS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": lambda value, other: (
        value is None if other is None else _compare(operator.eq)(value, other)
    ),
    "in": lambda value, other: value is not None and value in other,
    "isnull": lambda value, other: (value is None) is bool(other),
    "gt": _compare(operator.gt),
    "gte": _compare(operator.ge),
    "lt": _compare(operator.lt),
    "lte": _compare(operator.le),
}


def matches(condition: Q, obj: Model) -> bool:
    """Whether ``obj`` is a row ``Model.objects.filter(condition)`` would return."""
    if condition.negated:
        raise ValueError("Negated conditions are not supported: spell the rule out.")
    results = (
        matches(child, obj) if isinstance(child, Q) else _lookup(obj, *child)
        for child in condition.children
    )
    return all(results) if condition.connector == Q.AND else any(results)


def _lookup(obj: Model, key: str, expected: Any) -> bool:
    field, _, lookup = key.rpartition("__")
    if lookup not in LOOKUPS:
        field, lookup = key, "exact"
    if isinstance(expected, F):
        expected = _column(obj, expected.name)
    return LOOKUPS[lookup](_column(obj, field), expected)


def _column(obj: Model, name: str) -> Any:
    if "__" in name:
        raise ValueError(f"Only the model's own columns can be evaluated, not {name!r}.")
    # A relation is compared by its key, as SQL does, so no related row is loaded.
    return getattr(obj, obj._meta.get_field(name).attname)
