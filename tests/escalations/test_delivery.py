"""The request email each administrator gets on Collaborate and Escalate, its record on the
request, its retries and the reminder."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from escalations import silence
from escalations.handoffs import delivery, services, tokens
from escalations.handoffs.models import (
    ChecklistAnswer,
    ChecklistItem,
    Delivery,
    DeliveryKind,
    Engagement,
    Outcome,
)
from tests.escalations.smtp_server import SMTPServer, free_port
from tests.factories import AdministratorFactory, ServiceFactory, TicketFactory
from tickets.models import Ticket
from tickets.sla.models import BusinessCalendar

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday, 10:00 in Berlin: inside business hours.
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def berlin():
    calendar = BusinessCalendar.current()
    calendar.time_zone = "Europe/Berlin"
    calendar.save()
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def ticket(agent):
    return TicketFactory(
        agent=agent,
        external_id="88001",
        title="VPN drops every hour",
        service=ServiceFactory(name="VPN"),
        requestor_name="Casey Adler",
        requestor_email="casey.adler@example.org",
    )


def collaborate(ticket, agent, *admins, message="Hi {admin}, could you advise on {ticket}?"):
    return services.collaborate(
        ticket, admins=admins, by=agent, message=message, reason="Needs the VPN team's view."
    )


def escalate(ticket, agent, admin):
    items = ChecklistItem.objects.filter(active=True)
    answers = {i.pk: (True, "done by phone" if n == 0 else "") for n, i in enumerate(items)}
    services.save_checklist(ticket, by=agent, answers=answers)
    return services.escalate(
        ticket,
        admin=admin,
        by=agent,
        tag="network",
        reason="Switch configuration is outside our access.",
        message="Hi {admin}, ticket {ticket} is yours now (checklist summary below).",
        meta_confirmed=True,
    )


def text_and_html(message) -> tuple[str, str]:
    return message.body, message.alternatives[0][0]


def test_collaborate_emails_each_admin_only_after_commit(
    agent, ticket, berlin, settings, django_capture_on_commit_callbacks
):
    settings.TICKET_URL_TEMPLATE = "https://tdx.example.edu/Ticket?id={id}"
    ada = AdministratorFactory(name="Ada Network", email="ada@example.org")
    bo = AdministratorFactory(name="Bo Firewall", email="bo@example.org")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        engagements = collaborate(ticket, agent, ada, bo)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    # One send for both requests (the other callbacks renew cached figures' tokens).
    sends = [c for c in callbacks if getattr(c, "func", None) is delivery._attempt_all]
    assert len(sends) == 1

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bo@example.org"]
    message = next(m for m in mail.outbox if m.to == ["ada@example.org"])
    assert message.subject == "Ticket #88001: your input is asked – VPN drops every hour"
    due = timezone.localtime(engagements[0].answer_due_at, BERLIN)
    for body in text_and_html(message):
        assert "Hello Ada Network" in body
        assert "#88001 VPN drops every hour" in body
        assert "VPN" in body and "High" in body
        assert "Casey Adler" in body and "casey.adler@example.org" in body
        assert "https://tdx.example.edu/Ticket?id=88001" in body
        assert "keeps ownership" in body and "input" in body
        assert "Needs the VPN team" in body
        assert "Hi Ada Network, could you advise on #88001?" in body
        assert due.strftime("%H:%M") in body and ("CET" in body or "CEST" in body)
        assert "Pre-escalation checklist" not in body
    assert Delivery.objects.filter(kind=DeliveryKind.REQUEST, sent_at__isnull=False).count() == 2
    assert set(Delivery.objects.values_list("to", flat=True).filter(kind="request")) == {
        "ada@example.org",
        "bo@example.org",
    }


def test_escalation_email_asks_for_ownership_with_the_checklist_summary(
    agent, ticket, django_capture_on_commit_callbacks
):
    admin = AdministratorFactory(name="Dana Owner", email="dana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin)

    (message,) = mail.outbox
    assert message.subject == "Ticket #88001: escalated to you – VPN drops every hour"
    answers = list(ChecklistAnswer.objects.filter(ticket=ticket))
    assert answers
    text, html = text_and_html(message)
    for body in (text, html):
        assert "take ownership" in body
        assert "Tag" in body and "network" in body
        assert "Pre-escalation checklist" in body
        assert "(done by phone)" in body
    for answer in answers:
        assert f"☑ {answer.item_text}" in text
        assert escape(f"☑ {answer.item_text}") in html


def test_a_rolled_back_request_sends_nothing(agent, ticket, django_capture_on_commit_callbacks):
    admin = AdministratorFactory(email="ada@example.org")
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        collaborate(ticket, agent, admin)
        raise RuntimeError("something after the request failed")
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_email_holds_the_admins_personal_response_link_and_reply_address(
    agent, ticket, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://esc.example.org"
    settings.REPLY_TO_ADDRESS = "escalations@example.org"
    admin = AdministratorFactory(email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        (engagement,) = collaborate(ticket, agent, admin)

    (message,) = mail.outbox
    for body in text_and_html(message):
        match = re.search(r"https://esc\.example\.org/respond/([\w.\-]+)/", body)
        assert match, body
        opened = tokens.read_token(match.group(1), tokens.Purpose.RESPONSE_PAGE)
        assert (opened.engagement, opened.admin_id) == (engagement, admin.pk)
    (reply_to,) = message.reply_to
    token = tokens.token_from_address(reply_to)
    assert reply_to.endswith("@example.org") and reply_to.startswith("escalations+")
    assert tokens.read_token(token, tokens.Purpose.EMAIL_REPLY).engagement == engagement


def test_without_a_reply_address_the_email_has_no_reply_to(
    agent, ticket, settings, django_capture_on_commit_callbacks
):
    settings.REPLY_TO_ADDRESS = ""
    admin = AdministratorFactory(email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        collaborate(ticket, agent, admin)
    (message,) = mail.outbox
    assert "/respond/" in message.body
    assert message.reply_to == []


def test_pass_on_emails_the_new_admin(agent, ticket, django_capture_on_commit_callbacks):
    ada = AdministratorFactory(name="Ada Network", email="ada@example.org")
    bo = AdministratorFactory(name="Bo Firewall", email="bo@example.org")
    (engagement,) = collaborate(ticket, agent, ada)
    engagement.record_response(
        outcome=Outcome.DECLINED, channel="email", responded_at=timezone.now(), by=agent
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.pass_on(engagement, to=bo, by=agent)
    (message,) = mail.outbox
    assert message.to == ["bo@example.org"]
    assert "Hello Bo Firewall" in message.body


def test_an_admin_without_an_address_is_shown_as_not_delivered(
    agent, ticket, agent_client, django_capture_on_commit_callbacks
):
    admin = AdministratorFactory(name="Nia Noaddress", email="")
    with django_capture_on_commit_callbacks(execute=True):
        collaborate(ticket, agent, admin)
    assert mail.outbox == []
    (sent,) = Delivery.objects.filter(kind=DeliveryKind.REQUEST)
    assert sent.sent_at is None and sent.attempts == 1
    page = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Not delivered:</strong> Nia Noaddress has no email address." in page


def smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


def test_a_send_the_mail_server_never_took_is_shown_and_retried_by_the_scan(
    agent, ticket, agent_client, settings, django_capture_on_commit_callbacks
):
    port = free_port()
    smtp_settings(settings, port)
    admin = AdministratorFactory(name="Ada Network", email="ada@example.org")

    # Nothing listens on the port: the connection is refused.
    with django_capture_on_commit_callbacks(execute=True):
        (engagement,) = collaborate(ticket, agent, admin)
    failed = Delivery.objects.get(kind=DeliveryKind.REQUEST)
    assert failed.sent_at is None
    assert f"could not reach the mail server at 127.0.0.1:{port}" in failed.error
    page = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Not delivered:</strong> could not reach the mail server" in page
    assert "Emailed to" not in page

    # A scan before the retry is due leaves it alone; the first after it sends it.
    with SMTPServer(port) as server:
        assert silence.run(timezone.now() + timedelta(minutes=1)).emailed == 0
        report = silence.run(timezone.now() + timedelta(minutes=6))
        again = silence.run(timezone.now() + timedelta(hours=2))
    assert (report.emailed, report.not_delivered) == (1, 0)
    assert again.emailed == 0  # the reminder is not due yet, the request is sent once
    (received,) = server.received
    assert received["To"] == "ada@example.org"
    assert "VPN drops every hour" in received["Subject"]
    text = received.get_body(("plain",)).get_content()
    assert "Hi Ada Network, could you advise on #88001?" in text
    assert received.get_body(("html",)) is not None
    sent = Delivery.objects.get(pk=failed.pk)
    assert sent.sent_at is not None and sent.error == "" and sent.attempts == 2
    page = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Emailed to Ada Network (ada@example.org) at" in page
    assert "Not delivered" not in page
    assert engagement.deliveries.count() == 2  # the request and its reminder


def test_a_recipient_the_mail_server_refuses_is_not_delivered(
    agent, ticket, settings, django_capture_on_commit_callbacks
):
    with SMTPServer() as server:
        smtp_settings(settings, server.port)
        server.refuse = True
        admin = AdministratorFactory(email="gone@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            collaborate(ticket, agent, admin)
    failed = Delivery.objects.get(kind=DeliveryKind.REQUEST)
    assert failed.sent_at is None
    assert failed.error.startswith("the mail server refused gone@example.org (550")
    assert server.received == []


def test_two_senders_holding_the_same_row_send_once(agent, ticket):
    admin = AdministratorFactory(email="ada@example.org")
    collaborate(ticket, agent, admin)  # no commit in this test: nothing sent yet
    row = Delivery.objects.get(kind=DeliveryKind.REQUEST)
    stale = Delivery.objects.get(pk=row.pk)

    assert delivery.attempt(row) is True
    assert delivery.attempt(stale) is None  # a second scan read the same row: claim lost
    assert len(mail.outbox) == 1


def test_the_reminder_goes_once_at_half_the_answer_time(
    agent, ticket, berlin, django_capture_on_commit_callbacks
):
    admin = AdministratorFactory(name="Ada Network", email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        (engagement,) = collaborate(ticket, agent, admin)
    mail.outbox.clear()
    reminder = Delivery.objects.get(kind=DeliveryKind.REMINDER)
    cal = services.sla.load_calendar()
    half = services.sla.business_seconds_between(
        cal, engagement.requested_at, engagement.answer_due_at
    )
    assert services.sla.business_seconds_between(
        cal, engagement.requested_at, reminder.due_at
    ) == pytest.approx(half / 2, abs=1)

    assert silence.run(reminder.due_at - timedelta(seconds=1)).emailed == 0
    assert silence.run(reminder.due_at).emailed == 1
    assert silence.run(reminder.due_at + timedelta(minutes=30)).emailed == 0
    (message,) = mail.outbox
    assert message.subject.startswith("Reminder: ticket #88001 awaits your answer by")
    assert "no answer is recorded yet" in message.body
    assert "Hi Ada Network, could you advise on #88001?" in message.body


def test_no_reminder_once_the_admin_has_answered(agent, ticket, berlin):
    admin = AdministratorFactory(email="ada@example.org")
    (engagement,) = collaborate(ticket, agent, admin)
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT, channel="email", responded_at=timezone.now(), by=agent
    )
    reminder = Delivery.objects.get(kind=DeliveryKind.REMINDER)
    assert silence.run(reminder.due_at + timedelta(minutes=1)).emailed == 0
    assert mail.outbox == []


def test_the_reminder_share_is_a_setting(agent, ticket, berlin, settings):
    settings.REQUEST_REMINDER_SHARE = 0.25
    (engagement,) = collaborate(ticket, agent, AdministratorFactory())
    reminder = Delivery.objects.get(kind=DeliveryKind.REMINDER)
    cal = services.sla.load_calendar()
    total = services.sla.business_seconds_between(
        cal, engagement.requested_at, engagement.answer_due_at
    )
    elapsed = services.sla.business_seconds_between(cal, engagement.requested_at, reminder.due_at)
    assert elapsed == pytest.approx(total / 4, abs=1)

    settings.REQUEST_REMINDER_SHARE = 0
    Engagement.objects.all().update(state="withdrawn")
    collaborate(ticket, agent, AdministratorFactory())
    assert Delivery.objects.filter(kind=DeliveryKind.REMINDER).count() == 1


def test_the_ticket_page_says_what_happened_and_offers_the_message_to_copy(
    agent, ticket, agent_client, django_capture_on_commit_callbacks
):
    ada = AdministratorFactory(name="Ada Network", email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, ada)
    sent = Delivery.objects.get(kind=DeliveryKind.REQUEST)
    sent_at = timezone.localtime(sent.sent_at).strftime("%H:%M")

    page = agent_client.get(ticket.get_absolute_url()).content.decode()

    assert "Emailed to Ada Network (ada@example.org) at <time" in page
    assert f">{sent_at}</time>" in page
    assert 'data-copy="#copy-text-' in page and "Copy message</button>" in page
    copied = re.search(r'<div hidden id="copy-text-\d+">(.*?)</div>', page, re.S).group(1)
    assert copied.startswith("Hi Ada Network, ticket #88001 is yours now")
    assert "Pre-escalation checklist:\n☑ " in copied
    assert "Reminder due" in page
    assert "<script" not in page.split("</head>")[1]  # no inline script: CSP stays strict


def test_a_calendar_change_moves_a_reminder_not_yet_sent(agent, ticket, berlin):
    (engagement,) = collaborate(ticket, agent, AdministratorFactory())
    before = Delivery.objects.get(kind=DeliveryKind.REMINDER).due_at
    shorter = replace(services.sla.load_calendar(), closes=time(12, 0))

    services.recompute_answer_deadlines(Ticket.objects.filter(pk=ticket.pk), cal=shorter)

    engagement.refresh_from_db()
    moved = Delivery.objects.get(kind=DeliveryKind.REMINDER).due_at
    assert moved != before
    assert moved == delivery.reminder_at(engagement, shorter)
