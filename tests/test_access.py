"""Every URL of the project, as anonymous, agent, supervisor and manager.

A view added without an entry in ACCESS fails ``test_every_url_is_in_the_matrix``; an entry
that no longer matches what the view does fails ``test_access``. Django's own admin site is
left out: it has its own staff checks (tested at the end).
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from admins.models import Absence, EscalationPolicy, Rotation, RotationOverride
from escalations.guide.models import GuideSection, Scenario
from escalations.handoffs.models import Channel, ChecklistItem, Outcome
from escalations.urgent.models import UrgentRequest
from reports.models import GovernanceThreshold
from tests.factories import (
    AgentFactory,
    EngagementFactory,
    ManagerFactory,
    PurviewFactory,
    SupervisorFactory,
)
from tickets.sla.models import Closure, MaintenanceWindow, ServiceTarget

A, S, M = "agent", "supervisor", "manager"
ALL = {A, S, M}
STAFF = {A, S}
POST_ONLY = "405"

# url name → (roles that may GET it, roles that may POST to it). POST_ONLY: GET answers 405;
# None: POST answers 405. Everyone else gets 403; anonymous visitors go to the login page.
ACCESS: dict[str, tuple[set[str] | str, set[str] | None]] = {
    "dashboard": (ALL, None),
    "tickets:list": (ALL, None),
    "tickets:new": (STAFF, STAFF),
    "tickets:export": (ALL, None),
    "tickets:search": (ALL, None),
    "tickets:tdx_lookup": (STAFF, None),
    "tickets:import": ({S}, {S}),
    "tickets:procedure_hint": (ALL, None),
    "tickets:detail": (ALL, None),
    "tickets:edit": (POST_ONLY, STAFF),
    "tickets:tier": (POST_ONLY, STAFF),
    "tickets:resolve": (POST_ONLY, STAFF),
    "tickets:close": (POST_ONLY, STAFF),
    "tickets:reopen": (POST_ONLY, STAFF),
    "tickets:checklist": (POST_ONLY, STAFF),
    "tickets:collaborate": (POST_ONLY, STAFF),
    "tickets:escalate": (POST_ONLY, STAFF),
    "tickets:deescalate": (POST_ONLY, STAFF),
    "tickets:message": (STAFF, None),
    "tickets:respond": (POST_ONLY, STAFF),
    "tickets:pass_on": (POST_ONLY, STAFF),
    "tickets:procedure_new": (POST_ONLY, STAFF),
    "tickets:classify": (POST_ONLY, STAFF),
    "admins:list": (ALL, None),
    "admins:new": ({S}, {S}),
    "admins:detail": (ALL, None),
    "admins:edit": ({S}, {S}),
    "admins:deactivate": (POST_ONLY, {S}),
    "admins:reactivate": (POST_ONLY, {S}),
    "admins:purview": (ALL, None),
    "admins:purview_declare": (POST_ONLY, {S}),
    "admins:purview_end": (POST_ONLY, {S}),
    "admins:service_new": (POST_ONLY, {S}),
    "admins:service_detail": (ALL, None),
    "admins:service_edit": (POST_ONLY, {S}),
    "admins:policies": (STAFF, None),
    "admins:policy_new": ({S}, {S}),
    "admins:policy_edit": ({S}, {S}),
    "admins:oncall": (STAFF, None),
    "admins:rotation_new": ({S}, {S}),
    "admins:rotation_edit": ({S}, {S}),
    "admins:override_new": (POST_ONLY, {S}),
    "admins:override_delete": (POST_ONLY, {S}),
    "admins:absence_new": (POST_ONLY, {S}),
    "admins:absence_delete": (POST_ONLY, {S}),
    "escalations:guide": (ALL, None),
    "escalations:checklist": (ALL, None),
    "escalations:checklist_item_new": ({S}, {S}),
    "escalations:checklist_item_edit": ({S}, {S}),
    "escalations:scenario_new": ({S}, {S}),
    "escalations:scenario_edit": ({S}, {S}),
    "escalations:section_edit": ({S}, {S}),
    "escalations:section_history": (ALL, None),
    "urgent:list": (ALL, None),
    "urgent:new": ({S, M}, {S, M}),
    "urgent:detail": (ALL, None),
    "urgent:take": (POST_ONLY, {S}),
    "urgent:step": (POST_ONLY, {S}),
    "urgent:estimate": (POST_ONLY, {S}),
    "urgent:close": (POST_ONLY, {S}),
    "sla:targets": (ALL, None),
    "sla:target_edit": ({S}, {S}),
    "sla:calendar": (ALL, None),
    "sla:calendar_edit": ({S}, {S}),
    "sla:closure_new": (POST_ONLY, {S}),
    "sla:holidays_import": (POST_ONLY, {S}),
    "sla:closure_delete": (POST_ONLY, {S}),
    "sla:window_new": (POST_ONLY, {S}),
    "sla:window_delete": (POST_ONLY, {S}),
    "reports:weekly": (ALL, None),
    "reports:week": (ALL, None),
    "reports:week_pdf": (ALL, None),
    "reports:monthly": (ALL, None),
    "reports:monthly_pdf": (ALL, None),
    "reports:quarterly": (ALL, None),
    "reports:quarterly_pdf": (ALL, None),
    "reports:week_reissue": ({S}, {S}),
    "reports:monthly_reissue": ({S}, {S}),
    "reports:quarterly_reissue": ({S}, {S}),
    "reports:thresholds": ({S, M}, None),
    "reports:threshold_new": (POST_ONLY, {S}),
    "reports:threshold_delete": (POST_ONLY, {S}),
    "reports:subscriptions": ({S, M}, {S, M}),
    "notifications": (ALL, None),
    "notifications_read": (POST_ONLY, ALL),
    "password_change": (ALL, ALL),
    "password_change_done": (ALL, None),
    "lockouts": ({S}, None),
    "audit_log": ({S}, None),
    "lockout_unlock": (POST_ONLY, {S}),
}
# Pages anyone may open: logging in and out.
PUBLIC = {"login", "logout"}
# Pages opened by a signed link instead of a log-in: the link's token is the key.
TOKEN_PAGES = {"respond"}
# Reachable without a log-in but guarded otherwise: the mail gateway (a shared secret).
LOGIN_EXEMPT = {"mail_inbound"}
# Query strings some views need to answer at all.
QUERY = {"tickets:message": "?prefix=esc"}


def url_names() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern, inner)
            elif pattern.name:
                found[namespace + pattern.name] = pattern

    walk(get_resolver(), "")
    return {name: p for name, p in found.items() if not name.startswith("admin:")}


def test_every_url_is_in_the_matrix():
    assert set(url_names()) - PUBLIC - TOKEN_PAGES - LOGIN_EXEMPT == set(ACCESS), (
        "Add each new view to ACCESS with the roles that may use it."
    )


@pytest.fixture
def objects(db):
    """One of everything a URL can point at."""
    engagement = EngagementFactory()
    response = engagement.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.TICKET,
        responded_at=timezone.now(),
        by=engagement.requested_by,
        next_time="Restart it",
    )
    purview = PurviewFactory()
    urgent = UrgentRequest.objects.create(
        ticket=engagement.ticket,
        filed_by=SupervisorFactory(),
        business_impact="Nobody can print",
        reason="Board meeting",
    )
    lockout = AccessAttempt.objects.create(
        username="someone",
        ip_address="10.0.0.9",
        failures_since_start=9,
        user_agent="x",
        http_accept="x",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
    )
    absent = engagement.admin
    rotation = Rotation.objects.create(
        name="Nights", shift_days=7, handover_time="09:00", starts_on=timezone.localdate()
    )
    return {
        "policy": EscalationPolicy.objects.get(is_default=True).pk,
        "rotation": rotation.pk,
        "override": RotationOverride.objects.create(
            rotation=rotation,
            admin=absent,
            starts_at=timezone.now(),
            ends_at=timezone.now() + timezone.timedelta(days=1),
        ).pk,
        "absence": Absence.objects.create(
            admin=absent,
            starts_at=timezone.now(),
            ends_at=timezone.now() + timezone.timedelta(days=1),
        ).pk,
        "week": "2026-W01",
        "lockout": lockout.pk,
        "external_id": engagement.ticket.external_id,
        "response_id": response.pk,
        "engagement_id": engagement.pk,
        "admins": engagement.admin.pk,
        "purview": purview.pk,
        "service": purview.service.pk,
        "checklist": ChecklistItem.objects.first().pk,
        "scenario": Scenario.objects.first().pk,
        "slug": GuideSection.objects.first().slug,
        "urgent": urgent.pk,
        "target": ServiceTarget.objects.first().pk,
        "closure": Closure.objects.create(day=timezone.localdate(), name="Holiday").pk,
        "threshold": GovernanceThreshold.objects.create(limit=5).pk,
        "window": MaintenanceWindow.objects.create(
            starts_at=timezone.now(),
            ends_at=timezone.now() + timezone.timedelta(hours=1),
            reason="Patching",
        ).pk,
    }


PK_MARKERS = [
    ("policies/", "policy"),
    ("rotations/", "rotation"),
    ("absences/", "absence"),
    ("overrides/", "override"),
    ("purview/", "purview"),
    ("services/", "service"),
    ("checklist/", "checklist"),
    ("scenarios/", "scenario"),
    ("targets/", "target"),
    ("closures/", "closure"),
    ("thresholds/", "threshold"),
    ("windows/", "window"),
]


def pk_kind(name: str, path: str) -> str:
    """Which object a <pk> in this URL names."""
    if name.startswith("urgent:"):
        return "urgent"
    if name.startswith("lockout"):
        return "lockout"
    for marker, kind in PK_MARKERS:
        if marker in path:
            return kind
    if name.startswith("admins:"):
        return "admins"
    raise LookupError(f"Say in PK_MARKERS what the pk of {name} is.")


def build_url(name: str, pattern: URLPattern, objects: dict) -> str:
    kwargs = {
        key: objects[key] if key != "pk" else objects[pk_kind(name, str(pattern.pattern))]
        for key in pattern.pattern.converters
    }
    return reverse(name, kwargs=kwargs) + QUERY.get(name, "")


@pytest.fixture
def as_role(client):
    users = {A: AgentFactory, S: SupervisorFactory, M: ManagerFactory}

    def login(role: str | None):
        client.logout()
        if role:
            client.force_login(users[role]())
        return client

    return login


def allowed(status: int) -> bool:
    return status < 500 and status not in (403, 404, 405)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access(name, objects, as_role):
    pattern = url_names()[name]
    url = build_url(name, pattern, objects)
    may_get, may_post = ACCESS[name]

    anonymous = as_role(None)
    for method in (anonymous.get, anonymous.post):
        response = method(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name

    for role in (A, S, M):
        client = as_role(role)
        got = client.get(url)
        if may_get == POST_ONLY:
            assert got.status_code == 405, (name, role, "GET")
        elif role in may_get:
            assert got.status_code in (200, 302), (name, role, "GET", got.status_code)
        else:
            assert got.status_code == 403, (name, role, "GET", got.status_code)

        posted = as_role(role).post(url, {})
        if may_post is None:
            assert posted.status_code == 405, (name, role, "POST", posted.status_code)
        elif role in may_post:
            assert allowed(posted.status_code), (name, role, "POST", posted.status_code)
        else:
            assert posted.status_code == 403, (name, role, "POST", posted.status_code)


def test_only_the_listed_views_are_exempt_from_the_log_in():
    exempt = set()

    def walk(resolver: URLResolver) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern)
            elif getattr(pattern.callback, "login_required", True) is False:
                exempt.add(pattern.name or str(pattern.pattern))

    walk(get_resolver())
    # Logging out needs a session; the favicon is a redirect to a static file.
    assert exempt == {"login", "favicon.ico"} | TOKEN_PAGES | LOGIN_EXEMPT


@pytest.mark.django_db
def test_the_mail_gateway_answers_404_while_it_has_no_secret(client, settings):
    settings.INBOUND_MAIL_SECRET = ""
    assert (
        client.post(reverse("mail_inbound"), b"x", content_type="message/rfc822").status_code == 404
    )
    assert client.get(reverse("mail_inbound")).status_code in (404, 405)


@pytest.mark.django_db
def test_the_response_page_opens_with_its_link_only(as_role):
    from escalations.handoffs.tokens import response_path

    engagement = EngagementFactory()
    anonymous = as_role(None)
    assert anonymous.get(response_path(engagement)).status_code == 200
    assert anonymous.get(reverse("respond", args=["1.1.x.forged"])).status_code == 404
    # The link opens that one request's page, not the rest of the site.
    for url in (reverse("tickets:detail", args=[engagement.ticket.external_id]), "/"):
        refused = anonymous.get(url)
        assert refused.status_code == 302 and refused.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_the_login_page_is_public_and_logout_needs_post(as_role):
    assert as_role(None).get(reverse("login")).status_code == 200
    assert as_role(A).get(reverse("logout")).status_code == 405
    logged_out = as_role(A).post(reverse("logout"))
    assert logged_out.status_code == 302
    assert as_role(None).get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", [A, M])
def test_django_admin_is_for_supervisors_only(as_role, role):
    response = as_role(role).get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response.url
    supervisor = as_role(None)
    supervisor.force_login(SupervisorFactory(is_staff=True))
    assert supervisor.get("/django-admin/").status_code == 200
