# The moved models keep their content types (and with them permissions, admin log entries and
# anything else that points at one): only the app label changes.

from django.db import migrations

MODELS = [
    "organisation",
    "organisationtool",
    "membership",
    "organisationapikey",
    "historicalorganisation",
    "historicalorganisationtool",
    "historicalmembership",
    "historicalorganisationapikey",
]


def relabel(apps, schema_editor, old, new):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        moving = content_type.objects.using(db).filter(app_label=old, model=model)
        if not moving.exists():
            continue
        # A content type made for the new label meanwhile (only ever by post_migrate) holds just
        # its default permissions: the old one, with everything attached to it, wins.
        content_type.objects.using(db).filter(app_label=new, model=model).delete()
        moving.update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, "assessments", "organisations")


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, "organisations", "assessments")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
