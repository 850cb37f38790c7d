"""Browsers ask for /favicon.ico on every site; the app answers with its own icon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_favicon_ico_points_at_the_vendored_icon_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # the ICO signature


def test_every_page_names_its_icon(client):
    html = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in html
    assert f'href="{static("favicon.svg")}" type="image/svg+xml"' in html
