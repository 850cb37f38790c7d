from __future__ import annotations

from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from escalations import audit
        from escalations.context_processors import remember_role

        audit.connect()
        user_logged_in.connect(remember_role, dispatch_uid="remember-role")
