from __future__ import annotations

from django.apps import AppConfig


class AdminsConfig(AppConfig):
    name = "admins"

    def ready(self) -> None:
        from core import audit

        for label in ("admins.Administrator", "admins.Service", "admins.Purview"):
            audit.track(label)
