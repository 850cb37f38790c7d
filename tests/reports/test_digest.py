"""The weekly digests: managers get their staff's open requests and response figures,
administrators their own open requests with their response links; once per ISO week."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import silence
from escalations.handoffs.models import Channel, Outcome
from escalations.handoffs.tokens import Purpose, read_token
from escalations.notifications.models import NoticeKind, SentNotice
from reports import digest
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.sla.models import BusinessCalendar

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")  # the organisation's zone in the test settings
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=LA)  # ISO week 2026-W50
BOSS = "lee.boss@example.org"


@pytest.fixture(autouse=True)
def _digests_on(settings):
    settings.WEEKLY_DIGESTS = True


@pytest.fixture
def monday(db):
    with time_machine.travel(MONDAY_9, tick=False):
        yield MONDAY_9


def staff(name, **kwargs):
    values = {"manager_name": "Lee Boss", "manager_email": BOSS}
    return AdministratorFactory(name=name, **{**values, **kwargs})


def ask(admin, title, *, days_ago=1, kind="collaborate", due_in_days=2):
    return EngagementFactory(
        ticket=TicketFactory(title=title),
        admin=admin,
        kind=kind,
        reason="Needs the owner" if kind == "escalate" else "",
        requested_at=MONDAY_9 - timedelta(days=days_ago),
        answer_due_at=MONDAY_9 + timedelta(days=due_in_days),
    )


def answer(engagement, hours):
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.TICKET,
        responded_at=engagement.requested_at + timedelta(hours=hours),
        by=engagement.requested_by,
    )


def sent(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def test_digests_are_due_from_the_configured_weekday_and_hour_organisation_time(db, settings):
    assert digest.due_week(MONDAY_9 - timedelta(hours=1, minutes=1)) is None  # Mon 07:59
    assert str(digest.due_week(MONDAY_9 - timedelta(hours=1))) == "2026-W50"  # Mon 08:00
    assert str(digest.due_week(MONDAY_9 + timedelta(days=6))) == "2026-W50"  # Sunday
    assert str(digest.due_week(MONDAY_9 - timedelta(days=1))) == "2026-W49"  # the Sunday before
    settings.DIGEST_WEEKDAY, settings.DIGEST_HOUR = 3, 14  # Wednesday 14:00
    assert digest.due_week(MONDAY_9 + timedelta(days=2, hours=4)) is None
    assert str(digest.due_week(MONDAY_9 + timedelta(days=2, hours=5))) == "2026-W50"


def test_the_manager_digest_lists_open_requests_and_figures_per_staff_member(
    monday, mailoutbox, django_capture_on_commit_callbacks
):
    dana, sam = staff("Dana Owner", team="Network"), staff("Sam Quiet")
    outsider = AdministratorFactory(name="Olga Outside", manager_email="other@example.org")
    ask(dana, "Core switch <down>", kind="escalate")
    answer(ask(dana, "Printer queue", days_ago=3), hours=2)
    answer(ask(dana, "Mail relay", days_ago=4), hours=4)
    ask(dana, "Old question", days_ago=20)  # open, but asked before the figures' week
    ask(sam, "VPN drops", days_ago=2)
    ask(outsider, "Not Lee's business")

    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_due_digests() >= 2

    [mail] = sent(mailoutbox, BOSS)
    assert mail.subject == "Your staff's requests from the IT Support Center, week 2026-W50"
    body = mail.body
    assert "Hello Lee Boss," in body
    dana_part, sam_part = body.split("Dana Owner (Network)")[1].split("Sam Quiet")
    assert "Last 7 days: 3 requests, 2 answered, 0 no response, 0 declined" in dana_part
    assert "median first response 3.0 h" in dana_part
    assert "Open: 2" in dana_part
    assert "Core switch <down> (escalate" in dana_part
    assert "Old question" in dana_part
    assert "Last 7 days: 1 request, 0 answered" in sam_part and "VPN drops" in sam_part
    assert "Not Lee's business" not in body and "Olga" not in body
    html = mail.alternatives[0][0]
    assert "Core switch &lt;down&gt;" in html and "<td>Dana Owner</td>" in html
    notice = SentNotice.objects.get(kind=NoticeKind.MANAGER_DIGEST, recipient=BOSS)
    assert notice.week == "2026-W50" and notice.sent_at is not None


def test_digests_can_be_turned_off(monday, settings, mailoutbox):
    ask(staff("Dana Owner"), "Core switch")
    settings.WEEKLY_DIGESTS = False
    assert digest.send_due_digests() == 0
    assert not SentNotice.objects.exists()


def test_a_manager_whose_staff_had_nothing_gets_no_digest(
    monday, mailoutbox, django_capture_on_commit_callbacks
):
    staff("Dana Owner")
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_due_digests() == 0
    assert mailoutbox == []


def test_repeated_scans_send_each_digest_once_a_week(
    monday, mailoutbox, django_capture_on_commit_callbacks
):
    dana = staff("Dana Owner", email="dana@example.org")
    ask(dana, "Core switch", kind="escalate", due_in_days=30)  # still open next week
    for minutes in (0, 5, 10, 60 * 24 * 3):  # Monday 09:00 and later the same week
        with django_capture_on_commit_callbacks(execute=True):
            silence.run(now=MONDAY_9 + timedelta(minutes=minutes))
    assert len(sent(mailoutbox, BOSS)) == 1
    assert len(sent(mailoutbox, "dana@example.org")) == 1

    with django_capture_on_commit_callbacks(execute=True):
        report = silence.run(now=MONDAY_9 - timedelta(hours=2) + timedelta(weeks=1))
    assert report.digests == 0  # next Monday 07:00: not yet
    next_monday = time_machine.travel(MONDAY_9 + timedelta(weeks=1), tick=False)
    with next_monday, django_capture_on_commit_callbacks(execute=True):
        report = silence.run()
    assert report.digests == 2
    assert "2 weekly digest(s)" in str(report)
    assert len(sent(mailoutbox, BOSS)) == 2
    assert sent(mailoutbox, BOSS)[-1].subject.endswith("week 2026-W51")


def test_a_scan_that_read_before_another_scans_claim_still_sends_nothing_twice(
    monday, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    ask(staff("Dana Owner", email="dana@example.org"), "Core switch")
    with django_capture_on_commit_callbacks(execute=True):
        digest.send_due_digests()
    # A second scan that looked before the first one's claims were written: the unique
    # constraint on (kind, recipient, week) is what stops it.
    monkeypatch.setattr(digest, "already_sent", lambda kind, week: set())
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_due_digests() == 0
    assert len(mailoutbox) == 2
    assert SentNotice.objects.count() == 2


def test_the_admin_digest_lists_their_open_requests_with_their_response_links(
    monday, mailoutbox, django_capture_on_commit_callbacks
):
    dana = AdministratorFactory(name="Dana Owner", email="dana@example.org")
    mine = ask(dana, "Core switch", kind="escalate")
    ask(dana, "Printer queue")
    answer(ask(dana, "Answered already"), hours=1)
    ask(AdministratorFactory(name="Sam Other"), "Not Dana's")

    with django_capture_on_commit_callbacks(execute=True):
        digest.send_due_digests()

    [mail] = sent(mailoutbox, "dana@example.org")
    assert mail.subject == "2 requests waiting for your answer, week 2026-W50"
    assert "Core switch" in mail.body and "Asked to take it on" in mail.body
    assert "Printer queue" in mail.body and "Asked for your input" in mail.body
    assert "Answered already" not in mail.body and "Not Dana's" not in mail.body
    links = [line.split("Answer: ")[1] for line in mail.body.splitlines() if "Answer: " in line]
    assert len(links) == 2
    token = links[0].removeprefix("http://127.0.0.1:8000/respond/").rstrip("/")
    assert read_token(token, Purpose.RESPONSE_PAGE).engagement == mine
    assert links[0] in mail.alternatives[0][0]


def test_an_administrator_who_opted_out_gets_no_digest_but_their_manager_does(
    monday, mailoutbox, django_capture_on_commit_callbacks
):
    ask(staff("Dana Owner", email="dana@example.org", weekly_digest=False), "Core switch")
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_due_digests() == 1
    assert sent(mailoutbox, "dana@example.org") == []
    assert len(sent(mailoutbox, BOSS)) == 1


def test_digest_times_are_in_the_organisations_zone(
    monday, mailoutbox, django_capture_on_commit_callbacks
):
    calendar = BusinessCalendar.current()
    calendar.time_zone = "Europe/Berlin"
    calendar.save()
    # Monday 09:00 in Los Angeles is 18:00 in Berlin: the digest is due there as well.
    engagement = ask(AdministratorFactory(email="dana@example.org"), "Core switch")
    with django_capture_on_commit_callbacks(execute=True):
        digest.send_due_digests()
    [mail] = mailoutbox
    due = engagement.answer_due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"answer due {due:%a} {due.day} {due:%b, %H:%M} CET" in mail.body
