"""Every week value that is not a real ISO week in range is a 404 or a message, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BAD = [
    "0001-W01",
    "0001-W02",
    "1899-W52",
    "9999-W52",
    "9999-W53",
    "2026-W54",
    "2026-W00",
    "2026-W53",
    "garbage",
    "2026-W4",
    "２０２６-W47",
    "2026-W47' OR 1=1--",
    "x" * 5000,
]


@pytest.mark.parametrize("value", BAD)
def test_a_bad_typed_week_is_a_message_on_the_picker(manager_client, value):
    response = manager_client.get(reverse("reports:weekly"), {"week": value}, follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        html = response.content.decode()
        assert "is not a week with a report" in html or 'class="weekly-report' in html


@pytest.mark.parametrize("value", [v for v in BAD if len(v) < 100])
def test_a_bad_week_in_the_address_is_a_404(manager_client, value):
    for name in ("week", "week_pdf"):
        path = reverse("reports:weekly") + value + ("/" if name == "week" else ".pdf")
        assert manager_client.get(path).status_code == 404
