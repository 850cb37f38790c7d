from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions

# Categories and priority levels from the service-request prioritisation SOP. Supervisors edit
# them afterwards; this only gives a new installation a working starting point.
CATEGORIES = [
    (
        1,
        "Break/fix",
        "Hardware, software and network faults: computers, phones, printers, "
        "projectors, software and the like.",
    ),
    (
        2,
        "Security and access",
        "Accounts and access rights, website blocking and unblocking, "
        "password resets, extra network drives.",
    ),
    (
        3,
        "Acquisition",
        "Ordering technology for customers, delivering new equipment, "
        "collecting obsolete equipment, stolen equipment.",
    ),
    (4, "Training", "Technology training for instructional and other staff."),
    (
        5,
        "Scheduled maintenance",
        "Planned project work: new installations, system upgrades, conversions and maintenance.",
    ),
    (7, "Inventory", "Inventory upkeep and updates, audits, reconciliation and equipment moves."),
    (
        8,
        "Process",
        "Support-center process items: loaner equipment, call transfers, phone messages.",
    ),
]

GENERAL_PRIORITIES = [
    (1, "Emergency", "A system or network everyone depends on is down with no workaround."),
    (
        2,
        "High",
        "A major component, a site's network access or required testing is down; "
        "a senior leader cannot work.",
    ),
    (3, "Instructional", "Affects teaching or learning but has a workaround."),
    (4, "Administrative", "Affects administrative work but has a workaround."),
    (5, "Vendor dependent", "Waiting on delivery or service from an outside vendor."),
    (6, "Customer dependent", "Waiting on information or a response from the customer."),
    (7, "Donated items", "Support for a donated device."),
    (8, "Personal devices", "Support for a personally owned device, including wireless access."),
]

CATEGORY_PRIORITIES = {
    7: [
        (0, "Maintenance", "Basic inventory tasks: tag requests, wrong locations, access."),
        (1, "Information query", "Questions about the inventory process and report requests."),
        (2, "Audit process", "Scanning for the official technology audit."),
        (3, "Submitted discrepancy", "Audit findings that need administrative correction."),
        (4, "Reconciliation", "Searching for items the audit could not find."),
        (5, "Equipment move (new)", "Moving newly delivered equipment to its first location."),
        (6, "Equipment move (existing)", "Moving existing equipment between locations."),
        (9, "Audit completion", "Closing out every phase of the official audit."),
    ],
    8: [(9, "As needed", "Handled as the need arises.")],
}


def load(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    Priority = apps.get_model("tickets", "Priority")
    for number, name, description in CATEGORIES:
        Category.objects.get_or_create(
            number=number, defaults={"name": name, "description": description}
        )
    for number, name, description in GENERAL_PRIORITIES:
        Priority.objects.get_or_create(
            name=name, category=None, defaults={"number": number, "description": description}
        )
    for category_number, levels in CATEGORY_PRIORITIES.items():
        category = Category.objects.get(number=category_number)
        for number, name, description in levels:
            Priority.objects.get_or_create(
                name=name,
                category=category,
                defaults={"number": number, "description": description},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("escalations", "0001_roles"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
