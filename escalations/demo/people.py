"""Who the demo has: its logins, the administrators, the services and their purview."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from admins.models import Administrator, Purview, PurviewRole, Service
from core.roles import AGENT, MANAGER, SUPERVISOR

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for local logins, refused without DEBUG

DEMO_USERS = [
    ("agent", AGENT, "Avery Agent"),
    ("agent2", AGENT, "Jordan Reyes"),
    ("agent3", AGENT, "Sam Okafor"),
    ("supervisor", SUPERVISOR, "Riley Supervisor"),
    ("manager", MANAGER, "Morgan Manager"),
]


@dataclass(frozen=True)
class Personality:
    """How an administrator tends to answer, so the response summary differs by person."""

    median_minutes: float  # typical time to a first answer
    silent: float  # share of requests never answered in time
    direct: float  # share of answers sent as a direct message
    declines: float  # share of answers that decline without a redirect
    redirects: float
    next_time: float  # share of answers that say what the support center can do itself


ADMINS = [
    # Quick and reliable.
    ("Dana Whitfield", "Infrastructure", Personality(20, 0.03, 0.04, 0.02, 0.06, 0.5)),
    # Slow, but explains how to do it next time.
    ("Lee Marsh", "Infrastructure", Personality(540, 0.1, 0.02, 0.03, 0.1, 0.75)),
    # Quick, mostly by direct message.
    ("Priya Natarajan", "Identity and access", Personality(35, 0.06, 0.55, 0.03, 0.06, 0.3)),
    # Often silent.
    ("Tomás Ibarra", "Identity and access", Personality(300, 0.38, 0.1, 0.06, 0.05, 0.2)),
    # Points elsewhere: another admin or a documented procedure.
    ("Grace Lindqvist", "Applications", Personality(120, 0.08, 0.05, 0.03, 0.3, 0.6)),
    # Declines without saying who else could help.
    ("Omar Haddad", "Applications", Personality(180, 0.12, 0.08, 0.24, 0.02, 0.15)),
    ("Kim Osei", "Network", Personality(90, 0.08, 0.15, 0.04, 0.07, 0.5)),
    # Slow and often silent.
    ("Hana Mori", "Network", Personality(1200, 0.25, 0.25, 0.04, 0.08, 0.35)),
]
# Left the organisation but is still the declared owner of a service: a gap on purpose.
FORMER_ADMINS = [("Rolf Brandt", "Applications")]

SERVICES = [
    ("Email and calendar", "Mailboxes, shared calendars and distribution lists."),
    ("Single sign-on", "The identity provider and multi-factor sign-in."),
    ("File storage", "Shared drives and cloud file storage."),
    ("VPN", "Remote access to the internal network."),
    ("Wi-Fi", "Wireless access in every office."),
    ("Finance system", "Budgeting, purchasing and expense reports."),
    ("HR system", "Staff records, leave and onboarding."),
    ("Printing", "Office printers and print queues."),
    ("Video conferencing", "Meeting rooms and video calls."),
    ("Laptops and desktops", "Managed computers and their software."),
]

# Service → (owner, backup). The gaps are deliberate, so the purview matrix shows each kind.
PURVIEW = {
    "Email and calendar": ("Dana Whitfield", "Lee Marsh"),
    "Single sign-on": ("Priya Natarajan", "Tomás Ibarra"),
    "File storage": ("Lee Marsh", "Dana Whitfield"),
    "VPN": ("Kim Osei", "Hana Mori"),
    "Wi-Fi": ("Hana Mori", "Kim Osei"),
    "Finance system": ("Grace Lindqvist", "Omar Haddad"),
    "HR system": ("Omar Haddad", None),  # nobody covers when the owner is away
    "Printing": (None, None),  # nobody has declared it
    "Video conferencing": ("Rolf Brandt", "Grace Lindqvist"),  # the owner has left
    "Laptops and desktops": ("Tomás Ibarra", "Lee Marsh"),
}
# (service, admin, role, why it ended): earlier declarations kept as history.
ENDED_PURVIEW = [
    (
        "Laptops and desktops",
        "Lee Marsh",
        PurviewRole.OWNER,
        "Handed the service to Tomás Ibarra in the team reorganisation; stays on as backup.",
    ),
    (
        "Printing",
        "Rolf Brandt",
        PurviewRole.OWNER,
        "Gave printing up at the team meeting; nobody has declared it since.",
    ),
    (
        "Single sign-on",
        "Hana Mori",
        PurviewRole.BACKUP,
        "Moved to the network team's on-call rota.",
    ),
]


def ensure_demo_users() -> list:
    """Create the demo logins if they are missing; returns every demo user."""
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}
    users = []
    encoded = None
    for username, role, full_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first, _, last = full_name.partition(" ")
            user = User(username=username, first_name=first, last_name=last)
            # Hashed once for every demo login: each hash takes most of a second by design,
            # and the password is the same published one anyway. As set_password does, the
            # raw password is kept for the save, so the audit log records it as set.
            encoded = encoded or make_password(DEMO_PASSWORD)
            user.password, user._password = encoded, DEMO_PASSWORD
            user.is_staff = role == SUPERVISOR
            user.save()
            user.groups.add(groups[role])
        users.append(user)
    return users


def _administrator(name: str, team: str, *, active: bool = True) -> Administrator:
    email = name.lower().replace(" ", ".").replace("á", "a") + "@example.org"
    # A TDX account (a UID, as TDX gives them) derived from the address: the same every run.
    tdx_uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{email}"))
    admin, _ = Administrator.objects.get_or_create(
        email=email, defaults={"name": name, "team": team, "active": active, "tdx_uid": tdx_uid}
    )
    return admin


def ensure_administrators() -> tuple[list[Administrator], list[Administrator]]:
    """The administrators of ``ADMINS``, paired as each other's backups, and the former ones of
    ``FORMER_ADMINS``, inactive; each created if missing."""
    admins = [_administrator(name, team) for name, team, _ in ADMINS]
    for first, second in zip(admins[::2], admins[1::2], strict=True):
        Administrator.objects.filter(pk=first.pk).update(backup=second)
        first.backup = second
    former = [_administrator(name, team, active=False) for name, team in FORMER_ADMINS]
    return admins, former


def personalities(admins: list[Administrator]) -> dict[int, Personality]:
    """Administrator id → how they answer, for the administrators of ``ADMINS`` in its order."""
    return {
        admin.pk: personality for admin, (_, _, personality) in zip(admins, ADMINS, strict=True)
    }


def ensure_services() -> list[Service]:
    """The services of ``SERVICES``, each created if missing."""
    return [
        Service.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in SERVICES
    ]


def declare_purview(
    services: list[Service], admins: dict[str, Administrator], *, by, rng, now: datetime
) -> int:
    """Owners and backups as the PURVIEW table says, and a few ended declarations; nothing
    when the database already has declarations. Returns how many were recorded."""
    if Purview.objects.exists():
        return 0
    today = timezone.localdate(now)
    rows = []
    for service in services:
        owner, backup = PURVIEW.get(service.name, (None, None))
        for name, role in ((owner, PurviewRole.OWNER), (backup, PurviewRole.BACKUP)):
            if name:
                # Declared months ago, before most demo tickets arrive.
                declared = today - timedelta(days=rng.randint(90, 240))
                rows.append(_purview(service, admins[name], role, declared, by=by, rng=rng))
    by_name = {s.name: s for s in services}
    for service_name, name, role, reason in ENDED_PURVIEW:
        declared = today - timedelta(days=rng.randint(420, 700))
        purview = _purview(by_name[service_name], admins[name], role, declared, by=by, rng=rng)
        purview.ended_at = _at_ten(today - timedelta(days=rng.randint(250, 400)))
        purview.ended_by, purview.end_reason = by, reason
        rows.append(purview)
    Purview.objects.bulk_create(rows)
    # recorded_at is set on insert; the supervisor recorded each declaration when it was made.
    for purview in rows:
        purview.recorded_at = min(now, _at_ten(purview.declared_on) + timedelta(days=1))
    Purview.objects.bulk_update(rows, ["recorded_at"])
    return len(rows)


def _purview(service, admin, role, declared: date, *, by, rng) -> Purview:
    evidence = rng.choice(
        [
            f"Declared by the admin in ticket {rng.randrange(700_000, 1_000_000)}",
            f"Declared in the team meeting of {declared:%d %B %Y}",
            f"Declared by email to the support center on {declared:%d %B %Y}",
        ]
    )
    return Purview(
        service=service,
        admin=admin,
        role=role,
        declared_on=declared,
        evidence=evidence,
        recorded_by=by,
    )


def _at_ten(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))
