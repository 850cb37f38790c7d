"""Web helpers: htmx-aware rendering, request ids and the shared editor form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers


def id_param(value: str | None) -> int | None:
    """A database id from a request parameter, or None for anything else ("²".isdigit() is
    true too, and int() of it would fail inside the query)."""
    return int(value) if value and value.isascii() and value.isdigit() else None


def wants_partial(request: HttpRequest) -> bool:
    """True for an htmx request that swaps a fragment.

    A history restore comes from htmx too but asks for the whole page.
    """
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(
    request: HttpRequest, template: str, context: dict, *, partial: str, status: int = 200
) -> HttpResponse:
    """The whole page, or for an htmx swap only its ``partial`` block. Any htmx request gets
    a 200, since htmx 2 does not swap 4xx responses (the errors are in the page). Varies on
    HX-Request, so a cache never serves the fragment for the page or the other way round."""
    if request.htmx:
        status = 200
    if wants_partial(request):
        template = f"{template}#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def save_with_author(request, form, *, template, context, saved, then) -> HttpResponse:
    """The editor form shared by scenarios and checklist items: save with who changed it,
    or show the errors (400 on a plain POST)."""
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.updated_by = request.user
        obj.save()
        messages.success(request, saved(obj))
        return redirect(then)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, **context}, status=status)
