"""The escalation policy pages and the on-call page: who may see and edit them, what a
supervisor's edit changes, and the refusals beside the fields."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from admins.models import (
    Absence,
    EscalationPolicy,
    PolicyLevel,
    Rotation,
    RotationMember,
    TargetKind,
)
from tests.factories import AdministratorFactory, ServiceFactory

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")


def level_data(*levels, extra=2) -> dict:
    rows = [*levels, *[{}] * extra]
    data = {
        "levels-TOTAL_FORMS": str(len(rows)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "8",
    }
    for index, row in enumerate(rows):
        for key in ("target", "admin", "rotation", "timeout_hours"):
            data[f"levels-{index}-{key}"] = row.get(key, "")
    return data


@pytest.mark.parametrize(
    "name", ["admins:policies", "admins:policy_new", "admins:oncall", "admins:rotation_new"]
)
def test_the_pages_need_a_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agents_read_policies_and_on_call_but_cannot_edit(agent_client):
    assert agent_client.get(reverse("admins:policies")).status_code == 200
    assert agent_client.get(reverse("admins:oncall")).status_code == 200
    assert agent_client.get(reverse("admins:policy_new")).status_code == 403
    assert agent_client.post(reverse("admins:absence_new"), {}).status_code == 403
    html = agent_client.get(reverse("admins:policies")).content.decode()
    assert "Edit Default" not in html


def test_managers_are_refused(manager_client):
    assert manager_client.get(reverse("admins:policies")).status_code == 403


def test_the_default_policy_is_listed_with_its_three_levels(supervisor_client):
    html = supervisor_client.get(reverse("admins:policies")).content.decode()
    assert "Level 1:</strong> The administrator asked first" in html
    assert "Level 2:</strong> The declared backup" in html
    assert "Level 3:</strong> The support center&#x27;s supervisors (told)" in html


def test_a_supervisor_creates_a_three_level_policy_and_a_service_uses_it(supervisor_client):
    bo = AdministratorFactory(name="Bo Named")
    shifts = Rotation.objects.create(
        name="Nights", shift_days=7, handover_time=time(9), starts_on=date(2026, 11, 23)
    )
    data = {"name": "  Network   core ", "description": "", "repeat_count": "1"}
    data |= level_data(
        {"target": "asked"},
        {"target": "admin", "admin": bo.pk, "timeout_hours": "4"},
        {"target": "rotation", "rotation": shifts.pk, "timeout_hours": "8"},
    )
    response = supervisor_client.post(reverse("admins:policy_new"), data)
    assert response.status_code == 302
    policy = EscalationPolicy.objects.get(name="Network core")
    assert policy.repeat_count == 1 and not policy.is_default
    assert list(policy.levels.values_list("position", "target", "admin", "timeout_hours")) == [
        (1, "asked", None, None),
        (2, "admin", bo.pk, 4),
        (3, "rotation", None, 8),
    ]
    assert EscalationPolicy.objects.get(name="Default").is_default


def test_making_a_policy_the_default_takes_it_from_the_old_one(supervisor_client):
    data = {"name": "Fast", "is_default": "on", "repeat_count": "0"}
    data |= level_data({"target": "asked"}, {"target": "supervisors"})
    assert supervisor_client.post(reverse("admins:policy_new"), data).status_code == 302
    assert list(
        EscalationPolicy.objects.filter(is_default=True).values_list("name", flat=True)
    ) == ["Fast"]


def test_two_supervisors_making_a_default_at_once_get_a_message_not_a_500(supervisor_client):
    # Another supervisor's new default lands after this save cleared the old one and before
    # it writes its own: the database's one-default constraint refuses this save whole.
    from admins.policy_forms import PolicyForm

    saved = PolicyForm.save

    def lose_the_race(form, *args, **kwargs):
        EscalationPolicy.objects.create(name="Theirs", is_default=True)
        return saved(form, *args, **kwargs)

    data = {"name": "Mine", "is_default": "on", "repeat_count": "0"}
    data |= level_data({"target": "asked"}, {"target": "supervisors"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PolicyForm, "save", lose_the_race)
        response = supervisor_client.post(reverse("admins:policy_new"), data)
    assert response.status_code == 409
    assert "Someone else saved a policy at the same moment" in response.content.decode()
    assert not EscalationPolicy.objects.filter(name="Mine").exists()


def test_level_one_must_be_the_admin_asked_and_nothing_is_saved(supervisor_client):
    default = EscalationPolicy.objects.get(is_default=True)
    data = {"name": "Default", "is_default": "on", "repeat_count": "0"}
    data |= level_data({"target": "supervisors"}, {"target": "backup"})
    response = supervisor_client.post(reverse("admins:policy_edit", args=[default.pk]), data)
    assert response.status_code == 400
    assert "Level 1 is always the administrator the agent asked" in response.content.decode()
    assert list(default.levels.values_list("target", flat=True)) == [
        "asked",
        "backup",
        "supervisors",
    ]


def test_a_named_admin_level_needs_its_admin_beside_the_field(supervisor_client):
    data = {"name": "Named", "repeat_count": "0"}
    data |= level_data({"target": "asked"}, {"target": "admin"})
    response = supervisor_client.post(reverse("admins:policy_new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_levels-1-admin_error"><li>Choose the administrator this level asks.' in html
    assert not EscalationPolicy.objects.filter(name="Named").exists()


def test_editing_replaces_the_levels(supervisor_client):
    default = EscalationPolicy.objects.get(is_default=True)
    page = supervisor_client.get(reverse("admins:policy_edit", args=[default.pk]))
    assert 'value="supervisors" selected' in page.content.decode()
    data = {"name": "Default", "is_default": "on", "repeat_count": "0"}
    data |= level_data({"target": "asked"}, {"target": "manager"}, {"target": "supervisors"})
    response = supervisor_client.post(reverse("admins:policy_edit", args=[default.pk]), data)
    assert response.status_code == 302
    assert list(default.levels.values_list("target", flat=True)) == [
        "asked",
        "manager",
        "supervisors",
    ]


def test_a_rotation_is_made_and_the_page_says_who_is_on_call_now_and_next(supervisor_client):
    ann, cy = AdministratorFactory(name="Ann Early"), AdministratorFactory(name="Cy Late")
    data = {
        "name": "Network nights",
        "shift_days": "7",
        "handover_time": "09:00",
        "starts_on": "2026-11-23",
        "member_0": ann.pk,
        "member_1": cy.pk,
        "member_2": "",
    }
    assert supervisor_client.post(reverse("admins:rotation_new"), data).status_code == 302
    rotation = Rotation.objects.get(name="Network nights")
    assert list(rotation.members.values_list("admin__name", flat=True)) == [
        "Ann Early",
        "Cy Late",
    ]
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=LA), tick=False):
        html = supervisor_client.get(reverse("admins:oncall")).content.decode()
    assert "Ann Early</a> · <strong>next:</strong> Cy Late from Mon 30 Nov 09:00" in html


def test_a_rotation_with_the_same_admin_twice_is_refused(supervisor_client):
    ann = AdministratorFactory(name="Ann Early")
    data = {
        "name": "Twice",
        "shift_days": "7",
        "handover_time": "09:00",
        "starts_on": "2026-11-23",
        "member_0": ann.pk,
        "member_1": ann.pk,
    }
    response = supervisor_client.post(reverse("admins:rotation_new"), data)
    assert response.status_code == 400
    assert "Each administrator takes one turn" in response.content.decode()
    assert not Rotation.objects.exists()


def test_an_absence_is_recorded_and_removed(supervisor_client):
    bo, dee = AdministratorFactory(name="Bo Away"), AdministratorFactory(name="Dee Standin")
    data = {
        "admin": bo.pk,
        "starts_at": "2026-11-24T00:00",
        "ends_at": "2026-11-28T00:00",
        "stand_in": dee.pk,
        "note": "Leave",
    }
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=LA), tick=False):
        assert supervisor_client.post(reverse("admins:absence_new"), data).status_code == 302
        html = supervisor_client.get(reverse("admins:oncall")).content.decode()
        assert "Away now" in html and "stand-in Dee Standin" in html
        absence = Absence.objects.get()
        assert absence.stand_in == dee
        url = reverse("admins:absence_delete", args=[absence.pk])
        assert supervisor_client.post(url).status_code == 302
    assert not Absence.objects.exists()


def test_an_absence_that_ends_before_it_starts_is_refused_beside_the_field(supervisor_client):
    bo = AdministratorFactory(name="Bo Away")
    data = {"admin": bo.pk, "starts_at": "2026-11-28T00:00", "ends_at": "2026-11-24T00:00"}
    response = supervisor_client.post(reverse("admins:absence_new"), data)
    assert response.status_code == 400
    assert 'id="id_ends_at_error"><li>The absence must end after it starts.' in (
        response.content.decode()
    )
    assert not Absence.objects.exists()


def test_the_service_page_names_its_policy_and_who_is_on_call(supervisor_client):
    ann = AdministratorFactory(name="Ann Early")
    shifts = Rotation.objects.create(
        name="Nights", shift_days=7, handover_time=time(9), starts_on=date(2026, 11, 23)
    )
    RotationMember.objects.create(rotation=shifts, admin=ann, position=1)
    policy = EscalationPolicy.objects.create(name="Night policy")
    PolicyLevel.objects.create(policy=policy, position=1, target=TargetKind.ASKED)
    PolicyLevel.objects.create(policy=policy, position=2, target="rotation", rotation=shifts)
    service = ServiceFactory(name="VPN", policy=policy)
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=LA), tick=False):
        html = supervisor_client.get(reverse("admins:service_detail", args=[service.pk]))
    html = html.content.decode()
    assert "<strong>Escalation policy:</strong> Night policy" in html
    assert "<strong>On call (Nights):</strong> Ann Early" in html


def test_a_cover_is_added_shown_and_removed(supervisor_client):
    from admins.models import RotationOverride

    ann, dee = AdministratorFactory(name="Ann Early"), AdministratorFactory(name="Dee Cover")
    shifts = Rotation.objects.create(
        name="Nights", shift_days=7, handover_time=time(9), starts_on=date(2026, 11, 23)
    )
    RotationMember.objects.create(rotation=shifts, admin=ann, position=1)
    data = {
        "rotation": shifts.pk,
        "admin": dee.pk,
        "starts_at": "2026-11-25T00:00",
        "ends_at": "2026-11-26T00:00",
    }
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=LA), tick=False):
        assert supervisor_client.post(reverse("admins:override_new"), data).status_code == 302
        html = supervisor_client.get(reverse("admins:oncall")).content.decode()
        assert "Dee Cover</a> · <strong>next:</strong> Ann Early" in html
        cover = RotationOverride.objects.get()
        url = reverse("admins:override_delete", args=[cover.pk])
        assert supervisor_client.post(url).status_code == 302
    assert not RotationOverride.objects.exists()
