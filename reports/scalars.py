"""Many one-number aggregates sent to the database as one query.

A figure such as "tickets logged in week 46" is cheapest as its own ``COUNT`` with its own
``WHERE``: the database reads only that index range, often from the index alone. Folding twenty
such figures into one scan with ``FILTER`` clauses reads the union of their ranges and tests
every clause on every row, which is what made the weekly report slow. So each figure stays its
own scalar subquery (``total``), and ``one_row`` sends them all together as
``SELECT (…) AS a, (…) AS b, …``: one round trip, and each figure reads only its own rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Count,
    FloatField,
    Func,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.sql import Query


def total(queryset: QuerySet, aggregate: Aggregate | None = None) -> Subquery:
    """``aggregate`` (by default the number of rows) over all of ``queryset``'s rows, as a
    subquery giving one value.

    Grouping by a constant leaves the query with no GROUP BY, so it gives exactly one row even
    when ``queryset`` is empty: 0 for ``Count``, None for ``Sum`` and ``Avg``."""
    return Subquery(
        queryset.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(value=aggregate or Count("pk"))
        .values("value")
    )


def one_row(using: str = DEFAULT_DB_ALIAS, **values: Subquery) -> dict:
    """The values of the named subqueries, from one ``SELECT`` with no ``FROM`` (valid on
    SQLite and PostgreSQL). Each value goes through its field's converters as in any ORM
    query, so a summed duration is a ``timedelta`` on every database."""
    if not values:
        return {}
    query = Query(None)
    for name, value in values.items():
        query.add_annotation(value, name, select=True)
    (row,) = query.get_compiler(using=using).results_iter()
    return dict(zip(values, row, strict=True))


# The SQL of ``one_row_at`` by caller's key, with where each bound goes in its parameters.
_COMPILED: dict[tuple, tuple[str, list, dict[int, int], list, list[str]]] = {}
# Stand-ins for the bounds while the SQL is built: no real figure's parameter is in 1801.
_STAND_IN = datetime(1801, 1, 1, tzinfo=UTC)


def one_row_at(
    key: tuple,
    build: Callable[[list[datetime]], dict[str, Subquery]],
    bounds: list[datetime],
    using: str = DEFAULT_DB_ALIAS,
) -> dict:
    """``one_row(**build(bounds))``, with the SQL built and compiled once per process for each
    ``key`` and only ``bounds`` bound afresh.

    Building and compiling the weekly report's sixty-odd subqueries cost about as much as
    running them. ``build`` must give the same query for any bounds of the same ``key``
    (bounds only compared, never branched on): it is called once, with stand-in datetimes,
    and each stand-in's parameter is replaced by its bound at every call."""
    connection = connections[using]
    compiled = _COMPILED.get((*key, using, len(bounds)))
    if compiled is None:
        stand_ins = [_STAND_IN + timedelta(seconds=n) for n in range(len(bounds))]
        values = build(stand_ins)
        query = Query(None)
        for name, value in values.items():
            query.add_annotation(value, name, select=True)
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        adapted = {connection.ops.adapt_datetimefield_value(s): n for n, s in enumerate(stand_ins)}
        slots = {i: adapted[p] for i, p in enumerate(params) if _hashable(p) and p in adapted}
        if set(slots.values()) != set(range(len(bounds))):
            raise ValueError(f"{key}: not every bound is a parameter of the query")
        expressions = [expression for expression, _, _ in compiler.select]
        compiled = (sql, list(params), slots, expressions, list(values))
        _COMPILED[(*key, using, len(bounds))] = compiled
    sql, params, slots, expressions, names = compiled
    bound = [connection.ops.adapt_datetimefield_value(b) for b in bounds]
    params = [bound[slots[i]] if i in slots else p for i, p in enumerate(params)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    result = {}
    for name, expression, value in zip(names, expressions, row, strict=True):
        converters = connection.ops.get_db_converters(expression)
        converters += expression.get_db_converters(connection)
        for converter in converters:
            value = converter(value, expression, connection)
        result[name] = value
    return result


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class SecondsBetween(Func):
    """``end - start`` in seconds (a float), worked out by the database itself.

    Django's duration arithmetic on SQLite calls back into Python for every row, which is
    most of the cost of summing a few thousand durations; ``julianday`` stays in SQLite. On
    PostgreSQL it is ``EXTRACT(EPOCH FROM end - start)``."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"SecondsBetween is not written for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra_context,
        )


class EpochMicroseconds(Func):
    """A datetime as whole microseconds since 1970-01-01 UTC, worked out by the database.

    Thousands of datetimes read for arithmetic (the funnel's stage times, business hours) cost
    more in Django's per-value conversion than in the query; an integer needs none, and unlike
    ``julianday`` (milliseconds, in floating point) it is exact, so differences of these are the
    same seconds ``timedelta.total_seconds()`` gives. On SQLite a datetime is stored as
    ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC: the seconds by ``strftime`` on the first 19
    characters (``strftime`` rounds fractions to the millisecond), the microseconds from the
    rest."""

    arity = 1
    output_field = BigIntegerField()

    @property
    def convert_value(self):
        # Both databases give an int already: no per-value int() call on thousands of rows.
        return self._convert_value_noop

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"EpochMicroseconds is not written for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        seconds = f"CAST(strftime('%%s', substr({sql}, 1, 19)) AS INTEGER)"
        micro = f"CAST(substr({sql} || '.000000', 21, 6) AS INTEGER)"
        return f"({seconds} * 1000000 + {micro})", (*params, *params)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(EXTRACT(EPOCH FROM {sql}) * 1000000)::bigint", params


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


def epoch_microseconds(value: datetime) -> int:
    """``EpochMicroseconds`` of an aware datetime, in Python."""
    return (value - EPOCH) // ONE_MICROSECOND
