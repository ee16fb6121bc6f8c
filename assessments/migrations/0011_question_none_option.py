from importlib import import_module

from django.db import migrations, models

# SQLite adds this column by rebuilding the question table, which its freeze triggers (0002)
# refer to; they are dropped around the rebuild and created again. PostgreSQL adds it in place.
_freeze = import_module("assessments.migrations.0002_freeze_published_versions")


def _drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _freeze._sqlite_sql()[1]:
            schema_editor.execute(statement)


def _create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _freeze._sqlite_sql()[0]:
            schema_editor.execute(statement)


_FIELD = dict(
    blank=True,
    help_text='Multiple choice only: label of the answer "none of these" (choice key "none", '
    "scores 0). Leave blank to not offer it.",
    max_length=300,
)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_uuids_required"),
    ]

    operations = [
        migrations.RunPython(_drop_sqlite_triggers, _create_sqlite_triggers),
        migrations.AddField(
            model_name="historicalquestion",
            name="none_option",
            field=models.CharField(**_FIELD),
        ),
        migrations.AddField(
            model_name="question",
            name="none_option",
            field=models.CharField(**_FIELD),
        ),
        migrations.RunPython(_create_sqlite_triggers, _drop_sqlite_triggers),
    ]
