from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escalations.notifications.models import Notification
from escalations.urgent import services as urgent
from escalations.urgent.models import UrgentRequest, UrgentStep, UrgentStepRecord
from tests.factories import ManagerFactory, SupervisorFactory, TicketFactory
from tickets.models import EventKind, Status

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def file(ticket=None, *, by, **kwargs) -> UrgentRequest:
    values = {
        "business_impact": "The payroll team cannot run this month's payroll.",
        "reason": "Payroll is due on Friday; the SLA answers next week.",
    }
    return urgent.file_urgent(ticket or TicketFactory(), by=by, **{**values, **kwargs})


SKIPPED = "Not needed for this test."


def taken(request, *, by) -> UrgentRequest:
    """The request as a coordinator works it: taken by ``by`` if nobody has taken it."""
    if request.coordinator_id is None:
        urgent.take_urgent(request, by=by)
    return request


def step_done(request, *, step, by, note: str = ""):
    return urgent.record_step(taken(request, by=by), step=step, by=by, note=note)


def close(request, *, by, outcome: str):
    """Close as a coordinator does: every step not recorded is skipped with a reason."""
    if request.is_open:
        taken(request, by=by)
    skips = {step.value: SKIPPED for step in urgent.missing_steps(request)}
    return urgent.close_urgent(request, by=by, outcome=outcome, skips=skips)


def urgent_events(ticket):
    return list(ticket.events.filter(kind=EventKind.URGENT).order_by("at", "id"))


def url(name: str, request=None) -> str:
    return reverse(f"urgent:{name}", args=[request.pk] if request else [])


def local_minute(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# Services ------------------------------------------------------------------------------------


def test_file_urgent_keeps_the_request_and_puts_it_on_the_timeline(manager):
    ticket = TicketFactory()

    request = file(ticket, by=manager)

    assert (request.ticket, request.filed_by, request.coordinator) == (ticket, manager, None)
    assert request.is_open
    [event] = urgent_events(ticket)
    assert (event.by, event.at) == (manager, request.filed_at)
    assert "Urgent request filed" in event.note
    assert "payroll team cannot run" in event.note


def test_file_urgent_tells_every_active_supervisor_but_the_filer(
    supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    other = SupervisorFactory(username="super_sam")
    SupervisorFactory(username="super_gone", is_active=False)
    ManagerFactory(username="manager_not_told")

    with django_capture_on_commit_callbacks(execute=True):
        request = file(by=supervisor)

    assert [m.to for m in mailoutbox] == [[other.email]]
    assert f"#{request.ticket.external_id}" in mailoutbox[0].subject
    assert "payroll team cannot run" in mailoutbox[0].body
    assert url("detail", request) in mailoutbox[0].body
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["super_sam"]


def test_file_urgent_mail_waits_for_the_commit(manager, supervisor, mailoutbox):
    file(by=manager)
    # The test's transaction never commits: the notice is kept, the mail has not left.
    assert mailoutbox == []
    assert Notification.objects.filter(user=supervisor).count() == 1


def test_file_urgent_refuses_a_second_open_request_until_the_first_is_closed(manager, supervisor):
    ticket = TicketFactory()
    first = file(ticket, by=manager)

    with pytest.raises(ValidationError) as refused:
        file(ticket, by=supervisor)

    assert "already has an open urgent request" in refused.value.message_dict["ticket"][0]
    assert UrgentRequest.objects.count() == 1
    assert len(urgent_events(ticket)) == 1

    close(first, by=supervisor, outcome="Resolved by the owner.")
    assert file(ticket, by=manager).is_open


def test_file_urgent_refuses_a_closed_ticket(manager):
    now = timezone.now()
    ticket = TicketFactory(
        status=Status.CLOSED, opened_at=now - timedelta(days=1), resolved_at=now, closed_at=now
    )

    with pytest.raises(ValidationError) as refused:
        file(ticket, by=manager)

    assert "is closed" in refused.value.message_dict["ticket"][0]
    assert not UrgentRequest.objects.exists()
    assert urgent_events(ticket) == []


def test_file_urgent_needs_an_impact_and_a_reason(manager):
    with pytest.raises(ValidationError) as refused:
        file(by=manager, business_impact="  ", reason="")
    assert set(refused.value.message_dict) == {"business_impact", "reason"}
    assert not UrgentRequest.objects.exists()


def test_take_urgent_makes_a_supervisor_the_coordinator(manager, supervisor):
    request = file(by=manager)
    other = SupervisorFactory(first_name="Sam", last_name="Other")

    urgent.take_urgent(request, by=supervisor)
    urgent.take_urgent(request, by=supervisor)  # again: nothing changes
    urgent.take_urgent(request, by=other)

    request.refresh_from_db()
    assert request.coordinator == other
    taken = urgent_events(request.ticket)[1:]
    assert [(e.by, e.field, e.after) for e in taken] == [
        (supervisor, "coordinator", supervisor.get_full_name()),
        (other, "coordinator", "Sam Other"),
    ]
    assert taken[1].before == supervisor.get_full_name()


def test_take_urgent_is_for_supervisors_only(manager, agent):
    request = file(by=manager)
    for person in (manager, agent):
        with pytest.raises(PermissionDenied):
            urgent.take_urgent(request, by=person)
    request.refresh_from_db()
    assert request.coordinator is None


def test_record_step_records_each_step_once(manager, supervisor):
    request = file(by=manager)

    record = step_done(
        request, step=UrgentStep.USER_CONTACTED, by=supervisor, note=" Phoned the user. "
    )
    with pytest.raises(ValidationError) as refused:
        step_done(request, step=UrgentStep.USER_CONTACTED, by=supervisor)

    assert (record.done_by, record.note) == (supervisor, "Phoned the user.")
    assert "already recorded" in refused.value.message_dict["step"][0]
    assert UrgentStepRecord.objects.count() == 1
    step_events = urgent_events(request.ticket)[2:]  # after filing and taking it
    assert len(step_events) == 1
    assert "User contacted" in step_events[0].note and "Phoned the user." in step_events[0].note


def test_a_closed_request_takes_no_more_changes(manager, supervisor):
    request = file(by=manager)
    close(request, by=supervisor, outcome="Fixed by the service owner.")
    events = len(urgent_events(request.ticket))

    for change in (
        lambda: step_done(request, step=UrgentStep.HISTORY_REVIEWED, by=supervisor),
        lambda: urgent.take_urgent(request, by=supervisor),
        lambda: urgent.set_estimate(
            request, by=supervisor, estimated_resolution=timezone.now() + timedelta(hours=2)
        ),
        lambda: close(request, by=supervisor, outcome="Again"),
    ):
        with pytest.raises(ValidationError, match="was closed on"):
            change()

    request.refresh_from_db()
    assert (request.coordinator, request.estimated_resolution, request.outcome) == (
        supervisor,
        None,
        "Fixed by the service owner.",
    )
    assert request.steps.filter(skipped=True).count() == len(UrgentStep)
    assert len(urgent_events(request.ticket)) == events


@time_machine.travel(datetime(2025, 3, 4, 17, 30, 30, tzinfo=UTC), tick=False)
def test_set_estimate_refuses_the_past_to_the_minute(manager, supervisor):
    request = file(by=manager)
    this_minute = timezone.now().replace(second=0)

    with pytest.raises(ValidationError) as refused:
        urgent.set_estimate(
            request, by=supervisor, estimated_resolution=this_minute - timedelta(minutes=1)
        )
    assert "cannot be in the past" in refused.value.message_dict["estimated_resolution"][0]
    request.refresh_from_db()
    assert request.estimated_resolution is None

    urgent.set_estimate(request, by=supervisor, estimated_resolution=this_minute)
    request.refresh_from_db()
    assert request.estimated_resolution == this_minute


def test_set_estimate_tells_the_filer_and_keeps_the_change(
    manager, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    request = file(by=manager)
    first = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    second = first + timedelta(hours=3)

    with django_capture_on_commit_callbacks(execute=True):
        urgent.set_estimate(request, by=supervisor, estimated_resolution=first)
        urgent.set_estimate(request, by=supervisor, estimated_resolution=second)

    assert [m.to for m in mailoutbox] == [[manager.email], [manager.email]]
    assert "Estimated resolution" in mailoutbox[1].body
    assert timezone.localtime(second).strftime("%Y-%m-%d %H:%M") in mailoutbox[1].body
    changed = urgent_events(request.ticket)[-1]
    assert changed.field == "estimated resolution"
    assert changed.before == timezone.localtime(first).strftime("%Y-%m-%d %H:%M")
    assert changed.after == timezone.localtime(second).strftime("%Y-%m-%d %H:%M")


def test_close_urgent_needs_an_outcome_and_tells_the_filer(
    manager, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    request = file(by=manager)

    with pytest.raises(ValidationError) as refused:
        close(request, by=supervisor, outcome="   ")
    assert "outcome" in refused.value.message_dict
    request.refresh_from_db()
    assert request.is_open

    with django_capture_on_commit_callbacks(execute=True):
        close(request, by=supervisor, outcome="The owner restored payroll access.")

    request.refresh_from_db()
    assert (request.closed_by, request.outcome) == (
        supervisor,
        "The owner restored payroll access.",
    )
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert "The owner restored payroll access." in mailoutbox[0].body
    closed = urgent_events(request.ticket)[-1]
    assert closed.at == request.closed_at and "Urgent request closed" in closed.note


def test_the_filer_is_not_told_of_their_own_changes(
    supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    request = file(by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        urgent.set_estimate(
            request, by=supervisor, estimated_resolution=timezone.now() + timedelta(hours=1)
        )
        close(request, by=supervisor, outcome="Done.")
    assert mailoutbox == []


def test_history_holds_only_this_requests_entries(manager, supervisor):
    ticket = TicketFactory()
    first = file(ticket, by=manager)
    step_done(first, step=UrgentStep.HISTORY_REVIEWED, by=supervisor)
    close(first, by=supervisor, outcome="First one done.")
    second = file(ticket, by=manager, business_impact="Second impact")

    notes = [e.note.splitlines()[0] for e in urgent.history(first)]
    assert notes[0] == "Urgent request closed."
    assert sum(n.startswith("Urgent request step skipped:") for n in notes) == 4
    assert notes[-3:] == [
        "Urgent request step done: Ticket history reviewed.",
        "Coordinating the urgent request.",
        "Urgent request filed.",
    ]
    assert [e.note for e in urgent.history(second)] == [urgent_events(ticket)[-1].note]
    assert "Second impact" in urgent.history(second)[0].note


# Views ---------------------------------------------------------------------------------------


@pytest.fixture
def open_request(manager):
    return file(TicketFactory(external_id="700100", title="Payroll export fails"), by=manager)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("list", "get"),
        ("new", "get"),
        ("detail", "get"),
        ("take", "post"),
        ("step", "post"),
        ("estimate", "post"),
        ("close", "post"),
    ],
)
def test_urgent_pages_need_login(client, open_request, name, method):
    target = url(name, None if name in ("list", "new") else open_request)
    response = getattr(client, method)(target)
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("name", ["new", "take", "step", "estimate", "close"])
def test_agents_only_read_urgent_requests(agent_client, open_request, name):
    target = url(name, None if name == "new" else open_request)
    assert agent_client.post(target, {"step": "user_contacted", "outcome": "x"}).status_code == 403
    if name == "new":
        assert agent_client.get(target).status_code == 403
    open_request.refresh_from_db()
    assert open_request.is_open and open_request.coordinator is None
    assert not open_request.steps.exists()
    assert agent_client.get(url("detail", open_request)).status_code == 200
    assert agent_client.get(url("list")).status_code == 200


def test_agents_see_no_forms_on_the_request(agent_client, open_request):
    html = agent_client.get(url("detail", open_request)).content.decode()
    assert "Payroll export fails" in html
    for action in ("take", "step", "estimate", "close"):
        assert url(action, open_request) not in html


def test_manager_files_a_request_by_ticket_number(manager_client, manager):
    ticket = TicketFactory(external_id="700200")

    response = manager_client.post(
        url("new"),
        {"ticket_number": " #700200 ", "business_impact": "A lab is down.", "reason": "Exams."},
    )

    request = UrgentRequest.objects.get()
    assert response.status_code == 302 and response.url == url("detail", request)
    assert (request.ticket, request.filed_by) == (ticket, manager)
    page = manager_client.get(response.url).content.decode()
    assert "Urgent request filed for ticket #700200" in page
    assert "A lab is down." in page


def test_manager_cannot_take_a_request(manager_client, open_request):
    assert manager_client.post(url("take", open_request)).status_code == 403
    html = manager_client.get(url("detail", open_request)).content.decode()
    assert "Take this request" not in html


def test_unknown_ticket_number_tells_a_manager_to_have_it_submitted(manager_client):
    data = {"ticket_number": "999-77", "business_impact": "Impact", "reason": "Reason"}

    response = manager_client.post(url("new"), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "No ticket #999-77 is logged here yet" in html
    # Managers cannot log tickets: the user is asked to submit one (seed 002), no dead link.
    assert reverse("tickets:new") not in html
    assert "Ask the user to submit a ticket to the service desk first" in html
    assert 'value="999-77"' in html and "Impact</textarea>" in html
    assert not UrgentRequest.objects.exists()

    partial = manager_client.post(url("new"), data, headers=HTMX)
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert b"No ticket #999-77 is logged here yet" in partial.content
    assert not UrgentRequest.objects.exists()


def test_new_form_is_prefilled_from_the_ticket_page_link(manager_client):
    html = manager_client.get(url("new") + "?ticket=700300").content.decode()
    assert 'name="ticket_number" value="700300"' in html
    assert "<html" in html


def test_filing_twice_shows_the_refusal_next_to_the_number(manager_client, open_request):
    response = manager_client.post(
        url("new"),
        {"ticket_number": "700100", "business_impact": "Again", "reason": "Again"},
    )
    assert response.status_code == 400
    assert "already has an open urgent request" in response.content.decode()
    assert UrgentRequest.objects.count() == 1


def test_htmx_filing_redirects_the_browser_to_the_request(manager_client):
    TicketFactory(external_id="700400")
    response = manager_client.post(
        url("new"),
        {"ticket_number": "700400", "business_impact": "Impact", "reason": "Reason"},
        headers=HTMX,
    )
    assert response.headers["HX-Redirect"] == url("detail", UrgentRequest.objects.get())


def test_supervisor_takes_a_request_with_htmx(supervisor_client, supervisor, open_request):
    page = supervisor_client.get(url("detail", open_request)).content.decode()
    assert "Take this request" in page and "<html" in page

    response = supervisor_client.post(url("take", open_request), headers=HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="urgent-detail"' in response.content
    assert "urgentTaken" in response.headers["HX-Trigger"]
    assert b"You are coordinating this request." in response.content
    assert b"Take this request" not in response.content
    open_request.refresh_from_db()
    assert open_request.coordinator == supervisor


def test_record_a_step_through_the_page(supervisor_client, supervisor, open_request):
    urgent.take_urgent(open_request, by=supervisor)
    response = supervisor_client.post(
        url("step", open_request), {"step": "history_reviewed", "note": "Read it all."}
    )
    assert response.status_code == 302

    again = supervisor_client.post(
        url("step", open_request), {"step": "history_reviewed", "note": ""}, headers=HTMX
    )
    assert again.status_code == 200 and b"<html" not in again.content
    record = UrgentStepRecord.objects.get()
    assert (record.step, record.done_by, record.note) == (
        UrgentStep.HISTORY_REVIEWED,
        supervisor,
        "Read it all.",
    )
    html = supervisor_client.get(url("detail", open_request)).content.decode()
    assert "1 of 5 done." in html and "Read it all." in html
    assert 'value="history_reviewed"' not in html
    assert html.count('name="step"') == 4


def test_an_unknown_step_is_refused(supervisor_client, open_request):
    response = supervisor_client.post(url("step", open_request), {"step": "made_up"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not UrgentStepRecord.objects.exists()


def test_estimate_in_the_past_is_shown_next_to_the_field(supervisor_client, open_request):
    past = local_minute(timezone.now() - timedelta(hours=1))

    response = supervisor_client.post(url("estimate", open_request), {"estimated_resolution": past})
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    htmx = supervisor_client.post(
        url("estimate", open_request), {"estimated_resolution": past}, headers=HTMX
    )
    assert htmx.status_code == 200 and b"cannot be in the past" in htmx.content
    open_request.refresh_from_db()
    assert open_request.estimated_resolution is None

    future = timezone.now() + timedelta(days=1)
    done = supervisor_client.post(
        url("estimate", open_request), {"estimated_resolution": local_minute(future)}
    )
    assert done.status_code == 302
    open_request.refresh_from_db()
    assert local_minute(open_request.estimated_resolution) == local_minute(future)


def test_close_needs_an_outcome(supervisor_client, supervisor, open_request):
    refused = supervisor_client.post(url("close", open_request), {"outcome": ""})
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    open_request.refresh_from_db()
    assert open_request.is_open

    urgent.take_urgent(open_request, by=supervisor)
    skips = {f"skip_{step.value}": "Not needed." for step in UrgentStep}
    done = supervisor_client.post(
        url("close", open_request), {"outcome": "Owner fixed it.", **skips}, follow=True
    )
    html = done.content.decode()
    assert "Urgent request closed." in html and "has been told" in html
    assert url("close", open_request) not in html
    open_request.refresh_from_db()
    assert (open_request.closed_by, open_request.outcome) == (supervisor, "Owner fixed it.")


def test_posting_to_a_request_closed_meanwhile_explains_why(supervisor_client, supervisor):
    request = file(by=supervisor)
    close(request, by=supervisor, outcome="Done.")
    response = supervisor_client.post(url("step", request), {"step": "user_contacted"}, follow=True)
    assert "was closed on" in response.content.decode()
    assert not request.steps.filter(step="user_contacted", skipped=False).exists()


def test_the_ticket_timeline_shows_the_urgent_entries(agent_client, manager, supervisor):
    ticket = TicketFactory(external_id="700500")
    request = file(ticket, by=manager)
    urgent.take_urgent(request, by=supervisor)
    step_done(request, step=UrgentStep.OWNER_CONTACTED, by=supervisor)
    close(request, by=supervisor, outcome="Owner restored the service.")

    html = agent_client.get(ticket.get_absolute_url()).content.decode()

    # Filed, taken, one step, four steps skipped, closed.
    assert html.count("Urgent request</strong>") == 8
    for text in ("Urgent request filed.", "Service owner contacted", "Owner restored the service."):
        assert text in html


def _requests_with_steps(count: int, by, supervisor) -> None:
    for _ in range(count):
        request = file(by=by)
        urgent.take_urgent(request, by=supervisor)
        for step in list(UrgentStep)[:3]:
            step_done(request, step=step, by=supervisor, note="Done")


def _queries(client, target: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_requests(
    supervisor_client, manager, supervisor, django_assert_max_num_queries
):
    _requests_with_steps(1, manager, supervisor)
    closed = file(by=manager)
    close(closed, by=supervisor, outcome="Closed.")
    few = _queries(supervisor_client, url("list"))

    _requests_with_steps(6, manager, supervisor)
    for _ in range(3):
        close(file(by=manager), by=supervisor, outcome="Closed.")
    with django_assert_max_num_queries(few):
        html = supervisor_client.get(url("list")).content.decode()
    assert html.count("3/5") == 7
    assert html.count("0/5") == 4
    assert few <= 12


def test_detail_queries_do_not_grow_with_steps(
    supervisor_client, manager, supervisor, django_assert_max_num_queries
):
    request = file(by=manager)
    few = _queries(supervisor_client, url("detail", request))

    urgent.take_urgent(request, by=supervisor)
    for step in UrgentStep:
        step_done(request, step=step, by=supervisor, note="Noted")
    urgent.set_estimate(
        request, by=supervisor, estimated_resolution=timezone.now() + timedelta(days=1)
    )
    with django_assert_max_num_queries(few):
        html = supervisor_client.get(url("detail", request)).content.decode()
    assert "5 of 5 done." in html
    assert few <= 12


def test_dashboard_panel_lists_open_requests_in_constant_queries(
    manager, supervisor, django_assert_num_queries
):
    _requests_with_steps(3, manager, supervisor)
    close(file(by=manager), by=supervisor, outcome="Closed.")
    waiting = file(by=manager, business_impact="Nobody in the clinic can print labels.")

    with django_assert_num_queries(2):
        requests = urgent.open_requests()
        context = {"urgent_requests": list(requests[:10]), "urgent_count": requests.count()}
        html = render_to_string("escalations/_urgent_panel.html", context)

    assert "Urgent requests (4)" in html
    assert html.count("3/5") == 3
    assert "Nobody in the clinic can print labels." in html
    assert url("detail", waiting) in html
    assert "Unassigned" in html


def test_dashboard_panel_has_an_empty_state():
    html = render_to_string(
        "escalations/_urgent_panel.html", {"urgent_requests": [], "urgent_count": 0}
    )
    assert "No open urgent requests." in html


def test_unknown_ticket_number_offers_a_supervisor_the_link_to_log_it(supervisor_client):
    data = {"ticket_number": "999-77", "business_impact": "Impact", "reason": "Reason"}

    html = supervisor_client.post(url("new"), data).content.decode()

    assert f'href="{reverse("tickets:new")}?external_id=999-77"' in html
    assert "Ask the user to submit a ticket" not in html


# The coordinator's steps before closing -----------------------------------------------------


def test_a_step_needs_someone_to_have_taken_the_request(manager, supervisor):
    request = file(by=manager)
    with pytest.raises(ValidationError) as refused:
        urgent.record_step(request, step=UrgentStep.USER_CONTACTED, by=supervisor)
    assert "Nobody coordinates this request yet" in refused.value.message_dict["step"][0]
    assert not request.steps.exists()
    assert len(urgent_events(request.ticket)) == 1


def test_the_page_offers_no_step_before_the_request_is_taken(
    supervisor_client, supervisor, open_request
):
    html = supervisor_client.get(url("detail", open_request)).content.decode()
    assert 'name="step"' not in html
    assert "Steps are recorded by the request's coordinator: take the request first." in html
    refused = supervisor_client.post(url("step", open_request), {"step": "user_contacted"})
    assert refused.status_code == 400
    assert not open_request.steps.exists()


def test_closing_asks_for_each_missing_step_or_a_reason_to_skip_it(manager, supervisor):
    request = taken(file(by=manager), by=supervisor)
    urgent.record_step(request, step=UrgentStep.HISTORY_REVIEWED, by=supervisor)

    with pytest.raises(ValidationError) as refused:
        urgent.close_urgent(
            request,
            by=supervisor,
            outcome="Fixed.",
            skips={UrgentStep.USER_CONTACTED: "The user was on the call."},
        )
    errors = refused.value.message_dict
    assert sorted(errors) == [
        "skip_follow_up_documented",
        "skip_owner_contacted",
        "skip_status_communicated",
    ]
    assert "record it, or say why it is skipped" in errors["skip_owner_contacted"][0]
    request.refresh_from_db()
    assert request.is_open and request.steps.count() == 1

    reasons = {step.value: f"Why not {step.value}" for step in urgent.missing_steps(request)}
    urgent.close_urgent(request, by=supervisor, outcome="Fixed.", skips=reasons)

    request.refresh_from_db()
    assert not request.is_open
    skipped = {r.step: r.note for r in request.steps.filter(skipped=True)}
    assert skipped == reasons
    assert "Urgent request step skipped: Service owner contacted.\nWhy not owner_contacted" in [
        e.note for e in urgent_events(request.ticket)
    ]
    assert urgent.with_progress(UrgentRequest.objects.filter(pk=request.pk)).get().steps_done == 1


def test_closing_a_request_nobody_took_is_refused(manager, supervisor):
    request = file(by=manager)
    skips = {step.value: "n/a" for step in UrgentStep}
    with pytest.raises(ValidationError, match="Nobody coordinates this request yet"):
        urgent.close_urgent(request, by=supervisor, outcome="Fixed.", skips=skips)


def test_the_close_form_shows_each_missing_step_beside_its_reason(
    supervisor_client, supervisor, open_request
):
    urgent.take_urgent(open_request, by=supervisor)
    urgent.record_step(open_request, step=UrgentStep.HISTORY_REVIEWED, by=supervisor)
    response = supervisor_client.post(url("close", open_request), {"outcome": "Fixed."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "4 steps not recorded yet" in html
    assert 'name="skip_history_reviewed"' not in html
    assert re.search(
        r'for="id_skip_user_contacted">Why “User contacted” is skipped.*?'
        r"“User contacted” is not recorded: record it, or say why it is skipped.",
        html,
        re.S,
    )
    open_request.refresh_from_db()
    assert open_request.is_open
