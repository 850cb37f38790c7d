"""The response page: an administrator answers from their personal link, without a log-in; a
link that does not open the request gets a clear page, changes nothing and is on record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import AuditAction, AuditEntry
from escalations.handoffs import services
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    Engagement,
    EngagementState,
    Outcome,
    Procedure,
)
from escalations.handoffs.tokens import REFUSAL_MESSAGES, Purpose, Refusal, make_token
from tests.factories import AdministratorFactory, EngagementFactory, ServiceFactory
from tickets.models import EventKind

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def link(engagement: Engagement, purpose: Purpose = Purpose.RESPONSE_PAGE) -> str:
    return reverse("respond", args=[make_token(engagement, purpose)])


@pytest.fixture
def escalation():
    service = ServiceFactory(name="VPN")
    engagement = EngagementFactory(kind="escalate", reason="Certificates are theirs")
    engagement.ticket.service = service
    engagement.ticket.save()
    return engagement


def post(client, url: str, **data):
    fields = {
        "choice": "",
        "note": "",
        "redirect_to": "",
        "redirect_admin": "",
        "procedure_title": "",
        "procedure_steps": "",
        "next_time": "",
    }
    return client.post(url, {**fields, **data}, REMOTE_ADDR=IP)


def audit_actions() -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="link_")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_page_opens_without_a_log_in_and_shows_what_is_asked(client, escalation):
    page = client.get(link(escalation), REMOTE_ADDR=IP)
    assert page.status_code == 200
    text = page.content.decode()
    assert escalation.ticket.title in text and escalation.message in text
    assert "take ownership" in text and "Accept: I take ownership" in text
    assert "What process can the support center follow" in text
    assert 'name="csrfmiddlewaretoken"' in text and "csrftoken" in page.cookies
    # None of the signed-in navigation.
    assert reverse("tickets:list") not in text and "Log out" not in text
    entry = AuditEntry.objects.get(action=AuditAction.LINK_OPENED)
    assert (entry.target_id, entry.ip_address) == (str(escalation.pk), IP)
    assert make_token(escalation, Purpose.RESPONSE_PAGE) not in entry.path


def test_a_request_for_input_offers_no_accept(client):
    engagement = EngagementFactory()
    text = client.get(link(engagement)).content.decode()
    assert "You are asked for <strong>input</strong>" in text
    assert 'value="accept"' not in text
    response = post(client, link(engagement), choice="accept")
    assert response.status_code == 400
    assert not engagement.responses.exists()


def test_accepting_records_the_answer_with_its_channel_address_and_time(client, escalation):
    at = timezone.now()
    response = post(client, link(escalation), choice="accept", next_time="Restart the agent")
    assert response.status_code == 302 and response.url.endswith("#recorded")
    answer = escalation.responses.get()
    assert (answer.outcome, answer.channel, answer.source_ip) == (
        Outcome.ACCEPTED,
        Channel.RESPONSE_PAGE,
        IP,
    )
    assert answer.next_time == "Restart the agent" and answer.logged_by is None
    escalation.refresh_from_db()
    assert escalation.state == EngagementState.RESPONDED
    assert abs(escalation.first_response_at - at) < timedelta(seconds=5)
    assert escalation.first_response_seconds >= 24 * 3600 - 5
    event = escalation.ticket.events.get(kind=EventKind.RESPONSE)
    assert "accepted by response page" in event.note and "Restart the agent" in event.note
    assert audit_actions() == [AuditAction.LINK_ANSWERED]
    # The response, the request's change and the answer are all logged, none with the link.
    signature = make_token(escalation, Purpose.RESPONSE_PAGE).rsplit(".", 1)[1]
    entries = AuditEntry.objects.filter(ip_address=IP)
    assert entries.count() >= 3 and not entries.filter(path__contains=signature).exists()


def test_giving_input_needs_the_input(client):
    engagement = EngagementFactory()
    refused = post(client, link(engagement), choice="input")
    assert refused.status_code == 400
    assert "Write your input." in refused.content.decode()
    assert not engagement.responses.exists()
    post(client, link(engagement), choice="input", note="Clear the cache first.")
    answer = engagement.responses.get()
    assert (answer.outcome, answer.note) == (Outcome.GAVE_INPUT, "Clear the cache first.")


def test_declining_needs_a_reason_and_is_called_declined_without_redirect(client, escalation):
    refused = post(client, link(escalation), choice="decline")
    assert refused.status_code == 400 and "Write why you decline." in refused.content.decode()
    assert not escalation.responses.exists()
    post(client, link(escalation), choice="decline", note="Not our system.")
    answer = escalation.responses.get()
    assert answer.get_outcome_display() == "Declined without redirect"
    escalation.refresh_from_db()
    assert escalation.badge[1] == "Declined without redirect"
    assert escalation.dead_end == "declined without a redirect"
    page = client.get(link(escalation)).content.decode()
    assert "Declined without redirect" in page and "Not our system." in page


def test_redirecting_to_another_admin_closes_the_link(client, escalation):
    other = AdministratorFactory(name="Bo Backup")
    url = link(escalation)
    choices = client.get(url).content.decode()
    assert "Bo Backup" in choices
    assert f'<option value="{escalation.admin_id}"' not in choices
    shown = post(client, url, choice="redirect", redirect_to="admin", redirect_admin=other.pk)
    assert shown.status_code == 200 and "this link is now closed" in shown.content.decode()
    answer = escalation.responses.get()
    assert (answer.outcome, answer.redirect_admin) == (Outcome.REDIRECTED, other)
    assert "redirected to Bo Backup" in escalation.ticket.events.get(kind=EventKind.RESPONSE).note
    again = client.get(url)
    assert again.status_code == 410
    assert REFUSAL_MESSAGES[Refusal.REVOKED] in again.content.decode()


def test_redirecting_to_a_procedure_they_write_saves_it_for_the_service(client, escalation):
    url = link(escalation)
    missing = post(client, url, choice="redirect", redirect_to="procedure", procedure_title="X")
    assert missing.status_code == 400 and "Give the procedure steps." in missing.content.decode()
    assert not Procedure.objects.exists()
    post(
        client,
        url,
        choice="redirect",
        redirect_to="procedure",
        procedure_title="Renew a VPN certificate",
        procedure_steps="1. Open the portal\n2. Renew",
    )
    answer = escalation.responses.get()
    assert answer.redirect_detail == "the procedure “Renew a VPN certificate”"
    procedure = Procedure.objects.get()
    assert (procedure.service, procedure.source, procedure.created_by) == (
        escalation.ticket.service,
        answer,
        None,
    )
    kinds = set(escalation.ticket.events.values_list("kind", flat=True))
    assert {EventKind.RESPONSE, EventKind.PROCEDURE} <= kinds


def test_a_procedure_without_a_service_stays_with_the_answer(client):
    engagement = EngagementFactory()
    post(
        client,
        link(engagement),
        choice="redirect",
        redirect_to="procedure",
        procedure_title="Reset",
        procedure_steps="Turn it off and on",
    )
    assert not Procedure.objects.exists()
    assert "Turn it off and on" in engagement.responses.get().note


def test_opening_again_shows_the_answer_and_a_follow_up_adds_one(client, escalation):
    url = link(escalation)
    post(client, url, choice="input", note="First thoughts")
    first = escalation.responses.get()
    page = client.get(url).content.decode()
    assert "First thoughts" in page and "Send a follow-up answer" in page
    post(client, url, choice="accept", note="I'll take it")
    escalation.refresh_from_db()
    answers = list(escalation.responses.all())
    assert [a.outcome for a in answers] == [Outcome.GAVE_INPUT, Outcome.ACCEPTED]
    assert AdminResponse.objects.get(pk=first.pk).note == "First thoughts"
    # The time to first response stays the first answer's.
    assert escalation.first_response_at == first.responded_at


def test_the_answer_counts_in_the_response_summary(client, escalation):
    from reports.summary import response_summary

    (before,) = response_summary(admins=[escalation.admin])
    post(client, link(escalation), choice="accept")
    (after,) = response_summary(admins=[escalation.admin])
    assert (before.responded, after.responded) == (0, 1)
    assert after.median_seconds is not None


# The token matrix: each a clear page, nothing saved, an audit entry.


def _withdrawn(engagement):
    Engagement.objects.filter(pk=engagement.pk).withdraw("Ticket resolved")


def _redirected(engagement):
    engagement.record_response(
        outcome=Outcome.REDIRECTED,
        channel=Channel.EMAIL,
        responded_at=timezone.now(),
        by=engagement.requested_by,
        redirect_detail="Ask the network team",
    )


def _passed_on(engagement):
    engagement.admin = AdministratorFactory()
    engagement.save(update_fields=["admin"])


@pytest.mark.parametrize(
    ("make", "status", "reason"),
    [
        ("forged", 404, Refusal.FORGED),
        ("tampered", 404, Refusal.FORGED),
        ("cut short", 404, Refusal.FORGED),
        ("wrong purpose", 404, Refusal.FORGED),
        ("expired", 410, Refusal.EXPIRED),
        ("withdrawn", 410, Refusal.REVOKED),
        ("redirected", 410, Refusal.REVOKED),
        ("passed on", 410, Refusal.REVOKED),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_that_opens_nothing_gets_a_clear_page_and_changes_nothing(
    client, escalation, make, status, reason, method
):
    token = make_token(escalation, Purpose.RESPONSE_PAGE)
    other = EngagementFactory()
    tokens = {
        "forged": "12.34.abc.notasignatureatall",
        "tampered": token.replace(f"{escalation.pk}.", f"{other.pk}.", 1),
        "cut short": token[:-3],
        "wrong purpose": make_token(escalation, Purpose.EMAIL_REPLY),
    }
    revoke = {"withdrawn": _withdrawn, "redirected": _redirected, "passed on": _passed_on}
    if make in revoke:
        revoke[make](escalation)
    token = tokens.get(make, token)
    responses = AdminResponse.objects.count()
    events = escalation.ticket.events.count()
    url = reverse("respond", args=[token])
    with time_machine.travel(timezone.now() + timedelta(days=15 if make == "expired" else 0)):
        if method == "get":
            page = client.get(url, REMOTE_ADDR=IP)
        else:
            page = post(client, url, choice="accept", note="Mine now")
    assert page.status_code == status
    text = page.content.decode()
    assert REFUSAL_MESSAGES[reason] in text and "Nothing was recorded" in text
    assert "<form" not in text and escalation.message not in text
    assert AdminResponse.objects.count() == responses
    assert escalation.ticket.events.count() == events
    entry = AuditEntry.objects.get(action=AuditAction.LINK_REFUSED)
    assert (entry.changes["reason"], entry.ip_address) == (reason, IP)


def test_a_link_replayed_after_revocation_is_refused_and_saves_nothing(client, escalation):
    url = link(escalation)
    assert client.get(url).status_code == 200
    services.withdraw_open_requests(escalation.ticket, reason="Resolved by the support center")
    assert client.get(url).status_code == 410
    assert post(client, url, choice="accept", note="Taking it").status_code == 410
    assert not escalation.responses.exists()
    assert audit_actions() == [AuditAction.LINK_OPENED, *[AuditAction.LINK_REFUSED] * 2]


def test_a_link_replayed_after_its_redirect_answer_is_refused(client, escalation):
    url = link(escalation)
    post(
        client,
        url,
        choice="redirect",
        redirect_to="admin",
        redirect_admin=AdministratorFactory().pk,
    )
    replayed = post(client, url, choice="accept", note="Taking it after all")
    assert replayed.status_code == 410
    assert [r.outcome for r in escalation.responses.all()] == [Outcome.REDIRECTED]
    assert audit_actions() == [AuditAction.LINK_ANSWERED, AuditAction.LINK_REFUSED]


def test_a_request_withdrawn_while_the_page_was_open_is_not_answered(client, escalation):
    from escalations.handoffs import respond

    form = respond.ResponsePageForm({"choice": "accept"}, engagement=escalation)
    assert form.is_valid()
    _withdrawn(escalation)
    with pytest.raises(respond.tokens.TokenRefused):
        respond.answer(
            escalation, admin_id=escalation.admin_id, data=form.cleaned_data, source_ip=IP
        )
    assert not escalation.responses.exists()


@override_settings(RESPONSE_PAGE_RATE_LIMIT=3)
def test_attempts_are_limited_per_address_and_per_link(client, escalation):
    url = link(escalation)
    assert [client.get(url, REMOTE_ADDR=IP).status_code for _ in range(3)] == [200] * 3
    limited = client.get(url, REMOTE_ADDR=IP)
    assert limited.status_code == 429 and "Too many attempts" in limited.content.decode()
    # Guessing other links from the same address is limited as well.
    assert client.get(reverse("respond", args=["1.2.x.y"]), REMOTE_ADDR=IP).status_code == 429
    # The same link from elsewhere is limited too, so it cannot be hammered from many hosts.
    assert client.get(url, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get(link(EngagementFactory()), REMOTE_ADDR="198.51.100.2").status_code == 200
    assert post(client, url, choice="accept").status_code == 429
    assert not escalation.responses.exists()
    refused = AuditEntry.objects.filter(action=AuditAction.LINK_REFUSED)
    assert [e.changes["reason"] for e in refused] == ["rate limited"]


@pytest.mark.parametrize(
    "data",
    [
        {"choice": "ownership"},
        {"choice": "redirect", "redirect_to": "admin", "redirect_admin": "not-a-number"},
        {"choice": "redirect", "redirect_to": "elsewhere"},
        {"choice": "input", "note": "x" * 5001},
        {"choice": "input", "note": "null\x00byte"},
        {"choice": "decline", "note": "   "},
    ],
)
def test_bad_input_is_refused_beside_the_field_and_saves_nothing(client, escalation, data):
    response = post(client, link(escalation), **data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not escalation.responses.exists()
    assert not escalation.ticket.events.filter(kind=EventKind.RESPONSE).exists()


def test_redirecting_to_the_admin_asked_is_refused(client, escalation):
    response = post(
        client,
        link(escalation),
        choice="redirect",
        redirect_to="admin",
        redirect_admin=escalation.admin_id,
    )
    assert response.status_code == 400
    assert not escalation.responses.exists()


def test_user_text_is_escaped(client, escalation):
    post(client, link(escalation), choice="input", note="<script>alert(1)</script>")
    page = client.get(link(escalation)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_csrf_stays_on(escalation):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(link(escalation), {"choice": "accept"}).status_code == 403
    assert not escalation.responses.exists()


def test_a_refused_answer_leaves_no_working_link_in_the_server_log(client, escalation, caplog):
    url = link(escalation)
    with caplog.at_level("WARNING", logger="django.request"):
        assert post(client, url, choice="decline").status_code == 400
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "/respond/" in logged
    assert url not in logged
    assert url.rstrip("/").rpartition(".")[2] not in logged  # the signature


def test_the_page_names_the_priority_as_every_other_page_does(client, escalation):
    from tickets.models import Priority

    escalation.ticket.priority = Priority.objects.create(number=91, name="Emergency-ish")
    escalation.ticket.save(update_fields=["priority"])
    text = client.get(link(escalation), REMOTE_ADDR=IP).content.decode()
    assert "<dd>Emergency-ish</dd>" in text and "91 –" not in text
