from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Create the Agent, Supervisor and Manager groups with their permissions."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
