"""TDX ticket fields (TeamDynamix.Api.Tickets.Ticket) as this product's ticket fields."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import F
from django.utils.dateparse import parse_datetime

from tickets.models import Classification, Priority, Status

# TeamDynamix.Api.Statuses.StatusClass: 1 New, 2 In process, 3 Completed, 4 Cancelled,
# 5 On hold, 6 Requested.
STATUS_CLASSES = {
    1: Status.NEW,
    2: Status.IN_PROGRESS,
    3: Status.RESOLVED,
    4: Status.CLOSED,
    5: Status.WAITING_ON_REQUESTER,
    6: Status.NEW,
}
# TeamDynamix.Api.Tickets.TicketClass: 46 is Incident; the others (ticket, problem, change,
# release) are worked here as service requests.
INCIDENT_CLASS = 46


def parse_time(value) -> datetime | None:
    """A TDX date (ISO 8601, "Z" or an offset; naive ones are UTC), or None."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def status_of(data: dict) -> Status | None:
    name = str(data.get("StatusName") or "").lower()
    if "vendor" in name:
        return Status.WAITING_ON_VENDOR
    if "requester" in name or "requestor" in name or "customer" in name:
        return Status.WAITING_ON_REQUESTER
    if "closed" in name or "cancel" in name:
        return Status.CLOSED
    if "resolved" in name or "complete" in name:
        return Status.RESOLVED
    status_class = data.get("StatusClass")
    if status_class in STATUS_CLASSES:
        return STATUS_CLASSES[status_class]
    if "progress" in name or "process" in name:
        return Status.IN_PROGRESS
    if name == "new":
        return Status.NEW
    return None


def classification_of(data: dict) -> Classification:
    names = f"{data.get('TypeName') or ''} {data.get('ClassificationName') or ''}".lower()
    if data.get("Classification") == INCIDENT_CLASS or "incident" in names:
        return Classification.INCIDENT
    return Classification.SERVICE_REQUEST


def priority_of(data: dict) -> Priority | None:
    name = str(data.get("PriorityName") or "").strip()
    if not name:
        return None
    # A general level before a category's own level of the same name.
    return (
        Priority.objects.filter(active=True, name__iexact=name)
        .order_by(F("category").asc(nulls_first=True), "number")
        .first()
    )


def form_values(data: dict) -> dict:
    """What the log form can take from a TDX ticket: only fields TDX actually gave."""
    values: dict = {"classification": classification_of(data)}
    for ours, theirs, limit in (
        ("title", "Title", 200),
        ("requestor_name", "RequestorName", 120),
        ("requestor_email", "RequestorEmail", 254),
        ("department", "AccountName", 120),
    ):
        text = str(data.get(theirs) or "").strip()
        if text:
            values[ours] = text[:limit]
    status = status_of(data)
    if status in (Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_REQUESTER):
        values["status"] = status
    if status == Status.WAITING_ON_VENDOR:
        values["status"] = status
    priority = priority_of(data)
    if priority:
        values["priority"] = priority
    opened = parse_time(data.get("CreatedDate"))
    if opened:
        values["opened_at"] = opened
    return values
