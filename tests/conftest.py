from __future__ import annotations

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
