from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from admins.forms import AdministratorForm
from admins.models import Administrator
from escalations.handoffs.models import Channel, Outcome
from tests.admins.helpers import engage
from tests.factories import AdministratorFactory

URL = reverse("admins:list")
NEW = reverse("admins:new")
HTMX = {"HX-Request": "true"}


def known_record() -> tuple[Administrator, Administrator, Administrator]:
    dana = AdministratorFactory(name="Dana Whitfield", team="Infrastructure")
    engage(dana, days_ago=10, outcome=Outcome.ACCEPTED, after=timedelta(hours=1))
    engage(
        dana,
        days_ago=9,
        outcome=Outcome.GAVE_INPUT,
        after=timedelta(hours=2),
        channel=Channel.DIRECT_MESSAGE,
    )
    engage(dana, days_ago=8, outcome=Outcome.DECLINED, after=timedelta(hours=4))
    engage(dana, days_ago=6, outcome=Outcome.NO_RESPONSE, after=timedelta(days=3))
    engage(dana, days_ago=60, outcome=Outcome.ACCEPTED, after=timedelta(minutes=30))
    engage(dana, days_ago=100)  # still open: counted whatever the period
    lee = AdministratorFactory(name="Lee Marsh", backup=dana)
    engage(lee, days_ago=3, outcome=Outcome.ACCEPTED, after=timedelta(minutes=30))
    old = AdministratorFactory(name="Old Timer", active=False)
    return dana, lee, old


def row_for(response, admin):
    return next(r for r in response.context["rows"] if r.admin == admin)


def names(response) -> list[str]:
    return [r.admin.name for r in response.context["rows"]]


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(NEW, {"name": "x"}).status_code == 302
    assert not Administrator.objects.exists()


def test_summary_shows_the_figures_for_the_default_thirty_days(agent_client):
    dana, lee, old = known_record()
    response = agent_client.get(URL)
    assert response.status_code == 200
    row = row_for(response, dana)
    assert (row.requests, row.responded, row.no_response, row.declined) == (4, 3, 1, 1)
    assert (row.direct_messages, row.open) == (1, 1)
    assert (row.median_seconds, row.p90_seconds) == (2 * 3600, 4 * 3600)
    html = response.content.decode()
    assert "75%" in html and ">2 h<" in html and ">4 h<" in html
    assert (
        '<span class="badge off-policy">1<span class="visually-hidden"> off-policy</span>' in html
    )
    assert f'href="{reverse("admins:detail", args=[dana.pk])}?period=30"' in html
    assert "Infrastructure" in html
    assert '<tr class="inactive">' in html and "Inactive</span>" in html
    # The definitions under the table say what the columns count.
    assert "counted only over requests that were answered" in html
    assert "whatever the period" in html


def test_period_changes_what_is_counted(agent_client):
    dana, lee, old = known_record()
    week = row_for(agent_client.get(URL, {"period": "7"}), dana)
    assert (week.requests, week.responded, week.no_response, week.open) == (1, 0, 1, 1)
    assert week.median_seconds is None
    quarter = row_for(agent_client.get(URL, {"period": "90"}), dana)
    assert (quarter.requests, quarter.responded) == (5, 4)
    assert (quarter.median_seconds, quarter.p90_seconds) == (1.5 * 3600, 4 * 3600)
    ever = agent_client.get(URL, {"period": "all"})
    assert row_for(ever, dana).requests == 6
    assert '<option value="all" selected>' in ever.content.decode()
    # An unknown period falls back to the default rather than failing.
    fallback = agent_client.get(URL, {"period": "forever"})
    assert fallback.status_code == 200 and fallback.context["period"] == "30"


def test_sorting_by_a_column_and_back(agent_client):
    dana, lee, old = known_record()
    assert names(agent_client.get(URL)) == ["Dana Whitfield", "Lee Marsh", "Old Timer"]
    assert names(agent_client.get(URL, {"sort": "name"})) == [
        "Dana Whitfield",
        "Lee Marsh",
        "Old Timer",
    ]
    assert names(agent_client.get(URL, {"sort": "-name"}))[0] == "Old Timer"
    by_median = agent_client.get(URL, {"sort": "median", "period": "all"})
    assert names(by_median) == ["Lee Marsh", "Dana Whitfield", "Old Timer"]
    html = by_median.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-median&amp;period=all" in html  # the heading reverses, keeping the period
    assert '<input type="hidden" name="sort" value="median">' in html  # the period form too


def test_htmx_sort_returns_only_the_table(agent_client):
    known_record()
    response = agent_client.get(URL, {"sort": "-open"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="admin-table"')
    assert "HX-Request" in response["Vary"]


def test_empty_state_offers_supervisors_the_form(client, supervisor, agent):
    client.force_login(supervisor)
    html = client.get(URL).content.decode()
    assert "No administrators yet." in html and 'id="admin-add"' in html
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert "No administrators yet." in html and 'id="admin-add"' not in html


def test_user_text_is_escaped(agent_client):
    AdministratorFactory(name="<script>alert(1)</script>", team="<b>Ops</b>")
    html = agent_client.get(URL).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Ops&lt;/b&gt;" in html


def test_manager_reads_but_cannot_add(manager_client):
    assert manager_client.get(URL).status_code == 200
    assert 'id="admin-add"' not in manager_client.get(URL).content.decode()
    assert manager_client.post(NEW, {"name": "Kim", "email": "k@example.org"}).status_code == 403
    assert not Administrator.objects.exists()


def test_agent_cannot_add(agent_client):
    assert agent_client.get(NEW).status_code == 403
    assert agent_client.post(NEW, {"name": "Kim", "email": "k@example.org"}).status_code == 403
    assert not Administrator.objects.exists()


def new_admin(**overrides) -> dict:
    data = {"name": "Kim Osei", "email": "kim@example.org", "team": "Network", "active": "on"}
    return {**data, **overrides}


def test_supervisor_adds_an_admin_with_a_plain_post(supervisor_client):
    dana = AdministratorFactory(name="Dana Whitfield")
    response = supervisor_client.post(NEW, {**new_admin(), "backup": dana.pk}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    kim = Administrator.objects.get(email="kim@example.org")
    assert (kim.name, kim.team, kim.active, kim.backup) == ("Kim Osei", "Network", True, dana)
    assert "Kim Osei added." in response.content.decode()


def test_htmx_add_returns_the_fresh_form_and_the_refreshed_table(supervisor_client):
    known_record()
    headers = {**HTMX, "HX-Current-URL": "http://testserver/admins/?period=all&sort=name"}
    response = supervisor_client.post(NEW, new_admin(), headers=headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="admin-add"')
    assert 'value="Kim Osei"' not in html  # the form is empty again
    assert (
        '<section id="admin-table" class="card" aria-labelledby="summary-heading" '
        'hx-swap-oob="true">' in html
    )
    # The table keeps the period and order the person was looking at.
    assert response.context["period"] == "all"
    assert names(response) == ["Dana Whitfield", "Kim Osei", "Lee Marsh", "Old Timer"]
    assert "Kim Osei added." in html
    assert Administrator.objects.filter(name="Kim Osei").exists()


def test_duplicate_email_is_refused_whatever_its_case(supervisor_client):
    AdministratorFactory(name="Dana Whitfield", email="dana@example.org")
    data = {**new_admin(), "email": "DANA@Example.org"}
    response = supervisor_client.post(NEW, data)
    assert response.status_code == 400
    assert "Dana Whitfield already has this email address." in response.content.decode()
    htmx = supervisor_client.post(NEW, data, headers=HTMX)
    assert htmx.status_code == 200
    html = htmx.content.decode()
    assert "Dana Whitfield already has this email address." in html
    assert 'value="Kim Osei"' in html  # what was typed stays
    assert Administrator.objects.count() == 1


def test_htmx_add_announces_the_new_admin(supervisor_client):
    response = supervisor_client.post(NEW, new_admin(), headers=HTMX)
    kim = Administrator.objects.get(email="kim@example.org")
    assert json.loads(response["HX-Trigger"]) == {"adminAdded": {"id": kim.pk}}
    AdministratorFactory(email="lee@example.org")
    refused = supervisor_client.post(NEW, new_admin(email="LEE@example.org"), headers=HTMX)
    assert refused.status_code == 200 and "HX-Trigger" not in refused


def test_an_email_taken_during_the_submit_is_refused_on_the_field(supervisor_client, monkeypatch):
    # Free when the form and the model checked it; a double submit took it before the insert.
    monkeypatch.setattr(AdministratorForm, "clean_email", lambda form: form.cleaned_data["email"])
    monkeypatch.setattr(Administrator, "validate_constraints", lambda admin, exclude=None: None)
    AdministratorFactory(name="Dana Whitfield", email="kim@example.org")
    data = new_admin(email="KIM@example.org")
    response = supervisor_client.post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["Dana Whitfield already has this email address."]
    }
    htmx = supervisor_client.post(NEW, data, headers=HTMX)
    html = htmx.content.decode()
    assert htmx.status_code == 200 and "HX-Trigger" not in htmx
    assert 'id="id_email_error"' in html and 'value="Kim Osei"' in html
    assert "Dana Whitfield already has this email address." in html
    assert Administrator.objects.count() == 1


def test_backup_must_be_an_active_admin(supervisor_client):
    gone = AdministratorFactory(active=False)
    response = supervisor_client.post(NEW, {**new_admin(), "backup": gone.pk})
    assert response.status_code == 400
    assert "nobody can be their own backup" in response.content.decode()
    assert Administrator.objects.count() == 1


def test_query_count_does_not_grow_with_admins_or_engagements(
    agent_client, django_assert_max_num_queries
):
    known_record()
    with django_assert_max_num_queries(10):
        agent_client.get(URL)
    agent_client.get(URL, {"period": "90", "sort": "p90"})  # warm, as the large one below
    with CaptureQueriesContext(connection) as small:
        agent_client.get(URL, {"period": "90", "sort": "p90"})
    small = len(small)  # now: a later request empties the log it reads
    for n in range(6):
        admin = AdministratorFactory(backup=Administrator.objects.first())
        engage(admin, days_ago=n + 1, outcome=Outcome.ACCEPTED, after=timedelta(hours=n + 1))
        engage(admin, days_ago=n + 2)
    agent_client.get(URL, {"period": "90", "sort": "p90"})  # warm: the writes replaced figures
    with CaptureQueriesContext(connection) as large:
        agent_client.get(URL, {"period": "90", "sort": "p90"})
    assert len(large) == small
