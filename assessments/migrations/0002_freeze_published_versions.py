"""Database triggers that keep published questionnaire versions and stored results frozen.

The models refuse such writes already; the triggers make the rule hold for raw SQL and
bulk `.update()` too. SQLite and PostgreSQL get equivalent triggers.
"""

from django.db import migrations

MESSAGE = "published questionnaire versions are immutable"
VERSION_TABLE = "assessments_questionnaireversion"

# table -> SQL expression giving the owning version id from a row alias (OLD or NEW)
DIRECT = ["assessments_section", "assessments_question", "assessments_maturitylevel"]
VIA_QUESTION = [
    "assessments_choice",
    "assessments_band",
    "assessments_question_disciplines",
    "assessments_question_phases",
    "assessments_question_practices",
    "assessments_question_hindrances",
]


def _version_of(table: str, row: str) -> str:
    if table in DIRECT:
        return f"{row}.version_id"
    return f"(SELECT version_id FROM assessments_question WHERE id = {row}.question_id)"


def _published(version_expr: str) -> str:
    return f"(SELECT status FROM {VERSION_TABLE} WHERE id = {version_expr}) = 'published'"


def _sqlite_sql() -> tuple[list[str], list[str]]:
    forward, backward = [], []

    def trigger(name: str, event: str, table: str, condition: str, message: str) -> None:
        forward.append(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )
        backward.append(f"DROP TRIGGER IF EXISTS {name};")

    trigger("freeze_version_update", "UPDATE", VERSION_TABLE, "OLD.status = 'published'", MESSAGE)
    trigger("freeze_version_delete", "DELETE", VERSION_TABLE, "OLD.status = 'published'", MESSAGE)
    for table in DIRECT + VIA_QUESTION:
        short = table.removeprefix("assessments_")
        trigger(
            f"freeze_{short}_insert",
            "INSERT",
            table,
            _published(_version_of(table, "NEW")),
            MESSAGE,
        )
        trigger(
            f"freeze_{short}_update",
            "UPDATE",
            table,
            f"{_published(_version_of(table, 'OLD'))} OR {_published(_version_of(table, 'NEW'))}",
            MESSAGE,
        )
        trigger(
            f"freeze_{short}_delete",
            "DELETE",
            table,
            _published(_version_of(table, "OLD")),
            MESSAGE,
        )
    trigger(
        "freeze_result_update", "UPDATE", "assessments_result", "1", "stored results are immutable"
    )
    return forward, backward


def _postgres_sql() -> tuple[list[str], list[str]]:
    forward = [
        f"""
        CREATE FUNCTION opsassess_freeze_version() RETURNS trigger AS $$
        BEGIN
            IF OLD.status = 'published' THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        """,
        f"""
        CREATE TRIGGER freeze_version BEFORE UPDATE OR DELETE ON {VERSION_TABLE}
        FOR EACH ROW EXECUTE FUNCTION opsassess_freeze_version();
        """,
        """
        CREATE FUNCTION opsassess_freeze_result() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'stored results are immutable'
                USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER freeze_result BEFORE UPDATE ON assessments_result
        FOR EACH ROW EXECUTE FUNCTION opsassess_freeze_result();
        """,
    ]
    backward = [
        "DROP TRIGGER IF EXISTS freeze_result ON assessments_result;",
        "DROP FUNCTION IF EXISTS opsassess_freeze_result();",
        f"DROP TRIGGER IF EXISTS freeze_version ON {VERSION_TABLE};",
        "DROP FUNCTION IF EXISTS opsassess_freeze_version();",
    ]
    for table in DIRECT + VIA_QUESTION:
        short = table.removeprefix("assessments_")
        old, new = _version_of(table, "OLD"), _version_of(table, "NEW")
        forward.append(
            f"""
            CREATE FUNCTION opsassess_freeze_{short}() RETURNS trigger AS $$
            BEGIN
                IF (TG_OP IN ('UPDATE', 'DELETE') AND {_published(old)})
                   OR (TG_OP IN ('INSERT', 'UPDATE') AND {_published(new)}) THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            """
        )
        forward.append(
            f"CREATE TRIGGER freeze_{short} BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION opsassess_freeze_{short}();"
        )
        backward.insert(0, f"DROP FUNCTION IF EXISTS opsassess_freeze_{short}();")
        backward.insert(0, f"DROP TRIGGER IF EXISTS freeze_{short} ON {table};")
    return forward, backward


def forwards(apps, schema_editor):
    sql, _ = _sqlite_sql() if schema_editor.connection.vendor == "sqlite" else _postgres_sql()
    for statement in sql:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    _, sql = _sqlite_sql() if schema_editor.connection.vendor == "sqlite" else _postgres_sql()
    for statement in sql:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
