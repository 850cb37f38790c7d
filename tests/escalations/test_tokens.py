"""The signed tokens of the response link and the reply address: each opens one request for
one administrator, for one purpose, until it expires or the request stops waiting on them."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from escalations.handoffs.models import AdminResponse, EngagementState, Outcome
from escalations.handoffs.tokens import (
    Purpose,
    Refusal,
    TokenRefused,
    make_token,
    read_token,
    reply_address,
    token_from_address,
)
from tests.factories import AdministratorFactory, EngagementFactory

pytestmark = pytest.mark.django_db


def refusal(token: str, purpose: Purpose = Purpose.RESPONSE_PAGE) -> Refusal:
    with pytest.raises(TokenRefused) as refused:
        read_token(token, purpose)
    return refused.value.reason


def test_a_token_opens_its_request_for_its_administrator():
    engagement = EngagementFactory()
    opened = read_token(make_token(engagement, Purpose.RESPONSE_PAGE), Purpose.RESPONSE_PAGE)
    assert opened.engagement == engagement
    assert opened.admin_id == engagement.admin_id


def test_a_token_fits_a_url_path_and_an_address_local_part():
    token = make_token(EngagementFactory(), Purpose.EMAIL_REPLY)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len("escalations+" + token) <= 64


def test_a_tampered_or_forged_token_is_refused():
    engagement = EngagementFactory()
    token = make_token(engagement, Purpose.RESPONSE_PAGE)
    other = EngagementFactory()
    tampered = token.replace(f"{engagement.pk}.", f"{other.pk}.", 1)
    assert refusal(tampered) == Refusal.FORGED
    assert refusal(token[:-2]) == Refusal.FORGED
    assert refusal("not-a-token") == Refusal.FORGED


def test_a_token_for_one_purpose_opens_nothing_else():
    token = make_token(EngagementFactory(), Purpose.EMAIL_REPLY)
    assert refusal(token, Purpose.RESPONSE_PAGE) == Refusal.FORGED


def test_a_token_expires():
    engagement = EngagementFactory()
    with override_settings(RESPONSE_LINK_MAX_AGE_DAYS=14):
        token = make_token(engagement, Purpose.RESPONSE_PAGE)
        with time_machine.travel(timezone.now() + timedelta(days=13), tick=False):
            assert read_token(token, Purpose.RESPONSE_PAGE).engagement == engagement
        with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
            assert refusal(token) == Refusal.EXPIRED


def test_withdrawing_or_passing_on_the_request_revokes_its_tokens():
    withdrawn, passed_on = EngagementFactory(), EngagementFactory()
    tokens = [make_token(e, Purpose.RESPONSE_PAGE) for e in (withdrawn, passed_on)]
    withdrawn.state = EngagementState.WITHDRAWN
    withdrawn.save(update_fields=["state"])
    passed_on.admin = AdministratorFactory()
    passed_on.save(update_fields=["admin"])
    assert [refusal(t) for t in tokens] == [Refusal.REVOKED, Refusal.REVOKED]


def test_an_answer_by_re_routing_revokes_the_token():
    engagement = EngagementFactory()
    token = make_token(engagement, Purpose.RESPONSE_PAGE)
    AdminResponse.objects.create(
        engagement=engagement,
        outcome=Outcome.REDIRECTED,
        channel="email",
        responded_at=timezone.now(),
        redirect_detail="Ask the network team.",
        logged_by=engagement.requested_by,
    )
    assert refusal(token) == Refusal.REVOKED


def test_a_deleted_request_is_unknown():
    engagement = EngagementFactory()
    token = make_token(engagement, Purpose.RESPONSE_PAGE)
    engagement.delete()
    assert refusal(token) == Refusal.UNKNOWN


@override_settings(REPLY_TO_ADDRESS="escalations@example.org")
def test_the_reply_address_carries_a_reply_token():
    engagement = EngagementFactory()
    address = reply_address(engagement)
    assert address.startswith("escalations+") and address.endswith("@example.org")
    token = token_from_address(f"Support <{address}>".split("<")[1])
    assert read_token(token, Purpose.EMAIL_REPLY).engagement == engagement


def test_no_reply_address_without_the_setting():
    assert reply_address(EngagementFactory()) is None
    assert token_from_address("escalations@example.org") is None


def test_passing_an_escalation_on_revokes_the_first_admins_link(agent):
    from escalations.handoffs import services
    from tests.factories import TicketFactory
    from tickets.models import Tier

    ticket = TicketFactory(agent=agent)
    first = EngagementFactory(ticket=ticket, kind="escalate", reason="Theirs.", requested_by=agent)
    ticket.tier, ticket.admin = Tier.ESCALATE, first.admin
    ticket.save(update_fields=["tier", "admin"])
    token = make_token(first, Purpose.RESPONSE_PAGE)
    first.record_response(
        outcome=Outcome.DECLINED, channel="email", responded_at=timezone.now(), by=agent
    )
    assert read_token(token, Purpose.RESPONSE_PAGE).engagement == first  # a follow-up is fine

    services.pass_on(first, to=AdministratorFactory(), by=agent)

    assert refusal(token) == Refusal.REVOKED


def test_the_silence_scan_re_routing_an_escalation_revokes_the_silent_admins_link(agent):
    from escalations.handoffs import services
    from tests.factories import TicketFactory
    from tickets.models import Tier

    backup = AdministratorFactory()
    owner = AdministratorFactory(backup=backup)
    ticket = TicketFactory(agent=agent, tier=Tier.ESCALATE, admin=owner)
    silent = EngagementFactory(
        ticket=ticket,
        admin=owner,
        kind="escalate",
        reason="Theirs.",
        requested_by=agent,
        answer_due_at=timezone.now() - timedelta(minutes=1),
    )
    token = make_token(silent, Purpose.EMAIL_REPLY)
    logged, new = services.record_silence(silent, now=timezone.now())
    assert logged and new.admin == backup
    assert refusal(token, Purpose.EMAIL_REPLY) == Refusal.REVOKED
    assert read_token(make_token(new, Purpose.EMAIL_REPLY), Purpose.EMAIL_REPLY).engagement == new


def test_resolving_the_ticket_revokes_an_answered_requests_link(agent):
    engagement = EngagementFactory()
    token = make_token(engagement, Purpose.RESPONSE_PAGE)
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT, channel="email", responded_at=timezone.now(), by=agent
    )
    ticket = engagement.ticket
    ticket.status = "resolved"
    ticket.save(update_fields=["status"])
    assert refusal(token) == Refusal.REVOKED
