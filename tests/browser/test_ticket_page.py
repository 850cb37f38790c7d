"""The ticket page as an agent works it: results in sight, typed text kept, edits merged."""

from __future__ import annotations

import contextlib

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from admins.models import PurviewRole
from admins.services import declare_purview
from escalations.handoffs.models import Engagement
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    AgentFactory,
    ServiceFactory,
    SupervisorFactory,
    TicketFactory,
)
from tickets import services
from tickets.models import Ticket

MESSAGE = (
    "Ticket 66001 needs your team. Could you also tell us what process the support center can "
    "follow the next time a ticket like this comes in?"
)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_VIEW_AND_FOCUSED = """el => {
  const r = el.getBoundingClientRect();
  const active = document.activeElement;
  const described = (active.getAttribute("aria-describedby") || "").split(" ");
  return {
    inView: r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight,
    focused: el === active || el.contains(active) || described.includes(el.id),
  };
}"""


def assert_in_view_and_focused(locator) -> None:
    # The page moves focus once htmx has settled the swap, a few milliseconds after the new
    # text is in the page: wait for that, then say what was wrong if it never came.
    expect(locator).to_be_visible()
    handle = locator.element_handle()
    expected = {"inView": True, "focused": True}
    with contextlib.suppress(PlaywrightTimeout):
        locator.page.wait_for_function(
            f"el => {{ const s = ({IN_VIEW_AND_FOCUSED})(el); return s.inView && s.focused; }}",
            arg=handle,
            timeout=3000,
        )
    assert locator.evaluate(IN_VIEW_AND_FOCUSED) == expected


def vpn_ticket(**fields) -> Ticket:
    vpn = ServiceFactory(name="VPN")
    dana = AdministratorFactory(name="Dana Owner")
    declare_purview(
        vpn,
        admin=dana,
        role=PurviewRole.OWNER,
        declared_on=timezone.localdate(),
        evidence="Declared in ticket 100",
        by=SupervisorFactory(),
    )
    return TicketFactory(external_id="66001", title="VPN drops", service=vpn, **fields)


def test_saving_the_checklist_keeps_what_was_typed_in_the_escalate_form(live_server, page, login):
    agent = AgentFactory(username="ann")
    ticket = vpn_ticket(agent=agent)
    login(agent, PASSWORD)
    page.goto(live_server.url + ticket.get_absolute_url())

    page.get_by_text("Escalate: move ownership to an admin").click()
    escalate = page.locator("form[action$='/escalate/']")
    escalate.get_by_label("Tag").fill("vpn-core")
    escalate.get_by_label("Reason").fill("The concentrator needs an admin.")
    escalate.get_by_label("Message to the admin").fill(MESSAGE)

    checklist = page.locator("#checklist form").first
    for box in checklist.locator("input[type=checkbox]").all()[:5]:
        box.check()
    checklist.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#messages")).to_contain_text("Every required item is done")

    escalate = page.locator("form[action$='/escalate/']")
    expect(escalate).to_be_visible()
    expect(escalate.get_by_label("Tag")).to_have_value("vpn-core")
    expect(escalate.get_by_label("Reason")).to_have_value("The concentrator needs an admin.")
    expect(escalate.get_by_label("Message to the admin")).to_have_value(MESSAGE)
    # The saved checklist itself shows what the server stored.
    expect(page.locator("#checklist .checklist-status")).to_contain_text("Every required item")

    # Escalating now sends what was typed before the checklist was saved.
    escalate.get_by_role("button", name="Escalate").click()
    expect(page.locator("#messages")).to_contain_text("Escalated to Dana Owner")
    engagement = Engagement.objects.get(ticket=ticket)
    assert (engagement.tag, engagement.reason, engagement.message) == (
        "vpn-core",
        "The concentrator needs an admin.",
        MESSAGE,
    )


def test_each_result_is_in_view_and_focused(live_server, page, login):
    agent = AgentFactory(username="ann")
    ticket = vpn_ticket(agent=agent)
    login(agent, PASSWORD)
    for round, (width, height) in enumerate(((1366, 900), (390, 844))):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + ticket.get_absolute_url())

        # A refused escalation: the refusal beside the form, focus on it.
        page.get_by_text("Escalate: move ownership to an admin").click()
        escalate = page.locator("form[action$='/escalate/']")
        escalate.get_by_label("Tag").fill("vpn")
        escalate.get_by_label("Reason").fill("Needs an admin.")
        escalate.get_by_role("button", name="Escalate").click()
        refusal = page.locator("form[action$='/escalate/'] .error-summary")
        expect(refusal).to_contain_text("Complete the pre-escalation checklist first")
        expect(refusal).to_have_attribute("role", "alert")
        assert_in_view_and_focused(refusal)

        # The checklist saved: the message beside the checklist, focused.
        checklist = page.locator("#checklist form").first
        checklist.locator("input[type=checkbox]").nth(round).check()
        checklist.get_by_role("button", name="Save checklist").click()
        feedback = page.locator("#messages")
        expect(feedback).to_contain_text("Checklist saved")
        assert_in_view_and_focused(feedback)

    # At the phone width: a tier change, a request for input, an answer logged.
    page.locator("form[action$='/tier/']").get_by_label("Tier").select_option("collaborate")
    page.get_by_role("button", name="Change tier").click()
    expect(page.locator("#messages")).to_contain_text("Tier changed to Collaborate")
    assert_in_view_and_focused(page.locator("#messages"))
    page.get_by_text("Collaborate: add admins for input").click()
    page.locator("form[action$='/collaborate/']").get_by_label("Dana Owner").check()
    page.get_by_role("button", name="Add for input").click()
    expect(page.locator("#messages")).to_contain_text("Added for input: Dana Owner")
    assert_in_view_and_focused(page.locator("#messages"))
    page.get_by_text("Log an admin's response or silence").click()
    answer = page.locator("form[action$='/responses/']")
    # A redirect that names nobody: the error summary at the form's top, focused and
    # announced; its link takes focus to the field, whose own error is read with it.
    answer.get_by_label("Redirected", exact=True).check()
    answer.get_by_label("Channel").select_option("ticket")
    answer.get_by_role("button", name="Log response").click()
    summary = page.locator("form[action$='/responses/'] .error-summary")
    expect(summary).to_contain_text("Name the admin or the procedure")
    assert_in_view_and_focused(summary)
    summary.get_by_role("link").first.click()
    error = page.locator("form[action$='/responses/'] .has-error .errorlist").first
    expect(error).to_contain_text("Name the admin or the procedure")
    assert_in_view_and_focused(error)
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"

    answer = page.locator("form[action$='/responses/']")
    answer.get_by_label("Gave input").check()
    answer.get_by_role("button", name="Log response").click()
    feedback = page.locator("#messages")
    expect(feedback).to_contain_text("Response from Dana Owner logged")
    assert_in_view_and_focused(feedback)


def test_resave_after_a_conflict_keeps_the_other_persons_change(live_server, page, login):
    agent = AgentFactory(username="ann")
    supervisor = SupervisorFactory(username="sue")
    ticket = vpn_ticket(agent=agent, department="Finance", requestor_name="Rita")
    login(agent, PASSWORD)
    page.goto(live_server.url + ticket.get_absolute_url())
    page.get_by_text("Edit details").click()
    edit = page.locator("form[action$='/edit/']")
    edit.get_by_label("Title").fill("VPN drops hourly")
    edit.get_by_label("Department").fill("Payroll")

    # Meanwhile a supervisor changes the department and the requestor.
    services.update_ticket(
        Ticket.objects.get(pk=ticket.pk),
        by=supervisor,
        changes={"department": "Facilities", "requestor_name": "Rita Requestor"},
        expected_version=ticket.version,
        seen_event=0,
    )

    edit.get_by_role("button", name="Save changes").click()
    notice = page.locator(".conflict")
    expect(notice).to_contain_text("Someone else saved this ticket")
    assert_in_view_and_focused(notice)
    edit = page.locator("form[action$='/edit/']")
    # Only they changed the requestor: the form shows their value; the title stays mine.
    expect(edit.get_by_label("Requestor", exact=True)).to_have_value("Rita Requestor")
    expect(edit.get_by_label("Title")).to_have_value("VPN drops hourly")
    # Both changed the department: both values side by side, one to choose.
    choice = edit.locator("fieldset.conflict-choice")
    expect(choice).to_contain_text("Department: you both changed it")
    expect(choice.locator("label").nth(0)).to_contain_text("Payroll")
    expect(choice.locator("label").nth(1)).to_contain_text("Facilities")
    mine, theirs = (choice.locator("label").nth(i).bounding_box() for i in (0, 1))
    assert mine["y"] == theirs["y"] and mine["x"] < theirs["x"]

    choice.get_by_text("Keep theirs").click()
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("#messages")).to_contain_text("Saved: title.")
    ticket.refresh_from_db()
    assert (ticket.title, ticket.department, ticket.requestor_name) == (
        "VPN drops hourly",
        "Facilities",
        "Rita Requestor",
    )
    expect(page.locator(".ticket-fields")).to_contain_text("Facilities")
