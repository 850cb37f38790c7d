"""Pages show times in the organisation's time zone, the one set on the business calendar."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tickets.sla.clock import organisation_zone


class OrganisationTimeZoneMiddleware:
    """Activate the calendar's time zone for the request, so a time on a page, in a form and
    in the SLA clock all mean the same hour. Read from the cache, one query when it is cold;
    the log-in page shows no times and stays free of queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        with timezone.override(organisation_zone()):
            return self.get_response(request)
