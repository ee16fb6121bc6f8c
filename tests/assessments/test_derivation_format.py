"""A questionnaire version declares how answers are derived from several respondents
(`derivation`): in the file format, the import and export, the admin, and frozen with the
version once published."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from assessments import questionnaire_format, selectors, services
from assessments.models import QuestionnaireVersion
from tests.assessments.respondents_world import team_document

pytestmark = pytest.mark.django_db


def test_the_rule_is_read_from_the_file_and_written_back(db: None) -> None:
    version = services.questionnaire_import(document=team_document("facilitator")).version

    document = selectors.questionnaire_document(selectors.version_tree(version), version)

    assert version.derivation == "facilitator"
    assert document["derivation"] == "facilitator"
    again = services.questionnaire_import(document=document)
    assert (again.created, again.version.pk) == (False, version.pk)  # the same content


def test_mean_is_the_default_and_is_not_written_out(db: None) -> None:
    document = team_document("mean")
    del document["derivation"]

    version = services.questionnaire_import(document=document).version

    assert version.derivation == "mean"
    exported = selectors.questionnaire_document(selectors.version_tree(version), version)
    assert "derivation" not in exported
    # a file that spells the default out is the same questionnaire
    assert services.questionnaire_import(document=team_document("mean")).created is False


def test_an_unknown_rule_is_refused_with_its_path(db: None) -> None:
    with pytest.raises(questionnaire_format.FormatError) as refused:
        services.questionnaire_import(document=team_document("average"))

    assert refused.value.errors == [
        "derivation: 'average' is not one of: mean, median, minimum, facilitator"
    ]
    assert not QuestionnaireVersion.objects.exists()


def test_a_new_version_keeps_the_rule(db: None) -> None:
    version = services.questionnaire_import(document=team_document("minimum")).version

    draft = services.questionnaire_new_version(questionnaire=version.questionnaire)

    assert draft.derivation == "minimum"


def test_the_rule_of_a_published_version_cannot_change(db: None) -> None:
    version = services.questionnaire_import(document=team_document("median")).version
    version.derivation = "minimum"

    with pytest.raises(ValidationError, match="published"):
        version.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        # the database's own freeze (migration 0002, kept by 0019's rebuild on SQLite)
        cursor.execute(
            "UPDATE assessments_questionnaireversion SET derivation = 'minimum' WHERE id = %s",
            [version.pk],
        )
    assert QuestionnaireVersion.objects.get(pk=version.pk).derivation == "median"


def test_the_database_refuses_an_unknown_rule(db: None) -> None:
    document = {**team_document("mean"), "status": "draft"}
    draft = services.questionnaire_import(document=document).version

    with pytest.raises(DatabaseError), transaction.atomic():
        QuestionnaireVersion.objects.filter(pk=draft.pk).update(derivation="average")


@pytest.fixture
def manager(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    return client


def test_the_admin_sets_the_rule_of_a_draft_and_shows_it_read_only_once_published(
    manager: Client,
) -> None:
    published = services.questionnaire_import(document=team_document("median")).version
    page = manager.get(f"/admin/assessments/questionnaireversion/{published.pk}/change/")
    assert 'id="id_derivation"' not in page.content.decode()
    assert "Median" in page.content.decode()

    response = manager.post(
        "/admin/assessments/questionnaireversion/add/",
        {"questionnaire": published.questionnaire.pk, "level_mode": "threshold",
         "derivation": "facilitator", "changelog": "A facilitator decides now."},
    )  # fmt: skip

    assert response.status_code == 302
    draft = QuestionnaireVersion.objects.get(questionnaire=published.questionnaire, number=2)
    assert draft.derivation == "facilitator"
    listing = manager.get("/admin/assessments/questionnaireversion/").content.decode()
    assert "Facilitator" in listing


def test_the_questionnaire_api_shows_a_rule_other_than_the_default(db: None) -> None:
    from rest_framework.test import APIClient

    services.questionnaire_import(document=team_document("minimum"))

    body: Any = APIClient().get("/api/v1/questionnaires/team-minimum/").json()

    assert body["derivation"] == "minimum"
