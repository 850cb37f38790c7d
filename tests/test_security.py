from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_forbid_foreign_assets_framing_and_sniffing(agent_client):
    response = agent_client.get(reverse("dashboard"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_login_page_has_the_policy_too(client):
    assert "Content-Security-Policy" in client.get(reverse("login")).headers


def test_no_template_needs_inline_script_or_style(agent_client):
    html = agent_client.get(reverse("dashboard")).content.decode()
    assert "<script>" not in html and " style=" not in html
    assert '"includeIndicatorStyles": false' in html
