"""The address of each period's report page and PDF: a week in the path, a month or a quarter
in the query (``/reports/monthly/?month=2026-11``), the PDF a ``.pdf`` sibling of each."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from reports.periods import Month, Period, Quarter
from reports.weeks import IsoWeek

# kind → (page's url name, PDF's url name, query parameter)
ROUTES = {
    "month": ("reports:monthly", "reports:monthly_pdf", "month"),
    "quarter": ("reports:quarterly", "reports:quarterly_pdf", "quarter"),
}
KINDS: dict[str, type[Month] | type[Quarter]] = {"month": Month, "quarter": Quarter}


def url_for(period: Period, *, pdf: bool = False) -> str:
    if isinstance(period, IsoWeek):
        return reverse("reports:week_pdf" if pdf else "reports:week", args=[period])
    page, document, parameter = ROUTES[period.kind]
    return f"{reverse(document if pdf else page)}?{urlencode({parameter: str(period)})}"
