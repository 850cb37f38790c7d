"""The django-helpdesk side of ``make bench-peer`` (benchmarks/peer.py), run by the peer's own
virtualenv as a script, and the timing loop both sides share.

    <peer venv>/bin/python -P benchmarks/peer_site.py seed 100000   (PEER_DB, settings set)
    <peer venv>/bin/python -P benchmarks/peer_site.py serve --warmup 2

Only the standard library is imported at the top: the peer's venv has Django and
django-helpdesk but nothing of this checkout, and ``-P`` keeps benchmarks/ off its path.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The project django-helpdesk's installation guide describes, minimally: its required apps
# (admin, humanize, sites, Django REST framework), teams mode off so pinax-teams (an optional
# extra) is not needed, SQLite with Django's defaults, DEBUG off.
SETTINGS = '''"""Settings of the throwaway django-helpdesk project (benchmarks/peer_site.py)."""
import os

SECRET_KEY = "peer-benchmark-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PEER_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ["PEER_MEDIA"]
LOGIN_URL = "/helpdesk/login/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HELPDESK_TEAMS_MODE_ENABLED = False
'''

URLS = """from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
"""

QUEUES = ["Service Desk", "Network", "Accounts", "Classrooms", "Research Computing", "Email"]
AGENTS = 12
CUSTOMERS = 5000
# Shares of the tickets by helpdesk status: about 15 % open, as in seed_demo's data.
STATUS_WEIGHTS = {1: 12, 2: 3, 3: 40, 4: 44, 5: 1}  # open, reopened, resolved, closed, duplicate
SPAN_DAYS = 730


def write_project(folder: Path) -> None:
    """peer_settings.py and peer_urls.py in ``folder`` (put on PYTHONPATH by the caller)."""
    (folder / "peer_settings.py").write_text(SETTINGS)
    (folder / "peer_urls.py").write_text(URLS)


def seed(tickets: int) -> None:
    """Users, queues, ``tickets`` tickets and one to three follow-ups each, written in bulk."""
    import random
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket

    rng = random.Random(20)  # noqa: S311 - demo data, not secrets
    user_model = get_user_model()
    now = timezone.now()
    # bulk_create would stamp every ticket "now": the dates are written as given instead.
    for name in ("created", "modified"):
        field = Ticket._meta.get_field(name)
        field.auto_now = field.auto_now_add = False
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    with transaction.atomic():
        # The one timed user sees everything, as the supervisor does on this product.
        staff = [user_model.objects.create_superuser("supervisor", "supervisor@example.edu")]
        staff += [
            user_model.objects.create_user(f"agent{n}", f"agent{n}@example.edu", is_staff=True)
            for n in range(1, AGENTS)
        ]
        queues = [
            Queue.objects.create(title=title, slug=title.lower().replace(" ", "-"))
            for title in QUEUES
        ]
        batch_tickets: list[Ticket] = []
        batch_followups: list[FollowUp] = []
        for number in range(1, tickets + 1):
            created = now - timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
            status = rng.choices(statuses, weights)[0]
            agent = rng.choice(staff) if rng.random() < 0.85 else None
            modified = min(now, created + timedelta(hours=rng.randrange(1, 240)))
            batch_tickets.append(
                Ticket(
                    id=number,
                    title=f"Ticket {number}: printer, account or network trouble",
                    queue=rng.choice(queues),
                    created=created,
                    modified=modified,
                    submitter_email=f"person{rng.randrange(CUSTOMERS)}@example.edu",
                    assigned_to=agent,
                    status=status,
                    priority=rng.randint(1, 5),
                    description="The printer on the third floor shows an error. " * 4,
                    resolution="Replaced the toner." if status in (3, 4) else None,
                    due_date=created + timedelta(days=3) if rng.random() < 0.3 else None,
                )
            )
            for step in range(rng.randint(1, 3)):
                batch_followups.append(
                    FollowUp(
                        ticket_id=number,
                        date=min(now, created + timedelta(hours=step * 5 + 1)),
                        title="Comment",
                        comment="Looked into it; waiting on the person. " * 3,
                        public=step % 2 == 0,
                        user=agent,
                    )
                )
            if len(batch_tickets) == 5000:
                Ticket.objects.bulk_create(batch_tickets, batch_size=1000)
                FollowUp.objects.bulk_create(batch_followups, batch_size=1000)
                batch_tickets, batch_followups = [], []
        Ticket.objects.bulk_create(batch_tickets, batch_size=1000)
        FollowUp.objects.bulk_create(batch_followups, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{Ticket.objects.count():,} tickets, {FollowUp.objects.count():,} follow-ups")


def peer_pages() -> list[dict]:
    """The pages timed on the peer: its dashboard, its ticket list (the page, which has no
    rows, and the JSON its table loads for the default open tickets), the open ticket with
    the most follow-ups, and its reports index."""
    from django.db.models import Count
    from django.urls import reverse
    from helpdesk.models import Ticket
    from helpdesk.query import query_to_base64

    # ticket_list's default query: open and reopened tickets, oldest first.
    default_query = {
        "filtering": {"status__in": [1, 2]},
        "sorting": "created",
        "search_string": "",
        "sortreverse": False,
    }
    data = reverse("helpdesk:datatables_ticket_list", args=[query_to_base64(default_query)])
    ticket = (
        Ticket.objects.filter(status__in=[1, 2])
        .annotate(n=Count("followup"))
        .order_by("-n", "id")
        .first()
    )
    return [
        {"key": "dashboard", "label": "dashboard", "url": reverse("helpdesk:dashboard")},
        {
            "key": "list_data",
            "label": "list data (open)",
            "url": data + "?draw=1&start=0&length=25",
        },
        {"key": "list_page", "label": "list page", "url": reverse("helpdesk:list")},
        {
            "key": "ticket",
            "label": "ticket page",
            "url": reverse("helpdesk:view", args=[ticket.id]),
        },
        {"key": "reports", "label": "reports index", "url": reverse("helpdesk:report_index")},
    ]


def get(client, url: str) -> int:
    """GET ``url``; its size in bytes. Anything but 200 (a log-in redirect) stops the run."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    if response.streaming:
        return len(b"".join(response.streaming_content))
    return len(response.content)


def serve(client, pages: list[dict], *, clear: Callable[[], None], warmup: int) -> None:
    """The child's side of an interleaved run: warm each page up, count the SQL queries of one
    request (CaptureQueriesContext), send them as one JSON line, then for each page key read
    from standard input time one request and answer its milliseconds.

    A page marked ``fresh`` has the cache cleared before each request, outside the clock, and
    the other pages are requested once after it, untimed, so they are timed warm."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Replies go to the real standard output; anything else printed goes to standard error.
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    by_key = {page["key"]: page for page in pages}
    for page in pages:
        for _ in range(warmup):
            get(client, page["url"])
        if page.get("fresh"):
            clear()
        with CaptureQueriesContext(connection) as queries:
            page["bytes"] = get(client, page["url"])
        page["queries"] = len(queries)
    reply.write(json.dumps(pages) + "\n")
    reply.flush()
    for line in sys.stdin:
        page = by_key[line.strip()]
        if page.get("fresh"):
            clear()
        started = time.perf_counter()
        get(client, page["url"])
        reply.write(f"{(time.perf_counter() - started) * 1000:.3f}\n")
        reply.flush()
        if page.get("fresh"):
            # The clear emptied every page's cached figures: warm the others again, untimed,
            # so a page served from the cache is timed as make bench times it, warm.
            for other in pages:
                if not other.get("fresh"):
                    get(client, other["url"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["seed", "serve"])
    parser.add_argument("tickets", type=int, nargs="?", default=100_000)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    import warnings

    import django

    # The peer's own views compare naive dates (its reports): one warning a request.
    warnings.filterwarnings("ignore", "DateTimeField .* received a naive", RuntimeWarning)
    django.setup()
    if args.action == "seed":
        seed(args.tickets)
        return
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    get_wsgi_application()  # loaded as its WSGI server would load it
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="supervisor"))
    serve(client, peer_pages(), clear=cache.clear, warmup=args.warmup)


if __name__ == "__main__":
    main()
