"""Figures cached under version tokens that every write of what they read replaces.

A model names the figures' sources it feeds (``cache_versions = ("handoffs",)``); every
``save``, ``delete``, queryset ``update``/``delete`` and ``bulk_create``/``bulk_update`` of it
then calls ``bump``, through the receivers and ``VersionedQuerySet`` below. A reader asks
``cached(sources, key, compute)``: one ``get_many`` brings back the tokens and the stored
figure, which is used only when it was computed under exactly those tokens (and, for a figure
that turns with the clock, from the moment it was computed until the moment it stops holding).
Nothing is ever served stale
by expiry: a write replaces the token, so the next read computes again.

A token is replaced as soon as the write runs and again when its transaction commits: a
reader that computed between the two (seeing the rows before the commit) stored its figure
under the first token, which the second makes useless. Raw SQL writes call ``bump`` itself.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from django.db import DatabaseError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from core import requestcache

T = TypeVar("T")
PREFIX = "versions:"


def _token_key(source: str) -> str:
    return f"{PREFIX}token:{source}"


def _value_key(key: str) -> str:
    return f"{PREFIX}value:{key}"


def keys_for(sources: Iterable[str], key: str) -> list[str]:
    """The cache keys ``cached(sources, key, …)`` reads, for a request to read them first."""
    return [*(_token_key(source) for source in sources), _value_key(key)]


def _replace(sources: Iterable[str]) -> None:
    requestcache.set_many({_token_key(source): uuid.uuid4().hex for source in sources}, None)


def bump(*sources: str) -> None:
    """Every figure read from ``sources`` is computed again at its next read."""
    if not sources:
        return
    _replace(sources)
    transaction.on_commit(lambda: _replace(sources))


def cached(
    sources: Iterable[str],
    key: str,
    compute: Callable[[], tuple[T, datetime | None]],
    *,
    now: datetime | None = None,
    stamp: object = None,
) -> T:
    """The figure ``compute`` gives, from the cache while none of ``sources`` was written.

    ``compute`` returns (figure, holds_until): the first moment the figure may differ with
    no write at all (a due time passing, a request leaving a 30-day window), or None.
    ``stamp``, when given, is a value the caller read that the figure depends on too (how
    many rows, the newest id): a figure stored under another stamp is computed again.
    """
    sources = tuple(sources)
    token_keys = [_token_key(source) for source in sources]
    value_key = _value_key(key)
    found = requestcache.get_many([*token_keys, value_key])
    missing = {k: uuid.uuid4().hex for k in token_keys if k not in found}
    if missing:
        # First read since a restart or an eviction: new tokens, so nothing older matches.
        # Added, not set: another request's token stored meanwhile wins, and is read back.
        requestcache.add_many(missing, None)
        found |= requestcache.get_many(list(missing))
    tokens = tuple(found.get(k) for k in token_keys)
    if stamp is not None:
        tokens = (*tokens, stamp)
    now = now or timezone.now()
    stored = found.get(value_key)
    # Any other shape is an entry written before this one: computed again, as on a miss.
    if isinstance(stored, tuple) and len(stored) == 4:
        stored_tokens, since, holds_until, figure = stored
        # Not before the moment it was computed for either: a request whose clock reads
        # earlier (started first, another worker) would see rows the earlier moment did not.
        if stored_tokens == tokens and since <= now and (holds_until is None or now < holds_until):
            return figure
    figure, holds_until = compute()
    requestcache.set_many({value_key: (tokens, now, holds_until, figure)}, None)
    return figure


def sources_of(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(getattr(model, "cache_versions", ()))


class VersionedQuerySet(models.QuerySet):
    """A queryset whose bulk writes bump the model's ``cache_versions`` as saves do."""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        if count:
            bump(*sources_of(self.model))
        return count

    update.alters_data = True

    def delete(self):
        result = super().delete()
        if result[0]:
            bump(*sources_of(self.model))
        return result

    delete.alters_data = True

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump(*sources_of(self.model))
        return created

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any) -> int:
        count = super().bulk_update(objs, fields, *args, **kwargs)
        if count:
            bump(*sources_of(self.model))
        return count


def _bump_on_write(sender, **kwargs) -> None:
    bump(*sources_of(sender))


# Sources bumped by receivers of their own rather than by a model's ``cache_versions``.
EXTRA_SOURCES: set[str] = set()


def bump_all(sender=None, **kwargs) -> None:
    """Every figure computed again at its next read: after ``migrate``, whose data migrations
    write rows without the signals that bump (connected to post_migrate)."""
    from django.apps import apps

    sources = {source for model in apps.get_models() for source in sources_of(model)}
    # No cache table yet: then no figure was cached either.
    with contextlib.suppress(DatabaseError):
        _replace(sorted(sources | EXTRA_SOURCES))


def connect(all_models: Iterable[type[models.Model]]) -> None:
    """Bump on every save and delete of the models that name sources. Connected per model:
    a receiver on every model would stop Django's fast cascade deletes everywhere."""
    for model in all_models:
        if sources_of(model):
            uid = f"versions-{model._meta.label_lower}"
            post_save.connect(_bump_on_write, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(_bump_on_write, sender=model, dispatch_uid=uid + "-delete")
