"""Recompute marks move from a flag on the ticket to a narrow table of their own
(``tickets.models.ClockMark``): marking no longer rewrites every open ticket's row while a
calendar change holds the write lock. Marks pending at the migration are carried over."""

import django.db.models.deletion
from django.db import migrations, models


def carry_marks_over(apps, schema_editor) -> None:
    Ticket = apps.get_model("tickets", "Ticket")
    ClockMark = apps.get_model("tickets", "ClockMark")
    from django.utils import timezone

    now = timezone.now()
    ids = Ticket.objects.filter(clock_stale=True).values_list("pk", flat=True)
    ClockMark.objects.bulk_create([ClockMark(ticket_id=pk, marked_at=now) for pk in ids])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_q21_ticket_id_any_case")]

    operations = [
        migrations.CreateModel(
            name="ClockMark",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="clock_mark",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                ("marked_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(carry_marks_over, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="ticket", name="ticket_clock_stale"),
        migrations.RemoveField(model_name="ticket", name="clock_stale"),
    ]
