"""An email backend whose server refuses every message, for the scheduled-sending tests."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"mailbox unavailable")})
