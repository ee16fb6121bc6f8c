# Tenancy moves to the organisations app (step 3 of 3): this app forgets the tenancy models
# and points its foreign keys at the organisations app's. State only: the tables were renamed
# in 0016 and the foreign key columns and constraints stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0016_tenancy_tables_renamed"),
        ("organisations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="historicalmembership",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalmembership",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="historicalmembership",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisation",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisationapikey",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisationapikey",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisationapikey",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisationtool",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisationtool",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="historicalorganisationtool",
                    name="tool",
                ),
                migrations.RemoveField(
                    model_name="membership",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="membership",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="organisation",
                    name="members",
                ),
                migrations.AlterField(
                    model_name="historicalassessment",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="organisations.organisation",
                    ),
                ),
                migrations.RemoveField(
                    model_name="organisationapikey",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="organisationtool",
                    name="organisation",
                ),
                migrations.AlterField(
                    model_name="assessment",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assessments",
                        to="organisations.organisation",
                    ),
                ),
                migrations.RemoveField(
                    model_name="organisationapikey",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="organisationtool",
                    name="tool",
                ),
                migrations.DeleteModel(
                    name="HistoricalMembership",
                ),
                migrations.DeleteModel(
                    name="HistoricalOrganisation",
                ),
                migrations.DeleteModel(
                    name="HistoricalOrganisationAPIKey",
                ),
                migrations.DeleteModel(
                    name="HistoricalOrganisationTool",
                ),
                migrations.DeleteModel(
                    name="Membership",
                ),
                migrations.DeleteModel(
                    name="Organisation",
                ),
                migrations.DeleteModel(
                    name="OrganisationAPIKey",
                ),
                migrations.DeleteModel(
                    name="OrganisationTool",
                ),
            ],
        ),
    ]
