from __future__ import annotations

from django.http import HttpRequest


def wants_partial(request: HttpRequest) -> bool:
    """True for an htmx request that swaps a fragment.

    A history restore comes from htmx too but asks for the whole page.
    """
    return bool(request.htmx) and not request.htmx.history_restore_request
