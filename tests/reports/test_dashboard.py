from __future__ import annotations

from django.urls import reverse

from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.models import Status, Tier

URL = reverse("dashboard")


def test_empty_dashboard_says_so(agent_client):
    html = agent_client.get(URL).content.decode()
    assert "No open escalations." in html
    assert "No tickets logged yet." in html
    assert "No requests to administrators in the last 30 days." in html
    assert 'id="quick-log"' in html


def test_open_escalations_and_recent_tickets(agent_client):
    admin = AdministratorFactory(name="Hana Mori")
    TicketFactory(
        external_id="501", tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN, admin=admin
    )
    TicketFactory(external_id="502", tier=Tier.ESCALATE, status=Status.CLOSED)
    TicketFactory(external_id="503", tier=Tier.HANDLE)
    response = agent_client.get(URL)
    assert [t.external_id for t in response.context["open_escalations"]] == ["501"]
    assert [t.external_id for t in response.context["recent_tickets"]] == ["503", "502", "501"]
    assert "Hana Mori" in response.content.decode()


def test_manager_sees_no_log_form(manager_client):
    html = manager_client.get(URL).content.decode()
    assert 'id="quick-log"' not in html


def test_dashboard_query_count_is_bounded(agent_client, django_assert_max_num_queries):
    TicketFactory.create_batch(3, tier=Tier.ESCALATE, admin=AdministratorFactory())
    agent_client.get(URL)  # warm: measured once the figures are in the cache
    with django_assert_max_num_queries(15):
        agent_client.get(URL)
    TicketFactory.create_batch(30, tier=Tier.ESCALATE, admin=AdministratorFactory())
    for admin in AdministratorFactory.create_batch(5):
        EngagementFactory.create_batch(3, admin=admin)
    agent_client.get(URL)
    with django_assert_max_num_queries(15):
        agent_client.get(URL)


def test_dashboard_summary_shows_each_admins_record(agent_client, agent):
    from datetime import timedelta

    from django.utils import timezone

    from escalations.handoffs.models import Channel, Outcome

    dana = AdministratorFactory(name="Dana Answers")
    AdministratorFactory(name="Never Asked")
    answered = EngagementFactory(admin=dana)
    answered.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.DIRECT_MESSAGE,
        responded_at=answered.requested_at + timedelta(minutes=45),
        by=agent,
    )
    EngagementFactory(admin=dana, requested_at=timezone.now() - timedelta(hours=2))

    response = agent_client.get(URL)

    [row] = response.context["summary"]
    assert (row.admin, row.requests, row.responded, row.direct_messages, row.open) == (
        dana,
        2,
        1,
        1,
        1,
    )
    html = response.content.decode()
    assert "45 min" in html and "Never Asked" not in html


def _section_order(html: str, *ids: str) -> list[int]:
    return [html.index(f'id="{i}"') for i in ids]


def test_the_strip_shows_the_headline_numbers(agent_client):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine

    from tickets.models import Ticket

    # Thursday 3 December 2026, noon: the week began on Monday 30 November.
    now = datetime(2026, 12, 3, 12, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    with time_machine.travel(now, tick=False):
        TicketFactory(tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN)
        TicketFactory(tier=Tier.ESCALATE, status=Status.CLOSED)
        late = TicketFactory(status=Status.NEW)
        Ticket.objects.filter(pk=late.pk).update(next_due_at=now - timedelta(hours=1))
        EngagementFactory(requested_at=now - timedelta(hours=3))  # awaiting an answer
        for minutes in (10, 30, 60, 120):  # answered this week: the median is 45 min
            EngagementFactory(
                requested_at=now - timedelta(days=1),
                state="responded",
                first_response_at=now - timedelta(days=1) + timedelta(minutes=minutes),
                first_response_seconds=minutes * 60,
            )
        EngagementFactory(  # last week's request: not this week's median
            requested_at=now - timedelta(days=5),
            state="responded",
            first_response_at=now - timedelta(days=5) + timedelta(minutes=1),
            first_response_seconds=60,
        )
        response = agent_client.get(URL)

    strip = response.context["strip"]
    assert (strip["escalations"], strip["awaiting"], strip["breached"]) == (1, 1, 1)
    assert strip["median_seconds"] == 45 * 60
    html = response.content.decode()
    strip_html = html[html.index('id="headline-strip"') : html.index('id="open-esc-heading"')]
    assert "Awaiting an answer</a></dt><dd>1</dd>" in strip_html
    assert "<dd>45 min</dd>" in strip_html


def test_dashboard_follows_the_seed_order_and_drops_the_constant_tier(agent_client):
    TicketFactory(external_id="601", tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN)
    html = agent_client.get(URL).content.decode()
    strip, escalations, summary, recent, log = _section_order(
        html, "headline-strip", "open-esc-heading", "summary-heading", "recent-heading", "quick-log"
    )
    assert strip < escalations < summary < recent < log
    table = html[html.index('id="open-escalations-table"') : html.index("</table>", escalations)]
    # Every open escalation is in the Escalate tier: the column said nothing.
    assert ">Tier<" not in table and "Escalate</span>" not in table


def test_a_managers_dashboard_starts_with_the_weekly_report_and_the_summary(manager_client):
    from reports.weekly import current_week

    TicketFactory(external_id="602", tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN)
    last_week = current_week().previous
    html = manager_client.get(URL).content.decode()
    weekly, summary, escalations = _section_order(
        html, "weekly-heading", "summary-heading", "open-esc-heading"
    )
    assert weekly < summary < escalations
    assert f"Weekly report {last_week}" in html
    assert f'href="/reports/weekly/{last_week}.pdf"' in html
    assert "Tickets resolved" in html


def test_an_agents_dashboard_has_no_weekly_card(agent_client):
    response = agent_client.get(URL)
    assert "last_week" not in response.context
    assert 'id="weekly-heading"' not in response.content.decode()


def test_every_link_a_manager_sees_on_landing_answers(client, manager):
    """A manager logs in and lands on the dashboard: no link on it leads to a 403."""
    import re

    from tests.factories import PASSWORD

    TicketFactory(external_id="603", tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN)
    EngagementFactory()
    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert response["Location"] == URL
    html = client.get(URL).content.decode()
    assert reverse("tickets:new") not in html
    links = set(re.findall(r'href="(/[^"#]*)"', html)) - {"/static/css/app.css"}
    links = {link.replace("&amp;", "&") for link in links if not link.startswith("/static/")}
    assert links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link


def test_sla_panel_lists_breached_then_due_soon_tickets_by_due_time(supervisor_client):
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import Ticket

    now = timezone.now()

    def ticket(external_id: str, *, due: int | None, soon: int | None, **fields) -> None:
        made = TicketFactory(
            external_id=external_id,
            title=f"Ticket <{external_id}>",
            opened_at=now - timedelta(hours=4),
        )
        Ticket.objects.filter(pk=made.pk).update(
            status=fields.pop("status", Status.IN_PROGRESS),
            first_responded_at=now - timedelta(hours=3),
            next_due_at=None if due is None else now + timedelta(minutes=due),
            due_soon_at=None if soon is None else now + timedelta(minutes=soon),
            resolution_due_at=now + timedelta(minutes=due if due is not None else 60),
            **fields,
        )

    ticket("701", due=40, soon=-5)  # due soon
    ticket("702", due=-30, soon=-90)  # breached
    ticket("703", due=120, soon=60)  # on track
    ticket("704", due=None, soon=None, status=Status.WAITING_ON_VENDOR, sla_paused_at=now)
    ticket("705", due=None, soon=None, status=Status.RESOLVED, resolved_at=now)
    response = supervisor_client.get(URL)
    assert [t.external_id for t in response.context["sla_attention"]] == ["702", "701"]
    html = response.content.decode()
    panel = html.split('id="sla-heading"')[1]
    assert "1 breached · 1 due soon" in panel
    assert "Ticket &lt;702&gt;" in panel and "Ticket &lt;703&gt;" not in panel
    rows = panel.split("<tbody>")[1].split("</tr>")
    assert 'class="badge sla-breached"' in rows[0] and ">Breached</span>" in rows[0]
    assert 'class="badge sla-due_soon"' in rows[1] and ">Due soon</span>" in rows[1]


def test_a_warm_dashboard_reads_its_cached_figures_in_one_cache_query(
    supervisor_client, database_cache
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    TicketFactory.create_batch(2, tier=Tier.ESCALATE)
    EngagementFactory.create_batch(2)
    supervisor_client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        html = supervisor_client.get(URL).content.decode()
    cache_reads = [q["sql"] for q in ctx.captured_queries if "test_database_cache" in q["sql"]]
    # The keys every page reads, then the dashboard's figures: summary, counts, governance.
    assert len(cache_reads) == 2, cache_reads
    assert "Open escalations (2)" in html
