"""The notices the workflows would have sent in the demo, and their in-app notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations.notifications import notify
from escalations.notifications.models import Notification
from tickets.models import Ticket
from tickets.sla import clock as sla


@dataclass(frozen=True)
class Notice:
    """A notification as a workflow would have sent it, before it is rendered."""

    user: object
    template: str
    context: dict
    ticket: Ticket
    at: datetime
    url: str = ""  # the ticket's page when empty


def sla_notices(marked: list[Ticket], *, agent, rng, now) -> list[Notice]:
    """The demo agent's latest breach notices and due-soon warnings among the tickets marked
    as notified, sent when the scan would have sent them."""
    mine = sorted((t for t in marked if t.agent_id == agent.pk), key=lambda t: t.next_due_at)
    breached = [t for t in mine if t.breach_notified_for is not None][-2:]
    # A due-soon warning still running if there is one, else the one before the last breach.
    warned = [t for t in mine if t.breach_notified_for is None][:2] or breached[-1:]
    notices = []
    for template, tickets in (("sla_due_soon", warned), ("sla_breached", breached)):
        for ticket in tickets:
            due = ticket.next_due_at
            sent = due if template == "sla_breached" else ticket.due_soon_at
            kind = sla.due_kind(ticket)
            notices.append(
                Notice(
                    agent,
                    template,
                    {"due_at": due, "kind": kind},
                    ticket,
                    min(now, sent + timedelta(minutes=rng.uniform(1, 15))),
                )
            )
    return notices


def silence_notices(handed_on: list, *, supervisor) -> list[Notice]:
    """The supervisor's notices of the two latest escalations the scan found unanswered."""
    return [
        Notice(
            supervisor,
            "no_response",
            {"engagement": engagement, "backup": backup},
            engagement.ticket,
            at,
        )
        for engagement, at, backup in handed_on[-2:]
    ]


def create_notifications(notices: list[Notice], *, rng, now: datetime) -> list[Notification]:
    """The notices as in-app notifications, rendered as ``notify.notify`` renders them; each
    person has read all but their two latest."""
    rows = []
    latest: dict[int, list[Notice]] = {}
    for notice in sorted(notices, key=lambda n: n.at, reverse=True):
        latest.setdefault(notice.user.pk, []).append(notice)
    for notice in notices:
        url = notice.url or notice.ticket.get_absolute_url()
        rendered = notify.render(
            notice.template, {"ticket": notice.ticket, **notice.context}, url=url
        )
        unread = any(n is notice for n in latest[notice.user.pk][:2])
        rows.append(
            Notification(
                user=notice.user,
                subject=rendered.subject[: notify.SUBJECT_MAX],
                body=rendered.in_app,
                url=url,
                ticket=notice.ticket,
                created_at=notice.at,
                read_at=None
                if unread
                else min(now, notice.at + timedelta(minutes=rng.uniform(5, 240))),
            )
        )
    return Notification.objects.bulk_create(rows)
