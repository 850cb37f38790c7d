from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def coming_soon(request: HttpRequest, *, title: str, description: str) -> HttpResponse:
    """A page whose feature has not landed yet says so plainly instead of failing."""
    return render(request, "coming_soon.html", {"title": title, "description": description})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "escalations/dashboard.html")


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    return coming_soon(
        request,
        title="Guide",
        description="the three-tier framework, its principles and the scenario language "
        "reference will be readable and editable here.",
    )
