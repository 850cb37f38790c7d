from __future__ import annotations

from django.apps import AppConfig


class AdminsConfig(AppConfig):
    name = "admins"

    def ready(self) -> None:
        from core import audit

        for label in ("admins.Administrator", "admins.Service", "admins.Purview"):
            audit.track(label)
        for model in ("PolicyLevel", "Rotation", "RotationMember", "RotationOverride", "Absence"):
            audit.track(f"admins.{model}")
        audit.track("admins.EscalationPolicy", ignore={"updated_at"})
