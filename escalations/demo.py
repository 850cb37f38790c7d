"""Deterministic demo data: the same seed always gives the same database.

Built with bulk inserts so that 100,000 tickets take seconds, not minutes. Names are invented
for the demo; none refers to a real person or organisation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from admins.models import Administrator, Service
from escalations.roles import AGENT, MANAGER, SUPERVISOR
from tickets.models import (
    Category,
    Classification,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    Tier,
)

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for local logins, refused without DEBUG

DEMO_USERS = [
    ("agent", AGENT, "Avery Agent"),
    ("agent2", AGENT, "Jordan Reyes"),
    ("agent3", AGENT, "Sam Okafor"),
    ("supervisor", SUPERVISOR, "Riley Supervisor"),
    ("manager", MANAGER, "Morgan Manager"),
]

ADMINS = [
    ("Dana Whitfield", "Infrastructure"),
    ("Lee Marsh", "Infrastructure"),
    ("Priya Natarajan", "Identity and access"),
    ("Tomás Ibarra", "Identity and access"),
    ("Grace Lindqvist", "Applications"),
    ("Omar Haddad", "Applications"),
    ("Kim Osei", "Network"),
    ("Hana Mori", "Network"),
]

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

DEPARTMENTS = [
    "Finance",
    "Human Resources",
    "Research",
    "Communications",
    "Operations",
    "Programs",
    "Legal",
    "Facilities",
    "Executive Office",
    "Evaluation",
]

FIRST = "Alex Blair Casey Devon Elliot Frankie Harper Jamie Kai Logan Noel Parker".split()
LAST = "Adler Brooks Castillo Dube Evans Fischer Garcia Holm Iqbal Jensen Lopez".split()

TITLES = [
    "Cannot sign in after password reset",
    "Shared mailbox missing from Outlook",
    "VPN disconnects every few minutes",
    "Printer on floor 3 shows offline",
    "Request access to the finance reports folder",
    "Laptop will not boot after update",
    "New hire needs accounts and laptop",
    "Wi-Fi drops in conference room B",
    "Video call room display has no signal",
    "Multi-factor prompt never arrives",
    "Install statistics software",
    "File share permissions wrong after team move",
    "Calendar invitations not delivered",
    "Expense report page times out",
    "Request a loaner laptop for travel",
    "Phone extension forwards to wrong voicemail",
]


@dataclass(frozen=True)
class DemoResult:
    users: int
    tickets: int


def ensure_demo_users() -> list:
    """Create the demo logins if they are missing; returns every demo user."""
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}
    users = []
    for username, role, full_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first, _, last = full_name.partition(" ")
            user = User(username=username, first_name=first, last_name=last)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == SUPERVISOR
            user.save()
            user.groups.add(groups[role])
        users.append(user)
    return users


@transaction.atomic
def seed(*, tickets: int, weeks: int, seed: int, now: datetime | None = None) -> DemoResult:
    """Fill an empty database with demo users, administrators, services and tickets."""
    rng = random.Random(seed)
    now = now or timezone.now()
    users = ensure_demo_users()
    agents = [u for u, (_, role, _) in zip(users, DEMO_USERS, strict=True) if role != MANAGER]

    admins = []
    for name, team in ADMINS:
        email = name.lower().replace(" ", ".").replace("á", "a") + "@example.org"
        admin, _ = Administrator.objects.get_or_create(
            email=email, defaults={"name": name, "team": team}
        )
        admins.append(admin)
    for first, second in zip(admins[::2], admins[1::2], strict=True):
        Administrator.objects.filter(pk=first.pk).update(backup=second)
    services = [
        Service.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in SERVICES
    ]

    categories = list(Category.objects.filter(active=True))
    general = list(Priority.objects.filter(category=None, number__lte=4))
    own = {}
    for priority in Priority.objects.exclude(category=None):
        own.setdefault(priority.category_id, []).append(priority)

    span = timedelta(weeks=weeks).total_seconds()
    rows = []
    for index in range(tickets):
        # Older tickets are more likely done; escalations are rarer than handled tickets.
        age = span * (rng.random() ** 1.3)
        # Tickets arrive in local working hours.
        opened = timezone.localtime(now - timedelta(seconds=age))
        opened = opened.replace(hour=8 + int(rng.random() * 9), minute=rng.randrange(60))
        if opened > now:
            opened -= timedelta(days=1)
        category = rng.choice(categories) if rng.random() > 0.03 else None
        pool = own.get(category.pk) if category else None
        priority = rng.choice(pool or general) if category else None
        tier = rng.choices([Tier.HANDLE, Tier.COLLABORATE, Tier.ESCALATE], [65, 20, 15])[0]
        days_old = age / 86400
        if days_old > 10 and rng.random() < 0.9:
            status = rng.choice([Status.RESOLVED, Status.CLOSED])
        elif tier == Tier.ESCALATE:
            status = rng.choice([Status.WAITING_ON_ADMIN, Status.IN_PROGRESS, Status.RESOLVED])
        else:
            status = rng.choice(
                [Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_REQUESTER, Status.RESOLVED]
            )
        resolved_at = closed_at = None
        if status in (Status.RESOLVED, Status.CLOSED):
            resolved_at = min(now, opened + timedelta(hours=rng.uniform(0.5, 120)))
            if status == Status.CLOSED:
                closed_at = min(now, resolved_at + timedelta(hours=rng.uniform(1, 72)))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            Ticket(
                external_id=str(1_000_000 + seed * 1_000_000 + index),
                title=rng.choice(TITLES),
                classification=rng.choice(list(Classification)),
                category=category,
                priority=priority,
                service=rng.choice(services) if rng.random() < 0.8 else None,
                requestor_name=f"{first} {last}",
                requestor_email=f"{first}.{last}@example.org".lower(),
                department=rng.choice(DEPARTMENTS),
                status=status,
                tier=tier,
                agent=rng.choice(agents),
                admin=rng.choice(admins) if tier != Tier.HANDLE else None,
                opened_at=opened,
                resolved_at=resolved_at,
                closed_at=closed_at,
            )
        )
    # Insert in the order the tickets were opened, as they would have been logged.
    rows.sort(key=lambda t: t.opened_at)
    created = Ticket.objects.bulk_create(rows, batch_size=2000)
    TicketEvent.objects.bulk_create(
        (TicketEvent(ticket=t, at=t.opened_at, by=t.agent, kind=EventKind.LOGGED) for t in created),
        batch_size=2000,
    )
    return DemoResult(users=len(users), tickets=len(created))
