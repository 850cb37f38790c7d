"""The admin response summary as a table: its columns, their sort links and the context of
the table fragment that the administrators' page, the dashboard and the report show."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, QueryDict

from reports.forms import PERIOD_LABELS, PeriodForm, selected_period
from reports.summary import period_start, response_summary, sort_summary

# (heading, sort key or None, numeric). Figures sit beside the name, where a phone shows them.
SUMMARY_COLUMNS = [
    ("Administrator", "name", False),
    ("Requests", "requests", True),
    ("Responded", "responded", True),
    ("Response rate", "rate", True),
    ("No response", "no_response", True),
    ("Declined without redirect", "declined", True),
    ("Median first response", "median", True),
    ("90th percentile", "p90", True),
    ("Direct messages", "direct", True),
    ("Open", "open", True),
    ("Team", None, False),
    ("Backup", None, False),
]


def summary_columns(current: str) -> list[dict]:
    """Headings with the sort each link asks for: the reverse of the current order, else
    names A to Z and figures largest first."""
    columns = []
    for label, key, numeric in SUMMARY_COLUMNS:
        column = {"label": label, "numeric": numeric, "sort": "", "state": ""}
        if key:
            if current == key:
                column["state"], column["sort"] = "ascending", f"-{key}"
            elif current == f"-{key}":
                column["state"], column["sort"] = "descending", key
            else:
                column["sort"] = f"-{key}" if numeric else key
        columns.append(column)
    return columns


def summary_context(query: QueryDict) -> dict:
    period = selected_period(query.get("period"))
    rows = response_summary(since=period_start(period))
    rows, sort = sort_summary(rows, query.get("sort", ""))
    return {
        "rows": rows,
        "sort": sort,
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "period_form": PeriodForm(initial={"period": period}),
        "columns": summary_columns(sort),
        "query": query,
    }


def page_query(request: HttpRequest) -> QueryDict:
    """The query string of the page a person is looking at: their own for a GET, the page's
    for an htmx POST, so a refreshed table keeps its period and order."""
    if request.method == "GET":
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    return QueryDict(urlsplit(current or "").query)
