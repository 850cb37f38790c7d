"""The admin response summary as a table: its columns, their sort links and the context of
the table fragment that the administrators' page, the dashboard and the report show."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import HttpRequest, QueryDict

from reports.forms import PERIOD_LABELS, PeriodForm, selected_period
from reports.summary import sort_summary, summary_for_period


@dataclass(frozen=True)
class Column:
    key: str  # the figure the column shows, and its sort key when sortable
    label: str
    numeric: bool
    sortable: bool = True


# One heading per figure, wherever the summary is shown. Figures sit beside the name, where a
# phone shows them; the definitions are in templates/reports/_summary_definitions.html.
COLUMNS = [
    Column("name", "Administrator", numeric=False),
    Column("requests", "Requests", numeric=True),
    Column("responded", "Responded", numeric=True),
    Column("rate", "Response rate", numeric=True),
    Column("no_response", "No response", numeric=True),
    Column("declined", "Declined without redirect", numeric=True),
    Column("median", "Median first response", numeric=True),
    Column("p90", "90th percentile", numeric=True),
    Column("direct", "Direct messages", numeric=True),
    Column("open", "Open", numeric=True),
    Column("team", "Team", numeric=False, sortable=False),
    Column("backup", "Backup", numeric=False, sortable=False),
]
ALL_KEYS = tuple(c.key for c in COLUMNS)
# The dashboard leaves out the tail that needs the full page; a finished week has no "open"
# figure, and neither shows who is on which team.
DASHBOARD_KEYS = tuple(k for k in ALL_KEYS if k not in {"p90", "team", "backup"})
WEEK_KEYS = tuple(k for k in ALL_KEYS if k not in {"open", "team", "backup"})


def summary_columns(current: str = "", keys: tuple[str, ...] = ALL_KEYS) -> list[dict]:
    """Headings with the sort each link asks for: the reverse of the current order, else
    names A to Z and figures largest first."""
    columns = []
    for col in COLUMNS:
        if col.key not in keys:
            continue
        column = {
            "key": col.key,
            "label": col.label,
            "numeric": col.numeric,
            "sort": "",
            "state": "",
        }
        if col.sortable:
            if current == col.key:
                column["state"], column["sort"] = "ascending", f"-{col.key}"
            elif current == f"-{col.key}":
                column["state"], column["sort"] = "descending", col.key
            else:
                column["sort"] = f"-{col.key}" if col.numeric else col.key
        columns.append(column)
    return columns


def table_context(rows, keys: tuple[str, ...], current: str = "") -> dict:
    """What templates/reports/_summary_table.html needs to show ``rows`` with these columns."""
    return {"rows": rows, "columns": summary_columns(current, keys), "show": set(keys)}


def summary_context(query: QueryDict) -> dict:
    period = selected_period(query.get("period"))
    rows = summary_for_period(period)
    rows, sort = sort_summary(rows, query.get("sort", ""))
    return {
        "rows": rows,
        "sort": sort,
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "period_form": PeriodForm(initial={"period": period}),
        "summary_table": table_context(rows, ALL_KEYS, sort),
        "query": query,
    }


def page_query(request: HttpRequest) -> QueryDict:
    """The query string of the page a person is looking at: their own for a GET, the page's
    for an htmx POST, so a refreshed table keeps its period and order."""
    if request.method == "GET":
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    return QueryDict(urlsplit(current or "").query)
