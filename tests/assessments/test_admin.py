from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import (
    Assessment,
    Choice,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)
from organisations import services as organisation_services
from organisations.models import Organisation, Unit
from tests.factories import DisciplineFactory

pytestmark = pytest.mark.django_db

SCRIPT_TEXT = "Do you deploy <script>alert(1)</script> every day?"


def questionnaire_document(
    *, status: str, slug: str = "ops-basics", extra_sections: int = 0
) -> dict[str, Any]:
    extra = [
        {
            "key": f"extra-{n}",
            "title": f"Extra {n}",
            "children": [{"key": f"extra-q{n}", "type": "yes_no", "text": f"Extra {n}?"}],
        }
        for n in range(extra_sections)
    ]
    return {
        "format": "opsassess-questionnaire/1",
        "slug": slug,
        "name": "Ops basics",
        "status": status,
        "levels": [
            {"key": "initial", "name": "Initial", "min_score": 0},
            {"key": "managed", "name": "Managed", "min_score": "0.5"},
        ],
        "root": {
            "key": "root",
            "children": [
                {
                    "key": "delivery",
                    "title": "Delivery",
                    "children": [
                        {
                            "key": "deploys",
                            "type": "single_choice",
                            "text": SCRIPT_TEXT,
                            "choices": [
                                {"key": "rarely", "label": "Rarely", "value": 0},
                                {"key": "daily", "label": "Daily", "value": 1},
                            ],
                            "tags": {"disciplines": ["devops"]},
                        },
                        {
                            "key": "lead-time",
                            "type": "number",
                            "text": "Lead time in hours",
                            "required": False,
                            "bands": [{"upper": 24, "value": 1}, {"lower": 24, "value": 0}],
                        },
                    ],
                },
                {"key": "backlog", "type": "yes_no", "text": "Is there one backlog?"},
                *extra,
            ],
        },
    }


def import_version(**kwargs: Any) -> QuestionnaireVersion:
    return services.questionnaire_import(document=questionnaire_document(**kwargs)).version


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("manager", password="a-long-password-1")


@pytest.fixture
def manager(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def devops() -> None:
    DisciplineFactory(slug="devops", name="DevOps")


@pytest.fixture
def draft(devops: None) -> QuestionnaireVersion:
    return import_version(status="draft", slug="ops-draft")


@pytest.fixture
def published(devops: None) -> QuestionnaireVersion:
    return import_version(status="published")


def start_assessment(
    version: QuestionnaireVersion, user: User, *, organisation: Organisation, title: str = ""
) -> Assessment:
    return services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )


def submitted_assessment(
    version: QuestionnaireVersion, user: User, organisation: Organisation
) -> Assessment:
    assessment = start_assessment(version, user, organisation=organisation, title="Spring")
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(question="deploys", choices=("daily",)),
            services.AnswerInput(question="backlog", choices=("yes",)),
        ],
        user=user,
    )
    return services.assessment_submit(assessment=assessment, user=user)


@pytest.fixture
def everything(
    draft: QuestionnaireVersion, published: QuestionnaireVersion, superuser: User
) -> dict[str, Any]:
    organisation = organisation_services.organisation_create(
        name="Acme", slug="acme", owner=superuser
    )
    return {
        "questionnaire": published.questionnaire,
        "draft_version": draft,
        "published_version": published,
        "draft_question": draft.questions.get(key="deploys"),
        "published_question": published.questions.get(key="deploys"),
        "organisation": organisation,
        "draft_assessment": start_assessment(published, superuser, organisation=organisation),
        "submitted_assessment": submitted_assessment(published, superuser, organisation),
    }


def change_url(obj: Any) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def changelist_url(model: type) -> str:
    meta = model._meta  # type: ignore[attr-defined]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def run_action(manager: Client, model: type, action: str, objects: list[Any]) -> list[str]:
    response = manager.post(
        changelist_url(model),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects]},
        follow=True,
    )
    assert response.status_code == 200
    return [f"{message.level_tag}: {message}" for message in response.context["messages"]]


def form_data(response: Any) -> dict[str, Any]:
    """The POST body a browser would send back for an unchanged admin change form."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(item) for item in value]
            else:
                value = str(value)
            data[form.add_prefix(name)] = value
    return data


@pytest.mark.parametrize(
    "model", [Questionnaire, QuestionnaireVersion, Question, Organisation, Assessment]
)
def test_every_changelist_renders_for_a_superuser(
    manager: Client, everything: dict[str, Any], model: type
) -> None:
    response = manager.get(changelist_url(model))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "assessments_questionnaire",
        "assessments_questionnaireversion",
        "assessments_question",
        "organisations_organisation",
    ],
)
def test_add_pages_render_for_a_superuser(
    manager: Client, everything: dict[str, Any], name: str
) -> None:
    assert manager.get(reverse(f"admin:{name}_add")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "questionnaire",
        "draft_version",
        "published_version",
        "draft_question",
        "published_question",
        "organisation",
        "draft_assessment",
        "submitted_assessment",
    ],
)
def test_every_change_page_renders_for_a_superuser(
    manager: Client, everything: dict[str, Any], name: str
) -> None:
    response = manager.get(change_url(everything[name]))
    assert response.status_code == 200


def test_version_preview_shows_the_tree_with_everything_escaped(
    manager: Client, published: QuestionnaireVersion
) -> None:
    body = manager.get(change_url(published)).content.decode()
    for key in ["delivery", "deploys", "lead-time", "backlog"]:
        assert f"<code>{key}</code>" in body
    assert "Do you deploy &lt;script&gt;alert(1)&lt;/script&gt; every day?" in body
    assert "<script>alert(1)</script>" not in body
    assert "choices: Rarely=0, Daily=1" in body
    assert "bands: under 24 → 1, 24 or more → 0" in body
    assert "tags: disciplines: DevOps" in body


def test_version_change_page_queries_do_not_grow_with_the_questionnaire(
    manager: Client, devops: None
) -> None:
    small = import_version(status="draft", slug="small")
    large = import_version(status="draft", slug="large", extra_sections=8)
    manager.get(change_url(small))  # warm the session and content type caches
    counts = []
    for version in [small, large]:
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(change_url(version)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_publish_action_publishes_a_draft_and_says_so(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    messages = run_action(manager, QuestionnaireVersion, "publish", [draft])
    draft.refresh_from_db()
    assert draft.is_published
    assert draft.published_at is not None
    assert messages == ["success: Published version 1 of “Ops basics”."]


def test_publishing_a_published_version_reports_an_error_and_changes_nothing(
    manager: Client, published: QuestionnaireVersion
) -> None:
    published_at = published.published_at
    messages = run_action(manager, QuestionnaireVersion, "publish", [published])
    published.refresh_from_db()
    assert published.published_at == published_at
    assert messages == ["error: Ops basics: Version 1 is already published."]


def test_publishing_a_draft_whose_rules_cannot_be_scored_reports_why(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    Choice.objects.filter(question__version=draft, question__key="deploys").delete()
    messages = run_action(manager, QuestionnaireVersion, "publish", [draft])
    draft.refresh_from_db()
    assert not draft.is_published
    assert len(messages) == 1
    assert messages[0].startswith("error: Ops basics v1 can't be published yet:")
    assert "single_choice question needs choices" in messages[0]


@pytest.mark.parametrize("model", [Questionnaire, QuestionnaireVersion])
def test_new_version_action_starts_the_next_draft_with_the_same_questions(
    manager: Client, published: QuestionnaireVersion, model: type
) -> None:
    selected = published.questionnaire if model is Questionnaire else published
    messages = run_action(manager, model, "start_new_version", [selected])
    new = published.questionnaire.versions.get(number=2)
    assert new.status == QuestionnaireVersion.Status.DRAFT
    assert new.questions.count() == published.questions.count() == 3
    assert messages == ["success: Started draft version 2 of “Ops basics”."]


def test_new_version_action_reports_an_existing_draft_as_an_error(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    messages = run_action(manager, Questionnaire, "start_new_version", [draft.questionnaire])
    assert draft.questionnaire.versions.count() == 1
    assert messages == ["error: 'ops-draft' already has a draft version; edit or publish that one."]


def test_published_version_page_is_read_only_and_refuses_a_post(
    manager: Client, published: QuestionnaireVersion
) -> None:
    page = manager.get(change_url(published)).content.decode()
    assert 'name="_save"' not in page
    response = manager.post(change_url(published), {"level_mode": "gated", "changelog": "x"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert (published.level_mode, published.changelog) == ("threshold", "")


def test_published_question_page_is_read_only_and_refuses_a_post(
    manager: Client, published: QuestionnaireVersion
) -> None:
    question = published.questions.get(key="deploys")
    page = manager.get(change_url(question)).content.decode()
    assert 'name="_save"' not in page
    response = manager.post(change_url(question), {"text": "Changed", "key": "deploys"})
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.text == SCRIPT_TEXT


def test_published_version_cannot_be_deleted_from_the_admin(
    manager: Client, published: QuestionnaireVersion
) -> None:
    url = reverse("admin:assessments_questionnaireversion_delete", args=[published.pk])
    assert manager.post(url, {"post": "yes"}).status_code == 403
    assert QuestionnaireVersion.objects.filter(pk=published.pk).exists()


def test_an_added_version_is_the_next_draft_of_its_questionnaire(
    manager: Client, published: QuestionnaireVersion
) -> None:
    url = reverse("admin:assessments_questionnaireversion_add")
    data = {"questionnaire": published.questionnaire.pk, "level_mode": "gated", "changelog": "New"}
    assert manager.post(url, data).status_code == 302
    added = published.questionnaire.versions.get(number=2)
    assert (added.status, added.level_mode) == ("draft", "gated")


def test_a_second_draft_of_a_questionnaire_is_refused(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    url = reverse("admin:assessments_questionnaireversion_add")
    data = {"questionnaire": draft.questionnaire.pk, "level_mode": "threshold"}
    response = manager.post(url, data)
    assert response.status_code == 200
    assert "already has a draft" in response.content.decode()
    assert draft.questionnaire.versions.count() == 1


def test_a_draft_version_can_be_deleted_with_its_tree(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    url = reverse("admin:assessments_questionnaireversion_delete", args=[draft.pk])
    assert manager.post(url, {"post": "yes"}).status_code == 302
    assert not QuestionnaireVersion.objects.filter(pk=draft.pk).exists()
    assert not Question.objects.filter(version_id=draft.pk).exists()


def test_a_draft_question_and_its_choices_can_be_edited(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    question = draft.questions.get(key="deploys")
    data = form_data(manager.get(change_url(question)))
    data["text"] = "How often do you deploy?"
    data["weight"] = "2"
    data["choices-1-label"] = "Every day"
    response = manager.post(change_url(question), data)
    assert response.status_code == 302, response.context["errors"]
    question.refresh_from_db()
    assert (question.text, question.weight) == ("How often do you deploy?", Decimal(2))
    assert question.choices.get(key="daily").label == "Every day"
    assert list(question.disciplines.values_list("slug", flat=True)) == ["devops"]


def test_a_new_question_joins_the_version_of_its_section(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    section = draft.sections.get(key="delivery")
    data = form_data(manager.get(reverse("admin:assessments_question_add")))
    data |= {"section": section.pk, "key": "rollback", "type": "yes_no", "text": "Can you undo?"}
    response = manager.post(reverse("admin:assessments_question_add"), data)
    assert response.status_code == 302
    assert Question.objects.get(key="rollback").version == draft


def test_a_new_question_may_not_reuse_a_key_of_its_version(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    section = draft.sections.get(key="delivery")
    data = form_data(manager.get(reverse("admin:assessments_question_add")))
    data |= {"section": section.pk, "key": "backlog", "type": "yes_no", "text": "Again?"}
    response = manager.post(reverse("admin:assessments_question_add"), data)
    assert response.status_code == 200
    assert "Another question of this version already uses this key." in response.content.decode()
    assert draft.questions.filter(key="backlog").count() == 1


def test_a_section_cannot_be_moved_inside_its_own_subsection(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    root = draft.sections.get(key="root")
    delivery = draft.sections.get(key="delivery")
    data = form_data(manager.get(change_url(draft)))
    index = next(
        i
        for i in range(int(data["sections-TOTAL_FORMS"]))
        if data[f"sections-{i}-id"] == str(root.pk)
    )
    data[f"sections-{index}-parent"] = str(delivery.pk)
    response = manager.post(change_url(draft), data)
    assert response.status_code == 200
    assert "would end up inside itself" in response.content.decode()
    assert Section.objects.get(pk=root.pk).parent_id is None


def test_section_parents_are_limited_to_the_same_version(
    manager: Client, draft: QuestionnaireVersion, published: QuestionnaireVersion
) -> None:
    response = manager.get(change_url(draft))
    formset = response.context["inline_admin_formsets"][1].formset
    offered = {section.pk for section in formset.forms[0].fields["parent"].queryset}
    assert offered == set(draft.sections.values_list("pk", flat=True))


def test_submitted_assessments_are_view_only_and_cannot_be_deleted(
    manager: Client, everything: dict[str, Any]
) -> None:
    submitted = everything["submitted_assessment"]
    page = manager.get(change_url(submitted)).content.decode()
    assert 'name="_save"' not in page
    assert "Managed" in page
    url = reverse("admin:assessments_assessment_delete", args=[submitted.pk])
    assert manager.post(url, {"post": "yes"}).status_code == 403
    assert Assessment.objects.filter(pk=submitted.pk).exists()


def test_draft_assessments_can_be_deleted(manager: Client, everything: dict[str, Any]) -> None:
    draft = everything["draft_assessment"]
    url = reverse("admin:assessments_assessment_delete", args=[draft.pk])
    assert manager.post(url, {"post": "yes"}).status_code == 302
    assert not Assessment.objects.filter(pk=draft.pk).exists()


def test_assessment_changelist_queries_do_not_grow_with_the_rows(
    manager: Client, published: QuestionnaireVersion, superuser: User
) -> None:
    organisation = organisation_services.organisation_create(
        name="Acme", slug="acme", owner=superuser
    )
    submitted_assessment(published, superuser, organisation)
    url = changelist_url(Assessment)
    manager.get(url)  # warm the session and content type caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(url).status_code == 200
        return len(queries)

    one = count()
    for n in range(9):
        other = organisation_services.organisation_create(
            name=f"Org {n}", slug=f"org-{n}", owner=superuser
        )
        if n % 2:
            submitted_assessment(published, superuser, other)
        else:
            start_assessment(published, superuser, organisation=other)
    assert Assessment.objects.count() == 10
    # Adding organisations adds filter choices, not queries.
    assert count() == one


def with_new_sections(data: dict[str, Any], *rows: dict[str, str]) -> dict[str, Any]:
    """The change form's POST with rows added to the section inline, as "Add another" does."""
    start = int(data["sections-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        prefix = f"sections-{start + offset}-"
        data |= {prefix + "aggregation": "weighted_mean", prefix + "weight": "1"}
        data |= {prefix + "position": str(offset)}
        data |= {prefix + name: value for name, value in row.items()}
    data["sections-TOTAL_FORMS"] = str(start + len(rows))
    return data


@pytest.fixture
def empty_draft(manager: Client, devops: None) -> QuestionnaireVersion:
    questionnaire = Questionnaire.objects.create(slug="fresh", name="Fresh")
    url = reverse("admin:assessments_questionnaireversion_add")
    assert manager.post(url, {"questionnaire": questionnaire.pk, "level_mode": "threshold"})
    return questionnaire.versions.get()


def test_a_root_with_children_in_one_save_of_an_empty_draft_says_to_save_the_root_first(
    manager: Client, empty_draft: QuestionnaireVersion
) -> None:
    data = with_new_sections(
        form_data(manager.get(change_url(empty_draft))),
        {"key": "root"},
        {"key": "plan"},
        {"key": "build"},
    )
    response = manager.post(change_url(empty_draft), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Save the root section on its own first" in text
    assert response.context["inline_admin_formsets"][1].formset.total_error_count() == 3
    assert not empty_draft.sections.exists()
    # Doing as told: the root alone, then its children pick it as their parent.
    data = with_new_sections(form_data(manager.get(change_url(empty_draft))), {"key": "root"})
    assert manager.post(change_url(empty_draft), data).status_code == 302
    root = empty_draft.sections.get()
    data = with_new_sections(
        form_data(manager.get(change_url(empty_draft))),
        {"key": "plan", "parent": str(root.pk)},
        {"key": "build", "parent": str(root.pk)},
    )
    assert manager.post(change_url(empty_draft), data).status_code == 302
    assert sorted(root.subsections.values_list("key", flat=True)) == ["build", "plan"]


def test_a_new_section_without_a_parent_is_told_which_root_to_pick(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    data = with_new_sections(form_data(manager.get(change_url(draft))), {"key": "operate"})
    response = manager.post(change_url(draft), data)
    assert response.status_code == 200
    assert "already has its root section “root”" in response.content.decode()
    assert not draft.sections.filter(key="operate").exists()


def test_two_new_sections_with_one_key_are_refused_with_a_form_error(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    root = str(draft.sections.get(key="root").pk)
    data = with_new_sections(
        form_data(manager.get(change_url(draft))),
        {"key": "operate", "parent": root},
        {"key": "operate", "parent": root},
        {"key": "delivery", "parent": root},
    )
    response = manager.post(change_url(draft), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][1].formset
    # "operate" twice among the new rows, "delivery" again beside the saved one.
    assert formset.non_form_errors() == ["Please correct the duplicate data for key."] * 2
    assert draft.sections.count() == 2


def test_an_existing_section_made_a_second_root_is_refused(
    manager: Client, draft: QuestionnaireVersion
) -> None:
    delivery = draft.sections.get(key="delivery")
    data = form_data(manager.get(change_url(draft)))
    index = next(
        i
        for i in range(int(data["sections-TOTAL_FORMS"]))
        if data[f"sections-{i}-id"] == str(delivery.pk)
    )
    del data[f"sections-{index}-parent"]
    response = manager.post(change_url(draft), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "“delivery” needs a parent" in text and "“root” needs a parent" not in text
    assert Section.objects.get(pk=delivery.pk).parent is not None


def test_assessment_admin_names_the_unit_assessed_and_filters_by_its_kind(
    manager: Client, superuser: User, published: QuestionnaireVersion
) -> None:
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    unit = Unit.objects.create(organisation=organisation, slug="payments", name="Payments team")
    of_unit = services.assessment_create(
        organisation=organisation, version=published, user=superuser, title="Q4", unit=unit
    )
    whole = start_assessment(published, superuser, organisation=organisation, title="Whole")

    listing = manager.get(changelist_url(Assessment), {"unit__kind": "team"})
    assert listing.status_code == 200
    shown = list(listing.context["cl"].result_list)
    assert shown == [of_unit]
    assert "Payments team" in listing.content.decode()

    page = manager.get(change_url(of_unit))
    assert page.status_code == 200
    assert "Payments team" in page.content.decode()
    assert "Payments team" not in manager.get(change_url(whole)).content.decode()
