"""The weekly report as a PDF: the page's own template, laid out by WeasyPrint with the print
stylesheet. The stylesheet is parsed once per process and page size, then reused."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from reports.weekly import WeeklyReport, zone

PAGE_SIZES = {"A4": "A4", "Letter": "letter"}


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
            "reports/weekly_report_pdf.html", {**context(report), "pdf": True, **extra}
        )


def html_to_pdf(html: str) -> bytes:
    document = _weasyprint().HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=refuse_fetch
    )
    return document.write_pdf(stylesheets=list(stylesheets(settings.REPORT_PAGE_SIZE)))


def render_pdf(report: WeeklyReport, **extra) -> bytes:
    return html_to_pdf(render_html(report, **extra))


def filename(report: WeeklyReport, suffix: str = "") -> str:
    return f"{report.period.adjective}-report-{report.period}{suffix}.pdf"
