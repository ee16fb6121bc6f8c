"""Tenancy moved from the assessments app to the organisations app: a database built at the
previous layout upgrades with `migrate` and loses nothing (rows, links, history, permissions)."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0015_resultscore_section_level"), ("organisations", None)]
AFTER = [
    ("organisations", "0002_content_types_moved"),
    ("assessments", "0017_tenancy_moved_to_organisations"),
]


def migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    moving = {app for app, _ in targets}
    nodes = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moving]
    nodes += [(app, name) for app, name in targets if name is not None]
    return executor.loader.project_state(nodes).apps


@pytest.fixture
def back_to_latest() -> Any:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def build_previous_layout(old: Any) -> dict[str, Any]:
    user = old.get_model("auth", "User").objects.create(username="olivia")
    organisation = old.get_model("assessments", "Organisation").objects.create(
        slug="acme", name="Acme"
    )
    old.get_model("assessments", "Membership").objects.create(
        organisation=organisation, user=user, role="owner"
    )
    old.get_model("assessments", "HistoricalMembership").objects.create(
        id=1,
        organisation_id=organisation.pk,
        user_id=user.pk,
        role="owner",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        history_date=datetime(2026, 1, 1, tzinfo=UTC),
        history_type="+",
        history_user_id=user.pk,
    )
    tool = old.get_model("catalog", "Tool").objects.create(
        slug="argo", name="Argo", licence="open_source", delivery="saas"
    )
    old.get_model("assessments", "OrganisationTool").objects.create(
        organisation=organisation, tool=tool
    )
    old.get_model("assessments", "OrganisationAPIKey").objects.create(
        id="k1", prefix="abc", hashed_key="x", name="warehouse", organisation=organisation
    )
    questionnaire = old.get_model("assessments", "Questionnaire").objects.create(slug="q", name="Q")
    version = old.get_model("assessments", "QuestionnaireVersion").objects.create(
        questionnaire=questionnaire, number=1
    )
    assessment = old.get_model("assessments", "Assessment").objects.create(
        organisation=organisation, version=version, title="first", created_by=user
    )
    # What points at the models' content types: a permission held by a group, an admin log entry.
    # (The test database may hold content types made by an earlier test's flush.)
    content_type, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="assessments", model="membership"
    )
    permission, _ = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="change_membership",
        defaults={"name": "Can change membership"},
    )
    group = old.get_model("auth", "Group").objects.create(name="managers")
    group.permissions.add(permission)
    old.get_model("admin", "LogEntry").objects.create(
        user=user,
        content_type=content_type,
        object_id=str(organisation.pk),
        object_repr="olivia (owner) in Acme",
        action_flag=2,
        action_time=datetime(2026, 1, 2, tzinfo=UTC),
    )
    return {
        "user": user.pk,
        "organisation": organisation.pk,
        "assessment": assessment.pk,
        "content_type": content_type.pk,
        "permission": permission.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_layout_keeps_every_tenancy_row(
    flushable: None, back_to_latest: None
) -> None:
    made = build_previous_layout(migrate(BEFORE))

    new = migrate(AFTER)

    organisation = new.get_model("organisations", "Organisation").objects.get()
    assert (organisation.pk, organisation.slug, organisation.name) == (
        made["organisation"],
        "acme",
        "Acme",
    )
    membership = new.get_model("organisations", "Membership").objects.get()
    assert (membership.user_id, membership.role) == (made["user"], "owner")
    assert new.get_model("organisations", "HistoricalMembership").objects.get().role == "owner"
    assert new.get_model("organisations", "OrganisationTool").objects.get().tool.slug == "argo"
    key = new.get_model("organisations", "OrganisationAPIKey").objects.get()
    assert (key.prefix, key.name, key.organisation_id) == ("abc", "warehouse", organisation.pk)
    # The assessment's foreign key follows the renamed table.
    assessment = new.get_model("assessments", "Assessment").objects.get(pk=made["assessment"])
    assert assessment.organisation.slug == "acme"
    assert list(organisation.assessments.values_list("title", flat=True)) == ["first"]
    # The content type moved with its id: permissions, groups and the admin log still point at it.
    content_type = new.get_model("contenttypes", "ContentType").objects.get(pk=made["content_type"])
    assert (content_type.app_label, content_type.model) == ("organisations", "membership")
    group = new.get_model("auth", "Group").objects.get(name="managers")
    assert list(group.permissions.values_list("pk", flat=True)) == [made["permission"]]
    entry = new.get_model("admin", "LogEntry").objects.get()
    assert entry.content_type_id == made["content_type"]
    assert (
        not new.get_model("contenttypes", "ContentType")
        .objects.filter(app_label="assessments", model__in=["organisation", "membership"])
        .exists()
    )


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone_without_losing_rows(flushable: None, back_to_latest: None) -> None:
    made = build_previous_layout(migrate(BEFORE))
    migrate(AFTER)

    old = migrate(BEFORE)

    assert old.get_model("assessments", "Organisation").objects.get().slug == "acme"
    assert old.get_model("assessments", "Membership").objects.get().user_id == made["user"]
    content_type = old.get_model("contenttypes", "ContentType").objects.get(pk=made["content_type"])
    assert content_type.app_label == "assessments"
