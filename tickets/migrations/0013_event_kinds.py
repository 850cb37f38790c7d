# The timeline kinds of the branches merged together (policies, TDX sync).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_tdx_sync"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("logged", "Logged"),
                    ("changed", "Changed"),
                    ("tier_changed", "Tier changed"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                    ("reopened", "Reopened"),
                    ("checklist", "Checklist updated"),
                    ("engaged", "Admin added for input"),
                    ("escalated", "Escalated"),
                    ("deescalated", "De-escalated"),
                    ("response", "Admin response logged"),
                    ("procedure", "Procedure saved"),
                    ("rerouted", "Re-routed after no response"),
                    ("level_skipped", "Escalation level skipped"),
                    ("exhausted", "Escalation policy exhausted"),
                    ("withdrawn", "Request withdrawn"),
                    ("urgent", "Urgent request"),
                    ("tdx_changed", "Changed in TDX"),
                ],
                max_length=20,
            ),
        ),
    ]
