from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from escalations.handoffs.models import Channel, Outcome
from reports import weekly
from reports.models import ReportDownload
from reports.weeks import IsoWeek
from tests.factories import (
    AdministratorFactory,
    EngagementFactory,
    ManagerFactory,
    TicketFactory,
    UserFactory,
)
from tests.reports.conftest import PREVIOUS, WEEK, may

PICKER = reverse("reports:weekly")
PAGE = reverse("reports:week", args=[WEEK])
PDF = reverse("reports:week_pdf", args=[WEEK])


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    # Words only: where a line wraps depends on the layout, not on the figures.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_urls_spell_the_iso_week():
    assert PAGE == "/reports/weekly/2026-W20/"
    assert PDF == "/reports/weekly/2026-W20.pdf"
    assert reverse("reports:week", args=[IsoWeek(2026, 3)]) == "/reports/weekly/2026-W03/"


@pytest.mark.parametrize("url", [PICKER, PAGE, PDF])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ReportDownload.objects.exists()


@pytest.mark.parametrize("role", ["agent_client", "supervisor_client", "manager_client"])
def test_every_role_may_read_reports(request, db, frozen, role):
    client = request.getfixturevalue(role)
    assert client.get(PICKER).status_code == 200
    assert client.get(PAGE).status_code == 200
    response = client.get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_user_without_a_role_is_refused(client, db, frozen):
    client.force_login(UserFactory())
    for url in (PICKER, PAGE, PDF):
        assert client.get(url).status_code == 403
    assert not ReportDownload.objects.exists()


def test_reports_answer_only_get(manager_client, frozen):
    assert manager_client.post(PAGE).status_code == 405
    assert manager_client.post(PDF).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/reports/weekly/2026-W54/",
        "/reports/weekly/2026-W00/",
        "/reports/weekly/2025-W53/",
        "/reports/weekly/2026-W54.pdf",
        "/reports/weekly/2026-W00.pdf",
        "/reports/weekly/last-week/",
        "/reports/weekly/2026-47/",
        "/reports/weekly/1066-W40/",
        # Weeks that have not started yet.
        "/reports/weekly/2026-W24/",
        "/reports/weekly/2027-W01.pdf",
    ],
)
def test_impossible_and_future_weeks_are_not_found(manager_client, frozen, path):
    assert manager_client.get(path).status_code == 404
    assert not ReportDownload.objects.exists()


def test_picker_lists_the_weeks_with_data_newest_first(manager_client, known_week):
    TicketFactory(opened_at=may(27, 9))  # 2026-W22, the current week in the frozen clock
    response = manager_client.get(PICKER)
    assert response.status_code == 200
    rows = [(str(r.week), r.logged, r.current) for r in response.context["weeks"]]
    assert rows == [
        ("2026-W22", 1, False),
        ("2026-W21", 1, False),
        ("2026-W20", 6, False),
        ("2026-W19", 2, False),
    ]
    html = response.content.decode()
    assert 'href="/reports/weekly/2026-W20/"' in html
    assert 'href="/reports/weekly/2026-W20.pdf"' in html
    assert "Current week" not in html


def test_picker_lists_each_weeks_headline_figures(manager_client, known_week):
    response = manager_client.get(PICKER)
    row = next(r for r in response.context["weeks"] if str(r.week) == WEEK)
    # The figures of tests/reports/test_figures.py: 6 logged, 3 resolved (met 1 of 3 with a
    # target), 3 first escalated, 1 no response.
    assert (row.logged, row.resolved, row.escalated, row.no_response) == (6, 3, 3, 1)
    assert row.resolution_met_rate == pytest.approx(1 / 3)
    html = response.content.decode()
    assert 'type="week"' not in html  # Chromium showed an empty "Week --, ----" box
    table = html[html.index('id="week-table"') :]
    assert '<td data-label="Resolved" class="num">3</td>' in table


def test_picker_figures_take_a_fixed_number_of_queries(
    manager_client, known_week, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):
        manager_client.get(PICKER)
    add_activity(20)
    with django_assert_max_num_queries(11):
        manager_client.get(PICKER)


def test_picker_marks_the_current_week(manager_client, frozen):
    TicketFactory(opened_at=frozen)
    response = manager_client.get(PICKER)
    (row,) = response.context["weeks"]
    assert (str(row.week), row.current) == ("2026-W23", True)
    assert "Current week" in response.content.decode()


def test_picker_without_data_says_so(manager_client, frozen, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = manager_client.get(PICKER)
    assert response.context["weeks"] == []
    assert "no week to report on" in response.content.decode()


def test_a_typed_week_opens_its_report(manager_client, frozen):
    response = manager_client.get(PICKER, {"week": "2026-W20"})
    assert response.status_code == 302
    assert response["Location"] == PAGE


@pytest.mark.parametrize("typed", ["2026-W54", "soon", "2026-W30"])
def test_a_typed_week_that_has_no_report_is_explained(manager_client, frozen, typed):
    response = manager_client.get(PICKER, {"week": typed})
    assert response.status_code == 200
    assert f"“{typed}” is not a week with a report" in response.content.decode()


def test_report_page_shows_the_sections_and_figures(manager_client, known_week, settings):
    response = manager_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Weekly report 2026-W20 <small" in html
    assert "11–17 May 2026" in html
    for heading in (
        "The week in figures",
        "The last 8 weeks",
        "By tier",
        "By category",
        "SLA met and breached, by priority",
        "Requests to administrators and their responses",
        "Admin response summary for the week",
        "No responses and declines without redirect",
        "Open escalations at the end of the week",
        "Off-policy direct messages",
        "Definitions",
    ):
        assert heading in html, heading
    assert "MTTA (mean time to acknowledge)" in html
    assert "MTTE (mean time to escalate)" in html
    assert '<th scope="row">Tickets logged</th>' in html
    assert "<strong>6</strong></td>" in html
    assert "up 200%" in html
    assert html.count('<svg class="trend-chart"') == 2
    assert 'href="/reports/weekly/2026-W20.pdf"' in html
    assert f'href="/reports/weekly/{PREVIOUS}/"' in html
    assert 'href="/tickets/9005/"' in html
    # Managers do not see who downloaded the report.
    assert "Recent downloads" not in html
    assert response.context["downloads"] is None


def test_each_pdf_download_is_recorded(manager_client, manager, known_week, frozen):
    response = manager_client.get(PDF)
    assert response.status_code == 200
    # Finished but not issued by the periodic job yet: the live figures, named so.
    assert response["Content-Disposition"] == (
        'attachment; filename="weekly-report-2026-W20-live-not-issued.pdf"'
    )
    b"".join(response.streaming_content)
    download = ReportDownload.objects.get()
    assert (download.user, download.period_kind, download.period_start) == (
        manager,
        "weekly",
        IsoWeek(2026, 20).monday,
    )
    assert download.downloaded_at == frozen
    manager_client.get(PDF)
    assert ReportDownload.objects.count() == 2


def test_supervisors_see_the_last_downloads_of_the_week(supervisor_client, known_week):
    max_ = ManagerFactory(username="max", first_name="Max", last_name="Manager")
    ReportDownload.objects.create(user=max_, period_start=IsoWeek(2026, 20).monday)
    ReportDownload.objects.create(user=max_, period_start=IsoWeek(2026, 19).monday)
    # The same first day for another kind of period (June 2026 begins on W23's Monday): not
    # a download of the week.
    ReportDownload.objects.create(
        user=max_, period_kind="monthly", period_start=IsoWeek(2026, 20).monday
    )
    response = supervisor_client.get(PAGE)
    html = response.content.decode()
    assert "Recent downloads of this week" in html
    assert [d.period_start for d in response.context["downloads"]] == [IsoWeek(2026, 20).monday]
    assert "Max Manager" in html


def test_the_download_list_needs_the_permission(supervisor_client, supervisor, known_week):
    supervisor.groups.get().permissions.remove(
        Permission.objects.get(codename="view_reportdownload")
    )
    assert supervisor_client.get(PAGE).context["downloads"] is None


def test_pdf_holds_the_figures_and_the_organisation(manager_client, known_week, settings):
    settings.ORGANIZATION_NAME = "Northwind School District"
    settings.SUPPORT_CENTER_NAME = "Service Desk"
    settings.SITE_URL = "https://desk.example"
    text = pdf_text(manager_client.get(PDF))
    assert "Northwind School District · Service Desk" in text
    assert "Weekly report 2026-W20 · 11–17 May 2026" in text
    assert "Page 1 of" in text
    for expected in (
        "Tickets logged",
        "Tickets logged 6 ▲ up 200% (2)",
        "Escalation rate",
        "50%",
        "MTTA",
        "2.0 h",
        "MTTE",
        "2.7 h",
        "Resolution SLA met",
        "33%",
        "Dana Whitfield",
        "Declined without redirect",
        "MTTA (mean time to acknowledge)",
        # A summary: the tickets behind the counts are on the page, whose address it gives.
        "the tickets are listed on the page",
        "on the report's page, https://desk.example/reports/weekly/2026-W20/",
    ):
        assert expected in text, expected
    assert "#9006" not in text and "#9006" in manager_client.get(PAGE).content.decode()


def test_pdf_shows_the_top_administrators_and_the_page_all_of_them(manager_client, known_week):
    from reports.pdf import TOP_ROWS

    for i in range(TOP_ROWS + 2):
        admin = AdministratorFactory(name=f"Extra Admin {i:02}")
        for _ in range(i + 1):  # each a different count, so the order is certain
            ticket = TicketFactory(opened_at=may(13, 9))
            EngagementFactory(
                ticket=ticket, admin=admin, kind="collaborate", requested_at=may(13, 10)
            )
    names = [row.admin.name for row in weekly.build(IsoWeek(2026, 20)).summary]
    assert len(names) > TOP_ROWS + 2
    text = pdf_text(manager_client.get(PDF))
    assert [name for name in names if name in text] == names[:TOP_ROWS]
    assert f"{len(names) - TOP_ROWS} more administrators on the page." in text
    page = manager_client.get(PAGE).content.decode()
    assert all(name in page for name in names)
    assert "more administrators on the page" not in page


@pytest.mark.parametrize(("size", "width"), [("A4", 595), ("Letter", 612)])
def test_pdf_paper_size_follows_the_setting(manager_client, frozen, settings, size, width):
    settings.REPORT_PAGE_SIZE = size
    content = b"".join(manager_client.get(PDF).streaming_content)
    assert round(float(PdfReader(io.BytesIO(content)).pages[0].mediabox.width)) == width


def add_activity(n: int) -> None:
    """n more tickets in the week, each escalated, answered (some by direct message), some
    declined: more rows in every table of the report."""
    admins = [AdministratorFactory() for _ in range(3)]
    for i in range(n):
        ticket = TicketFactory(
            opened_at=may(14, 9, i % 60), resolved_at=may(16, 9), status="resolved"
        )
        engagement = EngagementFactory(
            ticket=ticket,
            admin=admins[i % 3],
            kind="escalate",
            reason="x",
            requested_at=may(14, 10),
        )
        engagement.record_response(
            outcome=Outcome.DECLINED if i % 2 else Outcome.ACCEPTED,
            channel=Channel.DIRECT_MESSAGE if i % 3 else Channel.TICKET,
            responded_at=may(14, 11),
            by=engagement.requested_by,
        )


@pytest.mark.parametrize("is_issued", [False, True], ids=["live", "issued"])
@pytest.mark.parametrize("url", [PAGE, PDF])
def test_queries_do_not_grow_with_the_data(supervisor_client, known_week, url, is_issued):
    if is_issued:
        from reports import issued

        issued.issue(IsoWeek(2026, 20))  # as the periodic job does once the week ended

    def count() -> int:
        cache.clear()  # measure the computed report, not the cached one
        with CaptureQueriesContext(connection) as queries:
            response = supervisor_client.get(url)
            assert response.status_code == 200
        return len(queries)

    count()  # warm up (the stylesheet, the permission cache)
    small = count()
    add_activity(15)
    assert count() == small
    add_activity(30)
    assert count() == small


def test_a_finished_week_is_computed_once_then_served_from_the_cache(
    supervisor_client, known_week, monkeypatch
):
    computed = []
    build = weekly.build
    monkeypatch.setattr(weekly, "build", lambda *a, **kw: computed.append(1) or build(*a, **kw))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert supervisor_client.get(PAGE).status_code == 200
        return len(queries)

    first, again = count(), count()
    assert len(computed) == 1
    assert again < first


def test_report_page_query_budget(supervisor_client, known_week, django_assert_max_num_queries):
    """Queries for the whole page, computed afresh: under 20 for the headline report (one
    reads the governance thresholds), 8 more for the times (with the business calendar's 3),
    the week's other counts, the escalations by service and team, the funnel (two: the
    tickets, then their first requests grouped per ticket) and the knowledge loop, three for
    the direct messages before and after the policy (the date for everyone, the personal dates,
    the count), and three for the issue shown on a finished week's page (the issue, earlier
    issues, changes since)."""
    add_activity(20)
    from reports import issued

    issued.issue(IsoWeek(2026, 20))  # as the periodic job does: the page shows the issue
    cache.clear()
    with django_assert_max_num_queries(35):
        supervisor_client.get(PAGE)


def test_the_pdf_fetches_nothing_from_outside(tmp_path):
    from reports.pdf import refuse_fetch

    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    with pytest.raises(ValueError, match="no outside resource"):
        refuse_fetch(secret.as_uri())


def test_a_running_week_says_what_it_is_compared_with(manager_client):
    import time_machine

    TicketFactory(opened_at=may(4, 9))
    TicketFactory(opened_at=may(8, 9))
    TicketFactory(opened_at=may(11, 9))
    with time_machine.travel(may(13, 15, 30), tick=False):
        html = manager_client.get(PAGE).content.decode()
    assert "Against 2026-W19 to Wed 15:30" in html
    assert "compared with 2026-W19 up to the same point: Monday 00:00 to Wednesday 15:30" in html
    # Tickets logged: 1 so far against 1 by Wednesday 15:30 of the week before, not 2.
    assert "down 50%" not in html
