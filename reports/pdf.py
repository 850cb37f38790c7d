"""The weekly report as a PDF: the page's own template, laid out by WeasyPrint with the print
stylesheet. The stylesheet is parsed once per process and page size, then reused.

The PDF is a summary of two or three pages: the template's ``pdf`` flag keeps the long per-row
tables on the page, cuts the per-administrator table to its top rows, and the PDF gives the
page's address for the rest. Only the definitions of what the PDF shows are printed in it."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from escalations.notifications.notify import absolute_url
from reports.definitions import DEFINITIONS
from reports.links import url_for
from reports.weekly import WeeklyReport, zone

PAGE_SIZES = {"A4": "A4", "Letter": "letter"}

# How many rows of the per-administrator and knowledge-loop tables the PDF shows; the page
# shows them all.
TOP_ROWS = 10
TOP_PROCEDURES = 5

# Definitions of sections that stay on the page only: printing them in the PDF would define
# figures it does not hold.
SCREEN_ONLY_TERMS = {
    "Escalate requests by service, by team",
    "Direct messages before and after the policy",
}
PDF_DEFINITIONS = [(term, text) for term, text in DEFINITIONS if term not in SCREEN_ONLY_TERMS]


def _weasyprint():
    # Imported on first use: it takes about half a second, which no other page should pay.
    import weasyprint

    return weasyprint


@lru_cache(maxsize=len(PAGE_SIZES))
def stylesheets(page_size: str) -> tuple:
    """print.css and the paper size, parsed once: parsing costs more than a page of layout."""
    css = _weasyprint().CSS
    return (
        css(filename=finders.find("css/print.css")),
        css(string=f"@page {{ size: {PAGE_SIZES[page_size]}; }}"),
    )


def context(report: WeeklyReport) -> dict:
    """What the report templates need besides the report, with or without a request."""
    return {
        "report": report,
        "ORGANIZATION_NAME": settings.ORGANIZATION_NAME,
        "SUPPORT_CENTER_NAME": settings.SUPPORT_CENTER_NAME,
        "CONFIDENTIALITY_BANNER": settings.CONFIDENTIALITY_BANNER,
        "TIME_ZONE": zone().key,
    }


def refuse_fetch(url: str, *args, **kwargs):
    """The report needs nothing from outside itself: its stylesheet is passed in and its
    chart is inline SVG. Refusing every fetch means no text in a report can make WeasyPrint
    read a local file or call another host."""
    raise ValueError(f"The PDF loads no outside resource ({url[:80]}).")


def render_html(report: WeeklyReport, **extra) -> str:
    """The PDF's HTML; ``extra`` (such as ``issued``) goes into the template context."""
    # Rendered by a command as well as by a page: times are shown in the organisation's zone.
    with timezone.override(zone()):
        return render_to_string(
            "reports/weekly_report_pdf.html",
            {
                **context(report),
                "pdf": True,
                "top_rows": TOP_ROWS,
                "more_admins": max(len(report.summary) - TOP_ROWS, 0),
                "top_procedures": TOP_PROCEDURES,
                "more_procedures": max(
                    len(report.knowledge.get("procedures", [])) - TOP_PROCEDURES, 0
                ),
                "pdf_definitions": PDF_DEFINITIONS,
                "page_url": absolute_url(url_for(report.period)),
                **extra,
            },
        )


def html_to_pdf(html: str) -> bytes:
    document = _weasyprint().HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=refuse_fetch
    )
    return document.write_pdf(stylesheets=list(stylesheets(settings.REPORT_PAGE_SIZE)))


def render_pdf(report: WeeklyReport, **extra) -> bytes:
    return html_to_pdf(render_html(report, **extra))
