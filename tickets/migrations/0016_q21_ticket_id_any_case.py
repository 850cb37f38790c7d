# Ticket IDs become unique whatever their case. Before the constraint is added, any IDs that
# already differ only by case are listed and the migration stops, changing nothing: which of
# two records is the real ticket is a person's decision, not a migration's.
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_case_twins(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    twins = (
        Ticket.objects.annotate(key=Lower("external_id"))
        .values("key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("key", flat=True)
    )
    keys = list(twins[:20])
    if not keys:
        return
    spellings = sorted(
        Ticket.objects.annotate(key=Lower("external_id"))
        .filter(key__in=keys)
        .values_list("external_id", flat=True)
    )
    raise RuntimeError(
        "Ticket IDs that differ only by case must be merged or renamed before this upgrade "
        f"(in Django's admin or the database): {', '.join(spellings)}"
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0015_clock_stale")]

    operations = [
        migrations.RunPython(refuse_case_twins, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("external_id"),
                name="ticket_external_id_unique_any_case",
                violation_error_message="A ticket with this ID is already logged.",
            ),
        ),
    ]
