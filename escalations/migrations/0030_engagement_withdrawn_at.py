"""When each request was withdrawn, back-filled for those withdrawn before the column: the
ticket's "request withdrawn" timeline entry naming its administrator, else the next request on
the ticket (a hand-on withdraws the one before), else the ticket's resolution."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Engagement = apps.get_model("escalations", "Engagement")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Ticket = apps.get_model("tickets", "Ticket")
    event = TicketEvent.objects.filter(
        ticket=OuterRef("ticket"),
        kind="withdrawn",
        after=OuterRef("admin__name"),
        at__gte=OuterRef("requested_at"),
    ).order_by("at", "pk")
    following = Engagement.objects.filter(
        ticket=OuterRef("ticket"), requested_at__gt=OuterRef("requested_at")
    ).order_by("requested_at", "pk")
    resolved = Ticket.objects.filter(pk=OuterRef("ticket"))
    # Computed in a SELECT (an UPDATE may not join the administrator), written in batches.
    found = (
        Engagement.objects.filter(state="withdrawn", withdrawn_at=None)
        .annotate(
            when=Coalesce(
                Subquery(event.values("at")[:1]),
                Subquery(following.values("requested_at")[:1]),
                Subquery(resolved.values("resolved_at")[:1]),
            )
        )
        .exclude(when=None)
        .only("pk")
    )
    batch = []
    for engagement in found.iterator(chunk_size=2000):
        engagement.withdrawn_at = engagement.when
        batch.append(engagement)
        if len(batch) == 2000:
            Engagement.objects.bulk_update(batch, ["withdrawn_at"])
            batch = []
    Engagement.objects.bulk_update(batch, ["withdrawn_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0029_merged_choices"),
        ("tickets", "0016_q21_ticket_id_any_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagement",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
