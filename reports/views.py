from __future__ import annotations

import io

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from reports import pdf
from reports.converters import parse_in_range
from reports.models import ReportDownload
from reports.weekly import build_cached, current_week, week_rows, zone
from reports.weeks import IsoWeek

LAST_DOWNLOADS = 10


def _reportable(week: IsoWeek) -> IsoWeek:
    """The week itself, or a 404 for a week that has not started yet."""
    if week > current_week():
        raise Http404("That week has not started yet.")
    return week


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def week_list(request: HttpRequest) -> HttpResponse:
    """The week picker: every week with tickets, newest first, with its headline figures. A
    week typed in the form goes straight to its report."""
    current = current_week()
    error = ""
    typed = request.GET.get("week", "").strip()
    if typed:
        try:
            return redirect("reports:week", week=_reportable(parse_in_range(typed)))
        except (ValueError, Http404):
            error = (
                f"“{typed}” is not a week with a report: type one like {current.previous}, "
                "up to the current week, or pick one below."
            )
    weeks = week_rows()
    context = {
        "weeks": weeks,
        "current": current,
        "error": error,
        "typed": typed,
        "TIME_ZONE": zone().key,
    }
    return render(request, "reports/week_list.html", context)


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def week(request: HttpRequest, week: IsoWeek) -> HttpResponse:
    report = build_cached(_reportable(week))
    downloads = None
    if request.user.has_perm("reports.view_reportdownload"):
        downloads = list(
            ReportDownload.objects.filter(week_start=week.monday).select_related("user")[
                :LAST_DOWNLOADS
            ]
        )
    context = {**pdf.context(report), "downloads": downloads}
    return render(request, "reports/weekly_report.html", context)


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def week_pdf(request: HttpRequest, week: IsoWeek) -> FileResponse:
    """The report as a PDF attachment; each download is recorded (who, when, which week)."""
    report = build_cached(_reportable(week))
    content = pdf.render_pdf(report)
    ReportDownload.objects.create(user=request.user, week_start=week.monday)
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=pdf.filename(report),
        content_type="application/pdf",
    )
