"""Fill Ticket.escalated_at for tickets escalated before the field existed: the earliest of
each ticket's Escalate requests, as escalations.services.stamp_first_escalation keeps it."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def stamp(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Engagement = apps.get_model("escalations", "Engagement")
    first = (
        Engagement.objects.filter(ticket=OuterRef("pk"), kind="escalate")
        .order_by("requested_at")
        .values("requested_at")[:1]
    )
    escalated = Engagement.objects.filter(kind="escalate").values("ticket")
    Ticket.objects.filter(pk__in=escalated).update(escalated_at=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0014_engagement_report_indexes"),
        ("tickets", "0007_report_indexes"),
    ]

    operations = [migrations.RunPython(stamp, migrations.RunPython.noop)]
