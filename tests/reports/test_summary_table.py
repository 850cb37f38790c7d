"""The admin response summary is one table: the same headings, cells and definitions on the
administrators' page, the dashboard and the weekly report."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from escalations.handoffs.models import Channel, Outcome
from reports.weeks import IsoWeek
from tests.factories import AdministratorFactory, EngagementFactory

LABELS = [
    "Administrator",
    "Requests",
    "Responded",
    "Response rate",
    "No response",
    "Declined without redirect",
    "Median first response",
]


@pytest.fixture
def answered(supervisor):
    engagement = EngagementFactory(
        admin=AdministratorFactory(name="Dana Answers"),
        requested_at=timezone.now() - timedelta(hours=1),
    )
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.TICKET,
        responded_at=engagement.requested_at + timedelta(minutes=30),
        by=supervisor,
    )
    return engagement


def summary_headings(html: str) -> list[str]:
    """The column headings of the table that follows the summary's heading, link text only."""
    section = html[html.index('id="summary-heading"') :]
    head = section[section.index("<thead") : section.index("</thead>")]
    return [
        re.sub(r"<[^>]+>|[▲▼]", "", th).strip()
        for th in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


@pytest.mark.parametrize(
    "url",
    [
        reverse("admins:list"),
        reverse("dashboard"),
        reverse("reports:week", args=[IsoWeek.containing(timezone.localdate())]),
    ],
    ids=["administrators", "dashboard", "weekly report"],
)
def test_every_page_shows_the_summary_with_one_set_of_labels(supervisor_client, answered, url):
    response = supervisor_client.get(url)
    assert "reports/_summary_table.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert summary_headings(html)[: len(LABELS)] == LABELS
    row = html[html.index("Dana Answers") :]
    row = row[: row.index("</tr>")]
    assert '<td data-label="Responded" class="num">1</td>' in row
    assert '<td data-label="No response" class="num">0</td>' in row
    assert "30 min" in row
    table = html[html.index("Dana Answers") :]
    table = table[: table.index("</table>")]
    head = html[: html.index("Dana Answers")]
    head = head[head.rindex("<table") :]
    for other_name in ("Answered", "No reply", "DMs"):
        assert f">{other_name}<" not in head + table


def test_the_report_defines_its_summary_columns_for_the_week(supervisor_client, answered):
    html = supervisor_client.get(
        reverse("reports:week", args=[IsoWeek.containing(timezone.localdate())])
    ).content.decode()
    summary = html[html.index('id="summary-heading"') : html.index('id="notable-heading"')]
    assert "<dt>Responded</dt>" in summary
    assert "made to the administrator during the week." in summary
    # A finished week has no "open" column, so it defines none.
    assert "<dt>Open</dt>" not in summary
