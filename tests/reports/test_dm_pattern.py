"""The direct-message pattern (seed 000) on known data, around 2026-W20 (11–18 May 2026,
America/Los_Angeles; its trend is W13 to W20).

- Pat has her own policy date, Monday 4 May; the date for everyone (20 April) does not apply
  to her, so her direct message of 28 April is before.
- Eve has none of her own: the date for everyone, Monday 20 April, is hers.
- Both are answered on the policy day itself (before) and at 00:00 the next day (after).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from escalations.handoffs.models import Channel, Outcome
from reports import definitions, dm_pattern
from reports.weekly import build, trend_columns, zone
from reports.weeks import IsoWeek
from tests.factories import AdministratorFactory, EngagementFactory
from tests.reports.conftest import WEEK
from tests.reports.test_views import pdf_text
from tickets.sla.models import BusinessCalendar

LA = ZoneInfo("America/Los_Angeles")
EVERYONE = date(2026, 4, 20)
PAT_OWN = date(2026, 5, 4)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=LA)


def answer(admin, when: datetime, channel: str = Channel.DIRECT_MESSAGE) -> None:
    engagement = EngagementFactory(admin=admin, requested_at=when - timedelta(hours=1))
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT, channel=channel, responded_at=when, by=engagement.requested_by
    )


def set_everyone_date(day: date | None) -> None:
    calendar = BusinessCalendar.current()
    calendar.dm_policy_communicated_on = day
    calendar.save()


@dataclass
class Pattern:
    pat: object
    eve: object
    nora: object


@pytest.fixture
def known_pattern(db, frozen) -> Pattern:
    set_everyone_date(EVERYONE)
    pat = AdministratorFactory(name="Pat Quinn", dm_policy_communicated_on=PAT_OWN)
    eve = AdministratorFactory(name="Eve Santos")
    nora = AdministratorFactory(name="Nora Field")
    answer(pat, at(4, 28, 10))  # after the everyone-date, before her own: before
    answer(pat, at(5, 4, 23, 59, 59))  # the day of her date: before
    answer(pat, at(5, 5))  # 00:00 the next day: after (W19)
    answer(pat, at(5, 12, 9))  # after (W20)
    answer(pat, at(5, 13, 15))  # after (W20)
    answer(pat, at(5, 14, 9), channel=Channel.TICKET)  # on policy: not a direct message
    answer(pat, at(5, 19, 9))  # after the report's week: not in its figures
    answer(eve, at(4, 20))  # 00:00 on the everyone-date itself: before
    answer(eve, at(4, 21))  # 00:00 the next day: after (W17)
    answer(eve, at(5, 15, 16))  # after (W20)
    answer(nora, at(5, 12, 9), channel=Channel.SUPPORT_CHANNEL)
    return Pattern(pat=pat, eve=eve, nora=nora)


def week_pattern():
    week = IsoWeek.parse(WEEK)
    start, end = week.bounds(zone())
    columns = [c.bounds(zone()) for c in trend_columns(week)]
    return {
        row.name: row for row in dm_pattern.pattern(until=end, columns=columns, period=(start, end))
    }


def test_counts_before_and_after_each_admins_effective_date(known_pattern):
    rows = week_pattern()
    pat, eve = rows["Pat Quinn"], rows["Eve Santos"]
    assert (pat.before, pat.after, pat.after_in_period) == (2, 3, 2)
    assert (pat.policy_date, pat.date_source) == (PAT_OWN, "their own date")
    assert (eve.before, eve.after, eve.after_in_period) == (1, 2, 1)
    assert (eve.policy_date, eve.date_source) == (EVERYONE, "the date for everyone")
    # Nora never answered by direct message: no row.
    assert "Nora Field" not in rows


def test_trend_counts_after_policy_messages_per_week(known_pattern):
    rows = week_pattern()
    # W13 … W20, oldest first.
    assert rows["Pat Quinn"].trend == [0, 0, 0, 0, 0, 0, 1, 2]
    assert rows["Eve Santos"].trend == [0, 0, 0, 0, 1, 0, 0, 1]


def test_most_after_policy_messages_first(known_pattern):
    assert list(week_pattern()) == ["Pat Quinn", "Eve Santos"]


@pytest.mark.parametrize(
    ("moment", "side"),
    [
        (at(5, 4, 0, 0, 0), "before"),  # the policy day's first second
        (at(5, 4, 23, 59, 59), "before"),  # its last second
        (at(5, 5, 0, 0, 0), "after"),  # 00:00 the next day, organisation time
    ],
)
def test_boundary_is_the_start_of_the_day_after(db, frozen, moment, side):
    admin = AdministratorFactory(name="Bo Rand", dm_policy_communicated_on=PAT_OWN)
    answer(admin, moment)
    [row] = dm_pattern.pattern(until=frozen)
    assert (row.before, row.after) == ((1, 0) if side == "before" else (0, 1))


def test_boundary_follows_the_organisation_zone(db, frozen):
    # 00:30 in New York on 5 May is 21:30 on 4 May in Los Angeles: still the policy day.
    admin = AdministratorFactory(name="Bo Rand", dm_policy_communicated_on=PAT_OWN)
    answer(admin, datetime(2026, 5, 5, 0, 30, tzinfo=ZoneInfo("America/New_York")))
    [row] = dm_pattern.pattern(until=frozen)
    assert (row.before, row.after) == (1, 0)


def test_without_any_date_every_direct_message_is_before(db, frozen):
    nobody = AdministratorFactory(name="Nora Field")
    answer(nobody, at(5, 12, 9))
    answer(nobody, at(5, 13, 9))
    [row] = dm_pattern.pattern(until=frozen, columns=[(at(5, 11), at(5, 18))])
    assert (row.policy_date, row.date_source) == (None, "")
    assert (row.before, row.after, row.trend) == (2, 0, [0])


def test_own_date_later_than_everyones_wins(db, frozen):
    set_everyone_date(date(2026, 5, 1))
    admin = AdministratorFactory(name="Kim Lo", dm_policy_communicated_on=date(2026, 5, 10))
    answer(admin, at(5, 6, 9))
    [row] = dm_pattern.pattern(until=frozen)
    assert (row.policy_date, row.before, row.after) == (date(2026, 5, 10), 1, 0)


def test_changing_the_everyone_date_moves_the_split(known_pattern):
    set_everyone_date(date(2026, 5, 14))
    eve = week_pattern()["Eve Santos"]
    assert (eve.before, eve.after) == (2, 1)


def test_report_carries_the_pattern(known_pattern):
    report = build(IsoWeek.parse(WEEK))
    rows = {row.name: row for row in report.dm_pattern}
    assert (rows["Pat Quinn"].before, rows["Pat Quinn"].after) == (2, 3)
    assert rows["Eve Santos"].trend == [0, 0, 0, 0, 1, 0, 0, 1]


def _many(count: int, start: int) -> None:
    for n in range(count):
        admin = AdministratorFactory(
            name=f"Admin {start + n}", dm_policy_communicated_on=PAT_OWN if n % 2 else None
        )
        answer(admin, at(5, 12, 9))
        answer(admin, at(5, 3, 9))


def test_pattern_query_count_is_flat(db, frozen, django_assert_num_queries):
    columns = [(at(5, 4), at(5, 11)), (at(5, 11), at(5, 18))]
    _many(2, 0)
    BusinessCalendar.current()
    zone()
    # The date for everyone, the distinct personal dates, the grouped count.
    with django_assert_num_queries(3):
        small = dm_pattern.pattern(until=frozen, columns=columns)
    _many(12, 10)
    with django_assert_num_queries(3):
        large = dm_pattern.pattern(until=frozen, columns=columns)
    assert (len(small), len(large)) == (2, 14)


def test_report_page_shows_the_pattern_with_its_definition(manager_client, known_pattern):
    page = manager_client.get(reverse("reports:week", args=[WEEK])).content.decode()
    table = page[
        page.index('id="dm-pattern"') : page.index("</table>", page.index('id="dm-pattern"'))
    ]
    pat = table[table.index("Pat Quinn") : table.index("</tr>", table.index("Pat Quinn"))]
    assert '<time datetime="2026-05-04">2026-05-04</time></td>' in pat
    cells = re.findall(r'<td[^>]*class="num">(?:<span[^>]*>)?(\d+)', pat)
    assert cells == ["2", "3", "2", "0", "0", "0", "0", "0", "0", "1", "2"]
    eve = table[table.index("Eve Santos") : table.index("</tr>", table.index("Eve Santos"))]
    assert "(everyone)" in eve
    assert '<th scope="col" class="num">W13</th>' in table
    assert "<dt>Direct messages before and after the policy</dt>" in page
    assert definitions.DM_POLICY_RULE in page.replace("&#x27;", "'")


def test_report_pdf_leaves_the_pattern_to_the_page_it_names(manager_client, known_pattern):
    # The PDF is a summary: the per-administrator pattern is on the page, whose address the
    # PDF prints, and so is its definition (the PDF defines only what it shows).
    text = pdf_text(manager_client.get(reverse("reports:week_pdf", args=[WEEK])))
    assert "before and after the policy was communicated: on the page" in text
    assert "/reports/weekly/" + str(WEEK) + "/" in text
    assert "Pat Quinn 2026-05-04" not in text
    assert "Direct messages before and after the policy" not in text


def test_admin_page_shows_the_pattern_with_its_definition(agent_client, known_pattern):
    page = agent_client.get(reverse("admins:detail", args=[known_pattern.pat.pk])).content
    page = page.decode()
    assert (
        'Policy communicated on <time datetime="2026-05-04">2026-05-04</time> (their own date)'
        in page
    )
    # Up to now (3 June): the answer of 19 May counts too.
    assert "<dt>Before the policy</dt><dd>2</dd>" in page
    assert "<dt>After the policy (the documented pattern)</dt><dd>4</dd>" in page
    trend = page[page.index('id="dm-trend"') : page.index("</table>", page.index('id="dm-trend"'))]
    # W16 … W23: 5 May (W19), 12 and 13 May (W20), 19 May (W21).
    assert re.findall(r'<td class="num">(\d+)</td>', trend) == [
        "0",
        "0",
        "0",
        "1",
        "2",
        "1",
        "0",
        "0",
    ]
    assert definitions.DM_POLICY_RULE in page.replace("&#x27;", "'")


def test_admin_page_with_the_everyone_date_and_with_none(agent_client, known_pattern):
    eve = agent_client.get(reverse("admins:detail", args=[known_pattern.eve.pk])).content
    assert b"2026-04-20</time> (the date for everyone)" in eve
    set_everyone_date(None)
    nora = agent_client.get(reverse("admins:detail", args=[known_pattern.nora.pk])).content
    assert b"No policy date: neither Nora Field nor everyone has one" in nora
    assert b"<dt>Before the policy</dt><dd>0</dd>" in nora
