"""The respondent's journey through the REST API, its rules and its errors."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments import services
from assessments.models import Answer, Assessment, Result
from tests.assessments.conftest import MODELS_DIR, RUBRIC_KEYS, answer_all, client_for, import_file

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, str]:
    return {error["attr"]: error["detail"] for error in response.json()["errors"]}


def test_a_token_is_issued_for_a_username_and_password(owner: User) -> None:
    client = client_for(None)
    response = client.post(
        "/api/v1/auth/token/", {"username": "olivia", "password": "a-long-password-1"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/organisations/").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "attr"),
    [
        ({"username": "olivia", "password": "wrong"}, 401, None),
        ({"username": "nobody", "password": "wrong"}, 401, None),
        ({"username": "olivia"}, 400, "password"),
        ({}, 400, "username"),
    ],
)
def test_a_token_is_refused_with_a_clear_error(
    owner: User, body: dict[str, str], status: int, attr: str | None
) -> None:
    response = client_for(None).post("/api/v1/auth/token/", body)
    assert response.status_code == status
    assert attr in errors(response)


def test_a_bad_token_is_a_401(owner: User) -> None:
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/assessments/").status_code == 401


def test_questionnaires_are_listed_with_their_published_versions(rubric: Any) -> None:
    body = client_for(None).get("/api/v1/questionnaires/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["slug"] == "rubric-example"
    assert row["versions"] == [1]
    assert row["latest_version"]["number"] == 1


def test_draft_versions_are_not_offered_to_respondents(rubric: Any) -> None:
    services.questionnaire_new_version(questionnaire=rubric.questionnaire)
    body = client_for(None).get("/api/v1/questionnaires/").json()
    assert body["results"][0]["versions"] == [1]
    response = client_for(None).get("/api/v1/questionnaires/rubric-example/?version=2")
    assert response.status_code == 404


def test_a_questionnaire_detail_is_the_whole_tree_needed_for_a_form(rubric: Any) -> None:
    body = client_for(None).get("/api/v1/questionnaires/rubric-example/").json()
    assert body["version"] == 1
    assert [section["key"] for section in body["root"]["children"]] == [
        "automation",
        "environments",
    ]
    first = body["root"]["children"][0]["children"][0]
    assert first["key"] == "unit-tests"
    assert [choice["value"] for choice in first["choices"]] == [0, 0.5, 1]


@pytest.mark.parametrize(
    ("query", "status"), [("?version=1", 200), ("?version=9", 404), ("?version=x", 400)]
)
def test_a_questionnaire_version_can_be_chosen(rubric: Any, query: str, status: int) -> None:
    response = client_for(None).get(f"/api/v1/questionnaires/rubric-example/{query}")
    assert response.status_code == status


def create(client: Any, **body: Any) -> Any:
    return client.post(
        "/api/v1/assessments/",
        {"organisation": "acme", "questionnaire": "rubric-example", **body},
    )


def test_the_whole_journey_from_creation_to_result(rubric: Any, editor: User) -> None:
    client = client_for(editor)
    created = create(client, title="Spring review")
    assert created.status_code == 201
    assessment = created.json()
    assert assessment["status"] == "draft"
    assert assessment["progress"] == {
        "total": 6,
        "answered": 0,
        "required": 6,
        "missing_required": RUBRIC_KEYS,
        "complete": False,
    }
    url = f"/api/v1/assessments/{assessment['id']}"

    first = client.patch(
        f"{url}/answers/",
        {
            "answers": [
                {"question": "unit-tests", "choices": ["fully"], "comment": "CI on every push"},
                {"question": "integration-tests", "choices": ["partly"]},
            ]
        },
    )
    assert first.status_code == 200
    assert first.json()["progress"]["answered"] == 2

    early = client.post(f"{url}/submit/")
    assert early.status_code == 409
    assert early.json()["errors"][0]["code"] == "incomplete"
    assert sorted(early.json()["missing_required"]) == sorted(RUBRIC_KEYS[2:])

    second = client.patch(
        f"{url}/answers/",
        {
            "answers": [
                {"question": "flaky-tests", "choices": ["fully"]},
                {"question": "on-demand-envs", "choices": ["fully"]},
                {"question": "prod-like-data", "choices": ["partly"]},
                {"question": "env-teardown", "choices": ["fully"]},
            ]
        },
    )
    assert second.json()["progress"]["complete"] is True

    submitted = client.post(f"{url}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    # `level` is the key everywhere (as in the result), with its name beside it
    assert (submitted.json()["level"], submitted.json()["level_name"]) == ("exemplary", "Exemplary")

    result = client.get(f"{url}/result/").json()
    # automation: 1 + 0.5 + 1 = 2.5 of 3; environments: 1 + 0.5 + 1 = 2.5 of 3; min -> 2.5
    assert result["overall"] == "2.5000"
    assert result["overall_max"] == "3.0000"
    assert result["overall_percent"] == "83.3333"
    assert result["level"] == "exemplary"
    assert result["level_name"] == "Exemplary"
    assert result["nodes"]["automation"]["score"] == "2.5000"
    assert result["nodes"]["automation"]["parent"] == "root"
    assert result["nodes"]["unit-tests"]["kind"] == "question"
    assert result["engine_version"] == "1.0"
    assert result["answers"]["prod-like-data"] == {
        "choices": ["partly"],
        "number": None,
        "not_applicable": False,
    }


def test_progress_lists_the_missing_required_questions_in_form_order(
    draft: Any, owner: User
) -> None:
    body = client_for(owner).get(f"/api/v1/assessments/{draft.pk}/").json()
    assert body["progress"]["missing_required"] == RUBRIC_KEYS


def test_a_later_save_changes_only_the_fields_it_sends(draft: Any, owner: User) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{draft.pk}/answers/"
    client.patch(url, {"answers": [{"question": "unit-tests", "choices": ["partly"]}]})
    client.patch(
        url,
        {
            "answers": [
                {
                    "question": "unit-tests",
                    "comment": "Only on main",
                    "evidence_url": "https://ci.example.com/",
                }
            ]
        },
    )
    answer = Answer.objects.get(assessment=draft, question__key="unit-tests")
    assert (answer.choices, answer.comment) == (["partly"], "Only on main")
    assert answer.evidence_url == "https://ci.example.com/"


@pytest.mark.parametrize(
    ("answer", "attr", "reason"),
    [
        ({"question": "nope", "choices": ["fully"]}, "answers.1.question", "No question 'nope'"),
        ({"question": "flaky-tests", "choices": ["always"]}, "answers.1", "choice 'always'"),
        ({"question": "flaky-tests", "choices": ["fully", "partly"]}, "answers.1", "one choice"),
        ({"question": "flaky-tests", "number": 3}, "answers.1", "flaky-tests"),
        ({"question": "flaky-tests", "not_applicable": True}, "answers.1", "not applicable"),
        ({"question": "flaky-tests", "choices": "fully"}, "answers.1.choices", "list"),
        ({"question": "flaky-tests", "number": "NaN"}, "answers.1.number", "valid number"),
        ({"question": "flaky-tests", "number": "1e400"}, "answers.1.number", ""),
        (
            {"question": "flaky-tests", "evidence_url": "javascript:alert(1)"},
            "answers.1.evidence_url",
            "URL",
        ),
        ({"question": "flaky-tests", "colour": "red"}, "answers.1.colour", "Unknown field"),
        ({"question": "unit-tests", "choices": ["fully"]}, "answers.1.question", "twice"),
    ],
)
def test_an_invalid_answer_is_named_and_nothing_in_the_request_is_saved(
    draft: Any, owner: User, answer: dict[str, Any], attr: str, reason: str
) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{draft.pk}/answers/"
    client.patch(url, {"answers": [{"question": "unit-tests", "choices": ["partly"]}]})
    response = client.patch(
        url, {"answers": [{"question": "unit-tests", "choices": ["fully"]}, answer]}
    )
    assert response.status_code == 400, response.content
    assert reason in str(errors(response).get(attr)), errors(response)
    stored = Answer.objects.get(assessment=draft, question__key="unit-tests")
    assert stored.choices == ["partly"]  # the valid answer next to the bad one was not saved
    assert Answer.objects.filter(assessment=draft).count() == 1


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "answers"),
        ({"answers": []}, "answers"),
        ({"answers": "all of them"}, "answers"),
        ({"answers": [{"question": f"q{i}"} for i in range(501)]}, "answers"),
    ],
)
def test_a_malformed_answers_request_is_a_400(
    draft: Any, owner: User, body: dict[str, Any], attr: str
) -> None:
    response = client_for(owner).patch(f"/api/v1/assessments/{draft.pk}/answers/", body)
    assert response.status_code == 400
    assert any(name.startswith(attr) for name in errors(response)), errors(response)


def test_malformed_json_is_a_400(draft: Any, owner: User) -> None:
    response = client_for(owner).generic(
        "PATCH",
        f"/api/v1/assessments/{draft.pk}/answers/",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"


def test_a_submitted_assessment_refuses_new_answers_with_409(submitted: Any, owner: User) -> None:
    response = client_for(owner).patch(
        f"/api/v1/assessments/{submitted.pk}/answers/",
        {"answers": [{"question": "unit-tests", "choices": ["absent"]}]},
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "submitted"
    assert Answer.objects.get(assessment=submitted, question__key="unit-tests").choices == ["fully"]


def test_submitting_twice_is_a_conflict(submitted: Any, owner: User) -> None:
    response = client_for(owner).post(f"/api/v1/assessments/{submitted.pk}/submit/")
    assert response.status_code == 409
    assert Result.objects.filter(assessment=submitted).count() == 1


def test_a_draft_has_no_result_yet(draft: Any, owner: User) -> None:
    response = client_for(owner).get(f"/api/v1/assessments/{draft.pk}/result/")
    assert response.status_code == 404
    assert "until it is submitted" in response.json()["errors"][0]["detail"]


def test_not_applicable_leaves_the_denominator(organisation: Any, owner: User) -> None:
    version = import_file(MODELS_DIR / "na-example.yaml")
    assessment = services.assessment_create(organisation=organisation, version=version, user=owner)
    client = client_for(owner)
    client.patch(
        f"/api/v1/assessments/{assessment.pk}/answers/",
        {
            "answers": [
                {"question": "backups", "choices": ["yes"]},
                {"question": "restore-drill", "choices": ["no"]},
                {"question": "regulated-audit", "not_applicable": True},
                {"question": "restore-hours", "number": "3"},
            ]
        },
    )
    client.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    result = client.get(f"/api/v1/assessments/{assessment.pk}/result/").json()
    # backups 1 (w2), restore-drill 0 (w1), audit N/A, restore-hours 3h -> band [1, 4) = 0.5 (w1)
    # weighted mean = (2*1 + 1*0 + 1*0.5) / (2 + 1 + 1) = 2.5 / 4 = 0.625
    assert result["overall"] == "0.6250"
    assert result["level"] == "managed"
    assert result["nodes"]["regulated-audit"]["score"] is None
    assert result["nodes"]["root"]["applicable"] == 3


def test_creating_an_assessment_needs_an_organisation_you_can_edit(
    rubric: Any, viewer: User, outsider: User
) -> None:
    for user in (viewer, outsider):
        response = create(client_for(user))
        assert response.status_code == 400
        assert errors(response)["organisation"] == "No organisation 'acme' you can edit."
    response = create(client_for(outsider), organisation="no-such-org")
    assert errors(response)["organisation"] == "No organisation 'no-such-org' you can edit."
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"questionnaire": "nope"}, "questionnaire"),
        ({"version": 4}, "version"),
        ({"version": 0}, "version"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_creating_an_assessment_with_bad_input_is_a_400(
    rubric: Any, owner: User, body: dict[str, Any], attr: str
) -> None:
    response = create(client_for(owner), **body)
    assert response.status_code == 400
    assert attr in errors(response)


def test_an_unknown_questionnaire_is_a_400_that_lists_the_published_ones(
    rubric: Any, owner: User
) -> None:
    response = create(client_for(owner), questionnaire="devops")
    assert response.status_code == 400
    assert errors(response)["questionnaire"] == (
        "No published questionnaire 'devops'. Published: rubric-example."
    )
    response = create(client_for(owner), version=9)
    assert errors(response)["version"] == "No published questionnaire 'rubric-example' version 9."
    assert not Assessment.objects.exists()


def test_an_assessment_points_at_the_exact_version_it_was_answered_on(
    rubric: Any, owner: User
) -> None:
    draft = services.questionnaire_new_version(questionnaire=rubric.questionnaire)
    services.questionnaire_publish(version=draft)
    client = client_for(owner)
    assert create(client).json()["version"] == 2
    assert create(client, version=1).json()["version"] == 1


def test_copy_starts_a_reassessment_with_answers_prefilled(submitted: Any, owner: User) -> None:
    response = client_for(owner).post(f"/api/v1/assessments/{submitted.pk}/copy/")
    assert response.status_code == 201
    body = response.json()
    assert body["assessment"]["status"] == "draft"
    assert body["assessment"]["copied_from"] == submitted.pk
    assert body["assessment"]["progress"]["complete"] is True
    assert body["dropped_answers"] == []


def test_a_copy_flags_carried_over_notes_and_clears_them_when_the_answer_changes(
    draft: Any, owner: User
) -> None:
    client = client_for(owner)
    answer_all(draft, owner)
    note = {"comment": "Nightly only", "evidence_url": "https://ci.example.com/runs"}
    client.patch(
        f"/api/v1/assessments/{draft.pk}/answers/",
        {"answers": [{"question": key, **note} for key in ("unit-tests", "flaky-tests")]},
    )
    services.assessment_submit(assessment=draft, user=owner)
    copy = client.post(f"/api/v1/assessments/{draft.pk}/copy/").json()["assessment"]
    rows = {row["question"]: row for row in copy["answers"]}
    assert {key for key, row in rows.items() if row["notes_carried_over"]} == {
        "unit-tests",
        "flaky-tests",
    }
    assert rows["unit-tests"]["comment"] == "Nightly only"
    saved = client.patch(
        f"/api/v1/assessments/{copy['id']}/answers/",
        {
            "answers": [
                # changed: the old note described the old answer and is cleared
                {"question": "unit-tests", "choices": ["partly"]},
                # resent unchanged: still flagged as carried over
                {"question": "flaky-tests", "choices": ["fully"]},
                # no note to carry
                {"question": "env-teardown", "choices": ["partly"]},
            ]
        },
    ).json()
    rows = {row["question"]: row for row in saved["answers"]}
    assert (rows["unit-tests"]["comment"], rows["unit-tests"]["evidence_url"]) == ("", "")
    assert rows["unit-tests"]["notes_carried_over"] is False
    assert rows["flaky-tests"]["comment"] == "Nightly only"
    assert rows["flaky-tests"]["notes_carried_over"] is True
    # a change sent with a note keeps the note given and confirms it
    confirmed = client.patch(
        f"/api/v1/assessments/{copy['id']}/answers/",
        {"answers": [{"question": "flaky-tests", "choices": ["partly"], "comment": "Weekly"}]},
    ).json()
    row = next(r for r in confirmed["answers"] if r["question"] == "flaky-tests")
    assert (row["comment"], row["evidence_url"], row["notes_carried_over"]) == (
        "Weekly",
        "https://ci.example.com/runs",
        False,
    )


def test_copy_to_a_newer_version_drops_and_reports_answers_that_no_longer_fit(
    submitted: Any, owner: User
) -> None:
    from assessments.models import Choice, Question

    draft = services.questionnaire_new_version(questionnaire=submitted.version.questionnaire)
    Question.objects.filter(version=draft, key="env-teardown").delete()
    Choice.objects.filter(
        question__version=draft, question__key="flaky-tests", key="fully"
    ).delete()
    services.questionnaire_publish(version=draft)
    body = client_for(owner).post(f"/api/v1/assessments/{submitted.pk}/copy/").json()
    assert body["assessment"]["version"] == 2
    assert {d["question"] for d in body["dropped_answers"]} == {"env-teardown", "flaky-tests"}
    assert body["assessment"]["progress"]["missing_required"] == ["flaky-tests"]


def test_a_draft_can_be_deleted_but_a_submitted_one_is_kept(
    draft: Any, submitted: Any, owner: User
) -> None:
    client = client_for(owner)
    assert client.delete(f"/api/v1/assessments/{submitted.pk}/").status_code == 409
    other = services.assessment_create(
        organisation=draft.organisation, version=draft.version, user=owner
    )
    assert client.delete(f"/api/v1/assessments/{other.pk}/").status_code == 204
    assert Assessment.objects.filter(pk=submitted.pk).exists()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("owner", 200, 200), ("editor", 200, 200), ("viewer", 200, 403), ("outsider", 404, 404)],
)
def test_roles_decide_who_reads_and_who_writes(
    draft: Any, request: Any, role: str, read: int, write: int
) -> None:
    client = client_for(request.getfixturevalue(role))
    url = f"/api/v1/assessments/{draft.pk}"
    assert client.get(f"{url}/").status_code == read
    assert client.get(f"{url}/answers/").status_code == read
    response = client.patch(
        f"{url}/answers/", {"answers": [{"question": "unit-tests", "choices": ["fully"]}]}
    )
    assert response.status_code == write


def test_foreign_and_missing_assessments_look_the_same(draft: Any, outsider: User) -> None:
    client = client_for(outsider)
    foreign = client.get(f"/api/v1/assessments/{draft.pk}/")
    missing = client.get("/api/v1/assessments/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_anonymous_users_get_401_on_assessments(draft: Any) -> None:
    assert client_for(None).get("/api/v1/assessments/").status_code == 401
    assert client_for(None).get(f"/api/v1/assessments/{draft.pk}/").status_code == 401


def test_users_see_only_their_organisations_assessments(
    draft: Any, outsider: User, owner: User
) -> None:
    assert client_for(outsider).get("/api/v1/assessments/").json()["count"] == 0
    assert client_for(owner).get("/api/v1/assessments/").json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("status=draft", 1),
        ("status=submitted", 1),
        ("questionnaire=rubric-example", 2),
        ("organisation=acme", 2),
        ("organisation=globex", 0),
    ],
)
def test_assessments_can_be_filtered(
    submitted: Any, owner: User, rubric: Any, query: str, count: int
) -> None:
    services.assessment_create(organisation=submitted.organisation, version=rubric, user=owner)
    response = client_for(owner).get(f"/api/v1/assessments/?{query}")
    assert response.json()["count"] == count


def test_an_unknown_assessment_filter_is_a_400(owner: User) -> None:
    response = client_for(owner).get("/api/v1/assessments/?state=draft")
    assert response.status_code == 400
    assert "state" in errors(response)


def test_an_organisation_can_be_created_and_its_creator_owns_it(owner: User) -> None:
    client = client_for(owner)
    response = client.post("/api/v1/organisations/", {"slug": "initech", "name": "Initech"})
    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    assert (
        client.post("/api/v1/organisations/", {"slug": "initech", "name": "x"}).status_code == 400
    )
    listed = client.get("/api/v1/organisations/").json()["results"]
    assert {(row["slug"], row["role"]) for row in listed} == {
        ("acme", "owner"),
        ("initech", "owner"),
    }


def make_assessments(organisation: Any, version: Any, user: User, count: int) -> None:
    for _ in range(count):
        assessment = services.assessment_create(
            organisation=organisation, version=version, user=user
        )
        answer_all(assessment, user)
        services.assessment_submit(assessment=assessment, user=user)


@pytest.mark.parametrize("rows", [1, 8])
def test_assessment_list_query_budget_does_not_grow(
    rubric: Any, organisation: Any, owner: User, django_assert_num_queries: Any, rows: int
) -> None:
    make_assessments(organisation, rubric, owner, rows)
    client = client_for(owner)
    # token lookup, token refresh, count, page joined with organisation, version,
    # questionnaire, users and result
    with django_assert_num_queries(4):
        response = client.get("/api/v1/assessments/")
    assert response.json()["count"] == rows


def test_assessment_detail_query_budget(
    submitted: Any, owner: User, django_assert_num_queries: Any
) -> None:
    client = client_for(owner)
    # token lookup, token refresh, assessment (joined), answers; the published version's tree
    # was loaded at submit and is kept in memory (published versions never change)
    with django_assert_num_queries(4):
        client.get(f"/api/v1/assessments/{submitted.pk}/")


@pytest.mark.parametrize("extra_versions", [0, 3])
def test_questionnaire_list_query_budget(
    rubric: Any, django_assert_num_queries: Any, extra_versions: int
) -> None:
    for _ in range(extra_versions):
        version = services.questionnaire_new_version(questionnaire=rubric.questionnaire)
        services.questionnaire_publish(version=version)
    import_file(MODELS_DIR / "three-tier.yaml")
    # count, page of questionnaires, prefetch of published versions
    with django_assert_num_queries(3):
        client_for(None).get("/api/v1/questionnaires/")


def test_questionnaire_detail_query_budget(three_tier: Any, django_assert_num_queries: Any) -> None:
    # published versions with their questionnaire, the version tree (9)
    with django_assert_num_queries(10):
        client_for(None).get("/api/v1/questionnaires/three-tier-example/")


def test_stored_numbers_survive_catalogue_edits_and_new_versions(
    submitted: Any, owner: User
) -> None:
    before = client_for(owner).get(f"/api/v1/assessments/{submitted.pk}/result/").json()
    draft = services.questionnaire_new_version(questionnaire=submitted.version.questionnaire)
    from assessments.models import Choice

    Choice.objects.filter(question__version=draft).update(value=Decimal("0.1"))
    services.questionnaire_publish(version=draft)
    after = client_for(owner).get(f"/api/v1/assessments/{submitted.pk}/result/").json()
    assert after == before


def test_recomputing_a_stored_result_gives_the_same_numbers(submitted: Any) -> None:
    stored = Result.objects.get(assessment=submitted).snapshot
    again = services.assessment_recompute(assessment=submitted).to_dict()
    for key in ("overall", "overall_percent", "level", "breakdowns"):
        assert again[key] == stored[key]
    assert {k: v["score"] for k, v in again["nodes"].items()} == {
        k: v["score"] for k, v in stored["nodes"].items()
    }


def test_changing_an_assessment_needs_the_etag_last_read(draft: Any, owner: User) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{draft.pk}/"
    read = client.get(url)
    etag = read["ETag"]
    assert etag == f'"assessment-{draft.pk}-r1"'
    missing = client.patch(url, {"title": "No precondition"})
    assert missing.status_code == 428
    assert missing.json()["errors"][0]["code"] == "precondition_required"
    ok = client.patch(url, {"title": "Renamed"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] == f'"assessment-{draft.pk}-r2"'
    stale = client.patch(url, {"title": "Lost update"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "precondition_failed"
    assert Assessment.objects.get(pk=draft.pk).title == "Renamed"


def test_saving_answers_changes_the_etag_and_honours_if_match(draft: Any, owner: User) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{draft.pk}/"
    etag = client.get(url)["ETag"]
    body = {"answers": [{"question": "unit-tests", "choices": ["fully"]}]}
    assert client.patch(f"{url}answers/", body, HTTP_IF_MATCH=etag).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200  # changed
    newer = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=newer).status_code == 304
    stale = client.patch(f"{url}answers/", body, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert client.patch(url, {"title": "x"}, HTTP_IF_MATCH=etag).status_code == 412
