from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.db.models import Count, Q

from admins import purview
from admins.models import Purview
from escalations import demo
from escalations.handoffs.models import (
    AdminResponse,
    ChecklistAnswer,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
    Procedure,
)
from escalations.handoffs.services import missing_items
from reports.summary import response_summary
from tickets.models import OPEN_STATUSES, EventKind, Ticket, TicketEvent, Tier

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TICKETS = 400
# Los Angeles moved its clocks forward at 2026-03-08 02:00 local time, 10:00 UTC.
DST_CHANGE = datetime(2026, 3, 8, 10, tzinfo=UTC)


@pytest.fixture
def seeded(db):
    return demo.seed(tickets=TICKETS, weeks=12, seed=3, now=NOW)


def _figures() -> dict:
    """What the hand-offs look like, without database ids."""
    return {
        "engagements": list(
            Engagement.objects.order_by(
                "ticket__external_id", "requested_at", "admin__name"
            ).values_list(
                "ticket__external_id",
                "admin__name",
                "kind",
                "state",
                "tag",
                "requested_at",
                "first_response_at",
                "first_response_seconds",
            )
        ),
        "responses": list(
            AdminResponse.objects.order_by(
                "engagement__ticket__external_id", "responded_at", "outcome"
            ).values_list(
                "engagement__ticket__external_id",
                "engagement__admin__name",
                "outcome",
                "channel",
                "responded_at",
                "redirect_admin__name",
                "redirect_detail",
                "next_time",
            )
        ),
        "admins": list(Ticket.objects.order_by("external_id").values_list("admin__name")),
        "checklist": ChecklistAnswer.objects.count(),
        "events": list(
            TicketEvent.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")
        ),
        "purview": list(
            Purview.objects.order_by("service__name", "admin__name", "role").values_list(
                "service__name", "admin__name", "role", "declared_on", "ended_at"
            )
        ),
        "procedures": list(Procedure.objects.order_by("title").values_list("title", "body")),
    }


def _seed_and_read(seed: int) -> dict:
    with transaction.atomic():
        demo.seed(tickets=TICKETS, weeks=12, seed=seed, now=NOW)
        figures = _figures()
        # Back to the empty database, so the next seed starts from the same state.
        transaction.set_rollback(True)
    return figures


@pytest.mark.django_db
def test_demo_handoffs_are_the_same_for_the_same_seed():
    first = _seed_and_read(3)
    assert first["engagements"] and first["responses"] and first["procedures"]
    assert not Engagement.objects.exists()
    assert _seed_and_read(3) == first
    assert _seed_and_read(4)["engagements"] != first["engagements"]


def test_demo_result_counts_what_was_created(seeded):
    assert seeded.tickets == TICKETS
    assert seeded.engagements == Engagement.objects.count() > 0
    assert seeded.responses == AdminResponse.objects.count() > 0
    assert seeded.purviews == Purview.objects.count()
    assert seeded.procedures == Procedure.objects.count() > 0


def test_every_escalated_ticket_has_a_complete_checklist_and_one_current_owner(seeded):
    escalated = list(Ticket.objects.escalated().select_related("admin"))
    assert escalated
    for ticket in escalated:
        assert missing_items(ticket) == []
        current = ticket.engagements.filter(
            kind=EngagementKind.ESCALATE,
            state__in=[EngagementState.OPEN, EngagementState.RESPONDED],
        )
        assert [e.admin for e in current] == [ticket.admin]
        request = current[0]
        assert request.tag and request.reason and "next time" in request.message
        assert request.requested_by_id == ticket.agent_id
        assert all(
            a.checked
            and a.answered_by_id == ticket.agent_id
            and a.answered_at <= request.requested_at
            for a in ticket.checklist_answers.all()
        )


def test_escalated_tickets_carry_their_first_escalation_time(seeded):
    first = {}
    for engagement in Engagement.objects.filter(kind=EngagementKind.ESCALATE):
        at = first.get(engagement.ticket_id)
        first[engagement.ticket_id] = (
            min(at, engagement.requested_at) if at else engagement.requested_at
        )
    stamped = dict(
        Ticket.objects.filter(escalated_at__isnull=False).values_list("pk", "escalated_at")
    )
    assert first and stamped == first


def test_collaborate_tickets_keep_ownership_with_the_support_center(seeded):
    collaborating = Ticket.objects.filter(tier=Tier.COLLABORATE).annotate(n=Count("engagements"))
    assert collaborating
    assert {t.n for t in collaborating} <= {1, 2}
    assert all(t.admin_id is None for t in collaborating)
    assert not Engagement.objects.filter(ticket__tier=Tier.HANDLE).exists()
    assert not Engagement.objects.filter(
        ticket__tier=Tier.COLLABORATE, kind=EngagementKind.ESCALATE
    ).exists()


def test_first_response_is_the_earliest_answer(seeded):
    engagements = Engagement.objects.prefetch_related("responses")
    for engagement in engagements:
        answers = [r for r in engagement.responses.all() if r.outcome != Outcome.NO_RESPONSE]
        if answers:
            earliest = min(r.responded_at for r in answers)
            assert engagement.first_response_at == earliest
            assert engagement.first_response_seconds == int(
                (earliest - engagement.requested_at).total_seconds()
            )
            assert engagement.state == EngagementState.RESPONDED
        else:
            assert engagement.first_response_at is None
            assert engagement.first_response_seconds is None
    assert AdminResponse.objects.values("engagement").annotate(n=Count("id")).filter(n=2)


def test_engagement_state_follows_its_responses(seeded):
    for engagement in Engagement.objects.select_related("ticket").prefetch_related("responses"):
        outcomes = {r.outcome for r in engagement.responses.all()}
        if engagement.state == EngagementState.OPEN:
            assert not outcomes
            assert engagement.ticket.status in OPEN_STATUSES
        elif engagement.state == EngagementState.NO_RESPONSE:
            assert outcomes == {Outcome.NO_RESPONSE}
        elif engagement.state == EngagementState.WITHDRAWN:
            assert not outcomes
            assert engagement.closed_note
    states = set(Engagement.objects.values_list("state", flat=True))
    assert {EngagementState.OPEN, EngagementState.RESPONDED, EngagementState.NO_RESPONSE} <= states


def test_no_response_is_before_its_request_or_after_now(seeded):
    for response in AdminResponse.objects.select_related("engagement"):
        assert response.engagement.requested_at <= response.responded_at <= NOW
        assert (response.channel == "") == (response.outcome == Outcome.NO_RESPONSE)
    assert not Engagement.objects.filter(requested_at__gt=NOW).exists()
    assert not Engagement.objects.filter(first_response_at__gt=NOW).exists()
    assert not TicketEvent.objects.filter(at__gt=NOW).exists()


def test_responses_include_each_kind_of_outcome(seeded):
    outcomes = set(AdminResponse.objects.values_list("outcome", flat=True))
    assert outcomes == set(Outcome.values)
    redirected = AdminResponse.objects.filter(outcome=Outcome.REDIRECTED)
    assert redirected.exclude(redirect_admin=None).exists()
    assert redirected.exclude(redirect_detail="").exists()
    assert AdminResponse.objects.exclude(next_time="").count() > AdminResponse.objects.count() / 4


def test_timeline_has_an_entry_for_each_handoff(seeded):
    def events(kind):
        return TicketEvent.objects.filter(kind=kind)

    engagements = Engagement.objects.all()
    assert events(EventKind.ENGAGED).count() == engagements.filter(kind="collaborate").count()
    assert events(EventKind.ESCALATED).count() == engagements.filter(kind="escalate").count()
    assert events(EventKind.RESPONSE).count() == AdminResponse.objects.count()
    assert events(EventKind.CHECKLIST).count() == Ticket.objects.escalated().count()
    assert events(EventKind.PROCEDURE).count() == Procedure.objects.count()
    for engagement in engagements.filter(kind="escalate").select_related("admin"):
        event = engagement.ticket.events.get(kind=EventKind.ESCALATED, at=engagement.requested_at)
        assert event.after == engagement.admin.name
        assert f"Message: {engagement.message}" in event.note
    silence = events(EventKind.RESPONSE).filter(after=Outcome.NO_RESPONSE.label).first()
    assert silence.note.splitlines()[0].endswith(": no response")


def test_procedures_come_from_answers_with_a_next_time(seeded):
    for procedure in Procedure.objects.select_related("source__engagement__ticket"):
        ticket = procedure.source.engagement.ticket
        assert procedure.source.next_time
        assert procedure.service_id == ticket.service_id
        assert procedure.created_by_id == ticket.agent_id
        assert procedure.source.responded_at <= procedure.created_at <= NOW
    assert Procedure.objects.values("service").distinct().count() >= 2


def test_purview_shows_each_kind_of_gap(seeded):
    gaps = {gap for row in purview.matrix()["rows"] for gap in row["gaps"]}
    assert {"No owner", "Inactive owner", "No backup"} <= gaps
    assert Purview.objects.exclude(ended_at=None).exclude(end_reason="").count() >= 2
    assert not Purview.objects.filter(declared_on__gt=NOW.date()).exists()


def test_response_summary_differs_across_admins(seeded):
    rows = [row for row in response_summary() if row.requests]
    assert len(rows) >= 6
    assert any(row.no_response > 0 for row in rows)
    assert any(row.direct_messages > 0 for row in rows)
    assert any(row.declined > 0 for row in rows)
    assert len({row.median_seconds for row in rows}) == len(rows)
    assert len({round(row.response_rate, 2) for row in rows}) > 2
    silent = max(rows, key=lambda row: row.no_response / row.requests)
    reliable = min(rows, key=lambda row: row.no_response / row.requests)
    assert silent.no_response / silent.requests > 3 * reliable.no_response / reliable.requests


def _open_duplicates():
    return (
        Engagement.objects.filter(state=EngagementState.OPEN)
        .values("ticket", "admin", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def test_first_response_seconds_are_real_seconds_across_a_clock_change(db, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    # Twelve weeks back from mid-April reach into winter time.
    demo.seed(tickets=TICKETS, weeks=12, seed=3, now=datetime(2026, 4, 15, 18, tzinfo=UTC))
    answered = Engagement.objects.exclude(first_response_at=None)
    # Engagements asked before the clock change and answered after it, where a wall-clock
    # difference is an hour longer than the time that passed.
    assert answered.filter(requested_at__lt=DST_CHANGE, first_response_at__gt=DST_CHANGE)
    for requested_at, first_response_at, seconds in answered.values_list(
        "requested_at", "first_response_at", "first_response_seconds"
    ):
        elapsed = first_response_at.astimezone(UTC) - requested_at.astimezone(UTC)
        assert seconds == int(elapsed.total_seconds())


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_no_admin_has_two_open_requests_of_one_kind_on_a_ticket(db, seed):
    demo.seed(tickets=1500, weeks=4, seed=seed, now=NOW)
    assert Engagement.objects.filter(state=EngagementState.OPEN).exists()
    assert not _open_duplicates().exists()


def test_only_redirects_name_a_redirect(seeded):
    others = AdminResponse.objects.exclude(outcome=Outcome.REDIRECTED)
    assert others.filter(outcome=Outcome.DECLINED).exists()
    assert not others.filter(~Q(redirect_admin=None) | ~Q(redirect_detail="")).exists()


def test_silence_is_never_logged_after_an_answer(seeded):
    silences = AdminResponse.objects.filter(outcome=Outcome.NO_RESPONSE)
    assert silences.filter(engagement__first_response_at__isnull=False).exists()  # late answers
    for silence in silences.select_related("engagement"):
        answered = silence.engagement.first_response_at
        assert answered is None or silence.responded_at < answered
        assert silence.logged_at == silence.responded_at
