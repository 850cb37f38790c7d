"""What follows an administrator's answer or silence: badges that say what happened, the next
step offered on a dead end, and a silence logged before its time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from escalations import silence
from escalations.handoffs import services
from escalations.handoffs.models import Channel, EngagementKind, EngagementState, Outcome
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.models import EventKind, Status, Tier

pytestmark = pytest.mark.django_db


def url(name: str, ticket, *args) -> str:
    return reverse(f"tickets:{name}", args=[ticket.external_id, *args])


def escalated(agent, *, backup=None, **kwargs):
    """A ticket escalated to Dana (whose own backup is ``backup``), as the services leave it."""
    dana = AdministratorFactory(name="Dana Owner", backup=backup)
    ticket = TicketFactory(
        agent=agent, tier=Tier.ESCALATE, admin=dana, status=Status.WAITING_ON_ADMIN
    )
    engagement = EngagementFactory(
        ticket=ticket,
        admin=dana,
        kind=EngagementKind.ESCALATE,
        reason="Outside our access.",
        tag="network",
        message="Hi Dana Owner, what can we do next time?",
        **kwargs,
    )
    return ticket, engagement


def decline(engagement, by):
    return engagement.record_response(
        outcome=Outcome.DECLINED,
        channel=Channel.TICKET,
        responded_at=timezone.now() - timedelta(minutes=5),
        by=by,
    )


def badge_of(html: str, engagement) -> str:
    heading = re.search(rf'<h3 id="engagement-{engagement.pk}">(.*?)</h3>', html, re.S)
    return re.search(r'<span class="badge [^"]*">[^<]*</span>', heading.group(1)).group(0)


# --- Badges follow the outcome


def test_a_decline_without_redirect_is_not_a_green_responded_badge(agent_client, agent):
    ticket, engagement = escalated(agent)
    decline(engagement, agent)

    html = agent_client.get(ticket.get_absolute_url()).content.decode()

    assert badge_of(html, engagement) == (
        '<span class="badge state-no_response">Declined without redirect</span>'
    )


@pytest.mark.parametrize(
    ("outcome", "badge"),
    [
        (Outcome.ACCEPTED, ("responded", "Accepted")),
        (Outcome.GAVE_INPUT, ("responded", "Gave input")),
        (Outcome.DECLINED, ("no_response", "Declined without redirect")),
    ],
)
def test_badges_name_the_outcome(agent, outcome, badge):
    engagement = EngagementFactory()
    engagement.record_response(
        outcome=outcome, channel=Channel.TICKET, responded_at=timezone.now(), by=agent
    )
    engagement.refresh_from_db()
    assert engagement.badge == badge


# --- The next step after a decline or a silence


def test_after_a_decline_the_card_offers_the_backup_redirect_and_deescalate(agent_client, agent):
    backup = AdministratorFactory(name="Bo Backup")
    ticket, engagement = escalated(agent, backup=backup)
    decline(engagement, agent)

    html = agent_client.get(ticket.get_absolute_url()).content.decode()

    assert "Next step: Dana Owner declined without a redirect" in html
    assert "Send to Bo Backup (the backup)" in html
    assert url("pass_on", ticket, engagement.pk) in html
    assert "Redirect: send another admin" in html
    assert "De-escalate to Handle" in html


def test_sending_a_declined_escalation_to_the_backup_moves_ownership(agent_client, agent):
    backup = AdministratorFactory(name="Bo Backup")
    ticket, engagement = escalated(agent, backup=backup)
    decline(engagement, agent)

    response = agent_client.post(url("pass_on", ticket, engagement.pk), {"admin": backup.pk})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.admin, ticket.tier) == (backup, Tier.ESCALATE)
    new = ticket.engagements.get(state=EngagementState.OPEN)
    assert (new.admin, new.kind, new.tag, new.reason) == (
        backup,
        EngagementKind.ESCALATE,
        "network",
        "Outside our access.",
    )
    assert new.message == "Hi Bo Backup, what can we do next time?"
    assert new.answer_due_at is not None
    event = ticket.events.filter(kind=EventKind.ESCALATED).latest("at")
    assert (event.before, event.after, event.by) == ("Dana Owner", "Bo Backup", agent)
    assert "Dana Owner declined without a redirect" in event.note
    # Nothing is left to decide: the card no longer offers a next step.
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Next step:" not in html


def test_a_silence_without_backup_offers_another_admin(agent_client, agent):
    ticket, engagement = escalated(agent, answer_due_at=timezone.now() - timedelta(minutes=1))
    silence.run()
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Next step: Dana Owner did not answer" in html
    assert "No backup is declared" in html
    other = AdministratorFactory(name="Eve Other")
    agent_client.post(url("pass_on", ticket, engagement.pk), {"admin": other.pk})
    ticket.refresh_from_db()
    assert ticket.admin == other


def test_a_request_still_awaiting_an_answer_cannot_be_passed_on(agent_client, agent):
    ticket, engagement = escalated(agent)
    other = AdministratorFactory(name="Eve Other")
    response = agent_client.post(url("pass_on", ticket, engagement.pk), {"admin": other.pk})
    assert response.status_code == 400
    assert "nothing to pass on" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.admin == engagement.admin
    assert ticket.engagements.count() == 1


def test_passing_on_to_the_admin_who_declined_is_refused(agent):
    ticket, engagement = escalated(agent)
    decline(engagement, agent)
    engagement.refresh_from_db()
    with pytest.raises(ValidationError, match="someone other than Dana Owner"):
        services.pass_on(engagement, to=engagement.admin, by=agent)


def test_pass_on_is_refused_to_managers(manager_client, agent):
    ticket, engagement = escalated(agent)
    response = manager_client.post(url("pass_on", ticket, engagement.pk), {"admin": 1})
    assert response.status_code == 403


def test_a_declined_request_for_input_offers_asking_someone_else(agent_client, agent):
    ticket = TicketFactory(agent=agent, tier=Tier.COLLABORATE)
    engagement = EngagementFactory(ticket=ticket, admin=AdministratorFactory(name="Ana"))
    decline(engagement, agent)
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Next step: Ana declined without a redirect" in html
    assert "Move to Handle" in html
    ben = AdministratorFactory(name="Ben")
    agent_client.post(url("pass_on", ticket, engagement.pk), {"admin": ben.pk})
    assert ticket.engagements.open().get().admin == ben


# --- "No response" before the answer is due


def no_response(engagement, by, note=""):
    return engagement.record_response(
        outcome=Outcome.NO_RESPONSE, channel="", responded_at=timezone.now(), by=by, note=note
    )


def test_giving_up_before_the_answer_is_due_needs_a_reason(agent):
    engagement = EngagementFactory(
        requested_at=timezone.now() - timedelta(minutes=1),
        answer_due_at=timezone.now() + timedelta(hours=4),
    )
    with pytest.raises(ValidationError) as refused:
        no_response(engagement, agent)
    assert "say why you give up waiting early" in refused.value.message_dict["note"][0]
    assert not engagement.responses.exists()

    response = no_response(engagement, agent, note="The requester withdrew the request.")

    assert response.given_up_early
    engagement.refresh_from_db()
    assert engagement.badge == ("no_response", "Given up early")
    event = engagement.ticket.events.get(kind=EventKind.RESPONSE)
    assert event.after == "No response (given up early)"
    assert "given up early (the answer was due" in event.note


def test_no_response_at_the_deadline_is_logged_as_before(agent):
    engagement = EngagementFactory(answer_due_at=timezone.now() - timedelta(minutes=1))
    response = no_response(engagement, agent)
    assert not response.given_up_early
    engagement.refresh_from_db()
    assert engagement.badge == ("no_response", "No response")


def test_the_scan_logs_silence_at_the_deadline_without_a_reason(db):
    engagement = EngagementFactory(answer_due_at=timezone.now() - timedelta(minutes=1))
    assert silence.run().silences == 1
    [response] = engagement.responses.all()
    assert (response.outcome, response.given_up_early) == (Outcome.NO_RESPONSE, False)


def test_the_page_refuses_an_early_silence_without_reason_beside_the_note(agent_client):
    engagement = EngagementFactory(answer_due_at=timezone.now() + timedelta(hours=4))
    data = {
        "engagement": engagement.pk,
        "outcome": Outcome.NO_RESPONSE,
        "channel": "",
        "responded_at": "",
        "note": "",
    }
    response = agent_client.post(url("respond", engagement.ticket), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_note_error"><li>The answer is not due until', html)
    assert not engagement.responses.exists()

    data["note"] = "Admin is on leave this week."
    agent_client.post(url("respond", engagement.ticket), data)
    html = agent_client.get(engagement.ticket.get_absolute_url()).content.decode()
    assert '<span class="badge state-no_response">Given up early</span>' in html


def test_a_redirect_offers_the_admin_named(agent_client, agent):
    ticket, engagement = escalated(agent)
    lee = AdministratorFactory(name="Lee Named")
    engagement.record_response(
        outcome=Outcome.REDIRECTED,
        channel=Channel.TICKET,
        responded_at=timezone.now(),
        by=agent,
        redirect_admin=lee,
    )
    html = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert badge_of(html, engagement) == '<span class="badge state-open">Redirected</span>'
    assert "Send to Lee Named (the admin they named)" in html
