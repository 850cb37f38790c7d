"""Many one-number aggregates sent to the database as one query.

A figure such as "tickets logged in week 46" is cheapest as its own ``COUNT`` with its own
``WHERE``: the database reads only that index range, often from the index alone. Folding twenty
such figures into one scan with ``FILTER`` clauses reads the union of their ranges and tests
every clause on every row, which is what made the weekly report slow. So each figure stays its
own scalar subquery (``total``), and ``one_row`` sends them all together as
``SELECT (…) AS a, (…) AS b, …``: one round trip, and each figure reads only its own rows.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, NotSupportedError
from django.db.models import Aggregate, Count, FloatField, Func, QuerySet, Subquery, Value
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
