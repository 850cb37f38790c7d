"""What one request reads from the shared cache, read from it once.

On the database cache every ``cache.get_many`` is a query, and each page asks for the same few
keys several times (the calendar's page settings, the user's permissions, the unread count).
During a request ``get_many`` here answers from what this request already read, and
``RequestCacheMiddleware`` reads the keys every page needs (``PREFETCH``) in one query as the
request starts. Outside a request (commands, the periodic job, a streamed page's body) it is
the plain cache.

Nothing read here can be stale for longer than the request: a write through ``set_many`` or
``delete`` here updates what the request holds, and ``core.versions.bump`` replaces a token
here as in the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

_ABSENT = object()
_held: ContextVar[dict[str, Any] | None] = ContextVar("request_cache", default=None)

# Functions of the request giving cache keys every page of a signed-in person reads; apps add
# theirs in AppConfig.ready, so core needs to know none of them.
PREFETCH: list[Callable[[HttpRequest], Iterable[str]]] = []


def get_many(keys: Iterable[str]) -> dict[str, Any]:
    keys = list(keys)
    held = _held.get()
    if held is None:
        return cache.get_many(keys)
    missing = [key for key in keys if key not in held]
    if missing:
        found = cache.get_many(missing)
        for key in missing:
            held[key] = found.get(key, _ABSENT)
    return {key: held[key] for key in keys if held[key] is not _ABSENT}


def get(key: str, default: Any = None) -> Any:
    return get_many([key]).get(key, default)


def set_many(values: dict[str, Any], timeout: float | None) -> None:
    cache.set_many(values, timeout)
    held = _held.get()
    if held is not None:
        held.update(values)


def add(key: str, value: Any, timeout: float | None) -> bool:
    added = cache.add(key, value, timeout)
    forget(key)
    return added


def add_many(values: dict[str, Any], timeout: float | None) -> None:
    """``add`` for each key, in one write where the cache can (core.dbcache)."""
    if hasattr(cache, "add_many"):
        cache.add_many(values, timeout)
    else:
        for key, value in values.items():
            cache.add(key, value, timeout)
    forget(*values)


def delete(key: str) -> None:
    cache.delete(key)
    forget(key)


def forget(*keys: str) -> None:
    held = _held.get()
    if held is not None:
        for key in keys:
            held.pop(key, None)


class RequestCacheMiddleware:
    """Holds this request's cache reads; after AuthenticationMiddleware, so the keys to read
    first can name the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _held.set({})
        try:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                keys = [key for keys_for in PREFETCH for key in keys_for(request)]
                if keys:
                    get_many(keys)
            return self.get_response(request)
        finally:
            _held.reset(token)
