"""Figures cached under version tokens: after a cache clear the missing tokens are added in
one write, and a write still makes the next read compute again."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import versions

pytestmark = pytest.mark.django_db

SOURCES = ("one", "two", "three", "four")


def test_missing_tokens_cost_one_write_and_a_write_computes_again(database_cache):
    computed = []

    def compute():
        computed.append(len(computed) + 1)
        return computed[-1], None

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert versions.cached(SOURCES, "figure", compute) == 1
    # Read tokens and figure, add the four tokens (count, insert), read them back, store the
    # figure (count, insert). Through Django's add each token was five queries.
    assert len(queries) == 6
    assert versions.cached(SOURCES, "figure", compute) == 1
    versions.bump("three")
    assert versions.cached(SOURCES, "figure", compute) == 2
    assert versions.cached(SOURCES, "figure", compute) == 2
