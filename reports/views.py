from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from reports import issued as issues
from reports import pdf
from reports.converters import parse_in_range
from reports.forms import ReissueForm
from reports.links import KINDS, ROUTES, url_for
from reports.models import ReportDownload
from reports.periods import (
    Month,
    Period,
    Quarter,
    period_days,
    report_filename,
    report_title,
)
from reports.weekly import build_cached, current_week, week_rows, zone
from reports.weeks import IsoWeek

LAST_DOWNLOADS = 10


def _reportable(week: IsoWeek) -> IsoWeek:
    """The week itself, or a 404 for a week that has not started yet."""
    if week > current_week():
        raise Http404("That week has not started yet.")
    return week


def _today():
    return timezone.localtime(timezone.now(), zone()).date()


def navigation(period: Period) -> dict:
    """The report page's links: its PDF, its live view and re-issue, the periods before and
    after (none after a period still running), and the week, month and quarter that hold the
    period's first day."""
    first = period_days(period)[0]
    today = _today()
    after = period.next
    kinds = [
        ("Week", IsoWeek.containing(first)),
        ("Month", Month.containing(first)),
        ("Quarter", Quarter.containing(first)),
    ]
    return {
        "page": url_for(period),
        "pdf": url_for(period, pdf=True),
        "live": url_for(period, live=True),
        "reissue": url_for(period, reissue=True),
        "previous": (period.previous.title, url_for(period.previous)),
        "next": (after.title, url_for(after)) if period_days(after)[0] <= today else None,
        "kinds": [(label, url_for(p), type(p) is type(period)) for label, p in kinds],
    }


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
        "longer": [
            (report_title(p), url_for(p))
            for p in (Month.containing(_today()).previous, Quarter.containing(_today()).previous)
        ],
    }
    return render(request, "reports/week_list.html", context)


def _live(request: HttpRequest) -> bool:
    return request.GET.get("live") == "1"


def _downloads(period: Period):
    return ReportDownload.objects.filter(
        period_kind=issues.kind_of(period), period_start=period_days(period)[0]
    )


def _report_page(request: HttpRequest, period: Period) -> HttpResponse:
    """A finished period shows its issued report, what has changed in the live figures since,
    and every earlier issue; ``?live=1`` shows the figures as they are now. A finished period
    the periodic job has not issued yet shows its live figures, saying so: a page view never
    issues a period. The period still running is always live."""
    report = build_cached(period)
    downloads = None
    if request.user.has_perm("reports.view_reportdownload"):
        downloads = list(_downloads(period).select_related("user")[:LAST_DOWNLOADS])
    context = {
        **pdf.context(report),
        "downloads": downloads,
        "live": _live(request),
        "nav": navigation(period),
    }
    ended = issues.ended(period)
    issue = issues.current_issue(period) if ended else None
    if issue is not None:
        context |= {
            "issue": issue,
            "history": [i for i in issues.history(period) if i.pk != issue.pk],
            "changes": issues.changes(issue.figures, issues.figures_of(report)),
            "reasons": issues.reasons(period, issue.issued_at),
            "can_reissue": request.user.has_perm("reports.reissue_weekly_report"),
        }
        if not context["live"]:
            # Our own rendering, escaped when it was issued.
            context["issued_html"] = mark_safe(issue.html)  # noqa: S308
    else:
        context["not_issued"] = ended
    return render(request, "reports/weekly_report.html", context)


def _report_pdf(request: HttpRequest, period: Period) -> FileResponse:
    """The report as a PDF attachment; each download is recorded (who, when, which period). A
    finished period's PDF is its issued file, byte for byte; ``?live=1`` makes one afresh, and
    so does a finished period not issued yet, named ``…-live-not-issued.pdf`` so that nobody
    takes it for the issued file (a download never issues a period)."""
    ended = issues.ended(period)
    issue = issues.current_issue(period) if ended else None
    if issue is not None and not _live(request):
        content = bytes(issue.pdf)
        name = report_filename(period)
    else:
        report = build_cached(period)
        not_issued = ended and issue is None
        content = pdf.render_pdf(report, not_issued=not_issued)
        name = report_filename(period, "-live-not-issued" if not_issued else "")
    ReportDownload.objects.create(
        user=request.user, period_kind=issues.kind_of(period), period_start=period_days(period)[0]
    )
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type="application/pdf"
    )


NOT_ISSUED = (
    "{title} has not been issued yet, so there is nothing to re-issue: the periodic job "
    "issues each {kind} shortly after it ends. Until then the page shows the live figures."
)


def _reissue(request: HttpRequest, period: Period) -> HttpResponse:
    """Re-issue an issued period with today's figures: asks for a reason and confirmation;
    the earlier issue is kept and listed on the period's page. A period not issued yet is
    refused with a message on its page: re-issuing corrects an issue, it does not make the
    first one (the periodic job does)."""
    if not issues.ended(period):
        raise Http404(f"Only a finished {period.kind} is issued.")
    page = url_for(period)
    not_issued = NOT_ISSUED.format(title=period.title, kind=period.kind)
    current = issues.current_issue(period)
    if current is None:
        messages.error(request, not_issued)
        return redirect(page)
    form = ReissueForm(request.POST or None, kind=period.kind)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issues.reissue(period, by=request.user, reason=form.cleaned_data["reason"])
            except issues.ReissueConflict:
                form.add_error(
                    None, f"Someone re-issued this {period.kind} a moment ago; look again."
                )
                status = 409
            except issues.NotIssued:
                messages.error(request, not_issued)
                return redirect(page)
            else:
                messages.success(request, f"{period.title} re-issued; the earlier issue is kept.")
                return redirect(page)
        else:
            status = 400
    context = {
        "period": period,
        "issue": current,
        "form": form,
        "page": page,
        "action": url_for(period, reissue=True),
    }
    return render(request, "reports/reissue.html", context, status=status)


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def week(request: HttpRequest, week: IsoWeek) -> HttpResponse:
    """The week's report page (``_report_page``)."""
    return _report_page(request, _reportable(week))


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def week_pdf(request: HttpRequest, week: IsoWeek) -> FileResponse:
    """The week's PDF (``_report_pdf``)."""
    return _report_pdf(request, _reportable(week))


@require_http_methods(["GET", "POST"])
@permission_required("reports.reissue_weekly_report", raise_exception=True)
def week_reissue(request: HttpRequest, week: IsoWeek) -> HttpResponse:
    """Re-issue an issued week (``_reissue``)."""
    return _reissue(request, _reportable(week))


def _period(request: HttpRequest, kind: str) -> Month | Quarter | HttpResponse:
    """The month or quarter asked for in the query (the last complete one when none is), or
    a page saying what was wrong with the value (400) or that it has not started (404)."""
    cls = KINDS[kind]
    parameter = ROUTES[kind].parameter
    typed = request.GET.get(parameter, "").strip()
    current = cls.containing(_today())
    if not typed:
        return current.previous
    try:
        period = cls.parse(typed)
    except ValueError as error:
        context = {"kind": kind, "error": str(error), "example": current.previous}
        context["url"] = url_for(current.previous)
        return render(request, "reports/period_invalid.html", context, status=400)
    if period > current:
        raise Http404(f"That {kind} has not started yet.")
    return period


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def period_report(request: HttpRequest, kind: str) -> HttpResponse:
    """The month's or the quarter's report: the weekly report's template and figures over a
    longer period, issued and shown like a week's (``_report_page``)."""
    period = _period(request, kind)
    if isinstance(period, HttpResponse):
        return period
    return _report_page(request, period)


@require_GET
@permission_required("reports.view_weekly_report", raise_exception=True)
def period_pdf(request: HttpRequest, kind: str) -> HttpResponse:
    """The month's or the quarter's report as a PDF attachment, the issued file once it is
    issued; each download recorded (``_report_pdf``)."""
    period = _period(request, kind)
    if isinstance(period, HttpResponse):
        return period
    return _report_pdf(request, period)


@require_http_methods(["GET", "POST"])
@permission_required("reports.reissue_weekly_report", raise_exception=True)
def period_reissue(request: HttpRequest, kind: str) -> HttpResponse:
    """Re-issue an issued month or quarter (``_reissue``)."""
    period = _period(request, kind)
    if isinstance(period, HttpResponse):
        return period
    return _reissue(request, period)
