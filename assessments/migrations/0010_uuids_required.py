# Contract: every row has its uuid now; new rows get one by default, and it is unique.

import uuid

from django.db import migrations, models

HELP = "Stable public identifier: never changes, travels with exports."


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0009_fill_uuids_and_feed_changes"),
    ]

    operations = [
        *(
            migrations.AlterField(
                model_name=model,
                name="uuid",
                field=models.UUIDField(
                    default=uuid.uuid4, editable=False, help_text=HELP, unique=True
                ),
            )
            for model in ("assessment", "organisation")
        ),
        *(
            migrations.AlterField(
                model_name=model,
                name="uuid",
                field=models.UUIDField(
                    db_index=True, default=uuid.uuid4, editable=False, help_text=HELP
                ),
            )
            for model in ("historicalassessment", "historicalorganisation")
        ),
    ]
