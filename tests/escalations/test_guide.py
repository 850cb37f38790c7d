from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from escalations.guide.markdown import render
from escalations.guide.models import GuideRevision, GuideSection, Scenario

GUIDE = reverse("escalations:guide")
SECTIONS = ["core-framework", "key-principles", "strategic-notes", "communication-policy"]
SECTIONS += ["itil-mapping"]


def edit_url(slug: str = "key-principles") -> str:
    return reverse("escalations:section_edit", args=[slug])


# The marker lets pytest-django order this test with the other database tests: the fixture
# is looked up at run time, so it cannot see it otherwise.
@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["agent_client", "supervisor_client", "manager_client"])
def test_every_role_reads_the_guide(request, client_name):
    response = request.getfixturevalue(client_name).get(GUIDE)
    assert response.status_code == 200
    html = response.content.decode()
    for slug in SECTIONS:
        assert f'id="{slug}"' in html
    assert "<table>" in html  # the three tiers render as a table
    assert "meta-protocol" in html
    assert "Escalating with the meta-protocol question" in html


@pytest.mark.django_db
def test_loaded_text_names_no_person_or_organisation():
    text = " ".join(GuideSection.objects.values_list("body", flat=True))
    text += " ".join(Scenario.objects.values_list("wording", flat=True))
    for name in ["WestEd", "Serenity", "Steven", "Slack", "CFISD"]:
        assert name not in text


def test_only_supervisors_edit(agent_client, manager_client):
    for client in (agent_client, manager_client):
        assert client.get(edit_url()).status_code == 403
        assert client.post(edit_url(), {"title": "x", "body": "y"}).status_code == 403
        assert client.get(reverse("escalations:scenario_new")).status_code == 403
    html = agent_client.get(GUIDE).content.decode()
    assert "/edit/" not in html


def test_supervisor_edit_keeps_every_revision_and_shows_a_diff(supervisor_client, supervisor):
    section = GuideSection.objects.get(slug="key-principles")
    original = section.body
    new_body = original.replace(
        "Repeat the framework often.", "Repeat the framework at every meeting."
    )
    response = supervisor_client.post(edit_url(), {"title": section.title, "body": new_body})
    assert response.status_code == 302
    section.refresh_from_db()
    assert "Repeat the framework at every meeting." in section.body_html
    assert section.updated_by == supervisor
    revisions = list(section.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].body == original and revisions[1].by == supervisor

    history = supervisor_client.get(reverse("escalations:section_history", args=["key-principles"]))
    html = history.content.decode()
    assert "Revision 2" in html and "Revision 1" in html
    assert '<span class="diff-removed">- - **Repeat the framework often.**' in html
    assert '<span class="diff-added">+ - **Repeat the framework at every meeting.**' in html


def test_saving_unchanged_text_adds_no_revision(supervisor_client):
    section = GuideSection.objects.get(slug="key-principles")
    supervisor_client.post(edit_url(), {"title": section.title, "body": section.body})
    assert section.revisions.count() == 1


def test_empty_body_is_refused_and_nothing_saved(supervisor_client):
    response = supervisor_client.post(edit_url(), {"title": "Key principles", "body": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert GuideRevision.objects.filter(section__slug="key-principles").count() == 1


HOSTILE = [
    "<script>alert('x')</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<img src="x" onerror="alert(1)">',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    "![img](javascript:alert(1))",
    "<svg onload=alert(1)>",
]


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def real_tags(html: str) -> list[tuple[str, dict]]:
    parser = TagCollector()
    parser.feed(html)
    return parser.tags


def assert_inert(html: str) -> None:
    """No element that runs code, no event handler, no link to anything but http(s)/mailto."""
    for tag, attrs in real_tags(html):
        assert tag not in {"script", "iframe", "svg", "img", "object", "embed", "style"}, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        for name in ("href", "src"):
            if name in attrs:
                assert attrs[name].split(":")[0].lower() in {"http", "https", "mailto"}, attrs


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_inert(text):
    assert_inert(render(text))


def test_hostile_markdown_saved_through_the_page_is_inert(supervisor_client):
    body = "Fine text\n\n" + "\n\n".join(HOSTILE)
    supervisor_client.post(edit_url(), {"title": "Key principles", "body": body})
    html = supervisor_client.get(GUIDE).content.decode()
    section = html.split('id="key-principles"')[1].split('<div class="prose">')[1]
    section_html = section.split('<p class="help">')[0]
    assert_inert(section_html)
    assert "&lt;script&gt;" in section_html  # shown as text, not run


def test_safe_markdown_keeps_links_tables_and_emphasis():
    html = render("**bold** [docs](https://example.org/a)\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org/a" rel="noopener noreferrer">docs</a>' in html
    assert "<td>1</td>" in html


def test_scenarios_are_searchable_with_htmx_partial(agent_client):
    response = agent_client.get(GUIDE, {"q": "direct message"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="scenario-list"')
    assert "Someone sends an IT question as a direct message" in html
    assert "Escalating with the meta-protocol" not in html
    none = agent_client.get(GUIDE, {"q": "zzzz-nothing"}).content.decode()
    assert "No scenario matches" in none


def test_supervisor_adds_and_retires_a_scenario(supervisor_client):
    data = {
        "scenario": "Vendor is late",
        "tier": "",
        "wording": "Ticket {ticket} waits on the vendor.",
        "order": 9,
        "active": "on",
    }
    response = supervisor_client.post(reverse("escalations:scenario_new"), data)
    assert response.status_code == 302
    scenario = Scenario.objects.get(scenario="Vendor is late")
    assert "Vendor is late" in supervisor_client.get(GUIDE).content.decode()
    url = reverse("escalations:scenario_edit", args=[scenario.pk])
    supervisor_client.post(url, {**data, "active": ""})
    listed = supervisor_client.get(GUIDE).context["scenarios"]
    assert scenario not in listed and listed.exists()
    assert Scenario.objects.filter(pk=scenario.pk).exists()


def test_unknown_placeholder_is_refused(supervisor_client):
    data = {"scenario": "Bad", "tier": "", "wording": "Hi {adminn}", "order": 0, "active": "on"}
    response = supervisor_client.post(reverse("escalations:scenario_new"), data)
    assert response.status_code == 400
    assert "Unknown placeholder adminn" in response.content.decode()
    assert not Scenario.objects.filter(scenario="Bad").exists()


@pytest.mark.django_db
def test_scenario_fills_placeholders_as_a_message_template():
    scenario = Scenario.objects.get(scenario="Escalating with the meta-protocol question")
    text = scenario.fill(ticket="#4711", admin="Dana", service="VPN")
    assert text.startswith("Hi Dana, ticket #4711 about VPN needs your team.")
    assert "what process the support center can follow" in text
    partial = Scenario(wording="Hi {admin}, see {ticket}.").fill(ticket="#1")
    assert partial == "Hi {admin}, see #1."


def test_tier_definitions_beside_the_tier_choice(agent_client):
    html = agent_client.get(reverse("tickets:new")).content.decode()
    assert 'class="tier-help"' in html
    assert "Ownership moves to an admin" in html
