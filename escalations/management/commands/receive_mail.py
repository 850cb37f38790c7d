"""Record one email reply read from standard input, as a mail server's pipe alias feeds it.

Exit status: 0 when the message was recorded or refused (the reason is logged in the inbound
mail log and printed), so the mail server never bounces a reply back and forth; 75
(EX_TEMPFAIL) when the database cannot be reached, so the mail server keeps the message and
tries again later.
"""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from escalations.handoffs import inbound

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Record an administrator's email reply (one RFC 5322 message on standard input)."
    # call_command(..., stdin=BytesIO(raw)) in tests; the real command reads sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--recipient",
            default="",
            help="The envelope recipient the mail server delivered to (Postfix: ${recipient}); "
            "by default Postfix's ORIGINAL_RECIPIENT or RECIPIENT environment variable.",
        )

    def handle(self, *args, recipient: str = "", **options) -> None:
        stream = options.get("stdin") or sys.stdin.buffer
        # One byte over the limit is enough to refuse it; the rest is never held in memory.
        raw = stream.read(inbound.max_bytes() + 1)
        # Postfix's local delivery to a pipe alias names the recipient in the environment.
        recipient = (
            recipient or os.environ.get("ORIGINAL_RECIPIENT") or os.environ.get("RECIPIENT", "")
        )
        try:
            received = inbound.receive(raw, recipient=recipient)
        except DatabaseError as error:
            raise CommandError(f"not recorded, try again later: {error}", EX_TEMPFAIL) from error
        self.stdout.write(received.line)
