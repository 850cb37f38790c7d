from __future__ import annotations

import functools
import importlib

import pytest

from tests import factories


@pytest.fixture
def agent(db):
    return factories.AgentFactory(username="agent_ann")


@pytest.fixture
def supervisor(db):
    return factories.SupervisorFactory(username="super_sue")


@pytest.fixture
def manager(db):
    return factories.ManagerFactory(username="manager_max")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def database_cache(settings):
    """The cache production uses by default (a table in the database), where every cache read
    is a query, instead of the suite's memory cache."""
    from django.core.management import call_command

    settings.CACHES = {
        "default": {"BACKEND": "core.dbcache.DatabaseCache", "LOCATION": "test_database_cache"}
    }
    call_command("createcachetable", verbosity=0)


@pytest.fixture
def migration_data(transactional_db):
    """Transactional tests flush the database afterwards, data migrations included: put the
    role groups, the reference categories and priorities, the guide and the checklist back
    before each test."""
    from django.apps import apps

    from core.roles import sync_role_permissions

    for app_label, name in DATA_MIGRATIONS:
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        module.load(_historical_apps(app_label, name), None)
    sync_role_permissions(apps)


DATA_MIGRATIONS = (
    ("tickets", "0002_reference_data"),
    ("escalations", "0003_guide_content"),
    ("escalations", "0005_checklist_items"),
    ("escalations", "0008_service_targets"),
    ("escalations", "0025_default_policy"),
)


@functools.cache
def _historical_apps(app_label: str, name: str):
    """The models as the migration knew them (a model may have changed app since; the table
    it wrote to has not)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return loader.project_state((app_label, name), at_end=True).apps


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached settings never leak between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tdx(httpserver, settings):
    """The TDX connector configured against a local server speaking the documented Web API
    (tests/tickets/tdx/server.py)."""
    from tests.tickets.tdx.server import APP, BEID, KEY, FakeTdx
    from tickets.tdx import client as tdx_client

    fake = FakeTdx(httpserver)
    fake.install()
    settings.TDX_BASE_URL = fake.base_url
    settings.TDX_APP_ID = APP
    settings.TDX_BEID = BEID
    settings.TDX_WEB_SERVICES_KEY = KEY
    settings.TDX_TIMEOUT_SECONDS = 2
    settings.TDX_MAX_BACKOFF_SECONDS = 0.05
    tdx_client.forget_token()
    yield fake
    tdx_client.forget_token()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test outside tests/browser that names a fixture of pytest-playwright (most easily a
    parameter called ``page``) is grouped with the browser tests, after their database
    flushes, and every test behind it on that worker loses the migrations' data: refuse it."""
    stray = [
        item.nodeid
        for item in items
        if "browser_name" in getattr(item, "fixturenames", ())
        and "tests/browser/" not in item.nodeid
    ]
    if stray:
        raise pytest.UsageError(
            "Outside tests/browser, rename the parameter that pulls in pytest-playwright "
            "(a parameter named 'page'?): " + ", ".join(stray[:5])
        )
