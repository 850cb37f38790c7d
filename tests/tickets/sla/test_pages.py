"""The SLA pages: service targets, the business calendar, closures, holidays, maintenance."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets.models import Category, Priority, Status, Ticket
from tickets.services import log_ticket
from tickets.sla.holidays import import_holidays
from tickets.sla.models import BusinessCalendar, Closure, MaintenanceWindow, ServiceTarget

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=LA)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


def emergency_target() -> ServiceTarget:
    return ServiceTarget.objects.get(
        category__number=1, priority=Priority.objects.get(name="Emergency", category=None)
    )


def log_emergency(agent, number: int = 7001, when: datetime = MONDAY_10) -> Ticket:
    """A break-fix emergency: four business hours to respond and to resolve."""
    with time_machine.travel(when, tick=False):
        return log_ticket(
            by=agent,
            external_id=str(number),
            title="Core switch down",
            opened_at=when,
            category=Category.objects.get(number=1),
            priority=Priority.objects.get(name="Emergency", category=None),
        )


def due(ticket: Ticket) -> datetime:
    return Ticket.objects.get(pk=ticket.pk).resolution_due_at


def target_data(**changes) -> dict:
    data = {
        "response": "4",
        "response_unit": "hours",
        "resolution": "4",
        "resolution_unit": "hours",
        "note": "",
    }
    return {**data, **changes}


def calendar_data(**changes) -> dict:
    data = {
        "time_zone": "America/Los_Angeles",
        "workdays": ["0", "1", "2", "3", "4"],
        "opens": "08:00",
        "closes": "17:00",
        "due_soon_percent": "25",
        "no_response_hours": "18",
    }
    return {**data, **changes}


def pages() -> list[str]:
    return [reverse("sla:targets"), reverse("sla:calendar")]


def changes() -> list[tuple[str, str]]:
    """Every change, as (method, url); the edit pages refuse their GET as well."""
    target = emergency_target()
    closure = Closure.objects.create(day=date(2030, 1, 2), name="Staff day")
    window = MaintenanceWindow.objects.create(
        starts_at=local(2030, 1, 3, 8), ends_at=local(2030, 1, 3, 9), reason="Upgrade"
    )
    return [
        ("get", reverse("sla:target_edit", args=[target.pk])),
        ("post", reverse("sla:target_edit", args=[target.pk])),
        ("get", reverse("sla:calendar_edit")),
        ("post", reverse("sla:calendar_edit")),
        ("post", reverse("sla:closure_new")),
        ("post", reverse("sla:closure_delete", args=[closure.pk])),
        ("post", reverse("sla:holidays_import")),
        ("post", reverse("sla:window_new")),
        ("post", reverse("sla:window_delete", args=[window.pk])),
    ]


# Access --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    for method, target in [("get", p) for p in pages()] + changes():
        response = getattr(client, method)(target)
        assert response.status_code == 302, target
        assert response.url.startswith(reverse("login")), target


@pytest.mark.parametrize("role_client", ["agent_client", "manager_client"])
def test_agents_and_managers_change_nothing(request, role_client):
    client = request.getfixturevalue(role_client)
    before = ServiceTarget.objects.get(pk=emergency_target().pk).resolution
    for method, target in changes():
        data = {"day": "2031-01-01", "name": "X", "country": "US", "year": "2026"}
        data |= target_data(resolution="1") | calendar_data(closes="12:00")
        response = client.get(target) if method == "get" else client.post(target, data)
        assert response.status_code == 403, target
    assert emergency_target().resolution == before
    assert BusinessCalendar.current().closes == time(17, 0)
    assert Closure.objects.count() == 1
    assert MaintenanceWindow.objects.count() == 1


@pytest.mark.parametrize("role_client", ["agent_client", "manager_client", "supervisor_client"])
def test_every_role_reads_both_pages(request, role_client):
    client = request.getfixturevalue(role_client)
    targets = client.get(reverse("sla:targets")).content.decode()
    assert "4 business hours" in targets and "No defined SLA" in targets
    assert "working day" in targets and "waiting on the requester or on a vendor" in targets
    calendar = client.get(reverse("sla:calendar")).content.decode()
    assert "America/Los_Angeles" in calendar
    assert "Monday, Tuesday, Wednesday, Thursday, Friday" in calendar
    is_supervisor = role_client == "supervisor_client"
    edit = reverse("sla:target_edit", args=[emergency_target().pk])
    assert (edit in targets) is is_supervisor
    assert (reverse("sla:calendar_edit") in calendar) is is_supervisor
    assert (reverse("sla:closure_new") in calendar) is is_supervisor


# Targets -------------------------------------------------------------------------------------


def test_target_edit_recomputes_open_tickets_only(supervisor_client, supervisor, agent):
    ticket = log_emergency(agent, 7001)
    closed = log_emergency(agent, 7002)
    Ticket.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED, resolved_at=local(2026, 11, 23, 10, 15), closed_at=MONDAY_10
    )
    assert due(ticket) == due(closed) == local(2026, 11, 23, 14, 0)
    target = emergency_target()

    with time_machine.travel(local(2026, 11, 23, 10, 30), tick=False):
        response = supervisor_client.post(
            reverse("sla:target_edit", args=[target.pk]),
            target_data(response="2", resolution="2", note="Faster after the review"),
            follow=True,
        )

    assert response.redirect_chain[-1][0].endswith(f"#target-{target.pk}")
    assert "1 open ticket recomputed." in response.content.decode()
    assert due(ticket) == local(2026, 11, 23, 12, 0)
    assert Ticket.objects.get(pk=ticket.pk).response_due_at == local(2026, 11, 23, 12, 0)
    assert due(closed) == local(2026, 11, 23, 14, 0)
    target.refresh_from_db()
    assert (target.resolution, target.updated_by, target.note) == (
        2,
        supervisor,
        "Faster after the review",
    )


def test_target_edit_refuses_a_negative_number(supervisor_client):
    target = emergency_target()
    response = supervisor_client.post(
        reverse("sla:target_edit", args=[target.pk]), target_data(resolution="-3")
    )
    assert response.status_code == 400
    assert "Use a positive number." in response.content.decode()
    assert emergency_target().resolution == 4


@pytest.mark.parametrize(
    ("response_value", "response_unit", "resolution", "resolution_unit"),
    [("6", "hours", "4", "hours"), ("2", "days", "1", "days"), ("10", "hours", "1", "days")],
)
def test_target_edit_refuses_a_response_later_than_the_resolution(
    supervisor_client, response_value, response_unit, resolution, resolution_unit
):
    target = emergency_target()
    data = target_data(
        response=response_value,
        response_unit=response_unit,
        resolution=resolution,
        resolution_unit=resolution_unit,
    )
    response = supervisor_client.post(reverse("sla:target_edit", args=[target.pk]), data)
    assert response.status_code == 400
    assert "cannot be later than the resolution target" in response.content.decode()
    target.refresh_from_db()
    assert (target.response, target.resolution, target.resolution_unit) == (4, 4, "hours")


def test_a_day_is_one_day_of_business_hours_when_units_differ(supervisor_client):
    target = emergency_target()
    data = target_data(response="9", resolution="1", resolution_unit="days")
    response = supervisor_client.post(reverse("sla:target_edit", args=[target.pk]), data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.response_text == "9 business hours"
    assert target.resolution_text == "1 working day"


def test_no_defined_sla_clears_a_target_and_its_due_time(supervisor_client, agent):
    ticket = log_emergency(agent)
    target = emergency_target()
    data = target_data(resolution_none="on")
    response = supervisor_client.post(reverse("sla:target_edit", args=[target.pk]), data)
    assert response.status_code == 302
    assert emergency_target().resolution is None
    assert due(ticket) is None

    empty = supervisor_client.post(
        reverse("sla:target_edit", args=[target.pk]), target_data(response="")
    )
    assert empty.status_code == 400
    assert "Enter a number, or tick “No defined response SLA”." in empty.content.decode()
    assert emergency_target().response == 4


def test_targets_page_queries_do_not_grow_with_targets(
    supervisor_client, supervisor, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as captured:
        assert supervisor_client.get(reverse("sla:targets")).status_code == 200
    few = len(captured)

    for n in range(3):
        category = Category.objects.create(number=60 + n, name=f"Extra {n}")
        for priority in Priority.objects.filter(category=None):
            ServiceTarget.objects.create(
                category=category, priority=priority, resolution=n + 1, updated_by=supervisor
            )
    with django_assert_max_num_queries(few):
        html = supervisor_client.get(reverse("sla:targets")).content.decode()
    assert "Extra 2" in html
    assert few <= 10


# Calendar ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a time zone name"),
        ({"opens": "17:00", "closes": "09:00"}, "closes", "must be after opening time"),
        ({"opens": "09:00", "closes": "09:00"}, "closes", "must be after opening time"),
        ({"workdays": []}, "workdays", "Tick at least one working day."),
        ({"due_soon_percent": "0"}, "due_soon_percent", "Use a positive number."),
        ({"due_soon_percent": "100"}, "due_soon_percent", "less than or equal to 90"),
        ({"no_response_hours": "-1"}, "no_response_hours", "Use a positive number."),
    ],
)
def test_calendar_edit_refuses_bad_values(supervisor_client, changes, field, message):
    response = supervisor_client.post(reverse("sla:calendar_edit"), calendar_data(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    calendar = BusinessCalendar.current()
    assert (calendar.time_zone, calendar.workdays, calendar.closes) == (
        "America/Los_Angeles",
        "0,1,2,3,4",
        time(17, 0),
    )


def test_calendar_edit_saves_and_recomputes_open_tickets(supervisor_client, supervisor, agent):
    ticket = log_emergency(agent)
    response = supervisor_client.post(
        reverse("sla:calendar_edit"),
        calendar_data(workdays=["0", "1", "2", "3"], opens="08:00", closes="12:00"),
        follow=True,
    )
    assert "Business calendar saved. 1 open ticket recomputed." in response.content.decode()
    calendar = BusinessCalendar.current()
    assert (calendar.workdays, calendar.closes, calendar.updated_by) == (
        "0,1,2,3",
        time(12, 0),
        supervisor,
    )
    # Two hours on Monday morning, two on Tuesday morning.
    assert due(ticket) == local(2026, 11, 24, 10, 0)


def test_calendar_edit_of_the_answer_time_only_leaves_clocks_alone(supervisor_client, agent):
    ticket = log_emergency(agent)
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=local(2030, 1, 1, 9, 0))

    same = supervisor_client.post(reverse("sla:calendar_edit"), calendar_data(), follow=True)
    assert "Nothing changed." in same.content.decode()

    response = supervisor_client.post(
        reverse("sla:calendar_edit"), calendar_data(no_response_hours="20"), follow=True
    )
    html = response.content.decode()
    assert "Business calendar saved." in html and "recomputed" not in html
    assert BusinessCalendar.current().no_response_hours == 20
    assert due(ticket) == local(2030, 1, 1, 9, 0)


def test_changing_the_due_soon_share_moves_every_open_warning(supervisor_client, agent):
    ticket = log_emergency(agent)  # Monday 10:00, due at 14:00
    assert Ticket.objects.get(pk=ticket.pk).due_soon_at == local(2026, 11, 23, 13, 0)
    page = supervisor_client.get(reverse("sla:calendar")).content.decode()
    assert "When 25% of a target is left" in page and "the last 30 minutes" in page

    response = supervisor_client.post(
        reverse("sla:calendar_edit"), calendar_data(due_soon_percent="50"), follow=True
    )
    assert "1 open ticket recomputed." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).due_soon_at == local(2026, 11, 23, 12, 0)
    assert "the last 1 hour" in supervisor_client.get(reverse("sla:calendar")).content.decode()


def test_calendar_page_lists_closures_windows_and_priority_thresholds(agent_client):
    closure = Closure.objects.create(day=date(2999, 12, 24), name="<script>alert(1)</script>")
    Closure.objects.create(day=date(2001, 1, 1), name="Long ago", source="holidays:US")
    MaintenanceWindow.objects.create(
        starts_at=local(2999, 1, 3, 8), ends_at=local(2999, 1, 3, 9), reason="Core upgrade"
    )
    Priority.objects.filter(name="Emergency", category=None).update(no_response_hours=4)

    html = agent_client.get(reverse("sla:calendar")).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Long ago" in html and "holidays:US" in html
    assert "Core upgrade" in html
    assert "Emergency" in html and "4 business hours" in html
    assert reverse("sla:closure_delete", args=[closure.pk]) not in html
    assert reverse("sla:closure_new") not in html and "Remove" not in html


def test_calendar_page_queries_do_not_grow(supervisor_client, django_assert_max_num_queries):
    Closure.objects.create(day=date(2999, 1, 1), name="Future")
    with CaptureQueriesContext(connection) as captured:
        assert supervisor_client.get(reverse("sla:calendar")).status_code == 200
    few = len(captured)

    for n in range(1, 30):
        Closure.objects.create(day=date(2999, 1, 1 + n), name=f"Future {n}")
        Closure.objects.create(day=date(2000, 1, n), name=f"Past {n}")
    for n in range(5):
        MaintenanceWindow.objects.create(
            starts_at=local(2999, 2, 1 + n, 8), ends_at=local(2999, 2, 1 + n, 9), reason="Up"
        )
        MaintenanceWindow.objects.create(
            starts_at=local(2000, 2, 1 + n, 8), ends_at=local(2000, 2, 1 + n, 9), reason="Down"
        )
    Priority.objects.update(no_response_hours=6)
    with django_assert_max_num_queries(few):
        html = supervisor_client.get(reverse("sla:calendar")).content.decode()
    assert "Future 29" in html
    assert few <= 12


# Closures ------------------------------------------------------------------------------------


def test_add_and_remove_a_closure_recomputes_open_tickets(supervisor_client, agent):
    ticket = log_emergency(agent)
    response = supervisor_client.post(
        reverse("sla:closure_new"), {"day": "2026-11-23", "name": "Staff training"}, follow=True
    )
    assert "1 open ticket recomputed." in response.content.decode()
    closure = Closure.objects.get()
    assert (closure.day, closure.name, closure.source) == (date(2026, 11, 23), "Staff training", "")
    # Monday is closed: the four hours run from Tuesday's opening.
    assert due(ticket) == local(2026, 11, 24, 12, 0)

    page = supervisor_client.get(reverse("sla:calendar")).content.decode()
    assert reverse("sla:closure_delete", args=[closure.pk]) in page
    response = supervisor_client.post(reverse("sla:closure_delete", args=[closure.pk]), follow=True)
    assert "is a normal day again" in response.content.decode()
    assert not Closure.objects.exists()
    assert due(ticket) == local(2026, 11, 23, 14, 0)

    again = supervisor_client.post(reverse("sla:closure_delete", args=[closure.pk]), follow=True)
    assert "already been removed" in again.content.decode()


def test_a_second_closure_on_the_same_day_is_refused(supervisor_client):
    Closure.objects.create(day=date(2026, 12, 25), name="Christmas Day")
    response = supervisor_client.post(
        reverse("sla:closure_new"), {"day": "2026-12-25", "name": "Again"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_closure_day_error"' in html
    assert "2026-12-25 is already closed: “Christmas Day”." in html
    assert list(Closure.objects.values_list("name", flat=True)) == ["Christmas Day"]


def test_a_closure_needs_a_date_and_a_name(supervisor_client):
    response = supervisor_client.post(reverse("sla:closure_new"), {"day": "", "name": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_closure_day_error"' in html and 'id="id_closure_name_error"' in html
    assert not Closure.objects.exists()


# Public holidays -----------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=LA), tick=False)
def test_holiday_import_adds_each_holiday_once(supervisor_client):
    expected = holidays.country_holidays("US", subdiv="CA", years=2026)
    Closure.objects.create(day=date(2026, 12, 25), name="Our own Christmas")

    response = supervisor_client.post(
        reverse("sla:holidays_import"),
        {"country": "us", "subdivision": "ca", "year": "2026"},
        follow=True,
    )

    html = response.content.decode()
    assert f"{len(expected) - 1} added, 1 already on the calendar" in html
    imported = Closure.objects.filter(source="holidays:US-CA")
    assert imported.count() == len(expected) - 1
    assert imported.get(day=date(2026, 7, 3)).name == expected[date(2026, 7, 3)]
    assert Closure.objects.get(day=date(2026, 12, 25)).name == "Our own Christmas"

    again = supervisor_client.post(
        reverse("sla:holidays_import"),
        {"country": "US", "subdivision": "CA", "year": "2026"},
        follow=True,
    )
    assert f"0 added, {len(expected)} already on the calendar" in again.content.decode()
    assert Closure.objects.count() == len(expected)


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=LA), tick=False)
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"country": "XX", "year": "2026"}, "country", "no country “XX”"),
        ({"country": "US", "subdivision": "ZZ", "year": "2026"}, "subdivision", "Known for US"),
        ({"country": "US", "year": "2030"}, "year", "Select a valid choice"),
        ({"country": "", "year": "2026"}, "country", "This field is required"),
    ],
)
def test_holiday_import_explains_a_bad_request_next_to_the_field(
    supervisor_client, data, field, message
):
    response = supervisor_client.post(reverse("sla:holidays_import"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_holidays_{field}_error"' in html
    assert message in html
    assert not Closure.objects.exists()


def test_import_holidays_command(agent):
    ticket = log_emergency(agent, when=local(2026, 11, 25, 15, 0))
    out = io.StringIO()
    call_command("import_holidays", "US", "--subdivision", "CA", "--year", "2026", stdout=out)
    count = len(holidays.country_holidays("US", subdiv="CA", years=2026))
    assert f"{count} closures added, 0 already on the calendar" in out.getvalue()
    assert "1 open ticket recomputed" in out.getvalue()
    assert Closure.objects.filter(source="holidays:US-CA").count() == count
    # Thanksgiving and the day after are closed: two hours Wednesday, two on Monday.
    assert due(ticket) == local(2026, 11, 30, 10, 0)

    assert import_holidays("US", "CA", 2026) == (0, count)
    with pytest.raises(CommandError, match="no country"):
        call_command("import_holidays", "XX", "--year", "2026", stdout=io.StringIO())


# Maintenance windows -------------------------------------------------------------------------


def test_a_window_must_end_after_it_starts(supervisor_client):
    response = supervisor_client.post(
        reverse("sla:window_new"),
        {"starts_at": "2026-11-23T12:00", "ends_at": "2026-11-23T11:00", "reason": "Upgrade"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_window_ends_at_error"' in html
    assert "A window must end after it starts." in html
    assert not MaintenanceWindow.objects.exists()


def test_add_and_remove_a_window_recomputes_open_tickets(supervisor_client, agent):
    ticket = log_emergency(agent)
    response = supervisor_client.post(
        reverse("sla:window_new"),
        {"starts_at": "2026-11-23T11:00", "ends_at": "2026-11-23T12:00", "reason": "Core swap"},
        follow=True,
    )
    assert "1 open ticket recomputed." in response.content.decode()
    window = MaintenanceWindow.objects.get()
    assert window.starts_at == local(2026, 11, 23, 11, 0)
    assert due(ticket) == local(2026, 11, 23, 15, 0)

    response = supervisor_client.post(reverse("sla:window_delete", args=[window.pk]), follow=True)
    assert "removed. 1 open ticket recomputed." in response.content.decode()
    assert not MaintenanceWindow.objects.exists()
    assert due(ticket) == local(2026, 11, 23, 14, 0)
