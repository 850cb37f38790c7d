from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from admins.models import PurviewRole
from admins.services import declare_purview
from escalations.handoffs import services
from escalations.handoffs.models import (
    Channel,
    ChecklistItem,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
)
from escalations.handoffs.services import save_procedure
from reports.summary import median_ranks, nearest_rank, response_summary
from tests.factories import AdministratorFactory, EngagementFactory, ServiceFactory, TicketFactory
from tickets.models import EventKind, Status, Tier

pytestmark = pytest.mark.django_db


def complete_checklist(ticket, by) -> None:
    items = ChecklistItem.objects.filter(active=True)
    services.save_checklist(ticket, by=by, answers={i.pk: (True, "") for i in items})


def escalate(ticket, by, admin=None, **kwargs):
    values = {
        "admin": admin or AdministratorFactory(name="Dana Owner"),
        "by": by,
        "tag": "network",
        "reason": "Switch configuration is outside our access.",
        "message": "Hi {admin}, ticket {ticket} is yours now. What can we do next time?",
        "meta_confirmed": True,
    }
    return services.escalate(ticket, **{**values, **kwargs})


def test_escalate_requires_complete_checklist(agent):
    ticket = TicketFactory(agent=agent)
    first, *rest = ChecklistItem.objects.filter(active=True, required=True)
    services.save_checklist(ticket, by=agent, answers={first.pk: (True, "")})
    events_before = ticket.events.count()

    with pytest.raises(services.ChecklistIncomplete) as refused:
        escalate(ticket, agent)

    assert refused.value.missing == rest
    assert all(item.text in refused.value.messages[0] for item in rest)
    assert first.text not in refused.value.messages[0]
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.admin, ticket.status) == (Tier.HANDLE, None, Status.NEW)
    assert not Engagement.objects.exists()
    assert ticket.events.count() == events_before


def test_optional_and_retired_items_do_not_block_escalation(agent):
    ticket = TicketFactory(agent=agent)
    ChecklistItem.objects.create(text="Retired item", required=True, active=False)
    required = ChecklistItem.objects.filter(active=True, required=True)
    services.save_checklist(ticket, by=agent, answers={i.pk: (True, "") for i in required})
    assert ChecklistItem.objects.filter(active=True, required=False).exists()
    assert escalate(ticket, agent).kind == EngagementKind.ESCALATE


def test_escalate_moves_ownership_and_records_it_on_the_timeline(agent):
    service = ServiceFactory(name="VPN")
    ticket = TicketFactory(agent=agent, service=service, external_id="77001")
    complete_checklist(ticket, agent)
    admin = AdministratorFactory(name="Dana Owner")

    engagement = escalate(ticket, agent, admin=admin)

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.admin, ticket.status) == (
        Tier.ESCALATE,
        admin,
        Status.WAITING_ON_ADMIN,
    )
    assert (
        engagement.message == "Hi Dana Owner, ticket #77001 is yours now. What can we do next time?"
    )
    assert (engagement.tag, engagement.state, engagement.requested_by) == (
        "network",
        EngagementState.OPEN,
        agent,
    )
    kinds = {e.kind: e for e in ticket.events.all()}
    assert kinds[EventKind.ESCALATED].after == "Dana Owner"
    assert "Reason: Switch configuration" in kinds[EventKind.ESCALATED].note
    assert kinds[EventKind.TIER_CHANGED].after == "Escalate"
    status_change = ticket.events.get(kind=EventKind.CHANGED, field="status")
    assert (status_change.before, status_change.after) == ("New", "Waiting on admin")


def test_the_first_escalation_is_stamped_on_the_ticket_and_kept(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    first = escalate(ticket, agent)
    ticket.refresh_from_db()
    assert ticket.escalated_at == first.requested_at

    services.deescalate(ticket, by=agent, reason="We can do this ourselves after all.")
    escalate(ticket, agent, admin=AdministratorFactory(name="Lee Second"))
    ticket.refresh_from_db()
    # The report's "first escalated" and MTTE read this: a second escalation moves nothing.
    assert ticket.escalated_at == first.requested_at


def test_stamping_backfills_the_earliest_escalation(agent):
    """The same update the 0015 migration runs on tickets escalated before the field."""
    ticket = TicketFactory(agent=agent)
    now = timezone.now()
    EngagementFactory(ticket=ticket, kind="escalate", reason="x", requested_at=now)
    EngagementFactory(
        ticket=ticket, kind="escalate", reason="x", requested_at=now - timedelta(hours=5)
    )
    EngagementFactory(ticket=ticket, requested_at=now - timedelta(days=2))  # collaborate
    untouched = TicketFactory(agent=agent)
    type(ticket).objects.update(escalated_at=None)

    import_module("escalations.migrations.0015_stamp_first_escalations").stamp(apps, None)

    ticket.refresh_from_db()
    untouched.refresh_from_db()
    assert ticket.escalated_at == now - timedelta(hours=5)
    assert untouched.escalated_at is None


def test_escalate_needs_tag_reason_message_and_an_active_admin(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    with pytest.raises(ValidationError) as refused:
        escalate(ticket, agent, tag=" ", reason="", admin=AdministratorFactory(active=False))
    assert set(refused.value.error_dict) == {"tag", "reason", "admin"}
    assert not Engagement.objects.exists()


def test_escalate_refuses_a_closed_ticket(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    ticket.close(by=agent)
    with pytest.raises(ValidationError, match="reopen it"):
        escalate(ticket, agent)


def test_escalating_to_someone_else_withdraws_the_earlier_escalation(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    first = escalate(ticket, agent, admin=AdministratorFactory(name="First"))
    second = escalate(ticket, agent, admin=AdministratorFactory(name="Second"))
    first.refresh_from_db()
    assert first.state == EngagementState.WITHDRAWN
    assert second.state == EngagementState.OPEN
    ticket.refresh_from_db()
    assert ticket.admin == second.admin


def test_tier_change_cannot_enter_or_leave_escalate(agent):
    ticket = TicketFactory(agent=agent)
    with pytest.raises(ValidationError, match="Use Escalate or De-escalate"):
        ticket.set_tier(Tier.ESCALATE, by=agent)
    complete_checklist(ticket, agent)
    escalate(ticket, agent)
    ticket.refresh_from_db()
    with pytest.raises(ValidationError, match="Use Escalate or De-escalate"):
        ticket.set_tier(Tier.HANDLE, by=agent)


def test_deescalate_needs_a_reason_and_returns_ownership(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    engagement = escalate(ticket, agent)
    with pytest.raises(ValidationError):
        services.deescalate(ticket, by=agent, reason="  ")

    services.deescalate(ticket, by=agent, reason="Admin sent a procedure we can follow.")

    ticket.refresh_from_db()
    engagement.refresh_from_db()
    assert (ticket.tier, ticket.admin, ticket.status) == (Tier.HANDLE, None, Status.IN_PROGRESS)
    assert engagement.state == EngagementState.WITHDRAWN
    event = ticket.events.get(kind=EventKind.DEESCALATED)
    assert (event.before, event.note) == ("Dana Owner", "Admin sent a procedure we can follow.")


def test_collaborate_adds_each_admin_and_the_support_center_keeps_ownership(agent):
    ticket = TicketFactory(agent=agent)
    admins = [AdministratorFactory(name="Ana"), AdministratorFactory(name="Ben")]

    engagements = services.collaborate(
        ticket, admins=admins, by=agent, message="Hi {admin}, a quick question."
    )

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.admin, ticket.agent) == (Tier.COLLABORATE, None, agent)
    assert sorted(e.message for e in engagements) == [
        "Hi Ana, a quick question.",
        "Hi Ben, a quick question.",
    ]
    assert sorted(ticket.events.filter(kind=EventKind.ENGAGED).values_list("after", flat=True)) == [
        "Ana",
        "Ben",
    ]


def test_checklist_answers_keep_the_wording_they_were_given_under(agent):
    ticket = TicketFactory(agent=agent)
    item = ChecklistItem.objects.filter(active=True).first()
    shown = item.text
    services.save_checklist(ticket, by=agent, answers={item.pk: (True, "restarted twice")})
    item.text = "A reworded item"
    item.save()

    answer = ticket.checklist_answers.get(item=item)
    assert (answer.item_text, answer.checked, answer.note, answer.answered_by) == (
        shown,
        True,
        "restarted twice",
        agent,
    )
    # Saving the same answers again changes nothing and adds nothing to the timeline.
    events = ticket.events.count()
    assert (
        services.save_checklist(ticket, by=agent, answers={item.pk: (True, "restarted twice")})
        == []
    )
    assert ticket.events.count() == events


def respond(engagement, by, **kwargs):
    values = {
        "outcome": Outcome.GAVE_INPUT,
        "channel": Channel.TICKET,
        "responded_at": engagement.requested_at + timedelta(minutes=30),
        "by": by,
    }
    return engagement.record_response(**{**values, **kwargs})


def test_response_time_cannot_precede_the_request_or_be_in_the_future(agent):
    engagement = EngagementFactory(requested_at=timezone.now() - timedelta(hours=2))
    with pytest.raises(ValidationError, match="before the request"):
        respond(engagement, agent, responded_at=engagement.requested_at - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="future"):
        respond(engagement, agent, responded_at=timezone.now() + timedelta(hours=1))
    assert not engagement.responses.exists()


def test_the_earliest_answer_sets_the_time_to_first_response(agent):
    engagement = EngagementFactory(requested_at=timezone.now() - timedelta(days=2))
    start = engagement.requested_at
    respond(
        engagement,
        agent,
        outcome=Outcome.NO_RESPONSE,
        channel="",
        responded_at=start + timedelta(days=1),
    )
    engagement.refresh_from_db()
    assert (engagement.state, engagement.first_response_at) == (EngagementState.NO_RESPONSE, None)

    respond(engagement, agent, responded_at=start + timedelta(hours=30))
    respond(
        engagement, agent, responded_at=start + timedelta(hours=3)
    )  # logged late, happened first

    engagement.refresh_from_db()
    assert engagement.state == EngagementState.RESPONDED
    assert engagement.first_response_seconds == 3 * 3600
    assert engagement.responses.count() == 3


def test_a_direct_message_is_flagged_off_policy_on_the_timeline(agent):
    engagement = EngagementFactory()
    response = respond(
        engagement, agent, channel=Channel.DIRECT_MESSAGE, next_time="Reset it in the portal."
    )
    assert response.off_policy
    event = engagement.ticket.events.get(kind=EventKind.RESPONSE)
    assert "(off-policy)" in event.note
    assert "Next time: Reset it in the portal." in event.note


def test_a_redirect_names_where_it_went(agent):
    engagement = EngagementFactory()
    with pytest.raises(ValidationError) as refused:
        respond(engagement, agent, outcome=Outcome.REDIRECTED)
    assert "redirect_admin" in refused.value.error_dict
    response = respond(
        engagement, agent, outcome=Outcome.REDIRECTED, redirect_detail="Printer runbook"
    )
    assert response.redirect_detail == "Printer runbook"


def test_median_and_percentile_ranks():
    assert [median_ranks(n) for n in (1, 2, 3, 4)] == [(1, 1), (1, 2), (2, 2), (2, 3)]
    assert [nearest_rank(n, 90) for n in (1, 2, 9, 10, 11, 20)] == [1, 2, 9, 9, 10, 18]


def test_summary_counts_and_times_on_known_data(agent):
    now = timezone.now()
    dana = AdministratorFactory(name="Dana")
    AdministratorFactory(name="Quiet")
    minutes = [10, 20, 30, 100]
    for n in minutes:
        e = EngagementFactory(admin=dana, requested_at=now - timedelta(days=1))
        respond(e, agent, responded_at=e.requested_at + timedelta(minutes=n))
    declined = EngagementFactory(admin=dana, requested_at=now - timedelta(days=2))
    respond(declined, agent, outcome=Outcome.DECLINED, channel=Channel.DIRECT_MESSAGE)
    silent = EngagementFactory(admin=dana, requested_at=now - timedelta(days=3))
    respond(silent, agent, outcome=Outcome.NO_RESPONSE, channel="")
    EngagementFactory(admin=dana, requested_at=now - timedelta(hours=1))  # still open
    old = EngagementFactory(admin=dana, requested_at=now - timedelta(days=60))
    respond(old, agent, responded_at=old.requested_at + timedelta(days=5))

    rows = {s.admin.name: s for s in response_summary(since=now - timedelta(days=30))}

    d = rows["Dana"]
    assert (d.requests, d.responded, d.no_response, d.declined, d.direct_messages, d.open) == (
        7,
        5,
        1,
        1,
        1,
        1,
    )
    # Answers after 10, 20, 30 and 100 minutes, and the declined one after 30.
    assert d.median_seconds == 30 * 60
    assert d.p90_seconds == 100 * 60
    assert d.response_rate == pytest.approx(5 / 7)
    q = rows["Quiet"]
    assert (q.requests, q.responded, q.median_seconds, q.response_rate) == (0, 0, None, None)

    everything = {s.admin.name: s for s in response_summary()}["Dana"]
    assert everything.requests == 8
    assert everything.p90_seconds == 5 * 86400


def test_purview_declarations_replace_and_keep_history(supervisor):
    service = ServiceFactory()
    admin = AdministratorFactory()
    today = timezone.localdate()
    first = declare_purview(
        service,
        admin=admin,
        role=PurviewRole.BACKUP,
        declared_on=today,
        evidence="Ticket 123",
        by=supervisor,
    )
    second = declare_purview(
        service,
        admin=admin,
        role=PurviewRole.OWNER,
        declared_on=today,
        evidence="Ticket 456",
        by=supervisor,
    )
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None
    assert list(service.purviews.current()) == [second]
    with pytest.raises(ValidationError):
        declare_purview(
            service,
            admin=admin,
            role=PurviewRole.OWNER,
            declared_on=today + timedelta(days=2),
            evidence="x",
            by=supervisor,
        )


def test_a_next_time_answer_becomes_a_procedure_of_the_service(agent):
    service = ServiceFactory(name="Printing")
    engagement = EngagementFactory(ticket=TicketFactory(service=service))
    response = respond(engagement, agent, next_time="Clear the queue from the print portal.")

    procedure = save_procedure(
        response, title="Stuck print queue", body=response.next_time, by=agent
    )

    assert list(service.procedures.all()) == [procedure]
    assert procedure.source == response
    assert engagement.ticket.events.filter(
        kind=EventKind.PROCEDURE, after="Stuck print queue"
    ).exists()


def test_a_response_that_is_not_a_redirect_keeps_no_redirect(agent):
    engagement = EngagementFactory()
    other = AdministratorFactory(name="Other Admin")
    response = respond(
        engagement, agent, outcome=Outcome.DECLINED, redirect_admin=other, redirect_detail="x"
    )
    assert (response.redirect_admin, response.redirect_detail) == (None, "")
    event = engagement.ticket.events.get(kind=EventKind.RESPONSE)
    assert "redirected" not in event.note


def test_a_redirect_to_the_admin_asked_is_refused(agent):
    engagement = EngagementFactory()
    with pytest.raises(ValidationError, match="someone other than the admin asked"):
        respond(engagement, agent, outcome=Outcome.REDIRECTED, redirect_admin=engagement.admin)


def test_silence_cannot_be_logged_after_an_answer(agent):
    engagement = EngagementFactory()
    respond(engagement, agent)
    engagement.refresh_from_db()
    with pytest.raises(ValidationError, match="already answered"):
        respond(engagement, agent, outcome=Outcome.NO_RESPONSE, channel="")


def test_resolving_a_ticket_withdraws_what_still_awaits_an_answer(agent):
    engagement = EngagementFactory()
    engagement.ticket.resolve(by=agent)
    engagement.refresh_from_db()
    assert engagement.state == EngagementState.WITHDRAWN
    assert engagement.closed_note == "Ticket resolved."
    summary = {s.admin: s for s in response_summary()}[engagement.admin]
    assert (summary.requests, summary.open) == (0, 0)


def test_escalating_again_to_the_current_owner_is_refused(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    engagement = escalate(ticket, agent)
    with pytest.raises(ValidationError, match="already escalated to Dana Owner"):
        escalate(ticket, agent, admin=engagement.admin)
    assert ticket.engagements.count() == 1


def test_a_tier_change_from_a_stale_page_does_not_undo_an_escalation(agent):
    ticket = TicketFactory(agent=agent)
    stale = type(ticket).objects.get(pk=ticket.pk)
    complete_checklist(ticket, agent)
    escalate(ticket, agent)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        stale.set_tier(Tier.COLLABORATE, by=agent)
    ticket.refresh_from_db()
    assert ticket.tier == Tier.ESCALATE


def test_moving_back_to_handle_withdraws_the_request_for_input_on_the_timeline(agent):
    from escalations import silence

    ticket = TicketFactory(agent=agent)
    [engagement] = services.collaborate(
        ticket, admins=[AdministratorFactory(name="Ana")], by=agent, message="A question."
    )
    ticket.refresh_from_db()

    ticket.set_tier(Tier.HANDLE, by=agent, reason="Found the answer in the knowledge base.")

    engagement.refresh_from_db()
    assert engagement.state == EngagementState.WITHDRAWN
    event = ticket.events.get(kind=EventKind.WITHDRAWN)
    assert (event.after, event.by) == ("Ana", agent)
    assert event.note == (
        "Collaborate request withdrawn: the ticket moved from Collaborate to Handle "
        "(Found the answer in the knowledge base.)."
    )
    # The scan, long after the answer was due, finds no silence to log against it.
    report = silence.run(now=timezone.now() + timedelta(days=30))
    assert report.silences == 0
    assert not engagement.responses.exists()


def test_deescalating_to_handle_withdraws_every_open_request(agent):
    ticket = TicketFactory(agent=agent)
    [asked] = services.collaborate(
        ticket, admins=[AdministratorFactory(name="Ana")], by=agent, message="A question."
    )
    complete_checklist(ticket, agent)
    escalate(ticket, agent)

    services.deescalate(ticket, by=agent, reason="We can do it ourselves.", tier=Tier.HANDLE)

    asked.refresh_from_db()
    assert asked.state == EngagementState.WITHDRAWN
    assert not ticket.engagements.open().exists()
    assert list(ticket.events.filter(kind=EventKind.WITHDRAWN).values_list("after", flat=True)) == [
        "Ana"
    ]


def test_deescalating_to_collaborate_keeps_the_request_for_input(agent):
    ticket = TicketFactory(agent=agent)
    [asked] = services.collaborate(
        ticket, admins=[AdministratorFactory(name="Ana")], by=agent, message="A question."
    )
    complete_checklist(ticket, agent)
    escalate(ticket, agent)

    services.deescalate(ticket, by=agent, reason="Input is enough.", tier=Tier.COLLABORATE)

    asked.refresh_from_db()
    assert asked.state == EngagementState.OPEN
    assert not ticket.events.filter(kind=EventKind.WITHDRAWN).exists()


def test_resolving_puts_each_withdrawn_request_on_the_timeline(agent):
    engagement = EngagementFactory()
    engagement.ticket.resolve(by=agent)
    event = engagement.ticket.events.get(kind=EventKind.WITHDRAWN)
    assert (event.after, event.by) == (engagement.admin.name, agent)
    assert event.note.endswith("request withdrawn: Ticket resolved.")


def test_escalate_message_must_ask_the_meta_protocol_question(agent):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    with pytest.raises(ValidationError) as refused:
        escalate(ticket, agent, message="Hi {admin}, this is yours now.", meta_confirmed=False)
    error = refused.value.message_dict["message"][0]
    assert "must end with the meta-protocol question" in error
    assert services.META_QUESTION in error
    assert not Engagement.objects.exists()


def test_the_templates_question_passes_and_a_rephrasing_needs_confirming(agent):
    from escalations.guide.models import Scenario

    Scenario.objects.create(
        scenario="Escalating",
        tier=Tier.ESCALATE,
        wording="Hi {admin}. Which steps could we follow for {service} next time?",
    )
    ticket = TicketFactory(agent=agent, service=ServiceFactory(name="VPN"))
    complete_checklist(ticket, agent)
    # The built-in question, and a scenario's question with its placeholder filled, pass.
    first = escalate(
        ticket, agent, meta_confirmed=False, message=f"Hi. {services.META_QUESTION.upper()}"
    )
    second = escalate(
        ticket,
        agent,
        admin=AdministratorFactory(name="Lee"),
        meta_confirmed=False,
        message="Hi. Which steps could we follow for VPN next time?",
    )
    assert first.pk and second.pk
    rephrased = "Hi {admin}. Could you say how we might do this ourselves in future?"
    with pytest.raises(ValidationError, match="meta-protocol"):
        escalate(
            ticket, agent, admin=AdministratorFactory(), message=rephrased, meta_confirmed=False
        )
    third = escalate(
        ticket, agent, admin=AdministratorFactory(), message=rephrased, meta_confirmed=True
    )
    assert third.message.startswith("Hi ")
