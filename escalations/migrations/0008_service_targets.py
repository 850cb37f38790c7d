from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions

# From the prioritisation SOP: (category number, priority number) → resolution target, as
# (value, unit) or None for "no defined SLA". Priorities of one category only are keyed by
# that category's own numbers. The SOP asks technicians to acknowledge a request within a day;
# that is the response target, never later than the resolution target.
HOURS, DAYS = "hours", "days"
RESOLUTION = {
    1: {
        1: (4, HOURS),
        2: (1, DAYS),
        3: (3, DAYS),
        4: (4, DAYS),
        5: None,
        6: None,
        7: None,
        8: None,
    },
    2: {3: (3, DAYS), 4: (4, DAYS), 6: None, 8: None},
    3: {1: (1, DAYS), 2: (2, DAYS), 3: (3, DAYS), 4: (4, DAYS), 5: None, 6: None},
    4: {3: None, 4: None},
    5: {3: None, 4: None},
    7: {
        0: (2, DAYS),
        1: (5, DAYS),
        2: (20, DAYS),
        3: (4, DAYS),
        4: (10, DAYS),
        5: (2, DAYS),
        6: (3, DAYS),
        9: (3, DAYS),
    },
    8: {9: None},
}
ACKNOWLEDGE = (1, DAYS)


def load(apps, schema_editor=None) -> None:
    Category = apps.get_model("tickets", "Category")
    Priority = apps.get_model("tickets", "Priority")
    ServiceTarget = apps.get_model("escalations", "ServiceTarget")
    # The calendar row is made by tickets.0009, on the calendar's current columns: made here,
    # it would write columns that later migrations replace when tests replay this one.
    for category_number, levels in RESOLUTION.items():
        category = Category.objects.filter(number=category_number).first()
        if category is None:
            continue
        for priority_number, resolution in levels.items():
            priority = (
                Priority.objects.filter(category=category, number=priority_number).first()
                or Priority.objects.filter(category=None, number=priority_number).first()
            )
            if priority is None:
                continue
            response = None
            if resolution is not None:
                # A response target never later than the resolution target.
                response = resolution if resolution[1] == HOURS else ACKNOWLEDGE
            ServiceTarget.objects.get_or_create(
                category=category,
                priority=priority,
                defaults={
                    "response": response[0] if response else None,
                    "response_unit": response[1] if response else HOURS,
                    "resolution": resolution[0] if resolution else None,
                    "resolution_unit": resolution[1] if resolution else DAYS,
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0007_sla_calendar_urgent_notifications"),
        ("tickets", "0004_sla_clock"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
