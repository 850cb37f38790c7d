from __future__ import annotations

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
def migration_data(transactional_db):
    """Transactional tests flush the database afterwards, data migrations included: put the
    role groups, the reference categories and priorities, the guide and the checklist back
    before each test."""
    from django.apps import apps

    from core.roles import sync_role_permissions

    for module in (
        "tickets.migrations.0002_reference_data",
        "escalations.migrations.0003_guide_content",
        "escalations.migrations.0005_checklist_items",
        "escalations.migrations.0008_service_targets",
    ):
        importlib.import_module(module).load(apps, None)
    sync_role_permissions(apps)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached settings never leak between tests."""
    from django.core.cache import cache

    cache.clear()
