from __future__ import annotations

from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from escalations import audit

        audit.connect()
