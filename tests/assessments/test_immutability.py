"""Published questionnaire versions and stored results never change, whatever the path."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from assessments import services
from assessments.models import (
    Band,
    Choice,
    MaturityLevel,
    Question,
    QuestionnaireVersion,
    Result,
    Section,
)
from tests.factories import HindranceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def banded(db: None) -> QuestionnaireVersion:
    """A published version with every kind of part: sections, levels, choices and bands."""
    document = {
        "format": "opsassess-questionnaire/1",
        "slug": "banded",
        "name": "Banded",
        "levels": [{"key": "low", "name": "Low", "min_score": 0}],
        "root": {
            "key": "root",
            "children": [
                {"key": "q1", "type": "yes_no", "text": "Yes?"},
                {
                    "key": "q2",
                    "type": "number",
                    "text": "Hours?",
                    "min": 0,
                    "bands": [{"upper": 1, "value": 1}, {"lower": 1, "value": 0}],
                },
                {
                    "key": "q3",
                    "type": "single_choice",
                    "text": "Which?",
                    "choices": [{"key": "a", "label": "A", "value": 1}],
                },
            ],
        },
    }
    return services.questionnaire_import(document=document).version


def test_saving_a_question_of_a_published_version_is_refused(rubric: Any) -> None:
    question = rubric.questions.first()
    question.text = "Changed"
    with pytest.raises(ValidationError, match="published"):
        question.save()
    assert Question.objects.get(pk=question.pk).text != "Changed"


@pytest.mark.parametrize(
    "manager",
    [Question.objects, Section.objects, MaturityLevel.objects, Choice.objects, Band.objects],
)
def test_bulk_updates_and_deletes_of_published_parts_are_refused(banded: Any, manager: Any) -> None:
    assert manager.exists()
    with pytest.raises(ValidationError):
        manager.all().update(position=99)
    with pytest.raises(ValidationError):
        manager.all().delete()


def test_a_published_version_cannot_be_edited_or_deleted(rubric: Any) -> None:
    rubric.changelog = "sneaky"
    with pytest.raises(ValidationError):
        rubric.save()
    with pytest.raises(ValidationError):
        rubric.delete()


def test_tags_of_a_published_question_cannot_change(rubric: Any) -> None:
    hindrance = HindranceFactory()
    question = rubric.questions.first()
    # The tag managers write without a savepoint of their own, so give each attempt one.
    with pytest.raises(ValidationError), transaction.atomic():
        question.hindrances.add(hindrance)
    with pytest.raises(ValidationError), transaction.atomic():
        hindrance.questions.add(question)
    assert not question.hindrances.exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE assessments_question SET text = 'raw'",
        "DELETE FROM assessments_choice",
        "UPDATE assessments_questionnaireversion SET changelog = 'raw'",
        "DELETE FROM assessments_maturitylevel",
        "UPDATE assessments_band SET value = 0",
    ],
)
def test_the_database_itself_refuses_raw_writes_to_a_published_version(
    banded: Any, sql: str
) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert not Question.objects.filter(text="raw").exists()


def test_the_database_refuses_new_rows_in_a_published_version(rubric: Any) -> None:
    section = rubric.sections.get(key="automation")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO assessments_question (version_id, section_id, key, type, text, help_text,"
            " unit, weight, position, required, allow_not_applicable) VALUES "
            "(%s, %s, 'sneaky', 'yes_no', 'x', '', '', 1, 9, true, false)",
            [rubric.pk, section.pk],
        )


def test_a_draft_version_stays_editable(rubric: Any) -> None:
    draft = services.questionnaire_new_version(questionnaire=rubric.questionnaire)
    question = draft.questions.get(key="unit-tests")
    question.text = "Unit tests run on every push."
    question.save()
    Choice.objects.filter(question=question, key="partly").update(value="0.4")
    assert draft.questions.get(key="unit-tests").text == "Unit tests run on every push."
    assert rubric.questions.get(key="unit-tests").text == "Unit tests run on every change."


def test_publishing_twice_is_a_conflict(rubric: Any) -> None:
    with pytest.raises(services.Conflict, match="already published"):
        services.questionnaire_publish(version=rubric)


def test_only_one_draft_per_questionnaire(rubric: Any) -> None:
    services.questionnaire_new_version(questionnaire=rubric.questionnaire)
    with pytest.raises(services.Conflict, match="already has a draft"):
        services.questionnaire_new_version(questionnaire=rubric.questionnaire)


def test_a_new_version_is_a_faithful_copy_of_the_last(rubric: Any) -> None:
    from assessments import selectors

    draft = services.questionnaire_new_version(questionnaire=rubric.questionnaire)
    assert (draft.number, draft.status) == (2, QuestionnaireVersion.Status.DRAFT)
    old = selectors.scoring_model(selectors.version_tree(rubric))
    new = selectors.scoring_model(selectors.version_tree(draft))
    assert new == old


def test_a_stored_result_cannot_be_rewritten(submitted: Any) -> None:
    result = Result.objects.get(assessment=submitted)
    result.overall = 0
    with pytest.raises(ValidationError):
        result.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Result.objects.filter(pk=result.pk).update(overall=0)
    assert str(Result.objects.get(pk=result.pk).overall) == "3.0000"
