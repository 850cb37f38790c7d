"""Import of tickets from a CSV exported from a TDX ticket report.

``parse`` reads and checks every row without writing anything; ``run`` saves the good rows in
one transaction (or, with ``skip_bad``, only the good rows, still in one transaction), each
through the same validation as logging a ticket, and audits the import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from admins.models import Service
from core import audit
from tickets.models import (
    Category,
    Classification,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.sla import clock as sla

# Our field -> the TDX header names that mean it (compared case- and spacing-insensitively).
FIELDS: dict[str, list[str]] = {
    "external_id": ["ID", "Ticket ID"],
    "title": ["Title"],
    "classification": ["Type", "Classification"],
    "requestor_name": ["Requestor"],
    "requestor_email": ["Requestor Email"],
    "department": ["Acct/Dept", "Account/Department", "Department"],
    "status": ["Status"],
    "priority": ["Priority"],
    "category": ["Category", "Service"],
    "opened_at": ["Created", "Created Date"],
    "agent": ["Responsible"],
}
REQUIRED = ["external_id", "title", "opened_at"]
DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M"]
FORMULA_START = ("=", "+", "-", "@")


def _norm(header: str) -> str:
    return "".join(header.split()).lower()


@dataclass
class Problem:
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column} “{self.value}”: {self.reason}"


@dataclass
class Row:
    line: int
    values: dict
    problems: list[Problem] = field(default_factory=list)
    exists: bool = False


@dataclass
class Parsed:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for row in self.rows for p in row.problems]

    @property
    def good(self) -> list[Row]:
        return [row for row in self.rows if not row.problems]

    @property
    def existing(self) -> list[Row]:
        return [row for row in self.rows if row.exists]


def decode(data: bytes) -> tuple[str, str | None]:
    """The text of the file and a note when it was not UTF-8 (read as Windows-1252 instead)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "The file is not UTF-8; it was read as Windows-1252."
    except UnicodeDecodeError:
        raise ValueError("The file is neither UTF-8 nor Windows-1252 text.") from None


def guess_mapping(headers: list[str]) -> dict[str, str]:
    by_norm = {_norm(h): h for h in headers}
    mapping = {}
    for name, candidates in FIELDS.items():
        for candidate in candidates:
            if _norm(candidate) in by_norm:
                mapping[name] = by_norm[_norm(candidate)]
                break
    return mapping


def _choice(choices, value: str):
    wanted = _norm(value).replace("_", "")
    for choice in choices:
        if wanted in (_norm(choice.label), choice.value.replace("_", "")):
            return choice.value
    return None


def _date(value: str):
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return timezone.make_aware(parsed)
    return None


class _Lookups:
    def __init__(self):
        self.categories = {_norm(c.name): c for c in Category.objects.all()}
        self.categories.update({str(c.number): c for c in self.categories.values()})
        self.services = {_norm(s.name): s for s in Service.objects.all()}
        self.priorities: dict[str, list[Priority]] = {}
        for p in Priority.objects.filter(active=True):
            for key in (_norm(p.name), str(p.number)):
                self.priorities.setdefault(key, []).append(p)
        self.users = {}
        for user in get_user_model().objects.filter(is_active=True):
            for key in (user.username, user.email, user.get_full_name()):
                if key:
                    self.users[_norm(key)] = user


def parse(text: str, mapping: dict[str, str] | None = None, note: str | None = None) -> Parsed:
    """Read every row and list its problems; saves nothing."""
    reader = csv.DictReader(io.StringIO(text))
    headers = [h for h in (reader.fieldnames or []) if h is not None]
    mapping = {k: v for k, v in (mapping or guess_mapping(headers)).items() if v in headers}
    parsed = Parsed(headers=headers, mapping=mapping, rows=[], notes=[note] if note else [])
    missing = [FIELDS[name][0] for name in REQUIRED if name not in mapping]
    if missing:
        parsed.errors.append(f"No column for: {', '.join(missing)}.")
        return parsed
    look = _Lookups()
    seen: dict[str, int] = {}
    for raw in reader:
        row = Row(line=reader.line_num, values={})
        _read_row(row, raw, mapping, look, seen)
        parsed.rows.append(row)
    # Ticket IDs are the same whatever their case ("inc-7" is "INC-7"), as in the log form.
    keys = [row.values["external_id"].lower() for row in parsed.rows if "external_id" in row.values]
    existing = set(
        Ticket.objects.annotate(key=Lower("external_id"))
        .filter(key__in=keys)
        .values_list("key", flat=True)
    )
    for row in parsed.rows:
        row.exists = row.values.get("external_id", "").lower() in existing
    return parsed


def _read_row(row: Row, raw: dict, mapping: dict, look: _Lookups, seen: dict) -> None:
    def problem(name: str, value: str, reason: str) -> None:
        row.problems.append(Problem(row.line, mapping[name], value, reason))

    cells = {name: (raw.get(header) or "").strip() for name, header in mapping.items()}
    for name, value in cells.items():
        if value.startswith(FORMULA_START) and not (name == "opened_at" and value[:1] == "-"):
            problem(name, value, "looks like a spreadsheet formula; refused")
            return
    for name in REQUIRED:
        if not cells.get(name):
            problem(name, "", "required, but empty")
    if row.problems:
        return
    values = row.values
    values["external_id"] = cells["external_id"]
    key = values["external_id"].lower()
    if key in seen:
        problem("external_id", cells["external_id"], f"the same ID as line {seen[key]}")
    seen.setdefault(key, row.line)
    values["title"] = cells["title"]
    for name in ("requestor_name", "requestor_email", "department"):
        if cells.get(name):
            values[name] = cells[name]
    opened = _date(cells["opened_at"])
    if opened is None:
        problem("opened_at", cells["opened_at"], "not a date and time (e.g. 2026-03-02 09:15)")
    values["opened_at"] = opened
    for name, choices in (("classification", Classification), ("status", Status)):
        if cells.get(name):
            chosen = _choice(choices, cells[name])
            if chosen is None:
                problem(name, cells[name], f"unknown {name}")
            values[name] = chosen
    if cells.get("category"):
        key = _norm(cells["category"])
        if key in look.categories:
            values["category"] = look.categories[key]
        elif key in look.services:
            values["service"] = look.services[key]
        else:
            problem("category", cells["category"], "unknown category or service")
    if cells.get("priority"):
        options = look.priorities.get(_norm(cells["priority"]), [])
        category = values.get("category")
        fitting = [p for p in options if p.applies_to(category)]
        if not fitting:
            problem("priority", cells["priority"], "unknown priority")
        else:
            values["priority"] = fitting[0]
    if cells.get("agent"):
        values["agent"] = look.users.get(_norm(cells["agent"]))


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    existing_left: int = 0


class ImportRefused(Exception):
    """Bad rows without "skip bad rows", or no usable columns: nothing was saved."""


# New tickets are written this many at a time: a batch is one INSERT of the tickets, one of
# their timeline entries and one of their audit entries.
BATCH = 1000
RELATED = [f.name for f in Ticket._meta.concrete_fields if f.is_relation]


def _checked(ticket: Ticket, line: int) -> Ticket:
    # The form's own checks, without a query per row: parse already found the IDs that exist
    # or repeat (the database's unique constraint catches a ticket logged meanwhile) and took
    # the category, priority, service and agent from rows it had just read.
    try:
        ticket.full_clean(exclude=RELATED, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ImportRefused(f"line {line}: {'; '.join(error.messages)}") from None
    return ticket


@dataclass
class Plan:
    """What an import will write, every row already checked: nothing is saved yet."""

    by: Any
    note: str
    new: list[Ticket]
    changed: list[tuple[Row, dict]]
    result: Result
    filename: str

    @property
    def total(self) -> int:
        return len(self.new) + len(self.changed)


def prepare(parsed: Parsed, *, by, filename: str, update=False, skip_bad=False) -> Plan:
    """Check every row as logging the ticket would; ``ImportRefused`` names the first that
    fails. Writes nothing."""
    if parsed.errors:
        raise ImportRefused(" ".join(parsed.errors))
    bad = [row for row in parsed.rows if row.problems]
    if bad and not skip_bad:
        raise ImportRefused(f"{len(bad)} bad row(s); nothing was imported.")
    plan = Plan(
        by=by,
        note=f"imported from TDX export {filename} by {by.get_username()}",
        new=[],
        changed=[],
        result=Result(skipped=len(bad)),
        filename=filename,
    )
    for row in parsed.good:
        fields = {k: v for k, v in row.values.items() if v is not None}
        fields["agent"] = fields.get("agent") or by
        if not row.exists:
            plan.new.append(_checked(Ticket(**fields), row.line))
        elif update:
            plan.changed.append((row, fields))
        else:
            plan.result.existing_left += 1
    return plan


def save(plan: Plan) -> Iterator[tuple[int, int]]:
    """Write the plan in one transaction, yielding (tickets saved, tickets to save) after
    each batch; ``plan.result`` holds the counts once it is done. Closing the iterator before
    its end rolls everything back."""
    result, by, note = plan.result, plan.by, plan.note
    now = timezone.now()
    try:
        with transaction.atomic():
            for row, fields in plan.changed:
                ticket = Ticket.objects.get(external_id__iexact=fields.pop("external_id"))
                for name, value in fields.items():
                    setattr(ticket, name, value)
                ticket.version += 1
                _checked(ticket, row.line).save()
                ticket.events.create(by=by, kind=EventKind.CHANGED, at=now, note=note)
                sla.refresh(ticket)
                result.updated += 1
            if plan.changed:
                yield result.updated, plan.total
            for _ in _create(plan.new, by=by, note=note, now=now, result=result):
                yield result.updated + result.created, plan.total
            audit.record(
                "tickets.import",
                target_type="tickets.ticket",
                label=plan.filename[:200],
                changes={
                    "created": result.created,
                    "updated": result.updated,
                    "skipped": result.skipped,
                },
                user=by,
            )
    except IntegrityError:
        # Only the unique ticket ID can be broken here: prepare checked everything else.
        raise ImportRefused(
            "A ticket with one of these IDs was logged while the import ran; nothing was "
            "imported. Check the file again and import."
        ) from None


def run(
    parsed: Parsed,
    *,
    by,
    filename: str,
    update=False,
    skip_bad=False,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Check every row, then save the good ones in one transaction; ``progress(done,
    total)`` is called after each batch."""
    plan = prepare(parsed, by=by, filename=filename, update=update, skip_bad=skip_bad)
    for done, total in save(plan):
        if progress:
            progress(done, total)
    return plan.result


def _create(new: list[Ticket], *, by, note, now, result: Result) -> Iterator[None]:
    """The new tickets in batches, each with its SLA clock computed as logging it would, its
    timeline entry and its audit entry; yields after each batch."""
    if not new:
        return
    cal = sla.load_calendar(now)
    share = sla.due_soon_share()
    target_of = sla.target_lookup()
    for start in range(0, len(new), BATCH):
        batch = new[start : start + BATCH]
        for ticket in batch:
            sla.advance(ticket, now=now, cal=cal, target=target_of(ticket), share=share)
        Ticket.objects.bulk_create(batch)
        TicketEvent.objects.bulk_create(
            [TicketEvent(ticket=t, by=by, kind=EventKind.LOGGED, at=now, note=note) for t in batch]
        )
        audit.created_in_bulk(batch, user=by)
        result.created += len(batch)
        yield
