from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from escalations.handoffs.models import AdminResponse, ChecklistAnswer, Engagement, Procedure
from tickets.models import EventKind, Ticket, TicketEvent


@pytest.mark.django_db
def test_create_user_makes_a_user_with_the_role():
    out = io.StringIO()
    call_command(
        "create_user", "pat", "--role", "supervisor", "--password", "long-pass-1234", stdout=out
    )
    user = get_user_model().objects.get(username="pat")
    assert user.check_password("long-pass-1234")
    assert list(user.groups.values_list("name", flat=True)) == ["Supervisor"]
    assert "Created supervisor 'pat'" in out.getvalue()


@pytest.mark.django_db
def test_create_user_rejects_an_unknown_role():
    with pytest.raises(CommandError, match="Unknown role 'pilot'"):
        call_command("create_user", "pat", "--role", "pilot", "--password", "long-pass-1234")
    assert not get_user_model().objects.filter(username="pat").exists()


@pytest.mark.django_db
def test_create_user_rejects_an_existing_username(agent):
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_user", agent.username.upper(), "--role", "agent", "--password", "x-long-pass-99"
        )


@pytest.mark.django_db
def test_create_user_rejects_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        call_command("create_user", "pat", "--role", "agent", "--password", "abc")
    assert not get_user_model().objects.filter(username="pat").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["pat smith", "<script>", "pat>", "x" * 151])
def test_create_user_refuses_a_username_django_refuses(username):
    with pytest.raises(CommandError, match="rejected: Enter a valid username|at most 150"):
        call_command("create_user", username, "--role", "agent", "--password", "long-pass-1234")
    assert not get_user_model().objects.exists()


def test_create_user_with_a_bad_username_exits_non_zero(tmp_path):
    # An empty database of its own: the command must refuse before it touches one.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", "create_user", "pat smith", "--role", "agent"]
        + ["--password", "long-pass-1234", "--settings=config.settings_test"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode != 0
    assert "Enter a valid username" in result.stderr


@pytest.mark.django_db
def test_create_user_prompts_for_the_password(monkeypatch):
    answers = iter(["long-pass-1234", "long-pass-1234"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    call_command("create_user", "pat", "--role", "manager")
    assert get_user_model().objects.get(username="pat").check_password("long-pass-1234")


@pytest.mark.django_db
def test_create_user_fails_when_the_prompted_passwords_differ(monkeypatch):
    answers = iter(["long-pass-1234", "long-pass-4321"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_user", "pat", "--role", "manager")


def _snapshot():
    return list(
        Ticket.objects.order_by("external_id").values_list(
            "external_id", "title", "tier", "status", "department", "category__name"
        )
    )


@pytest.mark.django_db
def test_seed_demo_is_deterministic_for_a_seed(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--tickets", "60", "--seed", "7", stdout=io.StringIO())
    first = _snapshot()
    assert len(first) == 60
    assert TicketEvent.objects.filter(kind=EventKind.LOGGED).count() == 60
    assert {t[2] for t in first} == {"handle", "collaborate", "escalate"}
    # What the seed wrote about the tickets, in the order the foreign keys allow.
    for model in (Procedure, AdminResponse, Engagement, ChecklistAnswer, TicketEvent, Ticket):
        model.objects.all().delete()
    call_command("seed_demo", "--tickets", "60", "--seed", "7", stdout=io.StringIO())
    assert _snapshot() == first


@pytest.mark.django_db
def test_seed_demo_refuses_a_database_with_tickets(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--tickets", "3", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has tickets"):
        call_command("seed_demo", "--tickets", "3")


@pytest.mark.django_db
def test_seed_demo_refuses_production_without_the_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--tickets", "3")
