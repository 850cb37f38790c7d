from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.roles import ROLE_BY_SLUG, SUPERVISOR


class Command(BaseCommand):
    help = "Create a user of the site with one role: agent, supervisor or manager."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="agent, supervisor or manager")
        parser.add_argument("--password", help="prompted for when left out")
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="full name, shown on pages")

    def handle(self, *args, username: str, role: str, password: str | None, **options) -> None:
        username = username.strip()
        role_name = ROLE_BY_SLUG.get(role.strip().lower())
        if role_name is None:
            raise CommandError(
                f"Unknown role {role!r}. Choose one of: {', '.join(sorted(ROLE_BY_SLUG))}."
            )
        User = get_user_model()
        if not username:
            raise CommandError("The username cannot be empty.")
        username_field = User._meta.get_field(User.USERNAME_FIELD)
        try:
            # The model field's own validators: Django's UnicodeUsernameValidator and length.
            username_field.clean(username, None)
        except ValidationError as error:
            raise CommandError(
                f"Username {username!r} rejected: " + " ".join(error.messages)
            ) from error
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        if password is None:
            password = self._prompt_password()

        user = User(username=username, email=options["email"])
        first, _, last = options["name"].partition(" ")
        user.first_name, user.last_name = first, last
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Password rejected: " + " ".join(error.messages)) from error
        user.set_password(password)
        # Supervisors maintain reference data (categories, priorities) in Django's admin.
        user.is_staff = role_name == SUPERVISOR
        with transaction.atomic():
            user.save()
            user.groups.add(Group.objects.get(name=role_name))
        self.stdout.write(self.style.SUCCESS(f"Created {role_name.lower()} {username!r}."))

    def _prompt_password(self) -> str:
        try:
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as error:
            raise CommandError("No password given.") from error
        if first != second:
            raise CommandError("The two passwords differ.")
        return first
