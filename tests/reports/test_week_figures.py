"""The report's newer figures on known data: the spread of times, business hours, the week's
other counts, the escalation funnel and the knowledge loop, all worked out by hand."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest

from admins.models import Service
from escalations.handoffs.models import Channel, EngagementKind, EngagementState, Outcome, Procedure
from escalations.urgent.models import UrgentRequest
from reports import funnel, knowledge, timings
from reports.definitions import defined
from reports.scalars import epoch_microseconds
from reports.weekly import build
from reports.weeks import IsoWeek
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory, UserFactory
from tests.reports.conftest import LA, may
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.sla.calendar import Calendar, business_seconds_between

W20 = IsoWeek(2026, 20)
HOUR = 3600


def test_times_come_with_median_and_90th_percentile(known_week):
    times = build(W20).timings
    # Requests of the week answered: T2's after 1 h, T3's after 3 h.
    assert times["answer"] == {"count": 2, "mean": 2 * HOUR, "median": 2 * HOUR, "p90": 3 * HOUR}
    # Both answers fell inside Monday and Tuesday's working hours: the same in business time.
    assert times["answer_business"]["median"] == 2 * HOUR
    # First escalations: T2 after 2 h, T4 after 4 h, T5 after 2 h.
    assert times["escalation"]["median"] == pytest.approx(2 * HOUR)
    assert times["escalation"]["p90"] == pytest.approx(4 * HOUR)
    # Resolved: T1 after 1 day, T2 after 2 days, T9 after 7 days 6 hours.
    resolve = times["resolve"]
    assert resolve["median"] == pytest.approx(48 * HOUR)
    assert resolve["p90"] == pytest.approx((7 * 24 + 6) * HOUR)
    assert resolve["mean"] == pytest.approx((24 + 48 + 174) * HOUR / 3)


def _answered(requested: datetime, answered: datetime):
    engagement = EngagementFactory(requested_at=requested)
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.TICKET,
        responded_at=answered,
        by=engagement.requested_by,
    )
    return engagement


def test_a_friday_evening_request_answered_on_monday_is_an_hour_of_business_time(db, frozen):
    # Friday 22 May 18:00 to Monday 25 May 09:00: 63 hours on the clock, and the calendar
    # (Monday to Friday, 08:00 to 17:00) was open only from 08:00 to 09:00 on Monday.
    _answered(datetime(2026, 5, 22, 18, tzinfo=LA), datetime(2026, 5, 25, 9, tzinfo=LA))
    start, end = IsoWeek(2026, 21).bounds(LA)
    times = timings.timings(start, end)
    assert times["answer"]["median"] == 63 * HOUR
    assert times["answer_business"]["median"] == 1 * HOUR


def test_the_median_keeps_its_seconds_on_the_page(db, frozen, manager_client):
    # Answered after 20 min 10 s and 20 min 50 s: the median is 20 min 30 s, not 20 min.
    _answered(may(19, 10), may(19, 10, 20, 10))
    _answered(may(19, 11), may(19, 11, 20, 50))
    page = manager_client.get("/reports/weekly/2026-W21/").content.decode()
    table = page[page.index('id="times-table"') : page.index("</table>", page.index("times"))]
    assert "20 min 30 s" in table


def test_the_weeks_other_counts(known_week):
    t = known_week.tickets
    # T3 was due before the week ended: one breach among the open tickets.
    Ticket.objects.filter(pk=t[3].pk).update(resolution_due_at=may(15, 12))
    for kind, at in [
        (EventKind.REROUTED, may(12, 9)),
        (EventKind.REROUTED, may(18, 1)),  # the next week
        (EventKind.DEESCALATED, may(14, 9)),
    ]:
        TicketEvent.objects.create(ticket=t[2], kind=kind, at=at)
    # Requests withdrawn in the week, however (resolved, taken back, handed on), and one after.
    for at in (may(13, 10), may(16, 10), may(18, 2)):
        EngagementFactory(
            ticket=t[2], state=EngagementState.WITHDRAWN, requested_at=may(12, 8), withdrawn_at=at
        )
    UrgentRequest.objects.create(
        ticket=t[4], filed_by=UserFactory(), filed_at=may(13, 9), business_impact="x", reason="y"
    )
    activity = build(W20).activity
    # Opened before Monday 18 May and not resolved by then: T3, T4, T5, T6 and T7.
    assert activity["open_at_end"] == 5
    assert activity["open_breached"] == 1
    assert (activity["rerouted"], activity["deescalated"], activity["withdrawn"]) == (1, 1, 2)
    assert activity["urgent"] == 1
    assert activity["redirected"] == 0


def test_escalations_by_service_and_by_team(db, frozen):
    email = Service.objects.create(name="Email")
    network = Service.objects.create(name="Network")
    mail_team = AdministratorFactory(team="Messaging")
    net_team = AdministratorFactory(team="Infrastructure")
    for service, admin, at in [
        (email, mail_team, may(12, 9)),
        (email, mail_team, may(13, 9)),
        (email, net_team, may(14, 9)),
        (network, net_team, may(15, 9)),
        (network, net_team, may(19, 9)),  # the next week
    ]:
        EngagementFactory(
            ticket=TicketFactory(service=service, opened_at=at - timedelta(hours=1)),
            admin=admin,
            kind=EngagementKind.ESCALATE,
            reason="Needs the owner",
            requested_at=at,
        )
    EngagementFactory(ticket=TicketFactory(service=network), admin=net_team, requested_at=may(12))
    by = timings.escalations_by(*W20.bounds(LA))
    assert [(r["name"], r["n"]) for r in by["service"]] == [("Email", 3), ("Network", 1)]
    assert [(r["name"], r["n"]) for r in by["team"]] == [("Infrastructure", 2), ("Messaging", 2)]


def test_the_funnel_of_the_known_week(known_week):
    result = build(W20).funnel
    stages = {s["key"]: s for s in result["stages"]}
    # Logged: T1, T2, T3, T4, T5, T7. Any request: T2, T3, T4, T5. Escalated: T2, T4, T5.
    # Answered: T2, T3. Resolved: T1, T2.
    assert [s["tickets"] for s in result["stages"]] == [6, 4, 3, 2, 2]
    assert stages["escalate"]["share"] == 0.5
    # Time logged before the next step: 1 s (T7), 1 h, 2 h, 2 h, 4 h, 1 day: median 2 h.
    assert stages["logged"]["median_seconds"] == 2 * HOUR
    # T2 waited 1 h for its answer; T4 (4 d 20 h) and T5 (2 h) still wait: median 2 h.
    assert stages["escalate"]["median_seconds"] == 2 * HOUR
    assert [s["still_here"] for s in result["stages"]] == [1, 0, 2, 1, 0]
    # Most unresolved tickets sit at Escalate: T4 and T5, waiting 4 d 20 h and 2 h so far.
    assert result["stall"] == {
        "key": "escalate",
        "label": "Escalate",
        "tickets": 2,
        "median_wait_seconds": (116 * HOUR + 2 * HOUR) / 2,
    }


def test_funnel_stages_on_plain_values():
    t0 = datetime(2026, 1, 5, 9, tzinfo=LA)
    paths = [
        # Resolved without any request.
        funnel.Path(logged=t0, resolved=t0 + timedelta(hours=5)),
        # Escalated straight away: no time in Collaborate.
        funnel.Path(
            logged=t0,
            collaborate=t0 + timedelta(hours=1),
            escalate=t0 + timedelta(hours=1),
            answered=t0 + timedelta(hours=4),
        ),
    ]
    result = funnel.stages(paths, as_of=t0 + timedelta(hours=10))
    stages = {s["key"]: s for s in result["stages"]}
    assert [s["tickets"] for s in result["stages"]] == [2, 1, 1, 1, 1]
    assert stages["logged"]["median_seconds"] == 3 * HOUR  # 5 h and 1 h
    assert stages["collaborate"]["median_seconds"] == 0
    assert stages["answered"]["median_seconds"] == 6 * HOUR  # still there at as_of
    assert result["stall"]["key"] == "answered"
    # Nothing after as_of counts.
    late = funnel.stages(paths, as_of=t0 + timedelta(minutes=30))
    assert [s["tickets"] for s in late["stages"]] == [2, 0, 0, 0, 0]
    assert late["stall"] == {
        "key": "logged",
        "label": "Logged",
        "tickets": 2,
        "median_wait_seconds": 1800,
    }


def test_funnel_stages_of_tickets_without_requests_on_plain_values():
    t0 = datetime(2026, 1, 5, 9, tzinfo=LA)
    paths = [
        funnel.Path(logged=t0, resolved=t0 + timedelta(hours=2)),
        # Resolved at the moment it was logged: no time in Logged.
        funnel.Path(logged=t0, resolved=t0),
        # An import resolved before its opening time: resolved, and counted still logged.
        funnel.Path(logged=t0, resolved=t0 - timedelta(hours=1)),
        # Resolved after as_of: still logged, 4 hours so far.
        funnel.Path(logged=t0 + timedelta(hours=6), resolved=t0 + timedelta(days=1)),
    ]
    result = funnel.stages(paths, as_of=t0 + timedelta(hours=10))
    stages = {s["key"]: s for s in result["stages"]}
    assert [s["tickets"] for s in result["stages"]] == [4, 0, 0, 0, 3]
    # 2 h, 0, 10 h (to as_of) and 4 h: the median is 3 h.
    assert stages["logged"]["median_seconds"] == 3 * HOUR
    assert stages["logged"]["still_here"] == 2
    assert result["stall"]["median_wait_seconds"] == 7 * HOUR


def _service_tickets(service, times, escalated):
    for n, at in enumerate(times):
        ticket = TicketFactory(service=service, opened_at=at)
        if n < escalated:
            Ticket.objects.filter(pk=ticket.pk).update(escalated_at=at + timedelta(hours=1))


def test_the_knowledge_loop_compares_escalations_before_and_after_a_procedure(db, frozen):
    printing = Service.objects.create(name="Printing")
    other = Service.objects.create(name="Phones")
    captured = may(11, 12)
    engagement = _answered(may(11, 9), may(11, 11))
    answer = engagement.responses.get()
    procedure = Procedure.objects.create(
        service=printing, title="Clear a stuck print queue", body="Steps", source=answer
    )
    Procedure.objects.filter(pk=procedure.pk).update(created_at=captured)
    # Written by hand, not from an answer: not part of the loop.
    Procedure.objects.create(service=printing, title="Own words", body="Steps")
    # Four weeks before: 4 tickets, 3 escalated; four weeks after: 4 tickets, 1 escalated.
    _service_tickets(printing, [captured - timedelta(days=d) for d in (1, 5, 9, 20)], 3)
    _service_tickets(printing, [captured + timedelta(days=d) for d in (1, 2, 8, 15)], 1)
    # Outside both windows, and another service: not counted.
    _service_tickets(printing, [captured - timedelta(days=40)], 1)
    _service_tickets(other, [captured + timedelta(days=1)], 1)
    loop = knowledge.knowledge_loop(may(25), as_of=datetime(2026, 6, 3, tzinfo=LA))
    (row,) = loop["procedures"]
    assert row["service"] == "Printing"
    assert (row["before_logged"], row["before_escalated"]) == (4, 3)
    assert (row["after_logged"], row["after_escalated"]) == (4, 1)
    assert (row["before_rate"], row["after_rate"]) == (0.75, 0.25)
    assert row["verdict"] == "towards Handle"
    # A report for a week before the procedure was captured does not list it.
    assert knowledge.knowledge_loop(may(11), as_of=may(11))["procedures"] == []


def test_knowledge_verdicts():
    assert knowledge.verdict(0.5, 0.2) == "towards Handle"
    assert knowledge.verdict(0.2, 0.5) == "more escalations"
    assert knowledge.verdict(0.5, 0.502) == "no change"
    assert knowledge.verdict(0.5, None) == "too early to tell"
    assert knowledge.verdict(None, 0.4) == "no tickets before"


def test_every_headline_figure_has_its_definition(known_week):
    report = build(W20)
    missing = [f.label for f in report.figures if not defined(f.label)]
    assert missing == []


@pytest.mark.parametrize("url", ["/reports/weekly/2026-W20/", "/reports/weekly/2026-W20.pdf"])
def test_page_and_pdf_print_every_definition_and_the_new_sections(manager_client, known_week, url):
    from reports.definitions import TERMS
    from reports.pdf import PDF_DEFINITIONS
    from tests.reports.test_views import pdf_text

    response = manager_client.get(url)
    text = pdf_text(response) if url.endswith(".pdf") else response.content.decode()
    # The PDF, a summary, defines what it holds; the page defines everything.
    terms = [term for term, _ in PDF_DEFINITIONS] if url.endswith(".pdf") else TERMS
    for expected in [
        *terms,
        "Requests to administrators",
        "Tickets first escalated",
        "Response SLA met",
        "First answer (business hours)",
        "90th percentile",
        "Escalation funnel",
        "Knowledge loop",
        "Tickets stall at",
    ]:
        assert expected.replace("“", "").replace("”", "") in text.replace("“", "").replace(
            "”", ""
        ), expected


def test_every_figure_label_and_table_heading_on_the_page_has_its_definition(
    manager_client, known_week
):
    import re

    html = manager_client.get("/reports/weekly/2026-W20/").content.decode()

    def text(fragment: str) -> str:
        return re.sub(r"<[^>]+>", "", fragment).strip()

    # Figures sit in <dl class="figures">; <dl class="definitions"> are the definitions.
    figures = re.findall(r'<dl class="figures"[^>]*>(.*?)</dl>', html, re.S)
    labels = {text(dt) for dl in figures for dt in re.findall(r"<dt>(.*?)</dt>", dl, re.S)}
    for table_id in ("times-table", "outcome-table"):
        table = html[html.index(f'id="{table_id}"') :]
        table = table[: table.index("</table>")]
        headings = [text(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        labels |= {h for h in headings if h != "Time"}  # "Time": the rows' own label
    assert labels, "no figure labels found"
    missing = sorted(label for label in labels if not defined(label))
    assert missing == [], ", ".join(missing)


def test_business_seconds_of_many_answers_match_the_calendar_one_by_one():
    # Closures, maintenance windows (one across a night, one inside a day) and the DST change
    # of 1 November 2026: each pair's business time from one walk of the calendar is the
    # calendar's own answer for that pair, to the second.
    cal = Calendar(
        tz=LA,
        workdays=frozenset(range(5)),
        opens=time(8),
        closes=time(17),
        closed_dates=frozenset({date(2026, 10, 30), date(2026, 11, 26)}),
        windows=(
            (datetime(2026, 11, 3, 16, tzinfo=LA), datetime(2026, 11, 4, 9, 30, tzinfo=LA)),
            (datetime(2026, 11, 10, 12, tzinfo=LA), datetime(2026, 11, 10, 12, 45, tzinfo=LA)),
        ),
    )
    rng = random.Random(20)
    base = datetime(2026, 10, 26, tzinfo=LA)
    pairs = []
    for _ in range(300):
        start = base + timedelta(
            seconds=rng.randrange(35 * 86400), microseconds=rng.randrange(10**6)
        )
        pairs.append((start, start + timedelta(seconds=rng.randrange(-3600, 9 * 86400))))
    pairs.append((base, base))
    got = timings.business_seconds(
        cal, [(epoch_microseconds(s), epoch_microseconds(e)) for s, e in pairs]
    )
    assert got == [business_seconds_between(cal, s, e) for s, e in pairs]
    assert timings.business_seconds(cal, []) == []


def test_every_figure_label_in_the_pdf_has_its_definition_in_the_pdf(manager_client, known_week):
    """Read each figure's label in the PDF's text and find its term and definition there."""
    import html as html_lib
    import re

    from reports import pdf
    from tests.reports.test_views import pdf_text

    def words(fragment: str) -> str:
        plain = html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))
        return " ".join(plain.split()).replace("“", "").replace("”", "")

    text = words(pdf_text(manager_client.get("/reports/weekly/2026-W20.pdf")))
    # The labels and the printed definitions, from the HTML the PDF is laid out from.
    source = pdf.render_html(build(W20))
    labels = {f.label for f in build(W20).figures}
    for dl in re.findall(r'<dl class="figures"[^>]*>(.*?)</dl>', source, re.S):
        labels |= {words(dt) for dt in re.findall(r"<dt>(.*?)</dt>", dl, re.S)}
    for table_id in ("times-table", "outcome-table", "summary-table"):
        table = source[source.index(f'id="{table_id}"') :]
        table = table[: table.index("</thead>")]
        labels |= {words(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)}
    labels -= {"Time", "Administrator"}  # the rows' own names, not figures
    printed = [
        (words(dt), words(dd))
        for dl in re.findall(r'<dl class="definitions"[^>]*>(.*?)</dl>', source, re.S)
        for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", dl, re.S)
    ]
    assert len(labels) > 30 and len(printed) > 20
    undefined = []
    for label in sorted(labels):
        assert label in text, label
        found = [
            (term, definition)
            for term, definition in printed
            if label in term.split(", ")
            or term.startswith(f"{label} (")
            or term == label
            or term.startswith(f"{label} and ")
        ]
        if not any(term in text and definition in text for term, definition in found):
            undefined.append(label)
    assert undefined == []
