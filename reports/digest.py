"""The weekly digests, sent by the ``check_sla`` scan (``escalations.silence.after_scan``).

- Each manager named on an administrator (``manager_email``) gets their staff's open requests
  and each staff member's response figures for the last seven days.
- Each administrator who keeps ``weekly_digest`` on gets their own open requests, each with
  its personal response link.

A digest goes out with the first scan from the configured weekday and hour (organisation
time) of each ISO week, once per recipient and week: the ``SentNotice`` row is the claim.
Nobody gets an empty digest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from admins.models import Administrator
from escalations.handoffs.models import Engagement
from escalations.handoffs.tokens import response_url
from escalations.notifications.models import NoticeKind
from escalations.notifications.notices import already_sent, render, send_once
from reports.summary import AdminSummary, response_summary
from reports.weeks import IsoWeek
from tickets.sla.clock import organisation_zone

FIGURES_DAYS = 7


def due_week(now: datetime) -> IsoWeek | None:
    """The ISO week whose digests are due at ``now``: this week once its configured weekday
    and hour have passed in the organisation's time, else None."""
    local = timezone.localtime(now, organisation_zone())
    week = IsoWeek.containing(local.date())
    moment = (settings.DIGEST_WEEKDAY, settings.DIGEST_HOUR)
    return week if (local.isoweekday(), local.hour) >= moment else None


@dataclass
class StaffLine:
    summary: AdminSummary
    open_requests: list[Engagement] = field(default_factory=list)


def _open_requests(**filters) -> dict[int, list[Engagement]]:
    by_admin: dict[int, list[Engagement]] = defaultdict(list)
    for engagement in (
        Engagement.objects.open()
        .filter(**filters)
        .select_related("ticket__priority", "admin")
        .order_by("answer_due_at", "id")
    ):
        by_admin[engagement.admin_id].append(engagement)
    return by_admin


def send_due_digests(now: datetime | None = None) -> int:
    """Send this week's digests that are due and not yet sent; returns how many."""
    if not settings.WEEKLY_DIGESTS:
        return 0
    now = now or timezone.now()
    week = due_week(now)
    if week is None:
        return 0
    with timezone.override(organisation_zone()):  # times as the organisation reads them
        return _manager_digests(week, now) + _admin_digests(week, now)


def scan_provider(*, now: datetime) -> dict[str, int]:
    return {"digests": send_due_digests(now)}


def _manager_digests(week: IsoWeek, now: datetime) -> int:
    done = already_sent(NoticeKind.MANAGER_DIGEST, str(week))
    teams: dict[str, list[Administrator]] = defaultdict(list)
    for admin in Administrator.objects.active().exclude(manager_email=""):
        if admin.manager_email.lower() not in done:
            teams[admin.manager_email.lower()].append(admin)
    if not teams:
        return 0
    staff_ids = [admin.pk for team in teams.values() for admin in team]
    open_by_admin = _open_requests(admin__in=staff_ids)
    since = now - timedelta(days=FIGURES_DAYS)
    figures = {
        s.admin.pk: s
        for s in response_summary(
            since=since, until=now, admins=[a for team in teams.values() for a in team]
        )
    }
    sent = 0
    for address, staff in teams.items():
        lines = [StaffLine(figures[a.pk], open_by_admin.get(a.pk, [])) for a in staff]
        if not any(line.open_requests or line.summary.requests for line in lines):
            continue
        manager = next((a.manager_name for a in staff if a.manager_name), "")
        rendered = render(
            "digest_manager",
            {"manager_name": manager, "lines": lines, "week": week, "days": FIGURES_DAYS},
        )
        with transaction.atomic():
            sent += (
                send_once(NoticeKind.MANAGER_DIGEST, to=address, rendered=rendered, week=str(week))
                is not None
            )
    return sent


def _admin_digests(week: IsoWeek, now: datetime) -> int:
    done = already_sent(NoticeKind.ADMIN_DIGEST, str(week))
    open_by_admin = _open_requests(admin__active=True, admin__weekly_digest=True)
    sent = 0
    for requests in open_by_admin.values():
        admin = requests[0].admin
        if not admin.email or admin.email.lower() in done:
            continue
        rendered = render(
            "digest_admin",
            {
                "admin": admin,
                "requests": [(engagement, response_url(engagement)) for engagement in requests],
                "week": week,
            },
        )
        with transaction.atomic():
            sent += (
                send_once(
                    NoticeKind.ADMIN_DIGEST,
                    to=admin.email,
                    rendered=rendered,
                    admin=admin,
                    week=str(week),
                )
                is not None
            )
    return sent
