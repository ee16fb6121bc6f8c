# Expand: the feed's change log, and uuid columns that start empty (filled by 0009).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

HELP = "Stable public identifier: never changes, travels with exports."


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_assessment_revision"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name="uuid",
                field=models.UUIDField(editable=False, help_text=HELP, null=True),
            )
            for model in (
                "assessment",
                "historicalassessment",
                "organisation",
                "historicalorganisation",
            )
        ),
        migrations.CreateModel(
            name="FeedChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "xid",
                    models.BigIntegerField(
                        default=0,
                        help_text="PostgreSQL: the id of the transaction that wrote the row "
                        "(pg_current_xact_id). 0 on SQLite, where writers are serialised and "
                        "`id` alone is commit order.",
                    ),
                ),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assessments.assessment",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["xid", "id"], name="feed_change_order"),
                    models.Index(fields=["assessment", "xid", "id"], name="feed_change_newest"),
                ],
            },
        ),
    ]
