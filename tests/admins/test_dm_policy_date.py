"""Where the direct-message policy was communicated: a date per administrator on their form,
and the date for everyone on the business calendar's form; supervisors only, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from tests.factories import AdministratorFactory
from tickets.sla.models import BusinessCalendar

EDIT_CALENDAR = reverse("sla:calendar_edit")


@pytest.fixture
def dana(db):
    return AdministratorFactory(name="Dana Whitfield", email="dana@example.org", team="Infra")


def edit(admin) -> str:
    return reverse("admins:edit", args=[admin.pk])


def admin_data(admin, **extra) -> dict:
    return {"name": admin.name, "email": admin.email, "team": admin.team, **extra}


def calendar_data(**extra) -> dict:
    return {
        "time_zone": "America/Los_Angeles",
        "workdays": ["0", "1", "2", "3", "4"],
        "opens": "08:00",
        "closes": "17:00",
        "due_soon_percent": "25",
        "no_response_hours": "18",
        **extra,
    }


def test_supervisor_sets_an_administrators_date_and_it_is_audited(
    supervisor_client, supervisor, dana
):
    form = supervisor_client.get(edit(dana)).content.decode()
    assert 'name="dm_policy_communicated_on"' in form
    assert 'type="date"' in form
    response = supervisor_client.post(
        edit(dana), admin_data(dana, dm_policy_communicated_on="2026-05-04")
    )
    assert response.status_code == 302
    dana.refresh_from_db()
    assert dana.dm_policy_communicated_on == date(2026, 5, 4)
    entry = AuditEntry.objects.filter(
        target_type="admins.administrator", target_id=str(dana.pk), user=supervisor
    ).latest("id")
    assert entry.changes["dm_policy_communicated_on"] == [None, "2026-05-04"]


def test_the_date_can_be_cleared(supervisor_client, dana):
    dana.dm_policy_communicated_on = date(2026, 5, 4)
    dana.save()
    supervisor_client.post(edit(dana), admin_data(dana, dm_policy_communicated_on=""))
    dana.refresh_from_db()
    assert dana.dm_policy_communicated_on is None


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_only_supervisors_set_the_date(client, request, role, dana):
    client.force_login(request.getfixturevalue(role))
    response = client.post(edit(dana), admin_data(dana, dm_policy_communicated_on="2026-05-04"))
    assert response.status_code == 403
    assert client.post(EDIT_CALENDAR, calendar_data()).status_code == 403
    dana.refresh_from_db()
    assert dana.dm_policy_communicated_on is None
    assert BusinessCalendar.current().dm_policy_communicated_on is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-45", "Enter the date the policy was communicated, like 2025-03-03."),
        ("next Tuesday", "Enter the date the policy was communicated, like 2025-03-03."),
        (
            (timezone.localdate() + timedelta(days=1)).isoformat(),
            "This date is still to come: give the day the policy was communicated.",
        ),
        ("0001-01-01", "Enter a date between 2000 and 2100."),
    ],
)
def test_a_bad_date_is_refused_beside_the_field(supervisor_client, dana, value, message):
    response = supervisor_client.post(edit(dana), admin_data(dana, dm_policy_communicated_on=value))
    assert response.status_code == 400
    page = response.content.decode()
    error = f'<ul class="errorlist" id="id_dm_policy_communicated_on_error"><li>{message}'
    assert error in page
    dana.refresh_from_db()
    assert dana.dm_policy_communicated_on is None


def test_the_add_form_takes_a_date_too(supervisor_client, db):
    data = {"name": "Lee Marsh", "email": "lee@example.org", "active": "on"}
    supervisor_client.post(
        reverse("admins:new"), {**data, "dm_policy_communicated_on": "2026-05-04"}
    )
    lee = AdministratorFactory._meta.model.objects.get(email="lee@example.org")
    assert lee.dm_policy_communicated_on == date(2026, 5, 4)


def test_supervisor_sets_the_date_for_everyone_on_the_calendar(supervisor_client, supervisor):
    response = supervisor_client.post(
        EDIT_CALENDAR, calendar_data(dm_policy_communicated_on="2026-04-20"), follow=True
    )
    assert response.status_code == 200
    assert BusinessCalendar.current().dm_policy_communicated_on == date(2026, 4, 20)
    page = response.content.decode()
    assert "Communicated to everyone on" in page and "2026-04-20" in page
    entry = AuditEntry.objects.filter(target_type="tickets.businesscalendar").latest("id")
    assert entry.user == supervisor
    assert entry.changes["dm_policy_communicated_on"] == [None, "2026-04-20"]


def test_a_bad_date_for_everyone_is_refused_beside_the_field(supervisor_client):
    response = supervisor_client.post(
        EDIT_CALENDAR, calendar_data(dm_policy_communicated_on="2026-02-30")
    )
    assert response.status_code == 400
    assert 'id="id_dm_policy_communicated_on_error"' in response.content.decode()
    assert BusinessCalendar.current().dm_policy_communicated_on is None
