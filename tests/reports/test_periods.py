"""The month's and the quarter's reports: the week's figures over a longer period.

March 2027 in America/Los_Angeles touches five ISO weeks (W09 to W13, the last cut at the
month's end on a Wednesday) and holds the spring-forward change on Sunday 14 March, so it lasts
743 hours. Its first and last local hours fall on another UTC day than the local one, which is
where a month cut in UTC would go wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from escalations.handoffs.models import AdminResponse, Channel, Engagement, Outcome
from reports.periods import Month, Quarter
from reports.weekly import build
from reports.weeks import IsoWeek
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.models import Status, Ticket

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2027, 4, 20, 12, 0, tzinfo=LA)
MONTHLY, QUARTERLY = "/reports/monthly/", "/reports/quarterly/"

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=LA)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def manager_client(client, frozen, manager):
    # Logged in at the frozen time, so the session has not expired by then.
    client.force_login(manager)
    return client


def _request(ticket, at_time, kind="escalate"):
    return EngagementFactory(
        ticket=ticket, kind=kind, reason="Needs the owner", requested_at=at_time
    )


def _answer(engagement, outcome, at_time, channel=Channel.TICKET):
    engagement.record_response(
        outcome=outcome,
        channel="" if outcome == Outcome.NO_RESPONSE else channel,
        responded_at=at_time,
        by=engagement.requested_by,
    )


@pytest.fixture
def quarter_data(frozen):
    """Tickets on both sides of every edge of March 2027, and some in January."""
    resolved = {"status": Status.RESOLVED}
    # Local February, UTC March (1 Mar 07:30 UTC): not March's.
    TicketFactory(opened_at=at(2, 28, 23, 30))
    # Opened in February, resolved on March's first morning: March's resolved, not logged.
    TicketFactory(opened_at=at(2, 27, 9), resolved_at=at(3, 1, 8), **resolved)
    # March's first instant is March's.
    TicketFactory(opened_at=at(3, 1), resolved_at=at(3, 2, 10), **resolved)
    # Either side of the spring-forward gap: the request comes one real hour after opening.
    dst = TicketFactory(opened_at=at(3, 14, 1, 30))
    _answer(_request(dst, at(3, 14, 3, 30)), Outcome.ACCEPTED, at(3, 15, 9))
    silent = TicketFactory(opened_at=at(3, 10, 12))
    _answer(_request(silent, at(3, 10, 13), kind="collaborate"), Outcome.NO_RESPONSE, at(3, 12, 9))
    # Inside W13, which the month cuts on Wednesday 31 March: local March, UTC April.
    late = TicketFactory(opened_at=at(3, 31, 23, 30))
    _answer(_request(late, at(3, 31, 23, 45)), Outcome.GAVE_INPUT, at(4, 1, 9), Channel.EMAIL)
    # April's first instant is not March's.
    TicketFactory(opened_at=at(4, 1))
    # January, for the quarter.
    january = TicketFactory(opened_at=at(1, 12, 10), resolved_at=at(1, 13, 10), **resolved)
    _answer(_request(january, at(1, 12, 11)), Outcome.ACCEPTED, at(1, 12, 15))


def _local_month(moment: datetime | None) -> tuple[int, int] | None:
    if moment is None:
        return None
    local = timezone.localtime(moment, LA)
    return (local.year, local.month)


def _raw(months: set[tuple[int, int]]) -> dict:
    """The headline counts recomputed in Python from every row, by local calendar month."""
    tickets = list(Ticket.objects.all())
    requests = list(Engagement.objects.all())
    responses = list(AdminResponse.objects.all())
    answered = [
        e.first_response_seconds
        for e in requests
        if _local_month(e.requested_at) in months and e.first_response_seconds is not None
    ]
    return {
        "logged": sum(_local_month(t.opened_at) in months for t in tickets),
        "resolved": sum(_local_month(t.resolved_at) in months for t in tickets),
        "requested": sum(_local_month(e.requested_at) in months for e in requests),
        "no_response": sum(
            _local_month(r.responded_at) in months and r.outcome == Outcome.NO_RESPONSE
            for r in responses
        ),
        "mtta": mean(answered) if answered else None,
    }


def _headline(report) -> dict:
    current = report.current
    return {
        "logged": current.tickets["logged"],
        "resolved": current.tickets["resolved"],
        "requested": current.engagements["requested"],
        "no_response": current.responses[Outcome.NO_RESPONSE],
        "mtta": current.engagements["mtta_seconds"],
    }


def test_a_month_cuts_at_local_midnights_and_counts_every_row_once(quarter_data):
    march = build(Month(2027, 3))
    assert (march.start, march.end) == (at(3, 1), at(4, 1))
    assert march.hours == 31 * 24 - 1  # the spring-forward hour is missing
    assert _headline(march) == _raw({(2027, 3)})
    assert _headline(march) == {
        "logged": 4,
        "resolved": 2,
        "requested": 3,
        "no_response": 1,
        "mtta": pytest.approx(mean([(at(3, 15, 9) - at(3, 14, 3, 30)).total_seconds(), 33300])),
    }
    assert march.current.engagements["escalate"] == 2
    assert march.previous.tickets["logged"] == 2  # February: the 27th and the 28th


def test_a_months_weeks_add_up_to_the_month(quarter_data):
    march = build(Month(2027, 3))
    columns = march.trend.columns
    assert [heading for heading, _, _ in columns] == [f"2027-W{n:02d}" for n in range(9, 14)]
    # W09 starts on 1 March, so only W13 (29 March to 4 April) is cut.
    assert [cut for _, _, cut in columns] == ["", "", "", "", "29–31 Mar 2027"]
    logged = dict(march.trend.rows)["Tickets logged"]
    assert logged == [1, 2, 0, 0, 1]  # W10 holds the 10th and the DST Sunday, the 14th
    assert sum(logged) == march.current.tickets["logged"]
    # The whole weeks are the weekly reports' own figures.
    for week, value in zip(range(9, 13), logged, strict=False):
        assert build(IsoWeek(2027, week)).current.tickets["logged"] == value
    assert sum(dict(march.trend.rows)["No responses"]) == 1


def test_a_quarter_is_its_three_months(quarter_data):
    quarter = build(Quarter(2027, 1))
    assert (quarter.start, quarter.end) == (at(1, 1), at(4, 1))
    assert _headline(quarter) == _raw({(2027, 1), (2027, 2), (2027, 3)})
    months = [build(Month(2027, n)) for n in (1, 2, 3)]
    for key in ("logged", "resolved", "requested", "no_response"):
        assert _headline(quarter)[key] == sum(_headline(m)[key] for m in months)
    assert [heading for heading, _, _ in quarter.trend.columns] == [
        "January 2027",
        "February 2027",
        "March 2027",
    ]
    assert dict(quarter.trend.rows)["Tickets logged"] == [
        m.current.tickets["logged"] for m in months
    ]
    assert quarter.previous.tickets["logged"] == 0  # Q4 2026


def test_the_pages_default_to_the_last_complete_period(manager_client, quarter_data):
    month = manager_client.get(MONTHLY)
    assert month.status_code == 200
    assert month.context["report"].period == Month(2027, 3)
    html = month.content.decode()
    assert "<h1>Monthly report March 2027 <small" in html
    assert "743 hours" in html
    quarter = manager_client.get(QUARTERLY)
    assert quarter.context["report"].period == Quarter(2027, 1)
    assert "Quarterly report Q1 2027" in quarter.content.decode()
    asked = manager_client.get(MONTHLY, {"month": "2027-01"})
    assert asked.context["report"].period == Month(2027, 1)


@pytest.mark.parametrize(
    ("url", "value"),
    [
        (MONTHLY, {"month": "2026-13"}),
        (MONTHLY, {"month": "2026-00"}),
        (MONTHLY, {"month": "0001-01"}),
        (MONTHLY, {"month": "9999-12"}),
        (MONTHLY, {"month": "2026-1"}),
        (MONTHLY, {"month": "<b>soon</b>"}),
        (MONTHLY, {"month": "x" * 5000}),
        (QUARTERLY, {"quarter": "2026-Q5"}),
        (QUARTERLY, {"quarter": "2026-Q0"}),
        (QUARTERLY, {"quarter": "0001-Q1"}),
        (QUARTERLY, {"quarter": "2026-W10"}),
        ("/reports/monthly.pdf", {"month": "2026-13"}),
        ("/reports/quarterly.pdf", {"quarter": "garbage"}),
    ],
)
def test_bad_values_are_refused_with_a_message(manager_client, frozen, url, value):
    response = manager_client.get(url, value)
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a" in html or "outside the years" in html
    assert "<b>soon</b>" not in html
    assert 'href="/reports/' in html  # a way on


@pytest.mark.parametrize(
    ("url", "value"),
    [(MONTHLY, {"month": "2027-05"}), (QUARTERLY, {"quarter": "2027-Q3"})],
)
def test_a_period_not_started_is_not_found(manager_client, frozen, url, value):
    assert manager_client.get(url, value).status_code == 404


@pytest.mark.parametrize(
    ("url", "value", "name"),
    [
        # Finished, but not issued by the periodic job yet: the live figures, named so.
        ("/reports/monthly.pdf", {"month": "2027-03"}, "monthly-report-2027-03-live-not-issued"),
        ("/reports/quarterly.pdf", {"quarter": "2027-Q1"}, "quarterly-report-2027-Q1-live-not-"),
        # Still running: live, as always.
        ("/reports/monthly.pdf", {"month": "2027-04"}, 'filename="monthly-report-2027-04.pdf"'),
    ],
)
def test_the_pdf_renders(manager_client, quarter_data, url, value, name):
    response = manager_client.get(url, value)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert name in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")


def test_the_switcher_and_the_neighbours(manager_client, quarter_data):
    html = manager_client.get(MONTHLY, {"month": "2027-03"}).content.decode()
    switch = html[html.index('id="period-switch"') :]
    switch = switch[: switch.index("</nav>")]
    assert 'href="/reports/weekly/2027-W09/">Week' in switch
    assert 'href="/reports/monthly/?month=2027-03" aria-current="page">Month' in switch
    assert 'href="/reports/quarterly/?quarter=2027-Q1">Quarter' in switch
    assert 'href="/reports/monthly/?month=2027-02" rel="prev">← February 2027' in html
    assert 'href="/reports/monthly/?month=2027-04" rel="next">April 2027' in html
    assert 'href="/reports/monthly.pdf?month=2027-03"' in html
    assert 'href="/reports/weekly/2027-W10/"' in html  # a trend column opens its week

    running = manager_client.get(MONTHLY, {"month": "2027-04"}).content.decode()
    assert 'rel="next"' not in running  # May has not started
    assert "The month is still running" in running
    assert "compared with March 2027 up to the same point: 1 Mar 00:00 to 20 Mar 12:00" in running

    quarter = manager_client.get(QUARTERLY, {"quarter": "2027-Q1"}).content.decode()
    assert 'href="/reports/quarterly/?quarter=2026-Q4" rel="prev"' in quarter
    assert 'href="/reports/monthly/?month=2027-02">February 2027' in quarter

    week = manager_client.get("/reports/weekly/2027-W13/").content.decode()
    assert 'href="/reports/monthly/?month=2027-03">Month' in week
    assert 'href="/reports/weekly/2027-W13/" aria-current="page">Week' in week

    index = manager_client.get("/reports/weekly/").content.decode()
    assert 'href="/reports/monthly/?month=2027-03">Monthly report March 2027' in index
    assert 'href="/reports/quarterly/?quarter=2027-Q1">Quarterly report Q1 2027' in index


def _tickets(n: int) -> None:
    admins = [AdministratorFactory() for _ in range(3)]
    for i in range(n):
        opened = at(3, 1 + i % 28, 9, i % 60)
        ticket = TicketFactory(
            opened_at=opened, resolved_at=opened + timedelta(days=2), status=Status.RESOLVED
        )
        engagement = EngagementFactory(
            ticket=ticket,
            admin=admins[i % 3],
            kind="escalate" if i % 2 else "collaborate",
            reason="x",
            requested_at=opened + timedelta(hours=1),
        )
        _answer(
            engagement,
            Outcome.DECLINED if i % 3 else Outcome.ACCEPTED,
            opened + timedelta(hours=3),
            Channel.DIRECT_MESSAGE if i % 4 else Channel.TICKET,
        )


@pytest.mark.parametrize("url", [MONTHLY, QUARTERLY])
def test_the_queries_stay_flat_in_the_number_of_tickets(
    manager_client, frozen, django_assert_max_num_queries, url
):
    # Measured: the same at 5 tickets and at 50 (31 with the direct-message pattern's three,
    # the funnel's two: the tickets, and their first requests grouped per ticket, and the
    # period's issue).
    budget = 31
    _tickets(5)
    cache.clear()
    with django_assert_max_num_queries(budget):
        assert manager_client.get(url).status_code == 200
    _tickets(45)
    cache.clear()
    with django_assert_max_num_queries(budget):
        response = manager_client.get(url)
    assert response.context["report"].current.tickets["logged"] == 50


def test_periods_know_their_neighbours_and_edges():
    assert str(Month(2026, 12).next) == "2027-01" and str(Month(2027, 1).previous) == "2026-12"
    assert str(Quarter(2026, 4).next) == "2027-Q1" and str(Quarter(2027, 1).previous) == "2026-Q4"
    assert Month.parse("9998-12").next == Month(9999, 1)  # the last month asked for has a next
    assert Quarter.parse("2026-q3") == Quarter(2026, 3)
    assert Month(2026, 11).parts[-1].dates == "30 Nov 2026"  # W49 cut to one day
    assert [p.label for p in Quarter(2026, 4).parts] == ["Oct", "Nov", "Dec"]
    for text in ("2026-13", "1899-12", "9999-01", "2026-11-01", ""):
        with pytest.raises(ValueError):
            Month.parse(text)
