from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from admins.forms import AdministratorForm
from admins.models import Administrator
from escalations.handoffs.models import Channel, Outcome
from tests.admins.helpers import engage
from tests.factories import AdministratorFactory, PurviewFactory, ServiceFactory


def detail(admin) -> str:
    return reverse("admins:detail", args=[admin.pk])


def edit(admin) -> str:
    return reverse("admins:edit", args=[admin.pk])


@pytest.fixture
def dana(db):
    return AdministratorFactory(name="Dana Whitfield", email="dana@example.org", team="Infra")


def test_anonymous_is_sent_to_login(client, dana):
    for url in (detail(dana), edit(dana)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_detail_shows_the_record(manager_client, dana):
    lee = AdministratorFactory(name="Lee Marsh", backup=dana)
    dana.backup = AdministratorFactory(name="Priya Natarajan")
    dana.save()
    PurviewFactory(
        admin=dana, service=ServiceFactory(name="VPN"), evidence="Said so in ticket 4711"
    )
    PurviewFactory(admin=dana, role="backup", service=ServiceFactory(name="Wi-Fi"))
    ended = PurviewFactory(admin=dana, service=ServiceFactory(name="Printing"))
    ended.ended_at = ended.recorded_at
    ended.save()
    answered = engage(
        dana,
        days_ago=2,
        outcome=Outcome.REDIRECTED,
        after=timedelta(hours=3),
        channel=Channel.DIRECT_MESSAGE,
        redirect_admin=lee,
    )
    engage(dana, days_ago=40, outcome=Outcome.NO_RESPONSE, after=timedelta(days=2))

    response = manager_client.get(detail(dana))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Dana Whitfield</h1>" in html
    assert "dana@example.org" in html and "Infra" in html
    assert ">Priya Natarajan</a>" in html  # their backup
    assert ">Lee Marsh</a>" in html  # whom they back up
    assert "VPN" in html and "Said so in ticket 4711" in html and "Wi-Fi" in html
    assert "Printing" not in html  # ended declarations are history, not current purview
    summary = response.context["summary"]
    assert (summary.requests, summary.responded, summary.direct_messages) == (1, 1, 1)
    assert response.context["period"] == "30"
    assert f'href="{answered.ticket.get_absolute_url()}"' in html
    assert "Redirected to Lee Marsh" in html and "· Direct message ·" in html
    assert '<span class="badge off-policy">Off-policy</span>' in html
    assert "3.0 h" in html
    # The silence 40 days ago is outside the 30 days counted, but is in the history.
    assert "<dt>No response</dt><dd>0</dd>" in html
    assert '<li>No response <span class="muted">· <time' in html
    # Managers read; the change actions are not offered.
    assert "Deactivate" not in html and edit(dana) not in html
    longer = manager_client.get(detail(dana), {"period": "90"})
    assert longer.context["summary"].no_response == 1
    assert "<dt>No response</dt><dd>1</dd>" in longer.content.decode()


def test_detail_period_selector_and_htmx_partial(agent_client, dana):
    engage(dana, days_ago=40, outcome=Outcome.ACCEPTED, after=timedelta(hours=1))
    assert agent_client.get(detail(dana)).context["summary"].requests == 0
    response = agent_client.get(detail(dana), {"period": "90"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="admin-record"')
    assert "HX-Request" in response["Vary"]
    assert response.context["summary"].requests == 1
    assert "1.0 h" in html


def test_history_is_paginated_newest_first(agent_client, dana):
    for n in range(27):
        engage(dana, days_ago=n + 1)
    first = agent_client.get(detail(dana))
    engagements = list(first.context["page"].object_list)
    assert len(engagements) == 25
    assert engagements[0].requested_at > engagements[-1].requested_at
    assert "?page=2" in first.content.decode()
    assert len(agent_client.get(detail(dana), {"page": 2}).context["page"].object_list) == 2


def test_unknown_admin_is_404(agent_client, db):
    assert agent_client.get(reverse("admins:detail", args=[999])).status_code == 404


def test_query_count_does_not_grow_with_engagements_or_purview(
    agent_client, dana, django_assert_max_num_queries
):
    engage(dana, days_ago=1, outcome=Outcome.ACCEPTED, after=timedelta(hours=1))
    PurviewFactory(admin=dana)
    # 17: the direct-message pattern is one grouped query of its own (reports.dm_pattern).
    with django_assert_max_num_queries(17):
        agent_client.get(detail(dana))
    with CaptureQueriesContext(connection) as small:
        agent_client.get(detail(dana))
    small = len(small)  # now: a later request empties the log it reads
    for n in range(20):
        engagement = engage(dana, days_ago=n + 2, outcome=Outcome.ACCEPTED, after=timedelta(1))
        engagement.record_response(
            outcome=Outcome.REDIRECTED,
            channel=Channel.TICKET,
            responded_at=engagement.requested_at + timedelta(hours=30),
            by=engagement.requested_by,
            redirect_admin=AdministratorFactory(),
        )
        PurviewFactory(admin=dana)
        AdministratorFactory(backup=dana)
    agent_client.get(detail(dana))  # warm again: the writes above replaced the cached figures
    with CaptureQueriesContext(connection) as large:
        agent_client.get(detail(dana))
    assert len(large) == small


def test_only_supervisors_edit(client, agent, manager, dana):
    for user in (agent, manager):
        client.force_login(user)
        assert client.get(edit(dana)).status_code == 403
        assert client.post(edit(dana), {"name": "X", "email": "x@example.org"}).status_code == 403
    dana.refresh_from_db()
    assert dana.name == "Dana Whitfield"


def test_supervisor_edits_an_admin(supervisor_client, dana):
    lee = AdministratorFactory(name="Lee Marsh")
    assert supervisor_client.get(edit(dana)).status_code == 200
    data = {"name": "Dana Whitfield-Ray", "email": "dwr@example.org", "team": "Net"}
    response = supervisor_client.post(edit(dana), {**data, "backup": lee.pk}, follow=True)
    assert response.redirect_chain == [(detail(dana), 302)]
    assert "Dana Whitfield-Ray saved." in response.content.decode()
    dana.refresh_from_db()
    assert (dana.name, dana.email, dana.team, dana.backup) == (
        "Dana Whitfield-Ray",
        "dwr@example.org",
        "Net",
        lee,
    )
    assert dana.active  # the edit form does not touch activation


def test_an_admin_cannot_be_their_own_backup(supervisor_client, dana):
    data = {"name": dana.name, "email": dana.email, "team": "", "backup": dana.pk}
    response = supervisor_client.post(edit(dana), data)
    assert response.status_code == 400
    assert "nobody can be their own backup" in response.content.decode()
    dana.refresh_from_db()
    assert dana.backup is None and dana.team == "Infra"


def test_edit_keeps_own_email_but_refuses_another_admins(supervisor_client, dana):
    AdministratorFactory(name="Lee Marsh", email="lee@example.org")
    same = {"name": dana.name, "email": "DANA@example.org", "team": ""}
    assert supervisor_client.post(edit(dana), same).status_code == 302
    taken = {**same, "email": "Lee@Example.org"}
    response = supervisor_client.post(edit(dana), taken)
    assert response.status_code == 400
    assert "Lee Marsh already has this email address." in response.content.decode()
    dana.refresh_from_db()
    assert dana.email == "DANA@example.org"


def test_an_email_taken_during_the_edit_is_refused_on_the_field(
    supervisor_client, dana, monkeypatch
):
    # Free when the form and the model checked it; another request took it before the write.
    monkeypatch.setattr(AdministratorForm, "clean_email", lambda form: form.cleaned_data["email"])
    monkeypatch.setattr(Administrator, "validate_constraints", lambda admin, exclude=None: None)
    AdministratorFactory(name="Lee Marsh", email="lee@example.org")
    data = {"name": "Dana W", "email": "LEE@example.org", "team": ""}
    response = supervisor_client.post(edit(dana), data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["Lee Marsh already has this email address."]
    }
    assert '<h1 id="form-heading">Edit Dana Whitfield</h1>' in response.content.decode()
    assert Administrator.objects.get(pk=dana.pk).email == "dana@example.org"


def test_agents_and_managers_cannot_deactivate_or_reactivate(client, agent, manager, dana):
    gone = AdministratorFactory(active=False)
    for user in (agent, manager):
        client.force_login(user)
        assert client.post(reverse("admins:deactivate", args=[dana.pk])).status_code == 403
        assert client.post(reverse("admins:reactivate", args=[gone.pk])).status_code == 403
        assert "<summary>Deactivate" not in client.get(detail(dana)).content.decode()
    dana.refresh_from_db()
    gone.refresh_from_db()
    assert dana.active and not gone.active


def test_supervisor_deactivates_after_seeing_what_depends_on_the_admin(supervisor_client, dana):
    AdministratorFactory(name="Lee Marsh", backup=dana)
    PurviewFactory(admin=dana)
    page = supervisor_client.get(detail(dana)).content.decode()
    assert "<summary>Deactivate Dana Whitfield…</summary>" in page
    assert "named backup for Lee Marsh" in page
    assert "will show an inactive owner" in page
    deactivate = reverse("admins:deactivate", args=[dana.pk])
    assert supervisor_client.get(deactivate).status_code == 405
    response = supervisor_client.post(deactivate, follow=True)
    assert response.redirect_chain == [(detail(dana), 302)]
    assert "Dana Whitfield deactivated." in response.content.decode()
    dana.refresh_from_db()
    assert not dana.active
    assert "<summary>Reactivate Dana Whitfield…</summary>" in response.content.decode()
    supervisor_client.post(reverse("admins:reactivate", args=[dana.pk]))
    dana.refresh_from_db()
    assert dana.active


def test_a_decline_on_the_admins_record_is_not_a_green_responded_badge(agent_client, dana):
    engage(dana, days_ago=1, outcome=Outcome.DECLINED, after=timedelta(hours=1))
    html = agent_client.get(detail(dana)).content.decode()
    assert '<span class="badge state-no_response">Declined without redirect</span>' in html
    assert 'class="badge state-responded"' not in html
