"""Seed 002: an administrator's manager hears when their staff are escalated to, and when a
request to them went unanswered."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from escalations import silence
from escalations.handoffs import services
from escalations.handoffs.models import EngagementKind
from escalations.handoffs.services import ChecklistIncomplete
from escalations.notifications.models import NoticeKind, SentNotice
from tests.escalations.test_handoff_services import complete_checklist, escalate
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory

pytestmark = pytest.mark.django_db

BOSS = "lee.boss@example.org"


def staff(name="Dana Owner", **kwargs):
    values = {"manager_name": "Lee Boss", "manager_email": BOSS, "team": "Network"}
    return AdministratorFactory(name=name, **{**values, **kwargs})


def to_manager(mailoutbox, address=BOSS):
    return [m for m in mailoutbox if m.to == [address]]


def test_the_manager_is_told_after_commit_when_their_staff_member_is_escalated_to(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(agent=agent, title="Core switch <down> & loud")
    complete_checklist(ticket, agent)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        engagement = escalate(ticket, agent, admin=staff())
        assert to_manager(mailoutbox) == []  # not before the escalation is committed
    assert callbacks

    [mail] = to_manager(mailoutbox)
    assert mail.subject == f"Dana Owner was escalated to: ticket #{ticket.external_id}"
    assert "Hello Lee Boss," in mail.body
    assert "to Dana Owner (Network), who is named as one of your staff" in mail.body
    assert "Core switch <down> & loud" in mail.body
    assert "Switch configuration is outside our access." in mail.body
    html = mail.alternatives[0][0]
    assert "Core switch &lt;down&gt; &amp; loud" in html
    assert f"http://127.0.0.1:8000/tickets/{ticket.external_id}/" in mail.body
    notice = SentNotice.objects.get()
    assert (notice.kind, notice.recipient, notice.engagement, notice.admin) == (
        NoticeKind.MANAGER_ESCALATED,
        BOSS,
        engagement,
        engagement.admin,
    )
    assert notice.sent_at is not None and notice.error == ""


def test_no_manager_address_means_no_notice(agent, mailoutbox, django_capture_on_commit_callbacks):
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    admin = staff(manager_email="")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin=admin)
    assert [m.to for m in mailoutbox] == [[admin.email]]  # the request itself, nothing else
    assert not SentNotice.objects.exists()


def test_a_request_for_input_alone_does_not_tell_the_manager(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.collaborate(TicketFactory(agent=agent), admins=[staff()], by=agent, message="Hi")
    assert to_manager(mailoutbox) == []


def test_an_escalation_refused_tells_nobody(agent, mailoutbox, django_capture_on_commit_callbacks):
    ticket = TicketFactory(agent=agent)  # the checklist is not complete
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChecklistIncomplete):
        escalate(ticket, agent, admin=staff())
    assert mailoutbox == []
    assert not SentNotice.objects.exists()


def test_passing_an_escalation_on_tells_the_new_owners_manager(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(agent=agent)
    engagement = EngagementFactory(
        ticket=ticket,
        admin=AdministratorFactory(name="Sam Silent"),
        kind=EngagementKind.ESCALATE,
        reason="Outside our access.",
        answer_due_at=timezone.now() - timedelta(minutes=5),
    )
    ticket.admin = engagement.admin
    ticket.save()
    silence.run()
    engagement.refresh_from_db()
    other = staff("Eve Other", manager_email="kim.lead@example.org", manager_name="Kim Lead")
    with django_capture_on_commit_callbacks(execute=True):
        services.pass_on(engagement, to=other, by=agent)
    [mail] = to_manager(mailoutbox, "kim.lead@example.org")
    assert mail.subject == f"Eve Other was escalated to: ticket #{ticket.external_id}"
    assert "Hello Kim Lead," in mail.body


def test_the_manager_is_told_once_when_a_request_to_their_staff_goes_silent(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(agent=agent, title="VPN drops")
    backup = AdministratorFactory(name="Bo Backup")
    silent = staff("Sam Silent", backup=backup)
    EngagementFactory(
        ticket=ticket, admin=silent, answer_due_at=timezone.now() - timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = silence.run()
    with django_capture_on_commit_callbacks(execute=True):
        silence.run()  # a second scan finds nothing more to tell
        silence.run(now=timezone.now() + timedelta(minutes=10))

    assert report.silences == 1
    [mail] = to_manager(mailoutbox)
    assert mail.subject == f"Sam Silent did not answer: ticket #{ticket.external_id}"
    assert "asked Sam Silent, who is named as one of your staff, to give input on" in mail.body
    assert "VPN drops" in mail.body
    assert "The request went on to Bo Backup." in mail.body
    assert "Bo Backup" in mail.alternatives[0][0]
    notice = SentNotice.objects.get(kind=NoticeKind.MANAGER_SILENCE)
    assert notice.admin == silent and notice.sent_at is not None


def test_a_silence_without_a_manager_tells_no_manager(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    silent = AdministratorFactory(name="Sam Silent")
    EngagementFactory(admin=silent, answer_due_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        silence.run()
    assert mailoutbox  # the scan did send its own notices
    assert not SentNotice.objects.exists()
    assert all("did not answer:" not in m.subject for m in mailoutbox)


def test_a_mail_server_that_refuses_is_recorded_on_the_notice(
    agent, settings, django_capture_on_commit_callbacks
):
    # A real connection to a port nobody listens on: the SMTP backend's own failure.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    ticket = TicketFactory(agent=agent)
    complete_checklist(ticket, agent)
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin=staff())
    notice = SentNotice.objects.get()
    assert notice.sent_at is None
    assert notice.error.startswith("not delivered:")
