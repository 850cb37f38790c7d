from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Supervisors see and clear log-in lockouts (django-axes)."""

    dependencies = [
        ("escalations", "0008_service_targets"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
