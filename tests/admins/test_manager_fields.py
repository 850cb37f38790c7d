"""An administrator's manager (seed 002) and their own weekly digest, kept on the admin pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from admins.models import Administrator
from core.models import AuditEntry
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def edit(admin) -> str:
    return reverse("admins:edit", args=[admin.pk])


@pytest.fixture
def dana(db):
    return AdministratorFactory(name="Dana Whitfield", email="dana@example.org", team="Infra")


def fields(**overrides) -> dict:
    data = {
        "name": "Dana Whitfield",
        "email": "dana@example.org",
        "team": "Infra",
        "manager_name": "  Lee   Boss ",
        "manager_email": " lee.boss@example.org ",
        "weekly_digest": "on",
    }
    return {**data, **overrides}


def test_the_edit_form_saves_the_manager_and_the_page_shows_them(supervisor_client, dana):
    form = supervisor_client.get(edit(dana)).content.decode()
    assert 'name="manager_email"' in form and 'name="weekly_digest"' in form
    response = supervisor_client.post(edit(dana), fields(), follow=True)
    assert response.redirect_chain == [(reverse("admins:detail", args=[dana.pk]), 302)]
    dana.refresh_from_db()
    assert (dana.manager_name, dana.manager_email, dana.weekly_digest) == (
        "Lee Boss",
        "lee.boss@example.org",
        True,
    )
    page = response.content.decode()
    assert 'Lee Boss (<a href="mailto:lee.boss@example.org">' in page
    assert "On: a list of their open requests each week" in page
    # Who changed the manager is on record, like every other change to an administrator.
    entry = AuditEntry.objects.filter(target_type="admins.administrator").latest("at")
    assert "manager_email" in entry.changes


def test_turning_the_digest_off_is_kept(supervisor_client, dana):
    data = fields()
    del data["weekly_digest"]  # an unticked box is not posted
    supervisor_client.post(edit(dana), data)
    dana.refresh_from_db()
    assert dana.weekly_digest is False


def test_a_bad_manager_address_is_refused_beside_the_field(supervisor_client, dana):
    response = supervisor_client.post(edit(dana), fields(manager_email="lee at example"))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "manager_email": ["Enter the manager's address like name@example.org."]
    }
    assert 'id="id_manager_email_error"' in response.content.decode()
    dana.refresh_from_db()
    assert dana.manager_email == "" and dana.manager_name == ""


def test_a_manager_named_without_an_address_is_refused(supervisor_client, dana):
    response = supervisor_client.post(edit(dana), fields(manager_email=""))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "manager_email": ["Give Lee Boss's email address, or they cannot be told anything."]
    }


def test_the_administrators_own_address_is_not_their_managers(supervisor_client, dana):
    response = supervisor_client.post(edit(dana), fields(manager_email="DANA@example.org"))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "manager_email": ["This is the administrator's own address: give their manager's."]
    }


def test_no_manager_is_fine_and_says_so(supervisor_client, dana):
    response = supervisor_client.post(
        edit(dana), fields(manager_name="", manager_email=""), follow=True
    )
    assert "None named: no manager is told about their requests" in response.content.decode()


def test_a_new_administrator_can_be_added_with_their_manager(supervisor_client):
    data = {**fields(name="Kim Osei", email="kim@example.org"), "active": "on"}
    supervisor_client.post(reverse("admins:new"), data)
    kim = Administrator.objects.get(email="kim@example.org")
    assert kim.manager_email == "lee.boss@example.org"
