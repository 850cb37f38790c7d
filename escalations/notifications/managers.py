"""Seed 002: "Notices of escalations are sent to the respective ITS manager for follow-up."

An administrator's manager (``Administrator.manager_email``) hears when their staff member is
escalated to and when a request to them went unanswered. Nothing is sent when no manager
address is on record.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from escalations.notifications.models import NoticeKind, SentNotice
from escalations.notifications.notices import render, send_once
from tickets.sla.clock import organisation_zone


def _tell_manager(
    engagement: Any, kind: NoticeKind, template: str, **context: Any
) -> SentNotice | None:
    admin = engagement.admin
    if not admin.manager_email:
        return None
    ticket = engagement.ticket
    with timezone.override(organisation_zone()):  # times as the organisation reads them
        rendered = render(
            template,
            {"engagement": engagement, "admin": admin, "ticket": ticket, **context},
            url=ticket.get_absolute_url(),
        )
    return send_once(
        kind, to=admin.manager_email, rendered=rendered, admin=admin, engagement=engagement
    )


def staff_escalated(engagement: Any) -> SentNotice | None:
    """Tell the manager of ``engagement.admin`` that the ticket was escalated to them: the
    email leaves when the current transaction commits, once per request."""
    return _tell_manager(engagement, NoticeKind.MANAGER_ESCALATED, "manager_escalated")


def staff_silent(engagement: Any, *, backup: Any = None) -> SentNotice | None:
    """Tell the manager of ``engagement.admin`` that the request went unanswered (and who it
    went to instead, if anyone), when the current transaction commits, once per request."""
    return _tell_manager(engagement, NoticeKind.MANAGER_SILENCE, "manager_silence", backup=backup)


def chain_exhausted(root: Any, *, last: Any) -> SentNotice | None:
    """Tell the manager of the administrator first asked (``root.admin``) that the request
    went through every level of its policy without an answer, once per chain."""
    return _tell_manager(root, NoticeKind.MANAGER_EXHAUSTED, "manager_exhausted", last=last)
