"""The log form filled in from a TDX ticket."""

from __future__ import annotations

import logging
import math
from datetime import datetime

from django.db.models import Model
from django.utils import timezone

from tickets.forms import TicketLogForm
from tickets.models import Ticket
from tickets.tdx.client import TdxBusy, TdxClient, TdxError, TdxNotFound
from tickets.tdx.mapping import form_values

log = logging.getLogger(__name__)


def look_up(query, *, configured: bool = True) -> tuple[TicketLogForm, str, list[str]]:
    """An unbound log form holding what the person typed (``query``, the form's GET), with
    the fields TDX knows for that number put in; a note for the person; the names filled."""
    form = TicketLogForm(lookup=True)
    typed = {name: query.get(name) for name in form.fields if query.get(name) not in (None, "")}
    number = (query.get("external_id") or "").strip()
    values: dict = {}
    note = ""
    if not configured:
        note = "TDX is not connected here: fill in the details by hand."
    elif not (number.isascii() and number.isdigit() and len(number) <= 18):
        note = "TDX ticket numbers are up to 18 digits (0-9): nothing was looked up."
    elif Ticket.objects.filter(external_id__iexact=number).exists():
        note = f"Ticket #{number} is already logged here."
    else:
        try:
            # One try only, and no waiting on the rate limit (every worker shares it): a person
            # is waiting, and the form works without TDX.
            with TdxClient(attempts=1, wait_for_limit=False) as client:
                values = form_values(client.get_ticket(number))
        except TdxNotFound:
            note = f"TDX has no ticket #{number}: fill in the details by hand."
        except TdxBusy as exc:
            note = (
                "TDX is busy (the connector's calls to it are used up for the next "
                f"{math.ceil(exc.retry_in)} s): fill in the details by hand."
            )
        except TdxError as exc:
            log.warning("TDX look-up of #%s failed: %s", number, exc)
            note = f"TDX could not be asked ({exc}) Fill in the details by hand."
        except (ValueError, TypeError) as exc:
            # A reply in a shape the reference does not document: the form still works.
            log.warning("TDX look-up of #%s gave an unexpected reply: %s", number, exc)
            note = "TDX answered in an unexpected form: fill in the details by hand."
    initial = {**typed}
    for name, value in values.items():
        if isinstance(value, Model):
            value = value.pk
        elif isinstance(value, datetime):
            value = timezone.localtime(value).replace(second=0, microsecond=0, tzinfo=None)
        initial[name] = value
    form = TicketLogForm(initial=initial, lookup=configured)
    filled = [name for name in form.fields if name in values]
    for name in filled:
        form.fields[name].help_text = "From TDX: change it if needed."
        form.fields[name].widget.attrs["data-from-tdx"] = "true"
    if filled:
        note = "Filled in from TDX ticket #" + number + ". Check the details, then log it."
    return form, note, filled
