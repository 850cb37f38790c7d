from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions

# (text, help, required); supervisors edit these in the app.
ITEMS = [
    (
        "Looked for a documented way to handle it",
        "Checked the service's saved procedures and the guide before asking an admin.",
        True,
    ),
    (
        "Confirmed the problem and who it affects",
        "Reproduced it, or confirmed it with the requester, and noted the scope in the ticket.",
        True,
    ),
    (
        "Put the details the admin needs in the ticket",
        "Account, device, error messages, screenshots and what was already tried.",
        True,
    ),
    (
        "Tried the first-line steps",
        "The standard steps for this kind of issue, or those in the service's procedures.",
        True,
    ),
    (
        "Found the service's declared owner",
        "Use the purview matrix. A service nobody has declared is escalated as a documented gap.",
        True,
    ),
    (
        "Told the requester the ticket is moving to an administrator",
        "Optional, but it saves a follow-up call.",
        False,
    ),
]


def load(apps, schema_editor=None) -> None:
    ChecklistItem = apps.get_model("escalations", "ChecklistItem")
    if ChecklistItem.objects.exists():
        return
    ChecklistItem.objects.bulk_create(
        ChecklistItem(text=text, help=help_text, required=required, order=(n + 1) * 10)
        for n, (text, help_text, required) in enumerate(ITEMS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0004_checklist_engagements"),
        ("admins", "0003_response_links"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
