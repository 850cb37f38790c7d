from __future__ import annotations

from django.apps import AppConfig


class AdminsConfig(AppConfig):
    name = "admins"
