"""The audit trail: who created, answered, submitted, copied or deleted what, and when."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Assessment
from catalog.models import Tool
from tests.assessments.conftest import RUBRIC_KEYS, answer_all, client_for
from tests.factories import DisciplineFactory, ToolFactory

pytestmark = pytest.mark.django_db


def test_every_step_of_an_assessment_is_recorded_with_its_author(
    rubric: Any, owner: User, editor: User
) -> None:
    api = client_for(editor)
    created = api.post(
        "/api/v1/assessments/", {"organisation": "acme", "questionnaire": "rubric-example"}
    ).json()
    url = f"/api/v1/assessments/{created['id']}"
    api.patch(
        f"{url}/answers/",
        {"answers": [{"question": key, "choices": ["partly"]} for key in RUBRIC_KEYS]},
    )
    api.patch(f"{url}/answers/", {"answers": [{"question": "unit-tests", "choices": ["fully"]}]})
    client_for(owner).post(f"{url}/submit/")
    copy = client_for(owner).post(f"{url}/copy/").json()["assessment"]
    client_for(owner).delete(f"/api/v1/assessments/{copy['id']}/")

    trail = Assessment.history.filter(id=created["id"]).order_by("history_date")
    assert [(h.history_type, h.history_user.username, h.status) for h in trail] == [
        ("+", "eddie", "draft"),
        ("~", "olivia", "submitted"),
    ]
    answers = Answer.history.filter(assessment_id=created["id"], question__key="unit-tests")
    assert [
        (h.history_type, h.choices, h.history_user.username)
        for h in answers.order_by("history_date")
    ] == [("+", ["partly"], "eddie"), ("~", ["fully"], "eddie")]
    copied = Assessment.history.filter(id=copy["id"]).order_by("history_date")
    assert [(h.history_type, h.copied_from_id, h.history_user.username) for h in copied] == [
        ("+", created["id"], "olivia"),
        ("-", created["id"], "olivia"),
    ]
    copied_answers = Answer.history.filter(assessment_id=copy["id"], history_type="+")
    assert copied_answers.count() == len(RUBRIC_KEYS)
    assert {h.history_change_reason for h in copied_answers} == {"copied"}


@pytest.fixture
def manager(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    return client


def test_catalogue_changes_in_admin_are_recorded(manager: Client) -> None:
    tool = ToolFactory(name="Jenkins", disciplines=[DisciplineFactory()])
    data = {
        "name": "Jenkins LTS",
        "slug": tool.slug,
        "vendor": tool.vendor,
        "homepage": tool.homepage,
        "description": "",
        "licence": tool.licence,
        "delivery": tool.delivery,
        "ring": "hold",
        "min_maturity": 1,
        "disciplines": [d.pk for d in tool.disciplines.all()],
    }
    response = manager.post(reverse("admin:catalog_tool_change", args=[tool.pk]), data)
    assert response.status_code == 302, response.content
    latest = Tool.history.filter(id=tool.pk).latest("history_date")
    assert (latest.history_type, latest.name, latest.ring) == ("~", "Jenkins LTS", "hold")
    assert latest.history_user.username == "manager"
    history = manager.get(reverse("admin:catalog_tool_history", args=[tool.pk]))
    assert history.status_code == 200
    assert "Jenkins LTS" in history.content.decode()


def test_the_audit_trail_is_read_only_in_admin(submitted: Any, manager: Client) -> None:
    record = Assessment.history.filter(id=submitted.pk).first()
    changelist = reverse("admin:assessments_historicalassessment_changelist")
    assert manager.get(changelist).status_code == 200
    change = reverse("admin:assessments_historicalassessment_change", args=[record.pk])
    assert manager.get(change).status_code == 200  # viewable
    assert manager.post(change, {"title": "rewritten"}).status_code == 403
    assert manager.get(reverse("admin:assessments_historicalassessment_add")).status_code == 403
    delete = reverse("admin:assessments_historicalassessment_delete", args=[record.pk])
    assert manager.post(delete, {"post": "yes"}).status_code == 403
    assert Assessment.history.filter(pk=record.pk).exists()


def test_history_cannot_be_reverted_from_admin(submitted: Any, manager: Client) -> None:
    record = Assessment.history.filter(id=submitted.pk).earliest("history_date")
    url = reverse(
        "admin:assessments_assessment_simple_history", args=[submitted.pk, record.history_id]
    )
    response = manager.post(url, {"title": "reverted"})
    assert response.status_code in (403, 405)
    # the earliest record is the draft: a revert would have un-submitted the assessment
    assert Assessment.objects.get(pk=submitted.pk).status == "submitted"


def test_history_pages_render_for_every_audited_admin(
    submitted: Any, manager: Client, rubric: Any
) -> None:
    from assessments.models import Question, QuestionnaireVersion

    question = Question.objects.filter(version=rubric).first()
    for model, obj in [
        ("assessments_assessment", submitted),
        ("assessments_questionnaireversion", rubric),
        ("assessments_question", question),
        ("organisations_organisation", submitted.organisation),
    ]:
        history = type(obj).history.filter(id=obj.pk).first()
        assert manager.get(reverse(f"admin:{model}_history", args=[obj.pk])).status_code == 200
        url = reverse(f"admin:{model}_simple_history", args=[obj.pk, history.history_id])
        assert manager.get(url).status_code == 200, model
    assert QuestionnaireVersion.objects.get(pk=rubric.pk).status == "published"


def test_answer_history_names_the_question_and_the_assessment(
    submitted: Any, manager: Client
) -> None:
    changelist = reverse("admin:assessments_historicalanswer_changelist")
    page = manager.get(changelist).content.decode()
    assert f"answer to unit-tests in assessment #{submitted.pk} “Spring review” of Acme" in page
    assert "answer #" not in page
    record = Answer.history.filter(assessment_id=submitted.pk, question__key="unit-tests").get()
    assert str(record.instance) == (
        f"answer to unit-tests in assessment #{submitted.pk} “Spring review”"
    )
    assert str(record).startswith(str(record.instance) + " as of ")
    found = manager.get(changelist, {"q": "flaky-tests"}).context["cl"].result_list
    assert [h.question.key for h in found] == ["flaky-tests"]
    # The rows come with their question and assessment joined: more rows, same queries.
    with CaptureQueriesContext(connection) as six_rows:
        manager.get(changelist)
    answer_all(copy_of(submitted), submitted.created_by, "partly")
    with CaptureQueriesContext(connection) as eighteen_rows:
        page = manager.get(changelist).content.decode()
    assert page.count("answer to unit-tests in assessment") == 3
    assert len(eighteen_rows) == len(six_rows)


def test_assessment_history_names_the_assessment_and_its_organisation(
    submitted: Any, manager: Client
) -> None:
    page = manager.get(reverse("admin:assessments_historicalassessment_changelist"))
    assert f"assessment #{submitted.pk} “Spring review” of Acme" in page.content.decode()


def copy_of(assessment: Any) -> Any:
    return services.assessment_copy(assessment=assessment, user=assessment.created_by).assessment
