# Tenancy moves to the organisations app (step 1 of 3): its tables take that app's names.
# Step 2 (organisations 0001) adds the models to that app's state, step 3 (0017 here) removes
# them from this one and points assessments at them. No row is copied: the tables are renamed.

from django.db import migrations

MOVED = [
    "organisation",
    "organisationtool",
    "membership",
    "organisationapikey",
    "historicalorganisation",
    "historicalorganisationtool",
    "historicalmembership",
    "historicalorganisationapikey",
]


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0015_resultscore_section_level"),
    ]

    operations = [
        migrations.AlterModelTable(name=name, table=f"organisations_{name}") for name in MOVED
    ]
