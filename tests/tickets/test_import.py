"""The import of TDX CSV exports: bad-row report, all-or-nothing, updates, timeline, command."""

import pytest
import time_machine
from django.core.management import CommandError, call_command

from core.models import AuditEntry
from tests.factories import SupervisorFactory, TicketFactory
from tickets import importer
from tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-03-10 12:00Z", tick=False):
        yield


HEADER = "ID,Title,Type,Requestor,Requestor Email,Acct/Dept,Status,Priority,Category,Created\n"


def _category() -> str:
    return Category.objects.get(number=1).name


def _row(id_="1001", title="VPN down", created="2026-03-02 09:15", priority="High", **kw):
    cat = kw.get("category", _category())
    person = "Ann Reader,ann@example.org,Finance"
    return f"{id_},{title},Incident,{person},New,{priority},{cat},{created}\n"


def test_good_rows_import_with_timeline_and_sla():
    user = SupervisorFactory(username="sup")
    parsed = importer.parse(HEADER + _row() + _row("1002", "Mail slow"))
    assert not parsed.problems
    result = importer.run(parsed, by=user, filename="export.csv")
    assert result.created == 2
    ticket = Ticket.objects.get(external_id="1001")
    assert ticket.title == "VPN down" and ticket.department == "Finance"
    assert ticket.priority.name == "High" and ticket.agent == user
    event = ticket.events.get()
    assert event.note == "imported from TDX export export.csv by sup"
    # The SLA clock is the same as when the ticket is logged by hand.
    logged = TicketFactory(opened_at=ticket.opened_at, external_id="x1")
    from tickets.sla import clock

    clock.refresh(logged)
    logged.refresh_from_db()
    assert ticket.response_due_at == logged.response_due_at is not None
    assert AuditEntry.objects.filter(action="tickets.import").exists()


def test_headers_match_case_and_spacing_insensitively():
    parsed = importer.parse(HEADER.replace("Requestor Email", "requestor  email").lower() + _row())
    assert parsed.mapping["requestor_email"] == "requestor  email"
    assert not parsed.problems


@pytest.mark.parametrize(
    "row, column, reason",
    [
        ("created:yesterday", "Created", "not a date"),
        ("priority:Whenever", "Priority", "unknown priority"),
        ("category:Nothing such", "Category", "unknown category"),
        ("title:", "Title", "required"),
        ("title:=HYPERLINK(1)", "Title", "formula"),
        ("title:@SUM(A1)", "Title", "formula"),
    ],
)
def test_each_bad_row_kind_names_line_column_value(row, column, reason):
    key, value = row.split(":", 1)
    kwargs = {"created" if key == "created" else key: value}
    parsed = importer.parse(HEADER + _row("1000", "Fine") + _row("1001", **kwargs))
    [problem] = parsed.problems
    assert (problem.line, problem.column, problem.value) == (3, column, value)
    assert reason in problem.reason


def test_duplicate_ids_within_the_file():
    parsed = importer.parse(HEADER + _row() + _row())
    [problem] = parsed.problems
    assert problem.line == 3 and "line 2" in problem.reason


def test_ids_that_differ_only_by_case_are_one_ticket():
    parsed = importer.parse(HEADER + _row("INC-7") + _row("inc-7"))
    [problem] = parsed.problems
    assert problem.line == 3 and "line 2" in problem.reason

    user = SupervisorFactory(username="sup")
    TicketFactory(external_id="INC-8", title="Old title")
    parsed = importer.parse(HEADER + _row("inc-8"))
    assert [row.line for row in parsed.existing] == [2]
    importer.run(parsed, by=user, filename="f.csv", update=True)
    assert list(Ticket.objects.values_list("external_id", "title")) == [("INC-8", "VPN down")]


def test_bad_rows_refuse_everything_unless_skipped():
    user = SupervisorFactory()
    parsed = importer.parse(HEADER + _row() + _row("1002", priority="Nope"))
    with pytest.raises(importer.ImportRefused):
        importer.run(parsed, by=user, filename="f.csv")
    assert not Ticket.objects.exists()
    result = importer.run(parsed, by=user, filename="f.csv", skip_bad=True)
    assert (result.created, result.skipped) == (1, 1)
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["1001"]


def test_existing_tickets_are_reported_and_updated_only_when_asked():
    user = SupervisorFactory(username="sup")
    TicketFactory(external_id="1001", title="Old title")
    parsed = importer.parse(HEADER + _row())
    assert [row.line for row in parsed.existing] == [2]
    result = importer.run(parsed, by=user, filename="f.csv")
    assert result.existing_left == 1
    assert Ticket.objects.get(external_id="1001").title == "Old title"
    importer.run(parsed, by=user, filename="f.csv", update=True)
    ticket = Ticket.objects.get(external_id="1001")
    assert ticket.title == "VPN down"
    assert ticket.events.filter(note="imported from TDX export f.csv by sup").exists()


def test_non_utf8_file_is_read_as_cp1252_with_a_note():
    text, note = importer.decode((HEADER + _row(title="Caf\xe9 Wi-Fi")).encode("cp1252"))
    assert "Café Wi-Fi" in text and "Windows-1252" in note
    assert importer.decode("\ufeffID\n".encode())[0] == "ID\n"


def test_command_dry_run_saves_nothing_then_imports(tmp_path, capsys):
    SupervisorFactory(username="sup")
    path = tmp_path / "export.csv"
    path.write_text(HEADER + _row())
    call_command("import_tickets", str(path), "--dry-run", "--by", "sup")
    assert "Dry run" in capsys.readouterr().out and not Ticket.objects.exists()
    call_command("import_tickets", str(path), "--by", "sup")
    assert Ticket.objects.get().events.get().note.endswith("export.csv by sup")


def test_command_refuses_bad_rows_with_the_reason(tmp_path, capsys):
    SupervisorFactory(username="sup")
    path = tmp_path / "export.csv"
    path.write_text(HEADER + _row() + _row("1002", created="31/31/2026"))
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_tickets", str(path), "--by", "sup")
    assert "line 3, column Created" in capsys.readouterr().err
    assert not Ticket.objects.exists()
    call_command("import_tickets", str(path), "--by", "sup", "--skip-bad-rows")
    assert Ticket.objects.count() == 1


def test_a_large_import_is_saved_in_batches_each_ticket_as_if_logged_by_hand(monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    user = SupervisorFactory(username="sup")
    rows = "".join(_row(str(1001 + n), f"Ticket {n}") for n in range(5))
    steps = []
    result = importer.run(
        importer.parse(HEADER + rows),
        by=user,
        filename="big.csv",
        progress=lambda *s: steps.append(s),
    )
    assert result.created == 5
    assert steps == [(2, 5), (4, 5), (5, 5)]
    from tickets.sla import clock

    for ticket in Ticket.objects.all():
        # Its timeline entry, and the audit entry saving it one by one would have made.
        assert ticket.events.get().note == "imported from TDX export big.csv by sup"
        entry = AuditEntry.objects.get(action="created", target_id=str(ticket.pk))
        assert entry.user == user and entry.target_type == "tickets.ticket"
        assert entry.changes["title"] == [None, ticket.title]
        # The SLA clock the batch computed is the one a refresh computes now.
        stored = [getattr(ticket, f) for f in clock.CLOCK_FIELDS]
        clock.refresh(ticket)
        ticket.refresh_from_db()
        assert stored == [getattr(ticket, f) for f in clock.CLOCK_FIELDS]
        assert ticket.response_due_at is not None


def test_a_ticket_logged_while_the_import_runs_stops_it_with_nothing_saved():
    user = SupervisorFactory()
    parsed = importer.parse(HEADER + _row() + _row("1002", "Mail slow"))
    TicketFactory(external_id="1002")  # logged by an agent after the preview
    with pytest.raises(importer.ImportRefused, match="logged while the import ran"):
        importer.run(parsed, by=user, filename="f.csv")
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["1002"]
    assert not AuditEntry.objects.filter(action="tickets.import").exists()


def test_a_row_the_ticket_form_would_refuse_stops_the_import_before_anything_is_saved():
    user = SupervisorFactory()
    parsed = importer.parse(HEADER + _row() + _row("1002", created="2026-03-20 09:15"))
    with pytest.raises(importer.ImportRefused, match="line 3: The opened time cannot be"):
        importer.run(parsed, by=user, filename="f.csv")
    assert not Ticket.objects.exists()
