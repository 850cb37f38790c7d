"""The supervisors' import page: roles, upload -> preview (mapping) -> import, CSRF."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import AgentFactory, ManagerFactory, SupervisorFactory
from tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db
URL = reverse("tickets:import")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-03-10 12:00Z", tick=False):
        yield


def _csv(*rows: str) -> SimpleUploadedFile:
    cat = Category.objects.get(number=1).name
    header = "Ticket Title,ID,Priority,Category,Created\n"
    body = "".join(f"{r},{cat},2026-03-02 09:15\n" for r in rows)
    return SimpleUploadedFile("export.csv", (header + body).encode(), content_type="text/csv")


@pytest.mark.parametrize("factory", [AgentFactory, ManagerFactory])
def test_agents_and_managers_are_refused(client, factory):
    client.force_login(factory())
    assert client.get(URL).status_code == 403
    assert "Import</a>" not in client.get(reverse("tickets:list")).content.decode()


def test_upload_preview_adjust_mapping_then_import(client):
    user = SupervisorFactory(username="sup")
    client.force_login(user)
    assert "Import</a>" in client.get(reverse("tickets:list")).content.decode()
    page = client.post(URL, {"step": "upload", "file": _csv("VPN <b>down</b>,1001,High")})
    html = page.content.decode()
    # "Ticket Title" is not a TDX header, so the title is unmapped until the supervisor picks it.
    assert "No column for: Title." in html
    assert not Ticket.objects.exists()
    mapping = {"map_external_id": "ID", "map_priority": "Priority", "map_category": "Category"}
    mapping |= {"map_opened_at": "Created", "map_title": "Ticket Title"}
    page = client.post(URL, {"step": "preview", **mapping})
    html = page.content.decode()
    assert "1 good" in html and not Ticket.objects.exists()
    assert "VPN &lt;b&gt;down&lt;/b&gt;" in html and "<b>down" not in html
    page = client.post(URL, {"step": "import", **mapping})
    assert "Created 1" in page.content.decode()
    ticket = Ticket.objects.get(external_id="1001")
    assert ticket.title == "VPN <b>down</b>"
    assert ticket.events.get().note == "imported from TDX export export.csv by sup"


def test_bad_rows_are_listed_and_block_the_import_unless_skipped(client):
    client.force_login(SupervisorFactory())
    mapping = {"map_external_id": "ID", "map_priority": "Priority", "map_category": "Category"}
    mapping |= {"map_opened_at": "Created", "map_title": "Ticket Title"}
    client.post(URL, {"step": "upload", "file": _csv("Fine,1001,High", "Odd,1002,Someday")})
    page = client.post(URL, {"step": "preview", **mapping})
    assert "line 3, column Priority “Someday”: unknown priority" in page.content.decode()
    page = client.post(URL, {"step": "import", **mapping})
    assert page.status_code == 400 and not Ticket.objects.exists()
    page = client.post(URL, {"step": "import", "skip_bad": "1", **mapping})
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["1001"]


def test_empty_upload_is_a_clear_400(client):
    client.force_login(SupervisorFactory())
    page = client.post(URL, {"step": "upload"})
    assert page.status_code == 400 and "Choose a CSV file" in page.content.decode()


def test_posts_need_the_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(SupervisorFactory())
    assert csrf_client.post(URL, {"step": "upload", "file": _csv("A,1,High")}).status_code == 403


def test_a_large_import_streams_its_progress_then_the_result(client, monkeypatch):
    from tickets import import_views, importer

    monkeypatch.setattr(import_views, "PROGRESS_FROM", 3)
    monkeypatch.setattr(importer, "BATCH", 1)
    client.force_login(SupervisorFactory(username="sup"))
    rows = [f"Ticket {n},{2001 + n},High" for n in range(40)]
    mapping = {"map_external_id": "ID", "map_priority": "Priority", "map_category": "Category"}
    mapping |= {"map_opened_at": "Created", "map_title": "Ticket Title"}
    client.post(URL, {"step": "upload", "file": _csv(*rows)})
    page = client.post(URL, {"step": "import", **mapping})
    assert page.status_code == 200 and page.streaming
    chunks = [chunk.decode() for chunk in page.streaming_content]
    # The page's top first, then the first batch and one line per 5 % more, then the result
    # and the page's end.
    assert "Importing export.csv" in chunks[0] and "40 ticket(s) to save" in chunks[0]
    steps = [c for c in chunks if "import-step" in c]
    assert len(steps) == 21
    assert 'value="1"' in steps[0] and 'value="2"' in steps[1]
    assert "Saved 40 of 40 tickets" in steps[-1]
    assert "Created 40" in chunks[-2] and "</html>" in chunks[-1]
    assert Ticket.objects.count() == 40
    # The upload is used up: the page offers a new one.
    assert "Upload the file again" in client.post(URL, {"step": "import"}).content.decode()


def test_a_streamed_import_that_fails_says_so_and_saves_nothing(client, monkeypatch):
    from tickets import import_views

    monkeypatch.setattr(import_views, "PROGRESS_FROM", 1)
    client.force_login(SupervisorFactory())
    mapping = {"map_external_id": "ID", "map_priority": "Priority", "map_category": "Category"}
    mapping |= {"map_opened_at": "Created", "map_title": "Ticket Title"}
    client.post(URL, {"step": "upload", "file": _csv("One,3001,High", "Two,3002,High")})
    page = client.post(URL, {"step": "import", **mapping})
    from tests.factories import TicketFactory

    TicketFactory(external_id="3002")  # logged by an agent while the page streams
    html = "".join(chunk.decode() for chunk in page.streaming_content)
    assert "logged while the import ran" in html and "Created" not in html
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["3002"]
