"""The shared cache's table (settings.CACHES, a database cache unless CACHE_URL names another),
made by migrate so that `manage.py migrate` then `runserver` works without a separate
`createcachetable`. With another cache backend this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_link_audit"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True),
    ]
