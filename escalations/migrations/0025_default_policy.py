"""The default escalation policy: today's behaviour (the administrator asked, then the declared
backup, then the supervisors), and the roles' rights on policies, rotations and absences."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions

LEVELS = ("asked", "backup", "supervisors")


def load(apps, schema_editor) -> None:
    Policy = apps.get_model("admins", "EscalationPolicy")
    Level = apps.get_model("admins", "PolicyLevel")
    if Policy.objects.filter(is_default=True).exists():
        return
    policy = Policy.objects.create(
        name="Default",
        is_default=True,
        description="The administrator asked, then the declared backup, then the supervisors.",
    )
    Level.objects.bulk_create(
        Level(policy=policy, position=position, target=target)
        for position, target in enumerate(LEVELS, start=1)
    )


def forwards(apps, schema_editor) -> None:
    load(apps, schema_editor)
    sync_role_permissions(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("admins", "0008_policies"),
        ("escalations", "0024_policies"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
