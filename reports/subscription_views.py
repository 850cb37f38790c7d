"""The report subscriptions page: managers and supervisors subscribe themselves to the weekly
or the monthly PDF (or both) by email and see what was sent to them; supervisors also see
every subscription."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reports.links import url_for
from reports.models import CADENCES, PeriodKind, ReportSend, ReportSubscription
from reports.periods import Month
from reports.subscriptions import SUBSCRIBE_PERMISSION
from reports.weeks import IsoWeek
from tickets.sla.clock import organisation_zone

ACTIONS = ("subscribe", "unsubscribe")


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    mine = {s.period_kind: s for s in ReportSubscription.objects.filter(user=request.user)}
    everyone = None
    if request.user.has_perm("reports.view_reportsubscription"):
        everyone = ReportSubscription.objects.select_related("user")
    sends = list(ReportSend.objects.filter(user=request.user)[:52])
    context = {
        "cadences": [(kind, kind.label, mine.get(kind.value)) for kind in CADENCES],
        "sends": [(send, _report_url(send)) for send in sends],
        "everyone": everyone,
        "error": error,
        "send_weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        + ["Sunday"],
        "scheduled": settings.SCHEDULED_REPORTS,
        "TIME_ZONE": organisation_zone().key,
    }
    context["send_day"] = context["send_weekday"][settings.REPORT_SEND_WEEKDAY]
    context["send_hour"] = settings.REPORT_SEND_HOUR
    return render(request, "reports/subscriptions.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(SUBSCRIBE_PERMISSION, raise_exception=True)
def subscriptions(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    action = request.POST.get("action", "")
    cadence = request.POST.get("cadence", PeriodKind.WEEKLY)
    if action not in ACTIONS or cadence not in CADENCES:
        return _page(request, error="Choose to subscribe or to unsubscribe.", status=400)
    cadence = PeriodKind(cadence)
    label = cadence.label.lower()
    if action == "subscribe":
        if not request.user.email:
            return _page(
                request,
                error="Your account has no email address, so the report has nowhere to go. "
                "Ask an administrator of this site to add one.",
                status=400,
            )
        with transaction.atomic():
            _, created = ReportSubscription.objects.get_or_create(
                user=request.user, period_kind=cadence
            )
        if created:
            messages.success(
                request, f"Subscribed: the {label} report goes to {request.user.email}."
            )
        else:
            messages.info(request, "You were already subscribed.")
    else:
        with transaction.atomic():
            for subscription in ReportSubscription.objects.filter(
                user=request.user, period_kind=cadence
            ):
                subscription.delete()  # one by one, so each removal is audited
        messages.success(request, f"Unsubscribed: no more {label} reports by email.")
    return redirect("reports:subscriptions")


def _report_url(send: ReportSend) -> str:
    """The page of the period a send was for (weeks and months are sent)."""
    try:
        period = Month.parse(send.period) if send.period_kind == PeriodKind.MONTHLY else None
        return url_for(period or IsoWeek.parse(send.period))
    except ValueError:
        return ""
