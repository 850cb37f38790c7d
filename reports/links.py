"""The address of each period's report page, PDF and re-issue: a week in the path, a month or a
quarter in the query (``/reports/monthly/?month=2026-11``), the PDF a ``.pdf`` sibling of each
page and the re-issue its ``reissue/`` child."""

from __future__ import annotations

from typing import NamedTuple

from django.urls import reverse
from django.utils.http import urlencode

from reports.periods import Month, Period, Quarter
from reports.weeks import IsoWeek


class Route(NamedTuple):
    page: str
    pdf: str
    reissue: str
    parameter: str  # the query parameter that names a month or a quarter


ROUTES = {
    "week": Route("reports:week", "reports:week_pdf", "reports:week_reissue", ""),
    "month": Route("reports:monthly", "reports:monthly_pdf", "reports:monthly_reissue", "month"),
    "quarter": Route(
        "reports:quarterly", "reports:quarterly_pdf", "reports:quarterly_reissue", "quarter"
    ),
}
KINDS: dict[str, type[Month] | type[Quarter]] = {"month": Month, "quarter": Quarter}


def url_for(period: Period, *, pdf: bool = False, reissue: bool = False, live: bool = False) -> str:
    """The period's page (its ``?live=1`` view with ``live``), its PDF or its re-issue form."""
    route = ROUTES[period.kind]
    name = route.pdf if pdf else route.reissue if reissue else route.page
    query = {} if isinstance(period, IsoWeek) else {route.parameter: str(period)}
    if live:
        query["live"] = "1"
    url = reverse(name, args=[period]) if isinstance(period, IsoWeek) else reverse(name)
    return f"{url}?{urlencode(query)}" if query else url
