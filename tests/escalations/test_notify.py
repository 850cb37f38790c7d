from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from escalations.notifications.models import Notification
from escalations.notifications.notify import email_admin, notify, render
from escalations.urgent.models import UrgentRequest
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    EngagementFactory,
    SupervisorFactory,
    TicketFactory,
    UserFactory,
)

LIST = reverse("notifications")
READ = reverse("notifications_read")
DUE = timezone.now() + timedelta(minutes=30)


def sla_context(ticket) -> dict:
    return {"ticket": ticket, "due_at": DUE, "kind": "response"}


def inbox(user, n: int = 1, **fields) -> list[Notification]:
    now = timezone.now()
    return [
        Notification.objects.create(
            user=user,
            subject=fields.get("subject", f"Notice {i}"),
            body=fields.get("body", f"Body {i}"),
            url=fields.get("url", ""),
            created_at=now - timedelta(minutes=n - i),
            read_at=fields.get("read_at"),
        )
        for i in range(n)
    ]


# notify() and email_admin() -------------------------------------------------------------------


def test_notify_writes_rows_now_and_mails_text_and_html_only_after_commit(
    db, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://dash.example.org/"
    ticket = TicketFactory(external_id="700123", title="Mail server slow")
    ann, bob = AgentFactory(), SupervisorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            [ann, bob], template="sla_due_soon", context=sla_context(ticket), ticket=ticket
        )
        assert mailoutbox == []  # still inside the transaction
        assert Notification.objects.count() == 2
    assert [n.user for n in created] == [ann, bob]
    row = Notification.objects.get(user=ann)
    assert "#700123" in row.subject
    assert row.ticket == ticket
    assert row.url == ticket.get_absolute_url()  # defaults to the ticket's page
    assert row.read_at is None
    assert "Mail server slow" in row.body
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ann.email, bob.email])
    mail = next(m for m in mailoutbox if m.to == [ann.email])
    assert mail.subject == row.subject
    assert "Mail server slow" in mail.body
    link = f"https://dash.example.org{ticket.get_absolute_url()}"
    assert link in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "Mail server slow" in html


def test_nothing_is_mailed_or_kept_when_the_transaction_rolls_back(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()
    agent = AgentFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([agent], template="sla_breached", context=sla_context(ticket), ticket=ticket)
        raise RuntimeError("the caller failed after notifying")
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_user_without_email_still_gets_the_in_app_notice(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()
    silent, mailed = AgentFactory(email=""), AgentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify([silent, mailed], template="sla_breached", context=sla_context(ticket))
    assert set(Notification.objects.values_list("user", flat=True)) == {silent.pk, mailed.pk}
    assert [m.to for m in mailoutbox] == [[mailed.email]]


def test_inactive_users_are_skipped(db, mailoutbox, django_capture_on_commit_callbacks):
    ticket = TicketFactory()
    gone, here = AgentFactory(is_active=False), AgentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([gone, here], template="sla_breached", context=sla_context(ticket))
    assert [n.user for n in created] == [here]
    assert not Notification.objects.filter(user=gone).exists()
    assert [m.to for m in mailoutbox] == [[here.email]]


def test_each_user_is_told_once(db, mailoutbox, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    ticket = TicketFactory()
    sue = SupervisorFactory()
    same_sue = get_user_model().objects.get(pk=sue.pk)
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            [sue, None, same_sue, sue], template="sla_breached", context=sla_context(ticket)
        )
    assert len(created) == 1
    assert Notification.objects.filter(user=sue).count() == 1
    assert len(mailoutbox) == 1


def test_nobody_to_tell_writes_and_sends_nothing(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notify([], template="does_not_exist", context={}) == []
    assert callbacks == []
    assert mailoutbox == []


def test_email_admin_mails_the_admin_and_keeps_no_row(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    backup = AdministratorFactory(name="Rowan Backup")
    engagement = EngagementFactory(ticket=TicketFactory(external_id="700456"))
    with django_capture_on_commit_callbacks(execute=True):
        email_admin(
            engagement.admin,
            template="no_response_admin",
            context={"engagement": engagement, "backup": backup},
        )
        assert mailoutbox == []
    assert not Notification.objects.exists()
    [mail] = mailoutbox
    assert mail.to == [engagement.admin.email]
    assert "#700456" in mail.subject
    assert "Rowan Backup" in mail.body
    assert "Rowan Backup" in mail.alternatives[0][0]


def test_email_admin_is_also_held_until_commit_and_dropped_on_rollback(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    engagement = EngagementFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_admin(
            engagement.admin,
            template="no_response_admin",
            context={"engagement": engagement, "backup": None},
        )
        raise RuntimeError
    assert mailoutbox == []


def test_mail_failure_is_logged_not_raised(
    db, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def refuse(self, fail_silently=False):
        assert fail_silently is False
        raise smtplib.SMTPException("relay refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    ticket = TicketFactory(external_id="700789")
    agent = AgentFactory()
    with caplog.at_level(logging.ERROR, logger="escalations.notifications.notify"):
        with django_capture_on_commit_callbacks(execute=True):
            created = notify([agent], template="sla_breached", context=sla_context(ticket))
        with django_capture_on_commit_callbacks(execute=True):
            email_admin(
                AdministratorFactory(),
                template="sla_breached",
                context=sla_context(ticket),
            )
    assert Notification.objects.get() == created[0]
    failures = [r for r in caplog.records if r.name == "escalations.notifications.notify"]
    assert len(failures) == 2
    assert all(r.exc_info and isinstance(r.exc_info[1], smtplib.SMTPException) for r in failures)
    assert agent.email in failures[0].getMessage()


# The templates --------------------------------------------------------------------------------


def _contexts() -> dict[str, dict]:
    ticket = TicketFactory(external_id="712345", title="Payroll export <fails> & stops")
    previous = AdministratorFactory(name="Quinn Previous")
    backup = AdministratorFactory(name="Robin Backup")
    engagement = EngagementFactory(
        ticket=ticket, admin=previous, message="Please check the export job."
    )
    rerouted = EngagementFactory(
        ticket=ticket, admin=backup, kind="escalate", reason="Owner silent", message="Take it on."
    )
    filer = UserFactory(first_name="Morgan", last_name="Filer")
    urgent = UrgentRequest.objects.create(
        ticket=ticket,
        filed_by=filer,
        business_impact="Forty people cannot be paid.",
        reason="Payday is tomorrow.",
    )
    return {
        "sla_due_soon": ({**sla_context(ticket)}, ["due soon", "response"]),
        "sla_breached": ({**sla_context(ticket), "kind": "resolution"}, ["missed", "resolution"]),
        "no_response": (
            {"engagement": engagement, "backup": backup},
            ["Quinn Previous", "Robin Backup", "Please check the export job."],
        ),
        "no_response_admin": (
            {"engagement": engagement, "backup": None},
            ["Quinn Previous", "Please check the export job.", "who should be asked instead"],
        ),
        "engagement_rerouted": (
            {"engagement": rerouted, "previous": previous, "message": "Backup, please help."},
            ["Robin Backup", "Quinn Previous", "Backup, please help.", "take on"],
        ),
        "urgent_filed": (
            {"request": urgent},
            ["Morgan Filer", "Forty people cannot be paid.", "Payday is tomorrow."],
        ),
        "urgent_update": (
            {"request": urgent, "change": "Estimated resolution: 2030-01-02 15:00."},
            ["Estimated resolution: 2030-01-02 15:00."],
        ),
    }


TEMPLATES = [
    "sla_due_soon",
    "sla_breached",
    "no_response",
    "no_response_admin",
    "engagement_rerouted",
    "urgent_filed",
    "urgent_update",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_renders_its_context(db, settings, template):
    settings.SUPPORT_CENTER_NAME = "Help Desk Seven"
    context, expected = _contexts()[template]
    rendered = render(template, context, url="/tickets/712345/")
    assert "#712345" in rendered.subject
    assert "\n" not in rendered.subject
    for text in expected:
        assert text in rendered.text
        assert text in rendered.in_app
    # Plain text is not HTML-escaped; the HTML is.
    for body in (rendered.text, rendered.html):
        assert "{{" not in body and "{%" not in body
        assert "None" not in body
    if "ticket" in context or template.startswith(("no_response", "engagement")):
        assert "Payroll export <fails> & stops" in rendered.text
        assert "Payroll export &lt;fails&gt; &amp; stops" in rendered.html
        assert "<fails>" not in rendered.html
    assert "Help Desk Seven" in rendered.text
    assert "Help Desk Seven" in rendered.html
    assert "http://127.0.0.1:8000/tickets/712345/" in rendered.text
    assert "<html" in rendered.html


def test_templates_exist_in_all_three_parts():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "templates" / "emails"
    for name in TEMPLATES:
        for part in ("subject.txt", "body.txt", "body.html"):
            assert (folder / f"{name}_{part}").is_file(), f"{name}_{part}"


def test_in_app_body_leaves_out_the_link_and_signature(db):
    ticket = TicketFactory()
    rendered = render("sla_breached", sla_context(ticket), url="/tickets/1/")
    assert "Open it:" in rendered.text
    assert "Open it:" not in rendered.in_app
    assert "Escalation Dashboard" not in rendered.in_app


# The list and marking read --------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), [("get", LIST), ("post", READ)])
def test_anonymous_visitors_are_sent_to_login(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_a_user_without_a_role_gets_403(client, db):
    nobody = UserFactory()
    inbox(nobody)
    client.force_login(nobody)
    assert client.get(LIST).status_code == 403
    assert client.post(READ).status_code == 403
    assert Notification.objects.filter(read_at=None).count() == 1


def test_every_role_may_read_its_notifications(agent_client, supervisor, manager):
    for user in (supervisor, manager):
        agent_client.force_login(user)
        assert agent_client.get(LIST).status_code == 200


def test_empty_list_says_so(agent_client):
    html = agent_client.get(LIST).content.decode()
    assert "No notifications yet." in html
    assert "Mark all as read" not in html


def test_list_shows_only_own_notifications_newest_first_with_unread_marked(
    agent_client, agent, supervisor
):
    old, new = inbox(agent, 2)
    old.read_at = timezone.now()
    old.save()
    Notification.objects.create(
        user=agent,
        subject="Ticket #555 breached",
        body="Line one <b>bold</b>\nLine two",
        url="/tickets/555/",
    )
    inbox(supervisor, subject="Someone else's notice")
    response = agent_client.get(LIST)
    html = response.content.decode()
    page = response.context["page"]
    subjects = [n.subject for n in page.object_list]
    assert subjects == ["Ticket #555 breached", new.subject, old.subject]
    assert "Someone else&#x27;s notice" not in html
    assert '<a href="/tickets/555/">Ticket #555 breached</a>' in html
    assert "Line one &lt;b&gt;bold&lt;/b&gt;<br>Line two" in html
    assert html.count('<span class="badge state-open">Unread</span>') == 2
    assert "2 unread · 3 in all" in html


def test_list_is_paginated_by_30(agent_client, agent):
    inbox(agent, 31)
    first = agent_client.get(LIST)
    assert len(first.context["page"].object_list) == 30
    assert "Page 1 of 2" in first.content.decode()
    assert len(agent_client.get(LIST, {"page": 2}).context["page"].object_list) == 1


def test_mark_one_read_marks_only_that_one(agent_client, agent):
    first, second = inbox(agent, 2)
    response = agent_client.post(READ, {"id": first.pk})
    assert response.status_code == 302
    assert response["Location"] == LIST
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_read_never_touches_another_users_notification(agent_client, agent, supervisor):
    [theirs] = inbox(supervisor)
    mine = inbox(agent, 2)
    assert agent_client.post(READ, {"id": theirs.pk}).status_code == 404
    assert agent_client.post(READ, {"id": "abc"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    agent_client.post(READ)  # all
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()


def test_mark_read_keeps_an_earlier_read_time(agent_client, agent):
    earlier = timezone.now() - timedelta(days=2)
    [done] = inbox(agent, read_at=earlier)
    agent_client.post(READ)
    done.refresh_from_db()
    assert done.read_at == earlier


def test_mark_read_returns_to_the_same_page(agent_client, agent):
    inbox(agent, 31)
    response = agent_client.post(READ, {"page": "2"})
    assert response["Location"] == f"{LIST}?page=2"


def test_mark_read_needs_post(agent_client, agent):
    [n] = inbox(agent)
    assert agent_client.get(READ, {"id": n.pk}).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_htmx_list_and_mark_read_return_the_partial(agent_client, agent):
    [first, _] = inbox(agent, 2)
    get = agent_client.get(LIST, headers={"HX-Request": "true"})
    assert "<html" not in get.content.decode()
    assert 'id="notification-list"' in get.content.decode()
    response = agent_client.post(READ, {"id": first.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="notification-list"' in html
    assert html.count("Unread</span>") == 1
    # The nav's count is refreshed out of band.
    assert 'id="unread-count" hx-swap-oob="true"' in html
    assert '<span class="visually-hidden">(</span>1<span class="visually-hidden">)</span>' in html


def test_list_query_count_does_not_grow(agent_client, agent, django_assert_max_num_queries):
    inbox(agent, 3)
    with django_assert_max_num_queries(10):
        agent_client.get(LIST)
    inbox(agent, 60)
    with django_assert_max_num_queries(10):
        agent_client.get(LIST)
    with django_assert_max_num_queries(10):
        agent_client.post(READ, headers={"HX-Request": "true"})


# The nav --------------------------------------------------------------------------------------


def test_base_template_shows_the_unread_count(agent_client, agent, supervisor):
    inbox(agent, 3)
    inbox(agent, read_at=timezone.now())
    inbox(supervisor, 5)
    html = agent_client.get(reverse("dashboard")).content.decode()
    assert f'href="{LIST}"' in html
    assert (
        'Notifications<span id="unread-count"> <span class="badge unread state-no_response" '
        'title="Unread notifications"><span class="visually-hidden">(</span>3'
        '<span class="visually-hidden">)</span></span></span>'
    ) in html
    agent_client.post(READ)
    html = agent_client.get(reverse("dashboard")).content.decode()
    assert 'Notifications<span id="unread-count"></span>' in html


def test_anonymous_pages_do_not_count(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(reverse("login"))
