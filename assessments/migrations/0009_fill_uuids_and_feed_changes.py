# Fill: a uuid for every organisation and assessment (their history rows get the same one),
# and one change per submitted assessment, in the order the old feed served them.

import uuid

from django.db import migrations


def fill(apps, schema_editor):
    for name in ("Organisation", "Assessment"):
        model = apps.get_model("assessments", name)
        history = apps.get_model("assessments", f"Historical{name}")
        for pk in model.objects.filter(uuid__isnull=True).values_list("pk", flat=True).iterator():
            value = uuid.uuid4()
            model.objects.filter(pk=pk).update(uuid=value)
            history.objects.filter(id=pk).update(uuid=value)
        history.objects.filter(uuid__isnull=True).update(uuid=uuid.uuid4())  # deleted objects
    assessment = apps.get_model("assessments", "Assessment")
    change = apps.get_model("assessments", "FeedChange")
    submitted = assessment.objects.filter(status="submitted").order_by("updated_at", "id")
    change.objects.bulk_create(
        (change(assessment_id=pk, xid=0) for pk in submitted.values_list("pk", flat=True)),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_feed_change_log_and_uuids"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
