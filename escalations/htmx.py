from __future__ import annotations

from django.http import HttpRequest


def id_param(value: str | None) -> int | None:
    """A database id from a request parameter, or None for anything else ("²".isdigit() is
    true too, and int() of it would fail inside the query)."""
    return int(value) if value and value.isascii() and value.isdigit() else None


def wants_partial(request: HttpRequest) -> bool:
    """True for an htmx request that swaps a fragment.

    A history restore comes from htmx too but asks for the whole page.
    """
    return bool(request.htmx) and not request.htmx.history_restore_request
