from django.db import migrations, models


class Migration(migrations.Migration):
    """Months and quarters are issued like weeks, and their PDF downloads are recorded: an issue
    and a download say which kind of period they are for. The download's week_start becomes the
    period's first day (renamed, so every download kept stays a week's)."""

    dependencies = [
        ("reports", "0005_monthly_cadence"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="reportdownload", name="reportdownload_week"),
        migrations.RenameField(
            model_name="reportdownload", old_name="week_start", new_name="period_start"
        ),
        migrations.AlterField(
            model_name="reportdownload",
            name="period_start",
            field=models.DateField(
                help_text="The first day of the period downloaded: the Monday of an ISO week, "
                "the 1st of a month or of a quarter's first month."
            ),
        ),
        migrations.AddField(
            model_name="reportdownload",
            name="period_kind",
            field=models.CharField(
                choices=[("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")],
                default="weekly",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="reportdownload",
            index=models.Index(
                fields=["period_kind", "period_start", "-downloaded_at"],
                name="reportdownload_period",
            ),
        ),
        migrations.AlterField(
            model_name="issuedreport",
            name="period",
            field=models.CharField(
                help_text="The ISO week (2026-W20), the month (2026-05) or the quarter (2026-Q2).",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="issuedreport",
            name="period_kind",
            field=models.CharField(
                choices=[("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")],
                default="weekly",
                max_length=10,
            ),
        ),
    ]
