from __future__ import annotations

import pytest

from tests.tickets.tdx.server import APP, BEID, KEY, FakeTdx
from tickets.tdx import client as tdx_client


@pytest.fixture
def tdx(httpserver, settings):
    """TDX configured against a local server speaking its documented protocol."""
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
