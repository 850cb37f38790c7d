"""The demo's hundreds of thousands of rows, inserted as ``bulk_create`` would, but quicker.

On SQLite ``bulk_create`` is held to 999 parameters a statement (about 30 tickets), prepares
every value through the whole query compiler and, with ``DEBUG`` on (the seed requires it),
asks SQLite to quote every parameter of every statement for the query log. At 100,000
tickets that was most of the seed's time. Here the keys are assigned in memory, the values
are converted once per column with the field's own rules and one prepared statement runs
over all the rows.

Elsewhere (PostgreSQL) ``bulk_create`` is already quick and is used as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault

from core import versions

M = TypeVar("M", bound=models.Model)

# Rows per executemany: the list of rows of one call is held in memory.
CHUNK = 10_000

_TEXT = (models.CharField, models.TextField, models.EmailField)
_INTEGER = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
)


def insert(model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert the unsaved ``objs`` and give each its key, as ``bulk_create`` does: related
    objects saved since they were assigned give their keys, ``auto_now`` columns are stamped,
    no signal is sent, and the figures cached from the model are computed afresh."""
    if connection.vendor != "sqlite":
        return model._default_manager.bulk_create(objs, batch_size=2000)
    if not objs:
        return objs
    meta = model._meta
    fields = meta.concrete_fields
    if meta.pk not in fields or not isinstance(meta.pk, models.AutoField):
        raise TypeError(f"{meta.label} needs an auto-incremented key of its own.")
    relations = [f for f in fields if f.is_relation]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", 0)]
    converters = [_converter(f) for f in fields]
    attnames = [f.attname for f in fields]
    next_id = _next_id(meta.db_table, meta.pk.column)
    for offset, obj in enumerate(objs):
        if obj.pk is not None:
            raise ValueError(f"insert() makes new rows; {obj!r} already has a key.")
        obj.pk = next_id + offset
        for field in relations:
            _take_related_key(obj, field)
        for field in stamped:
            field.pre_save(obj, add=True)
    quote = connection.ops.quote_name
    # Names from the model's metadata only; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    pairs = list(zip(converters, attnames, strict=True))
    rows = ([convert(obj.__dict__[name]) for convert, name in pairs] for obj in objs)
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, CHUNK)):
            cursor.executemany(sql, chunk)
    alias = connection.alias  # the proxy looks the connection up at every attribute
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
    versions.bump(*versions.sources_of(model))
    return objs


def _next_id(table: str, column: str) -> int:
    """The key SQLite's AUTOINCREMENT would give the next row: past every row there is and
    every key it ever gave (a deleted row's key is not given again)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(COALESCE(MAX({quote(column)}), 0), COALESCE("  # noqa: S608
            "(SELECT seq FROM sqlite_sequence WHERE name = %s), 0)) "
            f"FROM {quote(table)}",
            [table],
        )
        return cursor.fetchone()[0] + 1


def _take_related_key(obj: models.Model, field: models.Field) -> None:
    """``Model._prepare_related_fields_for_save``: the key of a related object assigned
    before it was saved, and a refusal when it still is not."""
    related = obj._state.fields_cache.get(field.name)
    if related is None:
        return
    if related.pk is None:
        raise ValueError(f"insert() of an unsaved related object '{field.name}'.")
    if obj.__dict__[field.attname] in field.empty_values:
        obj.__dict__[field.attname] = related.pk
    elif obj.__dict__[field.attname] != related.pk:
        field.delete_cached_value(obj)


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """The column's value as ``field.get_db_prep_save`` gives it, with short cuts for the
    values that function returns unchanged and for aware datetimes."""

    def generic(value: Any) -> Any:
        if isinstance(value, DatabaseDefault):
            # SQLite takes no DEFAULT in a multi-row insert; bulk_create does the same.
            value = field.db_default
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"insert() takes plain values, not {value!r} for {field.name}.")
        return field.get_db_prep_save(value, connection=connection)

    kind = type(field)
    if kind is models.ForeignKey and type(field.target_field) in _INTEGER:
        kind = models.IntegerField
    if kind is models.DateTimeField:
        zone = connection.timezone

        def datetime_value(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is datetime and value.tzinfo is not None:
                # connection.ops.adapt_datetimefield_value: naive in the database's zone.
                return str(value.astimezone(zone).replace(tzinfo=None))
            return generic(value)

        return datetime_value
    simple: tuple[type, ...] | None = None
    if kind in _TEXT:
        simple = (str,)
    elif kind in _INTEGER:
        simple = (int,)
    elif kind is models.BooleanField:
        simple = (bool,)
    if simple is None:
        return generic

    def plain(value: Any) -> Any:
        return value if value is None or isinstance(value, simple) else generic(value)

    return plain
