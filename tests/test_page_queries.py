"""Every page a supervisor can open: at most 15 SQL queries once warm, and the same number with
eleven times the data. Counted on the database cache production uses by default, where each
cache read is a query too. A page whose count grows with the tickets, requests or answers, or
that reads the same cache key twice, fails here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalations.handoffs.models import Channel, Outcome
from tests import test_access
from tests.factories import AdministratorFactory, EngagementFactory, SupervisorFactory
from tests.test_access import ACCESS, POST_ONLY, S, build_url, url_names

pytestmark = pytest.mark.django_db
objects = test_access.objects  # the fixture: one of everything a URL can point at
BUDGET = 15
PAGES = sorted(name for name, (get, _post) in ACCESS.items() if get != POST_ONLY and S in get)
# Query strings that make a page show what it is for.
EXTRA = {"tickets:search": "?q=VPN", "tickets:tdx_lookup": "?external_id=1234"}


def grow(n: int) -> None:
    """``n`` more tickets, each with a request to its own administrator and an answer."""
    by = SupervisorFactory()
    for _ in range(n):
        engagement = EngagementFactory(admin=AdministratorFactory())
        engagement.record_response(
            outcome=Outcome.GAVE_INPUT,
            channel=Channel.TICKET,
            responded_at=timezone.now(),
            by=by,
            next_time="Restart it",
        )


def warm_queries(client, url: str) -> list[str]:
    """The queries of a request once the figures it shows are in the cache."""
    assert client.get(url).status_code in (200, 302), url
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    return [q["sql"] for q in ctx.captured_queries]


def test_every_page_is_within_15_queries_and_flat_in_the_data(client, objects, database_cache):
    client.force_login(SupervisorFactory())
    names = url_names()
    urls = {name: build_url(name, names[name], objects) + EXTRA.get(name, "") for name in PAGES}
    small = {name: warm_queries(client, url) for name, url in urls.items()}
    grow(10)
    large = {name: warm_queries(client, url) for name, url in urls.items()}
    over = {name: len(q) for name, q in large.items() if len(q) > BUDGET}
    assert over == {}, f"more than {BUDGET} queries: {over}"
    grown = {
        name: (len(small[name]), len(large[name]))
        for name in PAGES
        if len(large[name]) != len(small[name])
    }
    assert grown == {}, f"query counts that change with the data: {grown}"


def test_a_page_reads_the_shared_cache_keys_every_page_needs_in_one_query(
    client,
    objects,
    database_cache,
):
    client.force_login(SupervisorFactory())
    queries = warm_queries(client, "/notifications/")
    cache_reads = [q for q in queries if "test_database_cache" in q]
    # The session, the user, then one read of the permissions, the unread count, the calendar's
    # page settings and the form options.
    assert len(cache_reads) == 1, cache_reads
    assert len(queries) == 4, queries
