from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Supervisors browse the audit log."""

    dependencies = [("escalations", "0010_audit_log")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
