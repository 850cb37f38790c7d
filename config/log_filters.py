"""Logging filters: what must never reach a log line."""

from __future__ import annotations

import logging
import re

# A response link's signature (the last dot-separated part of its token): with it the link
# works, so a log line keeps the token's readable part and drops the signature.
RESPONSE_LINK = re.compile(r"(/respond/[\w\-]+(?:\.[\w\-]+)*?\.)[\w\-]{22}(?=/|\s|$|\")")


def _mask(value):
    return RESPONSE_LINK.sub(r"\1…", value) if isinstance(value, str) else value


class MaskResponseLinks(logging.Filter):
    """Cuts the signature from any response link in a record's message and arguments (Django
    logs the path of every 4xx answer, and the development server every request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask(arg) for arg in record.args)
        return True
