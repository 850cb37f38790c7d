"""Emails to people without a log-in, each kept as a ``SentNotice``.

``send_once`` writes the record in the caller's transaction, which claims the notice (its
unique constraints refuse a second one), and sends the email only after that transaction
commits; the record then says when it left, or why it did not.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.claims import claim
from escalations.notifications.models import NoticeKind, SentNotice
from escalations.notifications.notify import SUBJECT_MAX, Rendered, message_for, render

logger = logging.getLogger(__name__)


def already_sent(kind: NoticeKind, week: str) -> set[str]:
    """The recipients (lower case) who already have this week's digest of ``kind``."""
    return set(SentNotice.objects.filter(kind=kind, week=week).values_list("recipient", flat=True))


def send_once(
    kind: NoticeKind,
    *,
    to: str,
    rendered: Rendered,
    admin: Any = None,
    engagement: Any = None,
    week: str = "",
) -> SentNotice | None:
    """Record and, after the current transaction commits, send one notice. Returns None,
    sending nothing, when this notice was already claimed (by this call's twin in another
    scan, or earlier)."""
    notice = claim(
        SentNotice,
        kind=kind,
        recipient=to.lower(),
        admin=admin,
        engagement=engagement,
        week=week,
        subject=rendered.subject[:SUBJECT_MAX],
    )
    if notice is None:
        return None
    transaction.on_commit(partial(_deliver, notice.pk, rendered, to))
    return notice


def _deliver(pk: int, rendered: Rendered, to: str) -> None:
    try:
        message_for(rendered, to).send(fail_silently=False)
    except Exception as error:
        logger.exception("Could not send %r to %s", rendered.subject, to)
        SentNotice.objects.filter(pk=pk).update(error=f"not delivered: {error}"[:300])
    else:
        SentNotice.objects.filter(pk=pk).update(sent_at=timezone.now())


__all__ = ["already_sent", "render", "send_once"]
