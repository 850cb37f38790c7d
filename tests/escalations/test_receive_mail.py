"""Email replies, end to end: real messages built with the standard library's email package,
fed to ``manage.py receive_mail`` (and the HTTP gateway) as a mail server would."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    EngagementState,
    InboundMail,
    InboundStatus,
    Outcome,
)
from escalations.handoffs.tokens import Purpose, TokenRefused, make_token, reply_address
from tests.factories import AgentFactory, EngagementFactory
from tickets.models import EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reply_to")]

BASE = Path(__file__).resolve().parents[2]
GMAIL_QUOTE = (
    "\n\nOn Tue, 1 Dec 2026 at 09:05, IT Support <support@example.org> wrote:\n"
    "> Could you advise on this ticket?\n> The printer queue is stuck.\n"
)
OUTLOOK_QUOTE = (
    "\n\n-----Original Message-----\nFrom: IT Support <support@example.org>\n"
    "Sent: Tuesday, December 1, 2026 9:05 AM\nTo: Admin\nSubject: Ticket 123\n\n"
    "Could you advise on this ticket?\n"
)
OUTLOOK_HEADER_QUOTE = (
    "\n\nFrom: IT Support <support@example.org>\nSent: Tuesday, December 1, 2026 9:05 AM\n"
    "To: Admin\nSubject: Ticket 123\n\nCould you advise on this ticket?\n"
)
APPLE_QUOTE = (
    "\n\n> On 1 Dec 2026, at 09:05, IT Support <support@example.org> wrote:\n>\n"
    "> Could you advise on this ticket?\n"
)


@pytest.fixture
def reply_to(settings):
    settings.REPLY_TO_ADDRESS = "escalations@example.org"


@pytest.fixture
def engagement():
    return EngagementFactory(ticket__external_id="INC-77")


def message(engagement, body="Restart the spooler on PRN-2.", *, sender=None, **headers):
    msg = EmailMessage()
    msg["From"] = sender or f"Admin <{engagement.admin.email}>"
    msg["To"] = reply_address(engagement)
    msg["Subject"] = "Re: Ticket INC-77"
    msg["Date"] = format_datetime(timezone.now() - timedelta(minutes=5))
    msg["Message-ID"] = make_msgid()
    for name, value in headers.items():
        del msg[name.replace("_", "-")]
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def addressed(msg, engagement, sender=None):
    msg["From"] = sender or engagement.admin.email
    msg["To"] = reply_address(engagement)
    msg["Date"] = format_datetime(timezone.now() - timedelta(minutes=5))
    msg["Message-ID"] = make_msgid()
    msg["Subject"] = "Re: Ticket INC-77"
    return msg


def receive(raw, *args) -> str:
    out = StringIO()
    call_command("receive_mail", *args, stdin=BytesIO(raw), stdout=out)
    return out.getvalue().strip()


def only_response(engagement) -> AdminResponse:
    (response,) = engagement.responses.all()
    return response


def assert_refused(raw, reason_part, *args):
    before = (AdminResponse.objects.count(), InboundMail.objects.count())
    line = receive(raw, *args)
    assert line.startswith("refused:") and reason_part in line, line
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.REFUSED and reason_part in mail.reason
    assert mail.text == "" and mail.response is None
    assert (AdminResponse.objects.count(), InboundMail.objects.count()) == (
        before[0],
        before[1] + 1,
    )
    return mail


def test_a_plain_reply_is_recorded_as_input_awaiting_classification(engagement):
    sent = timezone.now() - timedelta(minutes=5)
    msg = message(engagement, "Restart the spooler on PRN-2." + GMAIL_QUOTE)
    msg.replace_header("Date", format_datetime(sent))
    line = receive(msg.as_bytes())
    assert line.startswith("recorded:") and "INC-77" in line
    response = only_response(engagement)
    assert response.outcome == Outcome.GAVE_INPUT and response.channel == Channel.EMAIL
    assert response.awaiting_classification
    assert response.note == "Restart the spooler on PRN-2."
    assert abs((response.responded_at - sent).total_seconds()) < 1
    engagement.refresh_from_db()
    assert engagement.state == EngagementState.RESPONDED
    assert engagement.first_response_at == response.responded_at
    assert InboundMail.objects.get().response == response
    event = engagement.ticket.events.get(kind=EventKind.RESPONSE)
    assert "by email" in event.note and "Restart the spooler" in event.note


@pytest.mark.parametrize(
    "quote", [GMAIL_QUOTE, OUTLOOK_QUOTE, OUTLOOK_HEADER_QUOTE, APPLE_QUOTE], ids=str
)
def test_the_quoted_original_is_cut_for_each_mail_client(engagement, quote):
    receive(message(engagement, "Clear the queue, then restart it." + quote).as_bytes())
    note = only_response(engagement).note
    assert note == "Clear the queue, then restart it."
    assert "Could you advise" not in note


def test_an_html_only_reply_is_read_as_text(engagement):
    msg = message(engagement)
    msg.set_content(
        "<html><body><p>Use the <b>backup</b> printer &amp; tell them.</p>"
        "<blockquote>Could you advise on this ticket?</blockquote></body></html>",
        subtype="html",
    )
    receive(msg.as_bytes())
    assert only_response(engagement).note == "Use the backup printer & tell them."


def test_a_multipart_reply_with_attachments_keeps_the_text_only(engagement):
    msg = addressed(MIMEMultipart("mixed"), engagement)
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("See the attached log." + GMAIL_QUOTE, "plain", "utf-8"))
    alternative.attach(MIMEText("<p>See the attached log.</p>", "html", "utf-8"))
    msg.attach(alternative)
    log = MIMEApplication(b"\x00\x01binary log", Name="spool.log")
    log["Content-Disposition"] = 'attachment; filename="spool.log"'
    msg.attach(log)
    receive(msg.as_bytes())
    assert only_response(engagement).note == "See the attached log."


@pytest.mark.parametrize(
    "charset, text",
    [
        ("iso-8859-1", "Señor, relancez le café, déjà fait."),
        ("windows-1252", "Coût – 20 €, réglé."),
    ],
)
def test_non_utf8_charsets_are_decoded(engagement, charset, text):
    part = MIMEText("", "plain")
    part.set_payload(text.encode(charset), None)
    part.replace_header("Content-Type", f'text/plain; charset="{charset}"')
    part["Content-Transfer-Encoding"] = "8bit"
    raw = addressed(part, engagement).as_bytes()
    assert text.encode(charset) in raw and text.encode() not in raw
    receive(raw)
    assert only_response(engagement).note == text


def test_the_date_header_is_bounded_by_the_receive_time_and_the_request(engagement):
    future = message(engagement, Date=format_datetime(timezone.now() + timedelta(days=3)))
    before = timezone.now()
    receive(future.as_bytes())
    assert before <= only_response(engagement).responded_at <= timezone.now()

    other = EngagementFactory()
    past = message(other, Date=format_datetime(other.requested_at - timedelta(days=30)))
    receive(past.as_bytes())
    assert only_response(other).responded_at == other.requested_at


def test_the_envelope_recipient_argument_carries_the_token(engagement):
    msg = message(engagement, To="Undisclosed recipients:;")
    receive(msg.as_bytes(), "--recipient", reply_address(engagement))
    assert only_response(engagement).channel == Channel.EMAIL


def test_delivered_to_carries_the_token(engagement):
    msg = message(engagement, To="escalations@example.org", Delivered_To=reply_address(engagement))
    receive(msg.as_bytes())
    assert only_response(engagement).note == "Restart the spooler on PRN-2."


def test_mail_without_a_token_is_refused(engagement):
    assert_refused(message(engagement, To="escalations@example.org").as_bytes(), "no request")


def test_a_forged_token_is_refused(engagement):
    forged = reply_address(engagement).replace("+", "+x", 1)
    assert_refused(message(engagement, To=forged).as_bytes(), "forged token")


def test_a_response_page_token_is_not_a_reply_address(engagement):
    token = make_token(engagement, Purpose.RESPONSE_PAGE)
    msg = message(engagement, To=f"escalations+{token}@example.org")
    assert_refused(msg.as_bytes(), "forged token")


def test_a_token_of_a_deleted_request_is_unknown(engagement):
    raw = message(engagement).as_bytes()
    engagement.ticket.events.all().delete()
    engagement.delete()
    assert_refused(raw, "unknown token")


def test_a_revoked_token_is_refused(engagement):
    raw = message(engagement).as_bytes()
    engagement.state = EngagementState.WITHDRAWN
    engagement.save()
    mail = assert_refused(raw, "revoked token")
    assert mail.engagement == engagement


def test_a_reply_from_another_address_is_shown_but_never_counted(engagement, client):
    raw = message(engagement, "I can do it instead.", sender="deputy@example.org").as_bytes()
    line = receive(raw)
    assert line.startswith("reply from another address:")
    assert not engagement.responses.exists()
    engagement.refresh_from_db()
    assert engagement.first_response_at is None and engagement.state == EngagementState.OPEN
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.OTHER_SENDER and mail.engagement == engagement
    client.force_login(AgentFactory())
    page = client.get(reverse("tickets:detail", args=["INC-77"])).content.decode()
    assert "Reply from another address" in page and "deputy@example.org" in page
    assert "I can do it instead." in page


def test_a_message_over_the_size_limit_is_refused(engagement, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 2000
    raw = message(engagement, "x" * 5000).as_bytes()
    assert_refused(raw, "too large")


@pytest.mark.parametrize(
    "raw",
    [
        b"this is not an email at all",
        b"From: a@example.org\nTo: b@example.org\nContent-Type: multipart/mixed\n\nno boundary",
    ],
)
def test_malformed_mime_is_refused(raw):
    assert_refused(raw, "malformed")


def test_a_broken_multipart_body_is_refused(engagement):
    raw = (
        message(engagement)
        .as_bytes()
        .split(b"\n\n", 1)[0]
        .replace(b"Content-Type: text/plain", b'Content-Type: multipart/mixed; boundary="zz"')
        + b"\n\n--other\nContent-Type: text/plain\n\nhello\n"
    )
    assert_refused(raw, "malformed MIME")


@pytest.mark.parametrize(
    "header",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Out of office"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "junk"},
    ],
    ids=lambda h: next(iter(h)),
)
def test_auto_replies_are_recorded_as_such_and_do_not_stop_the_clock(engagement, header):
    line = receive(message(engagement, "I am out of the office.", **header).as_bytes())
    assert line.startswith("auto-reply:")
    assert not engagement.responses.exists()
    engagement.refresh_from_db()
    assert engagement.first_response_at is None and engagement.state == EngagementState.OPEN
    assert InboundMail.objects.get().status == InboundStatus.AUTO_REPLY


def test_auto_submitted_no_is_a_person_writing(engagement):
    assert receive(message(engagement, Auto_Submitted="no").as_bytes()).startswith("recorded:")


def test_the_same_message_delivered_twice_is_recorded_once(engagement):
    raw = message(engagement).as_bytes()
    receive(raw)
    assert receive(raw).startswith("refused: already recorded")
    assert engagement.responses.count() == 1


def test_the_agent_classifies_an_email_reply(engagement, client):
    engagement.kind, engagement.reason = "escalate", "Outage"
    engagement.save()
    receive(message(engagement, "I'll take it.").as_bytes())
    response = only_response(engagement)
    client.force_login(AgentFactory())
    url = reverse("tickets:detail", args=["INC-77"])
    page = client.get(url).content.decode()
    assert "Email replies to classify (1)" in page and "I&#x27;ll take it." in page
    assert f'href="#reply-{response.pk}">To classify</a>' in page
    classify = reverse("tickets:classify", args=["INC-77", response.pk])
    assert client.post(classify, {"outcome": "accepted"}).status_code == 302
    response.refresh_from_db()
    assert response.outcome == Outcome.ACCEPTED and not response.awaiting_classification
    event = engagement.ticket.events.filter(kind=EventKind.RESPONSE).latest("id")
    assert (event.before, event.after) == ("Gave input", "Accepted")
    page = client.get(url).content.decode()
    assert "Email replies to classify" not in page and "To classify</a>" not in page
    assert AuditEntry.objects.filter(target_id=str(response.pk)).exists()


def test_classifying_twice_or_badly_shows_the_error_and_changes_nothing(engagement, client):
    receive(message(engagement).as_bytes())
    response = only_response(engagement)
    client.force_login(AgentFactory())
    classify = reverse("tickets:classify", args=["INC-77", response.pk])
    # Accepting ownership is not something a request for input can get.
    refused = client.post(classify, {"outcome": "accepted"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    no_target = client.post(classify, {"outcome": "redirected"})
    assert "Say where the admin redirected it." in no_target.content.decode()
    response.refresh_from_db()
    assert response.outcome == Outcome.GAVE_INPUT and response.awaiting_classification
    client.post(classify, {"outcome": "declined"})
    again = client.post(classify, {"outcome": "gave_input"})
    assert "already been classified" in again.content.decode()
    response.refresh_from_db()
    assert response.outcome == Outcome.DECLINED


@override_settings(INBOUND_MAIL_SECRET="s3cret-gateway")
def test_the_http_gateway_records_the_same_message(engagement, client):
    url = reverse("mail_inbound")
    raw = message(engagement).as_bytes()
    assert client.post(url, raw, content_type="message/rfc822").status_code == 401
    wrong = client.post(
        url, raw, content_type="message/rfc822", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401 and not InboundMail.objects.exists()
    ok = client.post(
        url, raw, content_type="message/rfc822", headers={"Authorization": "Bearer s3cret-gateway"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "recorded"
    assert only_response(engagement).channel == Channel.EMAIL
    bad = client.post(
        url,
        b"not mail",
        content_type="message/rfc822",
        headers={"Authorization": "Bearer s3cret-gateway"},
    )
    assert bad.json()["status"] == "refused"


def test_the_http_gateway_is_off_without_a_secret(engagement, client, settings):
    settings.INBOUND_MAIL_SECRET = ""
    url = reverse("mail_inbound")
    response = client.post(
        url,
        message(engagement).as_bytes(),
        content_type="message/rfc822",
        headers={"Authorization": "Bearer "},
    )
    assert response.status_code == 404 and not InboundMail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_manage_py_receive_mail_reads_a_piped_message(migration_data, settings):
    """The pipe alias for real: a separate process, the message on its standard input."""
    from django.db import connection

    engagement = EngagementFactory(ticket__external_id="INC-77")

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "REPLY_TO_ADDRESS": settings.REPLY_TO_ADDRESS,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    # The process must open the test database, on whichever server the suite runs.
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = db["NAME"]
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    run = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(BASE / "manage.py"), "receive_mail"],
        # Postfix's pipe alias names the recipient in the environment, not always in To.
        input=message(
            engagement, "Piped in." + OUTLOOK_QUOTE, To="escalations@example.org"
        ).as_bytes(),
        capture_output=True,
        env={**env, "ORIGINAL_RECIPIENT": reply_address(engagement)},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().startswith("recorded:")
    assert only_response(engagement).note == "Piped in."

    refused = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(BASE / "manage.py"), "receive_mail"],
        input=b"garbage",
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert refused.returncode == 0 and refused.stdout.decode().startswith("refused:")


def test_supervisors_read_refusals_in_the_inbound_mail_log(engagement, client):
    from tests.factories import SupervisorFactory

    receive(message(engagement, To="escalations@example.org").as_bytes())
    client.force_login(SupervisorFactory(is_staff=True))
    page = client.get("/django-admin/escalations/inboundmail/")
    assert page.status_code == 200
    assert "no request token in the recipient address" in page.content.decode()


def test_an_expired_token_is_refused(engagement, settings):
    import time_machine

    raw = message(engagement).as_bytes()
    days = settings.RESPONSE_LINK_MAX_AGE_DAYS + 1
    with time_machine.travel(timezone.now() + timedelta(days=days)):
        assert_refused(raw, "expired token")


def test_a_reply_that_only_quotes_the_request_is_refused(engagement):
    assert_refused(message(engagement, GMAIL_QUOTE.strip()).as_bytes(), "no text of its own")


@override_settings(INBOUND_MAIL_SECRET="s3cret-gateway", INBOUND_MAIL_MAX_BYTES=2000)
def test_the_http_gateway_refuses_a_message_over_the_limit(engagement, client):
    response = client.post(
        reverse("mail_inbound"),
        message(engagement, "x" * 5000).as_bytes(),
        content_type="message/rfc822",
        headers={"Authorization": "Bearer s3cret-gateway"},
    )
    assert response.json()["status"] == "refused" and "too large" in response.json()["result"]
    assert not engagement.responses.exists()


def raw_with(engagement, **headers) -> bytes:
    """A reply whose named headers are written raw, as a broken mail client might."""
    raw = message(engagement).as_bytes()
    for name, value in headers.items():
        raw = raw.replace(b"\nSubject:", f"\n{name}: {value}\nSubject:".encode(), 1)
    return raw


def test_a_broken_cc_does_not_lose_a_reply_the_to_header_names(engagement):
    line = receive(raw_with(engagement, Cc='"a"@'))
    assert line.startswith("recorded"), line
    assert only_response(engagement).channel == Channel.EMAIL


def test_an_unreadable_sender_is_refused_with_a_logged_reason(engagement):
    raw = (
        message(engagement)
        .as_bytes()
        .replace(f"From: Admin <{engagement.admin.email}>".encode(), b"From: a:b;c", 1)
    )
    line = receive(raw)
    assert line.startswith("refused:"), line
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.REFUSED and "From" in mail.reason
    assert not engagement.responses.exists()


def test_the_log_keeps_no_working_reply_token(engagement):
    from escalations.handoffs.tokens import read_token, token_from_address

    receive(message(engagement).as_bytes(), "--recipient", reply_address(engagement))
    stored = InboundMail.objects.get().recipient
    assert stored.startswith("escalations+") and stored.endswith("@example.org")
    with pytest.raises(TokenRefused):
        read_token(token_from_address(stored), Purpose.EMAIL_REPLY)


def test_the_database_holds_one_recorded_answer_per_message(engagement):
    from django.db import IntegrityError, transaction

    first = InboundMail.objects.create(
        status=InboundStatus.RECORDED, message_id="<m1@example.org>", engagement=engagement
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InboundMail.objects.create(
            status=InboundStatus.RECORDED, message_id=first.message_id, engagement=engagement
        )
    # Refusals of the same message, and messages without an id, stay free to repeat.
    for status, message_id in ((InboundStatus.REFUSED, first.message_id), ("recorded", "")):
        InboundMail.objects.create(status=status, message_id=message_id)
        InboundMail.objects.create(status=status, message_id=message_id)
