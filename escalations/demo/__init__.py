"""Deterministic demo data: the same seed always gives the same database.

Built with bulk inserts so that 100,000 tickets take seconds, not minutes. Names are invented
for the demo; none refers to a real person or organisation.

Besides tickets the demo has what the hand-off workflows write: purview declarations (with
deliberate gaps), engagements with their checklists, the administrators' responses and
silences, the timeline entries for each, and a few procedures captured from the answers.

Every ticket carries the SLA clock ``sla.refresh`` would have left on it, and the history reads
as if ``check_sla`` had been running all along: past notices are marked as sent and overdue
requests logged as no response, except a few recent ones, so the first scan after seeding has
a little real work to do. A few urgent requests and notifications fill the pages a supervisor
and an agent see first.
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from admins.models import Administrator, Purview, PurviewRole, Service
from core.roles import AGENT, MANAGER, SUPERVISOR, display_name
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    ChecklistAnswer,
    ChecklistItem,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
    Procedure,
)
from escalations.handoffs.services import _request_note, stamp_first_escalation
from escalations.notifications import notify
from escalations.notifications.models import Notification
from escalations.urgent.models import UrgentRequest, UrgentStep, UrgentStepRecord
from escalations.urgent.services import TIME_FORMAT
from tickets.models import (
    Category,
    Classification,
    EventKind,
    Priority,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
    Tier,
)
from tickets.sla import clock as sla
from tickets.sla.calendar import add_business_seconds
from tickets.sla.models import BusinessCalendar, ServiceTarget

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

# (tag, reason) for escalations.
ESCALATION_GROUNDS = [
    ("Access", "It needs administrator rights on the service, which we do not have."),
    ("Outage", "The first-line steps did not help and several people are affected."),
    ("Configuration", "The fix is a change to the service's configuration."),
    ("Security", "It may be a security matter, so the owner should decide."),
    ("No procedure", "No saved procedure covers this kind of request."),
    ("Data recovery", "The data has to come back from a backup only administrators can reach."),
    ("Licence", "It needs a licence the support center cannot assign."),
]
ESCALATION_MESSAGES = [
    "Hi {admin}, we are handing ticket #{ticket} to you ({service}). The checklist is done and "
    "what we found is in the ticket. Once it is sorted, could you tell us what the support "
    "center can do itself the next time a request like this comes in?",
    "{admin}, ticket #{ticket} needs an owner for {service}; everything we tried is in the "
    "ticket. Is there a process we could follow next time, so a request like this does not "
    "have to reach you?",
    "Hello {admin}, passing #{ticket} over to you for {service}. Please take ownership. If "
    "part of this is something we could safely do ourselves next time, tell us how and we "
    "will write it up as a procedure.",
    "Hi {admin}, #{ticket} is beyond what the support center can do for {service}. Could you "
    "take it from here, and let us know which steps we could handle next time?",
]
COLLABORATION_REASONS = [
    "",
    "",
    "We cannot tell whether this is a fault or a setting.",
    "The requester asks about something we have not seen before.",
]
COLLABORATION_MESSAGES = [
    "Hi {admin}, we are keeping ticket #{ticket} but need your input on {service}: is this "
    "expected, and what should we check first next time?",
    "{admin}, a quick question on #{ticket} ({service}): can you point us to the right "
    "setting or procedure? If we could answer this ourselves next time, please say how.",
    "Hello {admin}, could you read the notes on #{ticket}? We only need a pointer; the "
    "support center stays the owner. A line on how to handle it next time would help too.",
]
HANDOVER_MESSAGE = (
    "Hi {admin}, {previous} has not answered on #{ticket} ({service}) for two days, so we are "
    "handing it to you. Could you take ownership? If there is a way the support center could "
    "deal with this kind of request itself next time, please tell us."
)
NO_SERVICE = "an unlisted system"

# What admins say the support center can do itself next time, per service: (title, steps).
# Some are saved as procedures the first time they are said.
TIPS = {
    "Email and calendar": [
        (
            "Give a person access to a shared mailbox",
            [
                "Check that the mailbox's manager approved the request in the ticket.",
                "Add the person under Delegates in the mail console, with read and send-as.",
                "Tell them the mailbox can take an hour to appear in Outlook.",
            ],
        ),
        (
            "Find a calendar invitation that was not delivered",
            [
                "Run a message trace for the organiser's address over the last two days.",
                "If the trace shows delivery, check the recipient's junk folder and rules.",
                "Ask the organiser to send it again from the web calendar.",
            ],
        ),
    ],
    "Single sign-on": [
        (
            "Reset multi-factor sign-in",
            [
                "Confirm who the person is on a video call, with their staff card.",
                "Clear their sign-in methods in the help-desk view of the identity portal.",
                "Stay on the call while they register a new method.",
            ],
        ),
        (
            "Unlock an account after too many failed sign-ins",
            [
                "Check the sign-in log for attempts from unusual places; escalate if any.",
                "Unlock the account in the help-desk view.",
                "Ask the person to choose a new password at the next sign-in.",
            ],
        ),
    ],
    "File storage": [
        (
            "Fix folder permissions after a team move",
            [
                "Ask the folder's data owner to confirm who should have access.",
                "Change the person's team group in the directory, not the folder itself.",
                "Wait for the nightly sync, or ask the person to sign out and in again.",
            ],
        ),
        (
            "Restore a deleted file from the last 30 days",
            [
                "Open the share's recycle view with the support center account.",
                "Restore the file to its original folder and tell the requester.",
                "Escalate only when the file is older than 30 days.",
            ],
        ),
    ],
    "VPN": [
        (
            "Reinstall the VPN profile on a laptop",
            [
                "Remove the VPN profile from the laptop's settings.",
                "Install it again from the software centre.",
                "Test the connection from outside the office network, for example a phone hotspot.",
            ],
        ),
    ],
    "Wi-Fi": [
        (
            "Register a device on the guest network",
            [
                "Create a guest pass in the visitor portal for the length of the visit.",
                "Send the pass to the host, not the visitor.",
                "Staff devices go on the staff network instead; do not issue them guest passes.",
            ],
        ),
    ],
    "Finance system": [
        (
            "Give read access to the finance reports",
            [
                "Check the budget holder approved it in the ticket.",
                "Add the person to the report readers role in the finance system's user screen.",
                "Anything beyond read access goes to the owner.",
            ],
        ),
    ],
    "Laptops and desktops": [
        (
            "Recover a laptop that fails to start after an update",
            [
                "Start it in recovery mode and undo the latest update.",
                "Once it starts, pause updates for a week and note the model in the ticket.",
                "Escalate when more than three laptops of one model fail the same way.",
            ],
        ),
        (
            "Prepare a loaner laptop",
            [
                "Take one from the loaner shelf and sign it out in the asset list.",
                "Sign in once with the person's account so their profile is ready.",
                "Set the return date in the ticket and a reminder for the day before.",
            ],
        ),
        (
            "Install software from the approved catalogue",
            [
                "Check the software is in the approved catalogue.",
                "Push it to the laptop from the device management console.",
                "Anything not in the catalogue needs the owner and a licence check.",
            ],
        ),
    ],
}
GENERAL_NEXT_TIME = [
    "Check the service status page first; if it shows an incident, link the ticket there.",
    "Ask in the support channel with the ticket number before writing to me directly.",
    "Ask the requester for the exact error message and a screenshot up front.",
    "Collect the client's log file before escalating; it is usually the first thing I need.",
    "This one really needs an admin: escalate straight away next time.",
]
REDIRECT_DETAILS = [
    "The self-service password page on the staff portal",
    "The vendor's support line; the contract is in the IT shared drive",
    "The facilities desk, which looks after the room equipment",
    "The saved procedure for this service in the dashboard",
    "The access request form that the data owner approves",
]
RESPONSE_NOTES = [
    "Answered in the thread under our post in the support channel.",
    "Said they will follow up with the requester directly.",
    "Asked us to add the device name to the ticket.",
    "Was on leave; the auto-reply named the backup.",
]
SILENCE_NOTES = [
    "",
    "",
    "No answer after two working days.",
    "Reminder sent in the support channel; still no answer.",
]

# The SLA mix: shares of first responses and of resolutions that come after their due time.
LATE_RESPONSE = 0.05
LATE_RESOLUTION = 0.12
# Of the tickets waiting on someone outside the support center, the share waiting on a vendor.
WAITING_ON_VENDOR = 0.3
# Left for the first check_sla run after seeding: (fewest, most) of each kind.
UNSENT_NOTICES = (3, 5)
UNLOGGED_SILENCES = (2, 4)
# Tests clear a small seed by deleting its tickets, which urgent requests and notifications
# protect; a demo worth showing is larger than this anyway.
SHOWCASE_MIN_TICKETS = 200

# (business impact, why the SLA is not enough) for urgent requests.
URGENT_GROUNDS = [
    (
        "The finance team cannot approve this month's payments until the folder opens again.",
        "The payment run closes on Friday, before the resolution target.",
    ),
    (
        "Twelve people in one unit cannot sign in, so a report due to the board is stalled.",
        "Half a team is blocked; waiting out the target costs two working days for each of them.",
    ),
    (
        "The slides for tomorrow morning's partner meeting are on the laptop that will not start.",
        "The meeting is tomorrow, well inside the resolution target.",
    ),
    (
        "Three new colleagues start on Monday and would arrive without accounts or laptops.",
        "The start date is fixed; the standard target ends after it.",
    ),
    (
        "The large meeting room cannot host the all-staff call.",
        "The call is in two days and cannot be moved.",
    ),
    (
        "The only person who checks payroll works remotely this week and cannot connect.",
        "Payroll has to be checked by Wednesday.",
    ),
    (
        "Legal needs files back from a backup for a filing due in three days.",
        "The filing deadline is fixed; the normal priority would miss it.",
    ),
    (
        "The shared enquiries mailbox is gone for the whole communications team.",
        "Enquiries pile up unanswered in the busiest week of the campaign.",
    ),
]
URGENT_STEP_NOTES = {
    UrgentStep.HISTORY_REVIEWED: "Read the timeline and the admin's last answer; the escalation "
    "had everything it needed.",
    UrgentStep.USER_CONTACTED: "Called the requester: confirmed who is affected and by when it "
    "has to work.",
    UrgentStep.STATUS_COMMUNICATED: "Wrote to the requester with where things stand and when "
    "the next update comes.",
    UrgentStep.OWNER_CONTACTED: "Asked the service owner to put this ahead of planned work; "
    "they agreed.",
    UrgentStep.FOLLOW_UP_DOCUMENTED: "Noted in the ticket what made this urgent and what "
    "unblocked it.",
}
URGENT_OUTCOMES = [
    "Fixed the same day; the requester confirmed everything works.",
    "The owner restored access within two hours and the deadline was met.",
    "A loaner laptop bridged the gap until the repair was done.",
    "Resolved before the meeting; the fix is saved as a procedure for next time.",
    "Not faster in the end: the vendor needed a day. The requester was kept informed and "
    "agreed to wait.",
]


@dataclass(frozen=True)
class DemoResult:
    users: int
    tickets: int
    engagements: int = 0
    responses: int = 0
    purviews: int = 0
    procedures: int = 0
    urgent_requests: int = 0
    urgent_open: int = 0
    notifications: int = 0
    # SLA badge → number of tickets showing it at the seed's ``now``.
    sla_states: dict[str, int] = field(default_factory=dict)


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


def _administrator(name: str, team: str, *, active: bool = True) -> Administrator:
    email = name.lower().replace(" ", ".").replace("á", "a") + "@example.org"
    admin, _ = Administrator.objects.get_or_create(
        email=email, defaults={"name": name, "team": team, "active": active}
    )
    return admin


@transaction.atomic
def seed(*, tickets: int, weeks: int, seed: int, now: datetime | None = None) -> DemoResult:
    """Fill an empty database with demo users, administrators, services, purview, tickets and
    their hand-offs. Every engagement, response and timeline entry is in the past of ``now``
    and keeps the invariants the real workflows keep."""
    rng = random.Random(seed)
    # Purview and hand-offs draw from streams of their own, so the tickets of a seed stay the
    # same when the hand-off data changes, and hand-offs do not depend on whether the
    # purview was already declared.
    handoff_rng = random.Random(f"{seed}:handoffs")
    sla_rng = random.Random(f"{seed}:sla")
    now = (now or timezone.now()).astimezone(UTC)
    users = ensure_demo_users()
    agents = [u for u, (_, role, _) in zip(users, DEMO_USERS, strict=True) if role != MANAGER]
    supervisor = next(
        u for u, (_, role, _) in zip(users, DEMO_USERS, strict=True) if role == SUPERVISOR
    )

    admins = [_administrator(name, team) for name, team, _ in ADMINS]
    for first, second in zip(admins[::2], admins[1::2], strict=True):
        Administrator.objects.filter(pk=first.pk).update(backup=second)
        first.backup = second
    former = [_administrator(name, team, active=False) for name, team in FORMER_ADMINS]
    personalities = {
        admin.pk: personality for admin, (_, _, personality) in zip(admins, ADMINS, strict=True)
    }
    services = [
        Service.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in SERVICES
    ]
    purviews = _declare_purview(
        services,
        {a.name: a for a in admins + former},
        by=supervisor,
        rng=random.Random(f"{seed}:purview"),
        now=now,
    )

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
        # Tickets arrive in local working hours. Everything after is reckoned in UTC: adding
        # to or subtracting local times of one zone ignores a clock change between them.
        opened = timezone.localtime(now - timedelta(seconds=age))
        opened = opened.replace(hour=8 + int(rng.random() * 9), minute=rng.randrange(60))
        opened = opened.astimezone(UTC)
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
                opened_at=opened,
                resolved_at=resolved_at,
                closed_at=closed_at,
            )
        )
    # Insert in the order the tickets were opened, as they would have been logged.
    rows.sort(key=lambda t: t.opened_at)

    clocks = _Clocks(rng=sla_rng, now=now)
    for ticket in rows:
        # May move resolved_at, which bounds the hand-offs, so it runs before them.
        clocks.start(ticket)
    notified = clocks.mark_notified(rows, unsent=sla_rng.randint(*UNSENT_NOTICES))

    handoffs = _Handoffs(
        rng=handoff_rng,
        now=now,
        admins=admins,
        personalities=personalities,
        items=list(ChecklistItem.objects.filter(active=True)),
        cal=clocks.cal,
        no_response_hours=clocks.no_response_hours,
    )
    for ticket in rows:
        # Sets the ticket's admin too, so it has to run before the tickets are inserted.
        handoffs.plan(ticket)
    silences = handoffs.log_overdue(unlogged=sla_rng.randint(*UNLOGGED_SILENCES))

    created = Ticket.objects.bulk_create(rows, batch_size=2000)
    TicketEvent.objects.bulk_create(
        [TicketEvent(ticket=t, at=t.opened_at, by=t.agent, kind=EventKind.LOGGED) for t in created]
        + handoffs.events,
        batch_size=2000,
    )
    ChecklistAnswer.objects.bulk_create(handoffs.answers, batch_size=2000)
    Engagement.objects.bulk_create(handoffs.engagements, batch_size=2000)
    stamp_first_escalation(
        Ticket.objects.filter(
            Exists(Engagement.objects.filter(ticket=OuterRef("pk"), kind=EngagementKind.ESCALATE))
        )
    )
    AdminResponse.objects.bulk_create(handoffs.responses, batch_size=2000)
    if handoffs.responses:
        # logged_at is set on insert; the agent logged each response when it came.
        AdminResponse.objects.filter(
            pk__gte=handoffs.responses[0].pk, pk__lte=handoffs.responses[-1].pk
        ).update(logged_at=F("responded_at"))
    procedures = _capture_procedures(handoffs.tips, rng=handoff_rng, now=now)
    requests, notifications = [], []
    if tickets >= SHOWCASE_MIN_TICKETS:
        people = {username: u for u, (username, _, _) in zip(users, DEMO_USERS, strict=True)}
        requests, notices = _urgent_requests(
            rows,
            manager=people["manager"],
            supervisor=supervisor,
            cal=clocks.cal,
            rng=sla_rng,
            now=now,
        )
        notices += _sla_notices(
            notified, agent=people["agent"], window=clocks.window, rng=sla_rng, now=now
        )
        notices += _silence_notices(silences, supervisor=supervisor)
        notifications = _notifications(notices, rng=sla_rng, now=now)
    return DemoResult(
        users=len(users),
        tickets=len(created),
        engagements=len(handoffs.engagements),
        responses=len(handoffs.responses),
        purviews=purviews,
        procedures=procedures,
        urgent_requests=len(requests),
        urgent_open=sum(r.closed_at is None for r in requests),
        notifications=len(notifications),
        sla_states=clocks.states(rows),
    )


def _declare_purview(
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


def _seconds(start: datetime, end: datetime) -> int:
    """Whole seconds from start to end as they passed, whatever clock change lies between."""
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


def _capture_procedures(tips: list, *, rng, now: datetime) -> int:
    """Save some of the "next time" answers as procedures of their service, as an agent does
    from the ticket: the first answer that gave each tip is the procedure's source."""
    first_said: dict[str, dict[str, tuple]] = {}
    for response, ticket, title, steps in tips:
        first_said.setdefault(ticket.service.name, {}).setdefault(title, (response, ticket, steps))
    procedures, events = [], []
    for service_name, said in first_said.items():
        if rng.random() < 0.2:
            continue
        for title, (response, ticket, steps) in list(said.items())[: rng.randint(1, 3)]:
            at = min(now, response.responded_at + timedelta(hours=rng.uniform(1, 48)))
            admin = response.engagement.admin
            procedure = Procedure(
                service=ticket.service,
                title=title,
                body="\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1)),
                source=response,
                created_by=ticket.agent,
            )
            procedures.append(procedure)
            events.append(
                TicketEvent(
                    ticket=ticket,
                    at=at,
                    by=ticket.agent,
                    kind=EventKind.PROCEDURE,
                    after=title,
                    note=f"Saved for {service_name} from {admin.name}'s answer.",
                )
            )
    Procedure.objects.bulk_create(procedures)
    for procedure, event in zip(procedures, events, strict=True):
        procedure.created_at = event.at  # set again: the insert stamps the current time
    Procedure.objects.bulk_update(procedures, ["created_at"])
    TicketEvent.objects.bulk_create(events)
    return len(procedures)


class _Clocks:
    """The SLA columns of the demo tickets, as ``sla.refresh`` would have left them had every
    change gone through the workflows. One calendar and one read of the targets serve every
    ticket."""

    def __init__(self, *, rng, now: datetime):
        self.rng, self.now = rng, now
        self.cal = sla.load_calendar(now)
        settings = BusinessCalendar.current()
        self.window = timedelta(minutes=settings.due_soon_minutes)
        self.no_response_hours = settings.no_response_hours
        self.targets = {(t.category_id, t.priority_id): t for t in ServiceTarget.objects.all()}

    def start(self, ticket: Ticket) -> None:
        """Due times, first response, pause and next due time; for a finished ticket with a
        resolution target, a resolution that mostly meets it."""
        rng = self.rng
        if ticket.status == Status.WAITING_ON_REQUESTER and rng.random() < WAITING_ON_VENDOR:
            ticket.status = Status.WAITING_ON_VENDOR
        target = self.targets.get((ticket.category_id, ticket.priority_id))
        ticket.response_due_at, ticket.resolution_due_at = sla.due_times(
            ticket, target=target, cal=self.cal
        )
        if ticket.status != Status.NEW:
            ticket.first_responded_at = self._first_response(ticket)
        if ticket.resolved_at is not None and ticket.resolution_due_at is not None:
            self._resolve(ticket)
        if ticket.status in sla.PAUSED_STATUSES:
            # The pause began after the first response and is still running.
            since = ticket.first_responded_at
            ticket.sla_paused_at = since + (self.now - since) * rng.uniform(0.1, 0.9)
        ticket.next_due_at = sla.next_due(ticket)

    def _first_response(self, ticket: Ticket) -> datetime:
        rng, opened, due = self.rng, ticket.opened_at, ticket.response_due_at
        end = ticket.resolved_at or self.now
        if due is not None and due < end and rng.random() < LATE_RESPONSE:
            at = due + timedelta(minutes=rng.uniform(10, 480))
        else:
            at = opened + timedelta(minutes=rng.lognormvariate(math.log(30), 1.0))
        if at > end:
            at = opened + (end - opened) * rng.uniform(0.05, 0.6)
        return at

    def _resolve(self, ticket: Ticket) -> None:
        """Resolved before the resolution due time, or now and then after it; the closing
        keeps its distance from the resolution."""
        rng, now, due = self.rng, self.now, ticket.resolution_due_at
        start = ticket.first_responded_at or ticket.opened_at
        if due < now and rng.random() < LATE_RESOLUTION:
            resolved = due + timedelta(hours=rng.uniform(0.5, 72))
        else:
            resolved = start + max(min(due, now) - start, timedelta(minutes=20)) * rng.uniform(
                0.05, 0.95
            )
        resolved = min(resolved, now)
        if ticket.closed_at is not None:
            ticket.closed_at = min(now, resolved + (ticket.closed_at - ticket.resolved_at))
        ticket.resolved_at = resolved

    def mark_notified(self, tickets: list[Ticket], *, unsent: int) -> list[Ticket]:
        """Mark the warnings and breach notices of the past as sent, as ``check_sla`` marks
        them, but leave the ``unsent`` tickets due nearest to now for its first run. A ticket
        not yet due is only warned: its breach notice is still to come. Returns the tickets
        marked, in the order given."""
        now, horizon = self.now, self.now + self.window
        due = [t for t in tickets if t.next_due_at is not None and t.next_due_at <= horizon]
        left = {id(t) for t in sorted(due, key=lambda t: abs(t.next_due_at - now))[:unsent]}
        marked = []
        for ticket in due:
            breached = ticket.next_due_at <= now
            if id(ticket) in left:
                # Past due: warned when it was due soon; the breach notice is still to come.
                ticket.warned_for = ticket.next_due_at if breached else None
                continue
            ticket.warned_for = ticket.next_due_at
            ticket.breach_notified_for = ticket.next_due_at if breached else None
            marked.append(ticket)
        return marked

    def states(self, tickets: list[Ticket]) -> dict[str, int]:
        """How many tickets show each SLA badge at ``now``, every badge listed."""
        counts = Counter(sla.state(t, now=self.now, due_soon=self.window) for t in tickets)
        return {state.value: counts[state] for state in SlaState}


class _Handoffs:
    """Every engagement, checklist answer, response and timeline entry of the demo tickets,
    planned in memory and inserted in bulk afterwards.

    A ticket in Collaborate has one engagement (sometimes two); a ticket in Escalate has a
    complete checklist and one current escalation, open or answered, whose admin is the
    ticket's admin; an earlier escalation may have gone unanswered and been handed on.
    """

    def __init__(self, *, rng, now, admins, personalities, items, cal, no_response_hours):
        self.rng, self.now = rng, now
        self.cal, self.no_response_hours = cal, no_response_hours
        self.active = [a for a in admins if a.active]
        self.personalities = personalities
        self.items = items
        self.holders = self._holders()
        self.engagements: list[Engagement] = []
        self.responses: list[AdminResponse] = []
        self.events: list[TicketEvent] = []
        self.answers: list[ChecklistAnswer] = []
        self.tips: list[tuple] = []  # (response, ticket, title, steps) for procedures

    @staticmethod
    def _holders() -> dict[int, tuple]:
        """Service id → (owner, backup) from the current declarations."""
        holders: dict[int, dict[str, Administrator]] = {}
        current = Purview.objects.current().select_related("admin").order_by("pk")
        for purview in current:
            holders.setdefault(purview.service_id, {}).setdefault(purview.role, purview.admin)
        return {
            service_id: (roles.get(PurviewRole.OWNER), roles.get(PurviewRole.BACKUP))
            for service_id, roles in holders.items()
        }

    def plan(self, ticket: Ticket) -> None:
        if ticket.tier == Tier.COLLABORATE:
            # Collaborate keeps ownership with the support center: no current admin.
            at = self._request_time(ticket, after=ticket.opened_at)
            chosen = [self._pick(ticket)]
            if self.rng.random() < 0.15:
                chosen.append(self._pick(ticket, exclude=chosen[0]))
            reason = self.rng.choice(COLLABORATION_REASONS)
            for admin in chosen:
                self._collaborate(ticket, admin, at, reason=reason)
        elif ticket.tier == Tier.ESCALATE:
            self._escalate(ticket)

    def log_overdue(self, *, unlogged: int) -> list[tuple[Engagement, datetime, Administrator]]:
        """Log as no response, as the periodic scan would have, every open request whose
        answer is overdue, but the ``unlogged`` most recently due: those are left for the first
        ``check_sla`` run. An escalation then goes to a stand-in, as the agent hands it on; a
        request for input stays with the support center. Returns each silence logged on an
        escalation with when and who took over, oldest first."""
        overdue = sorted(
            (e for e in self.engagements if e.is_open and e.answer_due_at <= self.now),
            key=lambda e: e.answer_due_at,
        )
        queue = deque(overdue[: max(len(overdue) - unlogged, 0)])
        handed_on = []
        while queue:
            engagement = queue.popleft()
            at, new = self._scan_silence(engagement)
            if new is not None:
                handed_on.append((engagement, at, new.admin))
                if new.is_open and new.answer_due_at <= self.now:
                    queue.append(new)
        return sorted(handed_on, key=lambda silence: silence[1])

    def _scan_silence(self, engagement: Engagement) -> tuple[datetime, Engagement | None]:
        rng, now, ticket = self.rng, self.now, engagement.ticket
        # The scan runs every few minutes; the agent hands the ticket on soon after.
        at = min(now, engagement.answer_due_at + timedelta(minutes=rng.uniform(1, 15)))
        self._no_response(ticket, engagement, at, scan=True)
        if engagement.kind == EngagementKind.COLLABORATE:
            if rng.random() < 0.25:
                self._late_answer(ticket, engagement, at)
            return at, None
        silent, admin = engagement.admin, self._stand_in(ticket, engagement.admin)
        new = self._engage(
            ticket,
            admin,
            EngagementKind.ESCALATE,
            min(now, at + timedelta(minutes=rng.uniform(5, 90))),
            before=silent.name,
            tag=engagement.tag,
            reason=engagement.reason,
            message=self._message(
                [HANDOVER_MESSAGE], ticket, admin, previous=silent.name.split()[0]
            ),
        )
        ticket.admin = admin
        gave_up = self._respond(ticket, new)
        if gave_up is not None:
            self._no_response(ticket, new, gave_up)
            self._late_answer(ticket, new, gave_up)
        return at, new

    def _collaborate(self, ticket: Ticket, admin: Administrator, at: datetime, *, reason: str):
        message = self._message(COLLABORATION_MESSAGES, ticket, admin)
        engagement = self._engage(
            ticket, admin, EngagementKind.COLLABORATE, at, reason=reason, message=message
        )
        gave_up = self._respond(ticket, engagement)
        if gave_up is not None:
            self._no_response(ticket, engagement, gave_up)
            if self.rng.random() < 0.25:
                self._late_answer(ticket, engagement, gave_up)

    def _escalate(self, ticket: Ticket) -> None:
        rng = self.rng
        at = self._request_time(ticket, after=ticket.opened_at)
        tier_before = Tier.HANDLE
        if rng.random() < 0.12:
            # Asked for input first, then handed the ticket over.
            self._collaborate(ticket, self._pick(ticket), at, reason="")
            at = self._request_time(ticket, after=at)
            tier_before = Tier.COLLABORATE
        self._checklist(ticket, at)
        admin = self._pick(ticket)
        tag, reason = rng.choice(ESCALATION_GROUNDS)
        engagement = self._engage(
            ticket,
            admin,
            EngagementKind.ESCALATE,
            at,
            tag=tag,
            reason=reason,
            message=self._message(ESCALATION_MESSAGES, ticket, admin),
        )
        self.events.append(
            TicketEvent(
                ticket=ticket,
                at=at,
                by=ticket.agent,
                kind=EventKind.TIER_CHANGED,
                field="tier",
                before=tier_before.label,
                after=Tier.ESCALATE.label,
            )
        )
        gave_up = self._respond(ticket, engagement)
        if gave_up is None:
            ticket.admin = admin
            return
        handover = gave_up + timedelta(minutes=rng.uniform(5, 90))
        if handover < (ticket.resolved_at or self.now) and rng.random() < 0.6:
            # The admin stayed silent: ownership goes to someone who may answer.
            silent, admin = admin, self._stand_in(ticket, admin)
            if rng.random() < 0.75:
                self._no_response(ticket, engagement, gave_up)
            else:
                # Handed on without logging the silence: escalate() withdraws the open one.
                engagement.state = EngagementState.WITHDRAWN
                engagement.closed_note = f"Ownership moved to {admin.name}."
            message = self._message(
                [HANDOVER_MESSAGE], ticket, admin, previous=silent.name.split()[0]
            )
            engagement = self._engage(
                ticket,
                admin,
                EngagementKind.ESCALATE,
                handover,
                before=silent.name,
                tag=tag,
                reason=reason,
                message=message,
            )
            gave_up = self._respond(ticket, engagement)
        if gave_up is not None:
            # The current owner answers in the end, after the silence was logged.
            self._no_response(ticket, engagement, gave_up)
            self._late_answer(ticket, engagement, gave_up)
        ticket.admin = admin

    def _pick(self, ticket: Ticket, *, exclude: Administrator | None = None) -> Administrator:
        """Mostly the service's declared owner, else its backup, else any active admin."""
        owner, backup = self.holders.get(ticket.service_id, (None, None))
        draw = self.rng.random()
        for admin, share in ((owner, 0.7), (backup, 0.85)):
            if admin is not None and admin.active and admin != exclude and draw < share:
                return admin
        return self.rng.choice([a for a in self.active if a != exclude])

    def _stand_in(self, ticket: Ticket, admin: Administrator) -> Administrator:
        """Who takes over from a silent admin: the service's backup, else the admin's."""
        _, backup = self.holders.get(ticket.service_id, (None, None))
        for candidate in (backup, admin.backup):
            if candidate is not None and candidate.active and candidate != admin:
                return candidate
        return self.rng.choice([a for a in self.active if a != admin])

    def _request_time(self, ticket: Ticket, *, after: datetime) -> datetime:
        """Minutes to hours after ``after``, while the ticket was still open."""
        latest = min(self.now, ticket.resolved_at or self.now)
        at = after + timedelta(minutes=self.rng.lognormvariate(math.log(50), 1.0))
        if at > latest:
            at = after + (latest - after) * self.rng.uniform(0.2, 0.8)
        return at

    def _delay(self, personality: Personality) -> timedelta:
        minutes = self.rng.lognormvariate(math.log(personality.median_minutes), 0.9)
        return timedelta(minutes=min(max(minutes, 6), 5 * 24 * 60))

    def _checklist(self, ticket: Ticket, at: datetime) -> None:
        answered = max(ticket.opened_at, at - timedelta(minutes=self.rng.uniform(2, 30)))
        items = [item for item in self.items if item.required or self.rng.random() < 0.5]
        self.answers.extend(
            ChecklistAnswer(
                ticket=ticket,
                item=item,
                item_text=item.text,
                checked=True,
                answered_at=answered,
                answered_by=ticket.agent,
            )
            for item in items
        )
        self.events.append(
            TicketEvent(
                ticket=ticket,
                at=answered,
                by=ticket.agent,
                kind=EventKind.CHECKLIST,
                note="\n".join(f"☑ {item.text}" for item in items),
            )
        )

    def _message(
        self, templates: list[str], ticket: Ticket, admin: Administrator, **names: str
    ) -> str:
        return self.rng.choice(templates).format(
            ticket=ticket.external_id,
            admin=admin.name.split()[0],
            service=ticket.service.name if ticket.service else NO_SERVICE,
            **names,
        )

    def _engage(
        self,
        ticket: Ticket,
        admin: Administrator,
        kind: str,
        at: datetime,
        *,
        message: str,
        reason: str = "",
        tag: str = "",
        before: str = "",
    ) -> Engagement:
        """The engagement and its timeline entry, as ``collaborate`` and ``escalate`` write
        them."""
        if kind == EngagementKind.ESCALATE:
            event = TicketEvent(
                kind=EventKind.ESCALATED,
                field="admin",
                before=before,
                note=_request_note(tag=tag, reason=reason, message=message),
            )
        else:
            event = TicketEvent(
                kind=EventKind.ENGAGED, note=_request_note(reason=reason, message=message)
            )
        event.ticket, event.at, event.by, event.after = ticket, at, ticket.agent, admin.name
        self.events.append(event)
        engagement = Engagement(
            ticket=ticket,
            admin=admin,
            kind=kind,
            requested_at=at,
            answer_due_at=sla.answer_due(
                at,
                priority=ticket.priority,
                cal=self.cal,
                default_hours=self.no_response_hours,
            ),
            requested_by=ticket.agent,
            tag=tag,
            reason=reason,
            message=message,
        )
        self.engagements.append(engagement)
        return engagement

    def _respond(self, ticket: Ticket, engagement: Engagement) -> datetime | None:
        """Log the admin's answer, or leave the request open while the ticket is open.

        For an admin who stays silent, returns when the support center stops waiting (two
        or three days on) and logs nothing: the caller decides what happens then. On a
        ticket that is done, an answer still to come is moved to before ``now``.
        """
        rng, now = self.rng, self.now
        personality = self.personalities[engagement.admin_id]
        if rng.random() < personality.silent:
            at = engagement.requested_at + timedelta(hours=rng.uniform(30, 80))
            # While the ticket is open, the silence goes unlogged for a week or so.
            if ticket.resolved_at is None and now - engagement.requested_at < timedelta(days=7):
                return None
            if at <= now:
                return at
        else:
            at = engagement.requested_at + self._delay(personality)
        if at > now:
            if ticket.resolved_at is None:
                return None
            at = engagement.requested_at + (now - engagement.requested_at) * rng.uniform(0.1, 0.9)
        self._answer(ticket, engagement, at)
        return None

    def _late_answer(self, ticket: Ticket, engagement: Engagement, gave_up: datetime) -> None:
        at = gave_up + min(
            timedelta(hours=self.rng.uniform(1, 48)), (self.now - gave_up) * self.rng.random()
        )
        self._answer(ticket, engagement, at)

    def _no_response(
        self, ticket: Ticket, engagement: Engagement, at: datetime, *, scan: bool = False
    ) -> None:
        """Log a silence: by the ticket's agent, or by the scan, which names nobody and
        writes no note."""
        response = AdminResponse(
            engagement=engagement,
            outcome=Outcome.NO_RESPONSE,
            channel="",
            responded_at=at,
            note="" if scan else self.rng.choice(SILENCE_NOTES),
            logged_by=None if scan else ticket.agent,
        )
        if engagement.state == EngagementState.OPEN:
            engagement.state = EngagementState.NO_RESPONSE
        self._log(ticket, response)

    def _answer(self, ticket: Ticket, engagement: Engagement, at: datetime) -> None:
        rng = self.rng
        personality = self.personalities[engagement.admin_id]
        draw = rng.random()
        if draw < personality.declines:
            outcome = Outcome.DECLINED
        elif draw < personality.declines + personality.redirects:
            outcome = Outcome.REDIRECTED
        elif engagement.kind == EngagementKind.COLLABORATE:
            outcome = Outcome.GAVE_INPUT if rng.random() < 0.93 else Outcome.ACCEPTED
        else:
            outcome = Outcome.ACCEPTED if rng.random() < 0.9 else Outcome.GAVE_INPUT
        if rng.random() < personality.direct:
            channel = Channel.DIRECT_MESSAGE
        else:
            channel = rng.choices(
                [Channel.TICKET, Channel.SUPPORT_CHANNEL, Channel.EMAIL, Channel.IN_PERSON],
                [45, 30, 18, 7],
            )[0]
        response = AdminResponse(
            engagement=engagement,
            outcome=outcome,
            channel=channel,
            responded_at=at,
            logged_by=ticket.agent,
        )
        if outcome == Outcome.REDIRECTED:
            if rng.random() < 0.55:
                response.redirect_admin = self._stand_in(ticket, engagement.admin)
            else:
                response.redirect_detail = rng.choice(REDIRECT_DETAILS)
        share = personality.next_time * (0.3 if outcome == Outcome.DECLINED else 1)
        if rng.random() < share:
            tips = TIPS.get(ticket.service.name, []) if ticket.service else []
            if tips and rng.random() < 0.7:
                title, steps = rng.choice(tips)
                response.next_time = " ".join(steps)
                self.tips.append((response, ticket, title, steps))
            else:
                response.next_time = rng.choice(GENERAL_NEXT_TIME)
        if rng.random() < 0.15:
            response.note = rng.choice(RESPONSE_NOTES)
        if engagement.first_response_at is None or at < engagement.first_response_at:
            engagement.first_response_at = at
            engagement.first_response_seconds = _seconds(engagement.requested_at, at)
        engagement.state = EngagementState.RESPONDED
        self._log(ticket, response)

    def _log(self, ticket: Ticket, response: AdminResponse) -> None:
        """The response and its timeline entry (``AdminResponse.timeline_note``, as
        ``Engagement.record_response`` writes it)."""
        self.responses.append(response)
        self.events.append(
            TicketEvent(
                ticket=ticket,
                at=response.responded_at,
                by=response.logged_by,
                kind=EventKind.RESPONSE,
                after=response.get_outcome_display(),
                note=response.timeline_note(),
            )
        )


@dataclass(frozen=True)
class _Notice:
    """A notification as a workflow would have sent it, before it is rendered."""

    user: object
    template: str
    context: dict
    ticket: Ticket
    at: datetime
    url: str = ""  # the ticket's page when empty


def _urgent_requests(
    tickets: list[Ticket], *, manager, supervisor, cal, rng, now: datetime
) -> tuple[list[UrgentRequest], list[_Notice]]:
    """Three open urgent requests (one waiting for a coordinator, one with two steps done, one
    with an estimate given) and five closed ones with every step and an outcome, on escalated
    tickets of the last weeks. Inserted with the timeline entries ``escalations.urgent``
    writes; returns them with the notifications it would have sent."""
    day = timedelta(days=1)
    escalated = [t for t in tickets if t.tier == Tier.ESCALATE]
    # Open long enough for a request to have been filed and worked.
    still_open = [t for t in escalated if t.is_open and now - 10 * day <= t.opened_at <= now - day]
    finished = [
        t
        for t in escalated
        if t.resolved_at is not None
        and t.resolved_at >= now - 25 * day
        and t.resolved_at - t.opened_at >= timedelta(hours=4)
    ]
    # (ticket, filed, end, steps done, estimate, outcome). An estimate is business hours
    # from a time, or from when it was given if that is None.
    plans = []
    opened = rng.sample(still_open, min(3, len(still_open)))
    for ticket, (hours, done, estimate) in zip(
        opened,
        [
            ((1, 5), [], None),
            ((20, 40), [UrgentStep.HISTORY_REVIEWED, UrgentStep.USER_CONTACTED], None),
            (
                (30, 60),
                [
                    UrgentStep.HISTORY_REVIEWED,
                    UrgentStep.USER_CONTACTED,
                    UrgentStep.OWNER_CONTACTED,
                ],
                (now, rng.uniform(3, 12)),
            ),
        ],
        strict=False,
    ):
        filed = max(
            ticket.opened_at + timedelta(minutes=rng.uniform(20, 90)),
            now - timedelta(hours=rng.uniform(*hours)),
        )
        plans.append((ticket, min(filed, now), now, done, estimate, ""))
    outcomes = rng.sample(URGENT_OUTCOMES, len(URGENT_OUTCOMES))
    for ticket, outcome in zip(rng.sample(finished, min(5, len(finished))), outcomes, strict=False):
        filed = ticket.opened_at + (ticket.resolved_at - ticket.opened_at) * rng.uniform(0.1, 0.5)
        closed = min(now, ticket.resolved_at + timedelta(hours=rng.uniform(0.2, 6)))
        estimate = (None, rng.uniform(2, 9)) if rng.random() < 0.6 else None
        plans.append((ticket, filed, closed, list(UrgentStep), estimate, outcome))

    coordinator = supervisor  # the only supervisor of the demo
    grounds = rng.sample(URGENT_GROUNDS, len(URGENT_GROUNDS))
    requests, steps, events, notices = [], [], [], []
    for n, (ticket, filed, end, done, estimate, outcome) in enumerate(plans):
        # The first waits for a supervisor, who was told of it when the manager filed it.
        filer = manager if n == 0 else rng.choice([manager, supervisor])
        impact, reason = grounds[n % len(grounds)]
        request = UrgentRequest(
            ticket=ticket, filed_by=filer, filed_at=filed, business_impact=impact, reason=reason
        )
        requests.append(request)
        timeline = [
            (
                filed,
                filer,
                f"Urgent request filed.\nBusiness impact: {impact}\nReason: {reason}",
                {},
            )
        ]
        if filer != coordinator:
            notices.append(
                _Notice(coordinator, "urgent_filed", {"request": request}, ticket, filed)
            )
        if n == 0:
            events.extend(_urgent_events(ticket, timeline))
            continue
        # Taking it on, each step, the estimate and the close, in that order up to ``end``.
        count = 1 + len(done) + (estimate is not None)
        times = iter(sorted(filed + (end - filed) * rng.uniform(0.05, 0.9) for _ in range(count)))
        request.coordinator = coordinator
        change = {"field": "coordinator", "after": display_name(coordinator)}
        timeline.append((next(times), coordinator, "Coordinating the urgent request.", change))
        for step in done:
            at, note = next(times), URGENT_STEP_NOTES[step]
            steps.append(
                UrgentStepRecord(
                    request=request, step=step, done_at=at, done_by=coordinator, note=note
                )
            )
            timeline.append(
                (at, coordinator, f"Urgent request step done: {step.label}.\n{note}", {})
            )
        updates = []
        if estimate is not None:
            at = next(times)
            since, hours = estimate
            due = add_business_seconds(cal, since or at, int(hours * 3600))
            # Promised to the quarter hour, rounded up.
            request.estimated_resolution = (due + timedelta(minutes=15 - due.minute % 15)).replace(
                second=0, microsecond=0
            )
            shown = f"{timezone.localtime(request.estimated_resolution):{TIME_FORMAT}}"
            change = {"field": "estimated resolution", "after": shown}
            note = "Estimated resolution of the urgent request set."
            timeline.append((at, coordinator, note, change))
            updates.append((at, f"Estimated resolution: {shown}."))
        if outcome:
            request.closed_at, request.closed_by, request.outcome = end, coordinator, outcome
            timeline.append((end, coordinator, f"Urgent request closed.\nOutcome: {outcome}", {}))
            updates.append((end, f"Closed. Outcome: {outcome}"))
        if filer != coordinator:
            notices.extend(
                _Notice(filer, "urgent_update", {"request": request, "change": text}, ticket, at)
                for at, text in updates
            )
        events.extend(_urgent_events(ticket, timeline))
    UrgentRequest.objects.bulk_create(requests)
    UrgentStepRecord.objects.bulk_create(steps)
    TicketEvent.objects.bulk_create(events)
    # The pages link to the request, which has an id only now.
    notices = [
        _Notice(
            n.user,
            n.template,
            n.context,
            n.ticket,
            n.at,
            url=n.context["request"].get_absolute_url(),
        )
        for n in notices
    ]
    return requests, notices


def _urgent_events(ticket: Ticket, timeline: list) -> list[TicketEvent]:
    return [
        TicketEvent(ticket=ticket, at=at, by=by, kind=EventKind.URGENT, note=note, **change)
        for at, by, note, change in timeline
    ]


def _sla_notices(marked: list[Ticket], *, agent, window: timedelta, rng, now) -> list[_Notice]:
    """The demo agent's latest breach notices and due-soon warnings among the tickets marked
    as notified, sent when the scan would have sent them."""
    mine = sorted((t for t in marked if t.agent_id == agent.pk), key=lambda t: t.next_due_at)
    breached = [t for t in mine if t.breach_notified_for is not None][-2:]
    # A due-soon warning still running if there is one, else the one before the last breach.
    warned = [t for t in mine if t.breach_notified_for is None][:2] or breached[-1:]
    notices = []
    for template, tickets in (("sla_due_soon", warned), ("sla_breached", breached)):
        for ticket in tickets:
            due = ticket.next_due_at
            sent = due if template == "sla_breached" else max(ticket.opened_at, due - window)
            kind = (
                "response"
                if ticket.first_responded_at is None and due == ticket.response_due_at
                else "resolution"
            )
            notices.append(
                _Notice(
                    agent,
                    template,
                    {"due_at": due, "kind": kind},
                    ticket,
                    min(now, sent + timedelta(minutes=rng.uniform(1, 15))),
                )
            )
    return notices


def _silence_notices(handed_on: list, *, supervisor) -> list[_Notice]:
    """The supervisor's notices of the two latest escalations the scan found unanswered."""
    return [
        _Notice(
            supervisor,
            "no_response",
            {"engagement": engagement, "backup": backup},
            engagement.ticket,
            at,
        )
        for engagement, at, backup in handed_on[-2:]
    ]


def _notifications(notices: list[_Notice], *, rng, now: datetime) -> list[Notification]:
    """The notices as in-app notifications, rendered as ``notify.notify`` renders them; each
    person has read all but their two latest."""
    rows = []
    latest: dict[int, list[_Notice]] = {}
    for notice in sorted(notices, key=lambda n: n.at, reverse=True):
        latest.setdefault(notice.user.pk, []).append(notice)
    for notice in notices:
        url = notice.url or notice.ticket.get_absolute_url()
        rendered = notify.render(
            notice.template, {"ticket": notice.ticket, **notice.context}, url=url
        )
        unread = any(n is notice for n in latest[notice.user.pk][:2])
        rows.append(
            Notification(
                user=notice.user,
                subject=rendered.subject[: notify.SUBJECT_MAX],
                body=rendered.in_app,
                url=url,
                ticket=notice.ticket,
                created_at=notice.at,
                read_at=None
                if unread
                else min(now, notice.at + timedelta(minutes=rng.uniform(5, 240))),
            )
        )
    return Notification.objects.bulk_create(rows)
