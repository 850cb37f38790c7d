"""Telling people: an in-app notification for every user, and an email for whoever has an
address. Administrators are tracked people without a login, so they only get the email.

Every message is rendered from ``templates/emails/<template>_subject.txt``, ``_body.txt`` and
``_body.html``. Mail leaves only after the surrounding transaction commits, and a mail server
that fails is logged, never raised: the work that caused the notice has already happened.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from escalations.notifications.models import Notification

if TYPE_CHECKING:
    from admins.models import Administrator
    from tickets.models import Ticket

logger = logging.getLogger(__name__)

SUBJECT_MAX = Notification._meta.get_field("subject").max_length


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str  # for the email: with the link and the signature
    html: str
    in_app: str  # for the notification list, which shows the link and the time itself


def absolute_url(path: str) -> str:
    """``path`` on this site as a full address for an email; "" stays ""."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def site_context() -> dict[str, str]:
    """Who the message is from, for every email template."""
    return {
        "organization_name": settings.ORGANIZATION_NAME,
        "support_center_name": settings.SUPPORT_CENTER_NAME,
        "url": settings.SITE_URL,
    }


def tidy(text: str) -> str:
    # Template tags leave blank lines and trailing spaces behind in plain text.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(template: str, context: Mapping[str, Any], *, url: str = "") -> Rendered:
    """Render one message. The templates also get ``site`` (organization_name,
    support_center_name, url) and ``link``, the absolute address of ``url``."""
    base = {
        **context,
        "site": site_context(),
        "link": absolute_url(url),
    }
    # One line whatever the template holds: a line break in a header is refused by the mailer.
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", base).split())
    return Rendered(
        subject=subject,
        text=tidy(render_to_string(f"emails/{template}_body.txt", {**base, "in_app": False})),
        html=render_to_string(f"emails/{template}_body.html", base),
        in_app=tidy(render_to_string(f"emails/{template}_body.txt", {**base, "in_app": True})),
    )


def message_for(rendered: Rendered, to: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def _send(messages: list[EmailMultiAlternatives]) -> None:
    for message in messages:
        try:
            message.send(fail_silently=False)
        except Exception:
            logger.exception("Could not send %r to %s", message.subject, ", ".join(message.to))


def _send_on_commit(messages: list[EmailMultiAlternatives]) -> None:
    if messages:
        transaction.on_commit(partial(_send, messages))


def notify(
    users: Iterable[Any],
    *,
    template: str,
    context: Mapping[str, Any],
    url: str = "",
    ticket: Ticket | None = None,
) -> list[Notification]:
    """Tell each active user once (duplicates and ``None`` are ignored): a Notification row for
    every one of them, written now, and an email for those with an address, sent when the
    current transaction commits (never, if it rolls back). ``url`` defaults to the ticket's
    page. Returns the notifications created, in the order of ``users``."""
    recipients, seen = [], set()
    for user in users:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        recipients.append(user)
    if not recipients:
        return []
    if not url and ticket is not None:
        url = ticket.get_absolute_url()
    rendered = render(template, {"ticket": ticket, **context}, url=url)
    notifications = Notification.objects.bulk_create(
        Notification(
            user=user,
            subject=rendered.subject[:SUBJECT_MAX],
            body=rendered.in_app,
            url=url,
            ticket=ticket,
        )
        for user in recipients
    )
    _send_on_commit([message_for(rendered, user.email) for user in recipients if user.email])
    return notifications


def email_admin(
    admin: Administrator, *, template: str, context: Mapping[str, Any], url: str = ""
) -> None:
    """Email an administrator when the current transaction commits; nothing is kept in the
    app, since administrators do not log in. An administrator without an address is skipped."""
    if not admin.email:
        return
    rendered = render(template, {"admin": admin, **context}, url=url)
    _send_on_commit([message_for(rendered, admin.email)])
