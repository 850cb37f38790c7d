"""The database cache writes many keys in two queries and reads back what Django's would."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.dbcache.DatabaseCache",
            "LOCATION": "dbcache_test",
            "OPTIONS": {"MAX_ENTRIES": 20, "CULL_FREQUENCY": 2},
        },
        "django": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dbcache_test",
        },
    }
    call_command("createcachetable", verbosity=0)
    return caches["default"]


def test_many_keys_cost_two_queries_and_read_back_as_written(cache):
    values = {"a": 1, "b": {"nested": [1, 2]}, "c": ("tokens", None, "figure")}
    with CaptureQueriesContext(connection) as queries:
        cache.set_many(values, None)
    assert len(queries) == 2
    assert cache.get_many(list(values)) == values
    # Django's own backend on the same table reads them too.
    assert caches["django"].get_many(list(values)) == values


def test_a_key_written_again_is_replaced(cache):
    cache.set("k", "first", None)
    cache.set_many({"k": "second", "other": 2}, None)
    assert cache.get("k") == "second" and cache.get("other") == 2
    caches["django"].set("k", "third", None)
    assert cache.get("k") == "third"


def test_a_timeout_expires_the_key(cache):
    import time_machine

    with time_machine.travel("2026-12-01 10:00Z", tick=False) as traveller:
        cache.set("short", "v", 30)
        assert cache.get("short") == "v"
        traveller.shift(31)
        assert cache.get("short") is None


def test_add_and_delete_keep_their_meaning(cache):
    cache.set("k", 1, None)
    assert cache.add("k", 2, None) is False and cache.get("k") == 1
    assert cache.add("new", 3, None) is True and cache.get("new") == 3
    cache.delete("k")
    assert cache.get("k") is None


def test_the_table_is_culled_past_its_maximum(cache):
    cache.set_many({f"key-{n}": n for n in range(25)}, None)
    cache.set("one-more", 1, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM dbcache_test")
        assert cursor.fetchone()[0] <= 20


def test_add_many_adds_only_the_absent_and_expired_keys_in_two_queries(cache):
    import time_machine

    with time_machine.travel("2026-12-01 10:00Z", tick=False) as traveller:
        cache.set("kept", "first", None)
        cache.set("expired", "old", 30)
        traveller.shift(31)
        with CaptureQueriesContext(connection) as queries:
            cache.add_many({"kept": "second", "expired": "new", "absent": 3}, None)
        assert len(queries) == 2
        assert cache.get_many(["kept", "expired", "absent"]) == {
            "kept": "first",
            "expired": "new",
            "absent": 3,
        }
        assert caches["django"].get("expired") == "new"
