from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertTemplateUsed

from admins import purview, services
from admins.models import Administrator, Purview, PurviewQuerySet, PurviewRole, Service
from tests.factories import AdministratorFactory, PurviewFactory, ServiceFactory

URL = reverse("admins:purview")
DECLARE = reverse("admins:purview_declare")
SERVICE_NEW = reverse("admins:service_new")
HTMX = {"HX-Request": "true"}


def end_url(purview: Purview) -> str:
    return reverse("admins:purview_end", args=[purview.pk])


@pytest.fixture
def world(db):
    """VPN: owner and backup. Wi-Fi: owner only. Printing: an inactive owner. HR: nobody."""
    dana = AdministratorFactory(name="Dana Whitfield")
    lee = AdministratorFactory(name="Lee Marsh")
    gone = AdministratorFactory(name="Gone Away", active=False)
    AdministratorFactory(name="Retired Nobody", active=False)
    vpn, wifi = ServiceFactory(name="VPN"), ServiceFactory(name="Wi-Fi")
    printing, hr = ServiceFactory(name="Printing"), ServiceFactory(name="HR system")
    PurviewFactory(service=vpn, admin=dana)
    PurviewFactory(service=vpn, admin=lee, role="backup")
    PurviewFactory(service=wifi, admin=lee)
    PurviewFactory(service=printing, admin=gone)
    PurviewFactory(service=printing, admin=dana, role="backup")
    return {"dana": dana, "lee": lee, "gone": gone, "vpn": vpn, "wifi": wifi, "hr": hr}


def declare_data(world, **overrides) -> dict:
    data = {
        "service": world["hr"].pk,
        "admin": world["dana"].pk,
        "role": "owner",
        "declared_on": timezone.localdate().isoformat(),
        "evidence": "Declared by the admin in ticket 12345",
    }
    return {**data, **overrides}


def test_anonymous_is_sent_to_login(client, world):
    for url in (URL, reverse("admins:service_detail", args=[world["vpn"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(DECLARE, declare_data(world)).status_code == 302
    assert not Purview.objects.filter(service=world["hr"]).exists()


def test_matrix_shows_roles_and_labels_each_gap(manager_client, world):
    response = manager_client.get(URL)
    assert response.status_code == 200
    rows = {row["service"].name: row for row in response.context["rows"]}
    assert rows["VPN"]["gaps"] == []
    assert rows["Wi-Fi"]["gaps"] == ["No backup"]
    assert rows["Printing"]["gaps"] == ["Inactive owner"]
    assert rows["HR system"]["gaps"] == ["No owner", "No backup"]
    columns = [admin.name for admin in response.context["admins"]]
    # Inactive admins appear only while they hold a declaration.
    assert columns == ["Dana Whitfield", "Gone Away", "Lee Marsh"]
    vpn_cells = [p.get_role_display() if p else "" for p in rows["VPN"]["cells"]]
    assert vpn_cells == ["Owner", "", "Backup"]
    html = response.content.decode()
    assert "3 of 4 services have a gap:" in html
    assert "1 without an owner, 1 with an inactive owner, 2 without a backup." in html
    assert '<span class="badge gap">Inactive owner</span>' in html
    assert reverse("admins:service_detail", args=[world["vpn"].pk]) in html
    assert '<th scope="row">' in html and '<th scope="col">Service</th>' in html
    # Managers read; nothing to change.
    assert DECLARE not in html and SERVICE_NEW not in html and "/end/" not in html


def test_an_inactive_backup_is_no_backup(agent_client, world):
    Administrator.objects.filter(pk=world["lee"].pk).update(active=False)
    response = agent_client.get(URL)
    rows = {r["service"].name: r for r in response.context["rows"]}
    assert rows["VPN"]["gaps"] == ["No backup"]
    assert rows["Wi-Fi"]["gaps"] == ["Inactive owner", "No backup"]
    assert "3 without a backup" in response.content.decode()


def declared(role: str, *, active: bool = True) -> Purview:
    return Purview(role=role, admin=Administrator(active=active))


OWNER, BACKUP = PurviewRole.OWNER, PurviewRole.BACKUP


@pytest.mark.parametrize(
    ("declarations", "gaps"),
    [
        ([], ["No owner", "No backup"]),
        ([declared(OWNER)], ["No backup"]),
        ([declared(OWNER), declared(BACKUP)], []),
        ([declared(OWNER), declared(BACKUP, active=False)], ["No backup"]),
        ([declared(OWNER), declared(BACKUP, active=False), declared(BACKUP)], []),
        ([declared(OWNER, active=False), declared(BACKUP)], ["Inactive owner"]),
        (
            [declared(OWNER), declared(OWNER, active=False), declared(BACKUP)],
            ["Inactive owner", "Conflicting owners"],
        ),
        ([declared(OWNER), declared(OWNER), declared(BACKUP)], ["Conflicting owners"]),
        ([declared(BACKUP)], ["No owner"]),
        ([declared(BACKUP, active=False)], ["No owner", "No backup"]),
    ],
)
def test_gaps_count_only_an_active_backup(declarations, gaps):
    assert purview.gaps(declarations) == gaps


def test_matrix_counts_each_kind_of_gap(world):
    result = purview.matrix()
    assert [a.name for a in result["admins"]] == ["Dana Whitfield", "Gone Away", "Lee Marsh"]
    assert result["gap_services"] == 3
    assert result["gap_phrases"] == [
        "1 without an owner",
        "1 with an inactive owner",
        "2 without a backup",
    ]


def test_a_second_owner_is_flagged_as_a_conflict_to_resolve(supervisor_client, world):
    # Wi-Fi has Lee as owner; declaring Dana owner too used to pass without a flag.
    response = supervisor_client.post(
        DECLARE, declare_data(world, service=world["wifi"].pk), follow=True
    )
    assert response.status_code == 200
    assert Purview.objects.current().filter(service=world["wifi"], role="owner").count() == 2
    rows = {r["service"].name: r for r in response.context["rows"]}
    assert rows["Wi-Fi"]["gaps"] == ["Conflicting owners", "No backup"]
    html = response.content.decode()
    assert '<span class="badge gap">Conflicting owners</span>' in html
    assert "1 with more than one owner" in html
    assert "Wi-Fi now has 2 owners (Dana Whitfield, Lee Marsh)" in html


def test_an_ended_declaration_leaves_the_matrix(agent_client, world):
    Purview.objects.filter(service=world["vpn"], role="backup").update(ended_at=timezone.now())
    rows = {r["service"].name: r for r in agent_client.get(URL).context["rows"]}
    assert rows["VPN"]["gaps"] == ["No backup"]


def test_no_gaps_is_said_plainly(agent_client, db):
    vpn = ServiceFactory(name="VPN")
    PurviewFactory(service=vpn)
    PurviewFactory(service=vpn, role="backup")
    html = agent_client.get(URL).content.decode()
    assert "Every service has an active owner and a backup." in html


def test_the_page_is_the_purview_matrix_template(agent_client, world):
    assertTemplateUsed(agent_client.get(URL), "admins/purview_matrix.html")


def test_htmx_get_returns_only_the_main_part(agent_client, world):
    response = agent_client.get(URL, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="purview-main"')
    assert "HX-Request" in response["Vary"]


def test_query_count_does_not_grow_with_services_admins_or_declarations(
    supervisor_client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        supervisor_client.get(URL)
    with CaptureQueriesContext(connection) as small:
        supervisor_client.get(URL)
    small = len(small)  # now: a later request empties the log it reads
    for _ in range(10):
        service = ServiceFactory()
        PurviewFactory(service=service)
        PurviewFactory(service=service, role="backup", admin=AdministratorFactory(active=False))
    supervisor_client.get(URL)  # warm: the writes replaced the cached figures
    with CaptureQueriesContext(connection) as large:
        supervisor_client.get(URL)
    assert len(large) == small


def test_agents_and_managers_cannot_change_purview(client, agent, manager, world):
    current = Purview.objects.current().first()
    for user in (agent, manager):
        client.force_login(user)
        assert client.post(DECLARE, declare_data(world)).status_code == 403
        assert client.post(end_url(current), {f"end-{current.pk}-reason": "x"}).status_code == 403
        assert client.post(SERVICE_NEW, {"name": "New"}).status_code == 403
    assert not Purview.objects.filter(service=world["hr"]).exists()
    assert Purview.objects.get(pk=current.pk).ended_at is None
    assert not Service.objects.filter(name="New").exists()


def test_supervisor_declares_purview(supervisor_client, supervisor, world):
    response = supervisor_client.post(DECLARE, declare_data(world), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Dana Whitfield recorded as owner of HR system." in response.content.decode()
    declared = Purview.objects.current().get(service=world["hr"])
    assert (declared.admin, declared.role, declared.recorded_by) == (
        world["dana"],
        "owner",
        supervisor,
    )
    assert declared.evidence == "Declared by the admin in ticket 12345"


def test_htmx_declare_returns_the_refreshed_matrix(supervisor_client, world):
    response = supervisor_client.post(DECLARE, declare_data(world), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="purview-main"')
    rows = {r["service"].name: r for r in response.context["rows"]}
    assert rows["HR system"]["gaps"] == ["No backup"]
    assert "Dana Whitfield recorded as owner of HR system." in html  # the messages, out of band


def test_htmx_declare_and_end_announce_what_changed(supervisor_client, world):
    response = supervisor_client.post(DECLARE, declare_data(world), headers=HTMX)
    declared = Purview.objects.current().get(service=world["hr"])
    ids = {"id": declared.pk, "service": world["hr"].pk, "admin": world["dana"].pk}
    assert json.loads(response["HX-Trigger"]) == {"purviewDeclared": ids}
    data = {f"end-{declared.pk}-reason": "Declared by mistake"}
    ended = supervisor_client.post(end_url(declared), data, headers=HTMX)
    assert ended.status_code == 200
    assert json.loads(ended["HX-Trigger"]) == {"purviewEnded": ids}
    assert Purview.objects.get(pk=declared.pk).ended_at is not None


def test_refused_or_plain_posts_announce_nothing(supervisor_client, world):
    refused = supervisor_client.post(DECLARE, declare_data(world, evidence=" "), headers=HTMX)
    assert refused.status_code == 200 and "HX-Trigger" not in refused
    plain = supervisor_client.post(DECLARE, declare_data(world))
    assert plain.status_code == 302 and "HX-Trigger" not in plain
    current = Purview.objects.current().get(service=world["hr"])
    again = supervisor_client.post(
        end_url(current), {f"end-{current.pk}-reason": " "}, headers=HTMX
    )
    assert again.status_code == 200 and "HX-Trigger" not in again


@pytest.fixture
def double_submit(world, monkeypatch):
    """The first of two identical submits has committed its declaration, which the second
    did not see when it ended the current ones."""
    first = PurviewFactory(service=world["hr"], admin=world["dana"], evidence="The first submit")
    monkeypatch.setattr(PurviewQuerySet, "update", lambda self, **fields: 0)
    return first


def test_declare_purview_refuses_a_declaration_made_twice_at_once(supervisor, world, double_submit):
    with transaction.atomic():
        with pytest.raises(ValidationError, match="already declared"):
            services.declare_purview(
                world["hr"],
                admin=world["dana"],
                role="owner",
                declared_on=timezone.localdate(),
                evidence="The second submit",
                by=supervisor,
            )
        # The refused insert did not break the transaction around it.
        assert list(Purview.objects.current().filter(service=world["hr"])) == [double_submit]


def test_a_double_submitted_declaration_is_explained(supervisor_client, world, double_submit):
    response = supervisor_client.post(DECLARE, declare_data(world))
    assert response.status_code == 400
    [error] = response.context["declare_form"].non_field_errors()
    assert "Dana Whitfield was already declared for HR system" in error
    assert "already declared for HR system" in response.content.decode()
    htmx = supervisor_client.post(DECLARE, declare_data(world), headers=HTMX)
    assert htmx.status_code == 200 and "HX-Trigger" not in htmx
    assert "already declared for HR system" in htmx.content.decode()
    assert list(Purview.objects.current().filter(service=world["hr"])) == [double_submit]


def test_a_future_declaration_date_is_refused_next_to_the_field(supervisor_client, world):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = supervisor_client.post(DECLARE, declare_data(world, declared_on=tomorrow))
    assert response.status_code == 400
    form = response.context["declare_form"]
    assert form.errors == {"declared_on": ["The declaration date cannot be in the future."]}
    assert 'id="id_declared_on_error"' in response.content.decode()
    assert not Purview.objects.filter(service=world["hr"]).exists()


def test_evidence_is_required(supervisor_client, world):
    response = supervisor_client.post(DECLARE, declare_data(world, evidence="   "), headers=HTMX)
    assert response.status_code == 200
    assert "evidence" in response.context["declare_form"].errors
    assert 'id="id_evidence_error"' in response.content.decode()
    assert not Purview.objects.filter(service=world["hr"]).exists()


def test_supervisor_ends_a_declaration_with_a_reason(supervisor_client, supervisor, world):
    current = Purview.objects.current().get(service=world["wifi"])
    data = {f"end-{current.pk}-reason": "Handed to the network team"}
    response = supervisor_client.post(end_url(current), data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    current.refresh_from_db()
    assert current.ended_at is not None and current.ended_by == supervisor
    assert current.end_reason == "Handed to the network team"
    rows = {r["service"].name: r for r in response.context["rows"]}
    assert rows["Wi-Fi"]["gaps"] == ["No owner", "No backup"]


def test_ending_without_a_reason_is_refused_on_that_row(supervisor_client, world):
    current = Purview.objects.current().get(service=world["wifi"])
    response = supervisor_client.post(end_url(current), {f"end-{current.pk}-reason": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_end-{current.pk}-reason_error"' in html
    assert '<details class="confirm" open>' in html  # the row's form stays open
    current.refresh_from_db()
    assert current.ended_at is None


def test_ending_twice_is_explained(supervisor_client, world):
    current = Purview.objects.current().get(service=world["wifi"])
    Purview.objects.filter(pk=current.pk).update(ended_at=timezone.now(), end_reason="First")
    data = {f"end-{current.pk}-reason": "Second"}
    response = supervisor_client.post(end_url(current), data, follow=True)
    assert "This declaration has already ended." in response.content.decode()
    current.refresh_from_db()
    assert current.end_reason == "First"


def test_supervisor_adds_a_service(supervisor_client, db):
    response = supervisor_client.post(
        SERVICE_NEW, {"name": "  Door  badges ", "description": "Building access"}
    )
    assert response.status_code == 302
    service = Service.objects.get()
    assert (service.name, service.description) == ("Door badges", "Building access")


def test_service_names_are_unique_whatever_their_case(supervisor_client, db):
    ServiceFactory(name="VPN")
    response = supervisor_client.post(SERVICE_NEW, {"name": "vpn"})
    assert response.status_code == 400
    assert "There is already a service called “vpn”." in response.content.decode()
    htmx = supervisor_client.post(SERVICE_NEW, {"name": "vpn"}, headers=HTMX)
    assert htmx.status_code == 200 and 'id="id_name_error"' in htmx.content.decode()
    assert Service.objects.count() == 1
