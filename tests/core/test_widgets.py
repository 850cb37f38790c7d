"""The Python widget renderer gives the markup Django's widget templates give."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import Context, Template
from django.urls import reverse
from django.utils.safestring import mark_safe

from core.widgets import FAST_WIDGETS, FastWidgetRenderer
from tests.factories import (
    AdministratorFactory,
    EngagementFactory,
    PurviewFactory,
    ServiceFactory,
    TicketFactory,
)
from tickets.models import Priority, Tier

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')

HOSTILE = "<b>\"Tom\" & 'Jerry'</b>"


class Everything(forms.Form):
    text = forms.CharField(initial=HOSTILE, max_length=20, help_text="x")
    email = forms.EmailField(required=False)
    number = forms.IntegerField(initial=1234567)
    hidden = forms.CharField(widget=forms.HiddenInput, initial='{"a": "<b>"}')
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial=HOSTILE)
    empty_area = forms.CharField(widget=forms.Textarea, required=False)
    when = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    check = forms.BooleanField(initial=True, required=False)
    unchecked = forms.BooleanField(required=False)
    pick = forms.ChoiceField(
        choices=[("", "Choose"), (1, HOSTILE), (2, mark_safe("<i>safe</i>"))], initial=1
    )
    grouped = forms.ChoiceField(
        choices=[("", "—"), (HOSTILE, [(3, "three"), (4, "four")]), ("Other", [(5, "5")])],
        initial=4,
        widget=forms.Select(attrs={"hx-get": "/x/?a=1&b=2", "disabled": True, "data-off": False}),
    )
    many = forms.MultipleChoiceField(
        choices=[(1, "one"), ("Group", [(2, HOSTILE), (3, "three")])],
        initial=[1, 3],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "cols"}),
    )
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", HOSTILE)], widget=forms.RadioSelect)
    radio_set = forms.ChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, initial="b"
    )


def rendered(form: forms.Form) -> dict[str, str]:
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.parametrize("data", [None, {"text": "posted <x>", "pick": "2", "many": ["2"]}])
def test_fast_widgets_render_as_django_templates_do(data):
    assert rendered(Everything(data, renderer=FAST_WIDGETS)) == rendered(
        Everything(data, renderer=DjangoTemplates())
    )


def test_fast_widgets_escape_user_text():
    html = str(Everything(renderer=FAST_WIDGETS)["pick"])
    assert "&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in html
    assert "<b>" not in html and "<i>safe</i>" in html


def test_ticket_page_is_the_same_with_django_widget_templates(supervisor_client, monkeypatch):
    """The whole ticket page, every hand-off form showing, against the template engine's."""
    service = ServiceFactory(name="Email & <Calendar>")
    ticket = TicketFactory(service=service, tier=Tier.COLLABORATE)
    PurviewFactory(service=service, admin=AdministratorFactory(name="Owner <O'Neil>"))
    AdministratorFactory.create_batch(3)
    EngagementFactory(ticket=ticket, admin=AdministratorFactory(name="Asked & Co"))
    fast = supervisor_client.get(ticket.get_absolute_url()).content.decode()
    monkeypatch.setattr("core.widgets.RENDERERS", {})
    slow = supervisor_client.get(ticket.get_absolute_url()).content.decode()
    assert 'name="collab-admins"' in fast and "Owner &lt;O&#x27;Neil&gt;" in fast
    assert CSRF.sub("", fast) == CSRF.sub("", slow)


def test_every_form_draws_its_widgets_in_python():
    assert isinstance(Everything().renderer, FastWidgetRenderer)
    assert isinstance(get_default_renderer(), FastWidgetRenderer)


@pytest.mark.parametrize(
    "url",
    [
        reverse("tickets:list") + "?q=<printer>&tier=collaborate",
        reverse("tickets:new"),
        reverse("escalations:scenario_new"),
        reverse("escalations:checklist_item_new"),
        reverse("urgent:new"),
        reverse("admins:policy_new"),
    ],
)
def test_pages_are_the_same_with_django_widget_templates(url, supervisor_client, monkeypatch):
    """The site-wide renderer, on pages whose forms name none of their own."""
    same_with_django_widget_templates(supervisor_client, url, monkeypatch)


def test_django_admin_is_the_same_with_django_widget_templates(admin_client, monkeypatch):
    priority = Priority.objects.filter(category=None).first()
    for url in [
        "/django-admin/tickets/priority/add/",
        f"/django-admin/tickets/priority/{priority.pk}/change/",
        "/django-admin/tickets/category/",
    ]:
        same_with_django_widget_templates(admin_client, url, monkeypatch)


def same_with_django_widget_templates(client, url, monkeypatch) -> None:
    client.get(url)  # anything a first view records, recorded before comparing
    fast = client.get(url)
    assert fast.status_code == 200
    with monkeypatch.context() as patched:
        patched.setattr("core.widgets.RENDERERS", {})
        slow = client.get(url)
    assert "<input" in fast.content.decode()
    assert CSRF.sub("", fast.content.decode()) == CSRF.sub("", slow.content.decode())


FIELD_INCLUDE = Template('{% include "_field.html" with field=f %}')
FIELD_TAG = Template("{% load fields %}{% form_field f %}")


@pytest.mark.parametrize("data", [None, {"text": "x" * 30, "number": "nope", "pick": "9"}])
def test_form_field_tag_renders_as_the_field_include(data):
    form = Everything(data, renderer=FAST_WIDGETS)
    form.fields["text"].label = HOSTILE
    form.fields["text"].help_text = HOSTILE
    if data:
        assert not form.is_valid()
    for name in form.fields:
        context = Context({"f": form[name]})
        assert FIELD_TAG.render(context) == FIELD_INCLUDE.render(context), name
