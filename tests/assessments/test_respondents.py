"""Many respondents per assessment: their own answers, the answers derived from them by the
questionnaire's rule, each figure worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments import services
from assessments.models import Answer, Assessment, Respondent, RespondentAnswer
from organisations.models import Organisation
from tests.assessments.conftest import client_for
from tests.assessments.respondents_world import (
    add,
    answers_of,
    errors,
    person,
    save,
    team_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Organisation:
    return Organisation.objects.create(slug="acme", name="Acme")


@pytest.fixture
def owner(org: Organisation) -> User:
    return person(org, "olivia", "owner")


def team(
    org: Organisation, owner: User, derivation: str, size: int
) -> tuple[Assessment, list[User]]:
    """A draft of the team questionnaire under `derivation`, with `size` editors as respondents
    (added through the API, in order r1, r2, ...)."""
    assessment = services.assessment_create(
        organisation=org, version=team_version(derivation), user=owner, title="Team"
    )
    people = [person(org, f"r{n}", "editor") for n in range(1, size + 1)]
    client = client_for(owner)
    for user in people:
        assert add(client, assessment, user.username).status_code == 201
    return assessment, people


def pick(question: str, *choices: str) -> dict[str, Any]:
    return {"question": question, "choices": list(choices)}


def num(question: str, value: str) -> dict[str, Any]:
    return {"question": question, "number": value}


NA = "not applicable"


def given(question: str, value: str) -> dict[str, Any]:
    if value == NA:
        return {"question": question, "not_applicable": True}
    if question == "coverage":
        return num(question, value)
    return pick(question, *value.split("+"))


def shown(row: dict[str, Any] | None) -> Any:
    """An answer row in short: its choices, number, 'not applicable' or score."""
    if row is None:
        return None
    if row["not_applicable"]:
        return NA
    if row["score"] is not None:
        return ("score", row["score"])
    if row["number"] is not None:
        return row["number"]
    return row["choices"]


# (rule, question, each respondent's answer, the derived answer worked out by hand)
DERIVATIONS = [
    # mean of 0.5, 1, 1 = 0.83333... -> a score of 0.8333, no one's own answer
    ("mean", "practice", ["partly", "fully", "fully"], ("score", "0.8333")),
    # mean of 0.2, 0.5, 0.9 = 1.6 / 3 = 0.53333... -> 0.5333
    ("mean", "coverage", ["20", "50", "90"], ("score", "0.5333")),
    # the mean 0.5 of 0, 0.5, 1 equals r2's score, but the answers differ: still a score
    ("mean", "practice", ["absent", "partly", "fully"], ("score", "0.5000")),
    # everyone the same: that answer itself, whatever the rule
    ("mean", "practice", ["partly", "partly", "partly"], ["partly"]),
    # not applicable is left out: mean of 1 and 0.5 = 0.75
    ("mean", "practice", [NA, "fully", "partly"], ("score", "0.7500")),
    # only "not applicable": so is the derived answer
    ("mean", "coverage", [NA, NA, NA], NA),
    # multiple choice: ci+cd = 1, ci = 0.5, none = 0 -> 0.5; as the mean, a score
    ("mean", "tools", ["ci+cd", "ci", "cd"], ("score", "0.6667")),
    # median of an odd count: 0, 0.5, 1 -> 0.5, r3's own answer
    ("median", "practice", ["absent", "fully", "partly"], ["partly"]),
    ("median", "coverage", ["20", "90", "50"], "50.0000"),
    # median of an even count: the mean of the middle two, 0.5 and 1 -> 0.75
    ("median", "practice", ["absent", "partly", "fully", "fully"], ("score", "0.7500")),
    ("median", "coverage", ["20", "40", "60", "90"], ("score", "0.5000")),
    # even count with "not applicable" left out: 0.2, 0.9 -> 0.55
    ("median", "coverage", ["20", NA, "90", NA], ("score", "0.5500")),
    # minimum: the lowest score, the first respondent who gave it
    ("minimum", "practice", ["fully", "partly", "partly"], ["partly"]),
    ("minimum", "coverage", ["90", "20", "50"], "20.0000"),
    ("minimum", "coverage", ["90", NA, "50"], "50.0000"),
    ("minimum", "tools", ["ci+cd", "cd", "ci"], ["cd"]),
]


@pytest.mark.parametrize(("rule", "question", "values", "expected"), DERIVATIONS)
def test_the_assessments_answer_is_derived_from_its_respondents_by_the_rule(
    org: Organisation, owner: User, rule: str, question: str, values: list[str], expected: Any
) -> None:
    assessment, people = team(org, owner, rule, len(values))
    for user, value in zip(people, values, strict=True):
        response = save(user, assessment, given(question, value))
        assert response.status_code == 200, response.json()

    answer = answers_of(client_for(owner), assessment)[question]

    assert shown(answer) == expected
    assert answer["source"] == "derived"


def test_under_the_facilitator_rule_nothing_is_derived_until_a_consensus(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2) = team(org, owner, "facilitator", 2)
    save(r1, assessment, pick("practice", "fully"), num("coverage", "80"))
    save(r2, assessment, pick("practice", "absent"), num("coverage", "60"))
    client = client_for(owner)

    assert answers_of(client, assessment) == {}
    statuses = {
        row["question"]: row["status"]
        for row in client.get(f"/api/v1/assessments/{assessment.pk}/disagreement/").json()[
            "questions"
        ]
    }
    assert statuses == {
        "practice": "awaiting_facilitator",
        "tools": "unanswered",
        "coverage": "awaiting_facilitator",
    }

    refused = client.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "consensus_needed"
    assert refused.json()["awaiting_consensus"] == ["practice", "coverage"]

    for key, body in [
        ("practice", {"choices": ["partly"], "note": "Reviews are skipped on hotfixes."}),
        ("coverage", {"number": "70", "note": "Measured in CI last week."}),
    ]:
        response = client.put(f"/api/v1/assessments/{assessment.pk}/consensus/{key}/", body)
        assert response.status_code == 200, response.json()
    submitted = client.post(f"/api/v1/assessments/{assessment.pk}/submit/")

    assert submitted.status_code == 200, submitted.json()
    result = client.get(f"/api/v1/assessments/{assessment.pk}/result/").json()
    # mean of delivery (practice 0.5; tools optional, unanswered scores 0 -> (0.5 + 0) / 2)
    # and quality (coverage 0.7): (0.25 + 0.7) / 2 = 0.475
    assert result["overall"] == "0.4750"
    assert result["answers"]["practice"]["source"] == "consensus"


def test_a_derived_score_is_what_submit_scores(org: Organisation, owner: User) -> None:
    assessment, (r1, r2, r3) = team(org, owner, "mean", 3)
    save(r1, assessment, pick("practice", "partly"), num("coverage", "20"), pick("tools", "ci"))
    save(r2, assessment, pick("practice", "fully"), num("coverage", "50"), pick("tools", "ci"))
    save(r3, assessment, pick("practice", "fully"), num("coverage", "90"), pick("tools", "ci"))
    client = client_for(owner)

    response = client.post(f"/api/v1/assessments/{assessment.pk}/submit/")

    assert response.status_code == 200, response.json()
    result = client.get(f"/api/v1/assessments/{assessment.pk}/result/").json()
    # practice 0.8333 (mean of 0.5, 1, 1), tools 0.5 (all "ci"): delivery (0.8333 + 0.5) / 2
    # = 0.66665; quality 0.5333: overall (0.66665 + 0.5333) / 2 = 0.599975 -> 0.6000
    assert result["nodes"]["practice"]["score"] == "0.8333"
    assert result["nodes"]["delivery"]["score"] == "0.6667"
    assert result["overall"] == "0.6000"
    assert result["answers"]["practice"] == {
        "choices": [],
        "number": None,
        "not_applicable": False,
        "score": "0.8333",
        "source": "derived",
    }
    assert result["answers"]["tools"] == {
        "choices": ["ci"],
        "number": None,
        "not_applicable": False,
        "source": "derived",
    }


def test_each_respondent_reads_and_saves_only_their_own_answers(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2) = team(org, owner, "mean", 2)
    save(r1, assessment, {**pick("practice", "fully"), "comment": "Always, by rule"})
    save(r2, assessment, pick("practice", "absent"))

    mine = client_for(r1).get(f"/api/v1/assessments/{assessment.pk}/my-answers/")

    assert mine.status_code == 200
    respondent = Respondent.objects.get(assessment=assessment, user=r1)
    assert mine.json()["respondent"] == str(respondent.uuid)
    assert [
        (row["question"], row["choices"], row["comment"]) for row in mine.json()["answers"]
    ] == [("practice", ["fully"], "Always, by rule")]
    assert mine.json()["progress"] == {
        "total": 3,
        "answered": 1,
        "required": 2,
        "missing_required": ["coverage"],
        "complete": False,
    }
    assert mine["ETag"] == f'"respondent-{respondent.pk}-r{respondent.revision}"'


def test_a_save_bumps_the_respondent_and_the_assessment_etags_and_an_unchanged_one_neither(
    org: Organisation, owner: User
) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)
    client = client_for(owner)
    before = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]

    first = save(r1, assessment, pick("practice", "fully"))
    again = save(r1, assessment, pick("practice", "fully"), HTTP_IF_MATCH=first["ETag"])

    after = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    respondent = Respondent.objects.get()
    assert first["ETag"] == f'"respondent-{respondent.pk}-r2"'
    assert again.status_code == 200
    assert again["ETag"] == first["ETag"]
    assert after != before
    assert RespondentAnswer.history.count() == 1  # the unchanged save wrote nothing


def test_a_stale_if_match_is_412_and_saves_nothing(org: Organisation, owner: User) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)
    first = save(r1, assessment, pick("practice", "fully"))
    save(r1, assessment, pick("practice", "partly"))

    stale = save(r1, assessment, pick("practice", "absent"), HTTP_IF_MATCH=first["ETag"])

    assert stale.status_code == 412
    assert RespondentAnswer.objects.get().choices == ["partly"]
    assert Answer.objects.get().choices == ["partly"]


def test_a_batch_with_one_bad_answer_saves_nothing_and_names_it(
    org: Organisation, owner: User
) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)

    response = save(
        r1,
        assessment,
        pick("practice", "fully"),
        num("coverage", "140"),
        pick("nope", "x"),
    )

    assert response.status_code == 400
    assert errors(response) == {
        "answers.1": "coverage: number 140.0000 is above the maximum 100.0000",
        "answers.2.question": "No question 'nope' in this questionnaire version.",
    }
    assert not RespondentAnswer.objects.exists()
    assert not Answer.objects.exists()


# --- adding and removing respondents --------------------------------------------------------------


def test_respondents_are_listed_with_how_far_each_is(org: Organisation, owner: User) -> None:
    assessment, (r1, r2, _) = team(org, owner, "mean", 3)
    save(r1, assessment, pick("practice", "fully"), num("coverage", "50"))  # both required
    save(r2, assessment, pick("tools", "ci"))  # the optional one only
    viewer = person(org, "vera", "viewer")

    response = client_for(viewer).get(f"/api/v1/assessments/{assessment.pk}/respondents/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = {row["username"]: row for row in body["results"]}
    assert [row["username"] for row in body["results"]] == ["r1", "r2", "r3"]
    assert (rows["r1"]["status"], rows["r1"]["answered"]) == ("done", 2)
    assert (rows["r2"]["status"], rows["r2"]["answered"]) == ("answering", 1)
    assert (rows["r3"]["status"], rows["r3"]["answered"], rows["r3"]["last_saved"]) == (
        "answering",
        0,
        None,
    )
    assert rows["r1"]["last_saved"] is not None
    assert rows["r1"]["email"] is None
    uuids = {str(u) for u in Respondent.objects.values_list("uuid", flat=True)}
    assert {row["uuid"] for row in body["results"]} == uuids


def test_any_member_can_be_added_and_answers_at_once(org: Organisation, owner: User) -> None:
    assessment, _ = team(org, owner, "mean", 0)
    viewer = person(org, "vera", "viewer")
    respondent_member = person(org, "rita", "respondent")
    client = client_for(owner)

    for user in (viewer, respondent_member):
        response = add(client, assessment, user.username)
        assert response.status_code == 201, response.json()
        assert response.json()["username"] == user.username
        assert response.json()["status"] == "answering"
        assert save(user, assessment, pick("practice", "fully")).status_code == 200
    assert answers_of(client, assessment)["practice"]["choices"] == ["fully"]


def test_the_first_respondent_keeps_the_answers_given_before_as_their_givers_answers(
    org: Organisation, owner: User
) -> None:
    editor = person(org, "eddie", "editor")
    assessment = services.assessment_create(
        organisation=org, version=team_version("mean"), user=owner, title="Team"
    )
    client_for(owner).patch(
        f"/api/v1/assessments/{assessment.pk}/answers/",
        {"answers": [{**pick("practice", "partly"), "comment": "Reviews on big changes"}]},
    )
    client_for(editor).patch(
        f"/api/v1/assessments/{assessment.pk}/answers/",
        {"answers": [{**num("coverage", "40"), "evidence_url": "https://ci.example.com/cov"}]},
    )
    newcomer = person(org, "nina", "viewer")

    response = add(client_for(owner), assessment, "nina")

    assert response.status_code == 201
    assert response.json()["username"] == "nina"
    listed = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/respondents/").json()
    assert [(row["username"], row["answered"]) for row in listed["results"]] == [
        ("olivia", 1),
        ("eddie", 1),
        ("nina", 0),
    ]
    olivias = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/my-answers/").json()
    assert [(a["question"], a["choices"], a["comment"]) for a in olivias["answers"]] == [
        ("practice", ["partly"], "Reviews on big changes")
    ]
    eddies = client_for(editor).get(f"/api/v1/assessments/{assessment.pk}/my-answers/").json()
    assert [(a["question"], a["number"], a["evidence_url"]) for a in eddies["answers"]] == [
        ("coverage", "40.0000", "https://ci.example.com/cov")
    ]
    # the assessment's answers are the same values, now derived from their givers' answers
    derived = answers_of(client_for(owner), assessment)
    assert {key: (shown(row), row["source"]) for key, row in derived.items()} == {
        "practice": (["partly"], "derived"),
        "coverage": ("40.0000", "derived"),
    }
    assert save(newcomer, assessment, pick("practice", "fully")).status_code == 200
    # mean of 0.5 (olivia) and 1 (nina)
    assert shown(answers_of(client_for(owner), assessment)["practice"]) == ("score", "0.7500")


def test_the_shared_answers_endpoint_refuses_an_assessment_with_respondents(
    org: Organisation, owner: User
) -> None:
    assessment, _ = team(org, owner, "mean", 1)

    response = client_for(owner).patch(
        f"/api/v1/assessments/{assessment.pk}/answers/", {"answers": [pick("practice", "fully")]}
    )

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "has_respondents"
    assert f"/api/v1/assessments/{assessment.pk}/my-answers/" in error["detail"]
    assert "consensus" in error["detail"]
    assert not Answer.objects.exists()


def test_removing_a_respondent_drops_their_answers_and_derives_again(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2) = team(org, owner, "mean", 2)
    save(r1, assessment, pick("practice", "fully"), num("coverage", "20"))
    save(r2, assessment, pick("practice", "absent"))
    client = client_for(owner)
    gone = Respondent.objects.get(user=r2)
    assert shown(answers_of(client, assessment)["practice"]) == ("score", "0.5000")

    response = client.delete(f"/api/v1/assessments/{assessment.pk}/respondents/{gone.uuid}/")

    assert response.status_code == 204
    assert not RespondentAnswer.objects.filter(respondent_id=gone.pk).exists()
    assert shown(answers_of(client, assessment)["practice"]) == ["fully"]
    # audited: the respondent and their answer are in the history as deleted, by whom
    deleted = Respondent.history.get(id=gone.pk, history_type="-")
    assert deleted.history_user == owner
    assert RespondentAnswer.history.filter(respondent_id=gone.pk, history_type="-").count() == 1


def test_removing_the_last_respondent_of_a_question_removes_its_derived_answer(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2) = team(org, owner, "mean", 2)
    save(r1, assessment, pick("practice", "fully"))
    save(r2, assessment, num("coverage", "30"))
    gone = Respondent.objects.get(user=r2)

    client_for(owner).delete(f"/api/v1/assessments/{assessment.pk}/respondents/{gone.uuid}/")

    assert set(answers_of(client_for(owner), assessment)) == {"practice"}


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"username": "nobody"}, "username", "No user 'nobody'."),
        ({}, "username", "Give the username of a member, or an e-mail address."),
        (
            {"username": "r1", "email": "r1@example.com"},
            "email",
            "Give a username or an e-mail address, not both.",
        ),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"username": "r1", "role": "owner"}, "role", "Unknown field. Allowed: email, username."),
        ({"username": 7}, "username", "Not a valid string: send a JSON string."),
    ],
)
def test_adding_someone_unknown_or_with_a_bad_body_is_a_400_naming_the_field(
    org: Organisation, owner: User, body: dict[str, Any], field: str, detail: str
) -> None:
    assessment, _ = team(org, owner, "mean", 0)
    User.objects.create_user("stranger")
    person(org, "r1", "editor")

    response = client_for(owner).post(f"/api/v1/assessments/{assessment.pk}/respondents/", body)

    assert response.status_code == 400
    assert errors(response)[field].startswith(detail)
    assert not Respondent.objects.exists()


def test_adding_someone_twice_is_a_409(org: Organisation, owner: User) -> None:
    assessment, _ = team(org, owner, "mean", 1)

    response = add(client_for(owner), assessment, "r1")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "already_respondent"
    assert Respondent.objects.count() == 1


def test_a_viewer_cannot_add_or_remove_respondents(org: Organisation, owner: User) -> None:
    assessment, _ = team(org, owner, "mean", 1)
    viewer = person(org, "vera", "viewer")
    one = Respondent.objects.get()
    client = client_for(viewer)

    added = add(client, assessment, "vera")
    removed = client.delete(f"/api/v1/assessments/{assessment.pk}/respondents/{one.uuid}/")

    assert (added.status_code, removed.status_code) == (403, 403)
    assert "owners and editors" in added.json()["errors"][0]["detail"]
    assert Respondent.objects.count() == 1


def test_an_unknown_or_foreign_respondent_is_a_404(org: Organisation, owner: User) -> None:
    assessment, _ = team(org, owner, "mean", 1)
    other, _ = team(org, owner, "median", 0)
    add(client_for(owner), other, "olivia")
    foreign = Respondent.objects.get(assessment=other)
    client = client_for(owner)

    for uuid in (foreign.uuid, "0b6f4a52-6f0e-4d7e-9a55-2c1d5f0e8a11"):
        response = client.delete(f"/api/v1/assessments/{assessment.pk}/respondents/{uuid}/")
        assert response.status_code == 404
    assert Respondent.objects.count() == 2


def test_someone_who_does_not_answer_cannot_save_answers_of_their_own(
    org: Organisation, owner: User
) -> None:
    assessment, _ = team(org, owner, "mean", 1)

    response = save(owner, assessment, pick("practice", "fully"))
    reading = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/my-answers/")

    assert (response.status_code, reading.status_code) == (403, 403)
    assert errors(response)[None] == (
        "Only the respondents of this assessment save answers of their own to it."
    )
    assert not RespondentAnswer.objects.exists()


def test_a_respondent_of_the_organisation_not_asked_to_answer_gets_404(
    org: Organisation, owner: User
) -> None:
    assessment, _ = team(org, owner, "mean", 1)
    bystander = person(org, "bob", "respondent")

    for path in ("my-answers/", "respondents/", "disagreement/", ""):
        response = client_for(bystander).get(f"/api/v1/assessments/{assessment.pk}/{path}")
        assert response.status_code == 404, path


def test_a_respondent_reads_the_assessment_but_not_the_others_answers(
    org: Organisation, owner: User
) -> None:
    assessment, _ = team(org, owner, "mean", 1)
    person(org, "bob", "respondent")
    add(client_for(owner), assessment, "bob")
    bob = User.objects.get(username="bob")
    client = client_for(bob)

    assert client.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 200
    for path in ("respondents/", "disagreement/"):
        response = client.get(f"/api/v1/assessments/{assessment.pk}/{path}")
        assert response.status_code == 403, path
        assert "owners, editors and viewers" in errors(response)[None]


def test_unknown_query_parameters_are_a_400(org: Organisation, owner: User) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)
    client = client_for(owner)

    for path in ("respondents/?colour=red", "disagreement/?colour=red"):
        response = client.get(f"/api/v1/assessments/{assessment.pk}/{path}")
        assert response.status_code == 400
        assert errors(response)["colour"].startswith("Unknown query parameter.")
    response = client_for(r1).get(f"/api/v1/assessments/{assessment.pk}/my-answers/?page=2")
    assert errors(response) == {"page": "Unknown query parameter. Allowed: format."}
    response = client.get(f"/api/v1/assessments/{assessment.pk}/respondents/?page_size=0")
    assert response.status_code == 400


# --- submitted assessments are frozen -------------------------------------------------------------


def test_a_submitted_assessment_takes_no_respondent_saves_additions_removals_or_consensus(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2) = team(org, owner, "mean", 2)
    save(r1, assessment, pick("practice", "fully"), num("coverage", "50"))
    client = client_for(owner)
    assert client.post(f"/api/v1/assessments/{assessment.pk}/submit/").status_code == 200
    person(org, "late", "editor")
    one = Respondent.objects.get(user=r2)
    before = list(RespondentAnswer.objects.values_list("pk", "choices", "number"))

    responses = [
        save(r1, assessment, pick("practice", "absent")),
        save(r2, assessment, pick("practice", "absent")),
        add(client, assessment, "late"),
        client.delete(f"/api/v1/assessments/{assessment.pk}/respondents/{one.uuid}/"),
        client.put(
            f"/api/v1/assessments/{assessment.pk}/consensus/practice/",
            {"choices": ["absent"], "note": "Late."},
        ),
        client.delete(f"/api/v1/assessments/{assessment.pk}/consensus/practice/"),
    ]

    assert [r.status_code for r in responses] == [409] * 6
    assert {r.json()["errors"][0]["code"] for r in responses} == {"submitted"}
    assert list(RespondentAnswer.objects.values_list("pk", "choices", "number")) == before
    assert Respondent.objects.count() == 2
    # reading one's own answers still works
    assert client_for(r1).get(f"/api/v1/assessments/{assessment.pk}/my-answers/").status_code == 200


# --- disagreement ---------------------------------------------------------------------------------


def test_disagreement_per_question_and_section_worked_out_by_hand(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2, r3) = team(org, owner, "mean", 3)
    save(r1, assessment, pick("practice", "partly"), num("coverage", "20"))
    save(r2, assessment, pick("practice", "fully"), num("coverage", "50"))
    save(r3, assessment, pick("practice", "absent"), given("coverage", NA))

    response = client_for(person(org, "vera", "viewer")).get(
        f"/api/v1/assessments/{assessment.pk}/disagreement/"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["assessment"], body["derivation"], body["respondents"]) == (
        assessment.pk,
        "mean",
        3,
    )
    questions = {row["question"]: row for row in body["questions"]}
    assert list(questions) == ["practice", "tools", "coverage"]  # form order
    # practice: 50%, 100%, 0% -> spread 100; population stdev sqrt(5000 / 3) = 40.82
    assert questions["practice"] == {
        "question": "practice",
        "text": "Do changes go through review?",
        "section": "delivery",
        "respondents": 3,
        "not_applicable": 0,
        "min_percent": "0.00",
        "max_percent": "100.00",
        "spread": "100.00",
        "stdev": "40.82",
        "distribution": [
            {"key": "absent", "label": "Never", "count": 1},
            {"key": "partly", "label": "Sometimes", "count": 1},
            {"key": "fully", "label": "Always", "count": 1},
            {"key": "not_applicable", "label": "Not applicable", "count": 0},
        ][:3],
        "status": "derived",
    }
    # coverage: 20% and 50% (the third said not applicable): spread 30, stdev 15
    assert {k: questions["coverage"][k] for k in ("respondents", "not_applicable", "spread")} == {
        "respondents": 3,
        "not_applicable": 1,
        "spread": "30.00",
    }
    assert questions["coverage"]["stdev"] == "15.00"
    assert questions["coverage"]["distribution"] == [
        {"key": "20", "label": "20", "count": 1},
        {"key": "50", "label": "50", "count": 1},
        {"key": "not_applicable", "label": "Not applicable", "count": 1},
    ]
    # nobody answered tools: no figures, every choice counted 0
    assert (questions["tools"]["respondents"], questions["tools"]["spread"]) == (0, None)
    assert questions["tools"]["status"] == "unanswered"
    assert [c["count"] for c in questions["tools"]["distribution"]] == [0, 0]
    sections = {row["section"]: row for row in body["sections"]}
    assert list(sections) == ["root", "delivery", "quality"]
    # root: the spreads 100 and 30 of the two questions at least two respondents scored
    assert sections["root"] == {
        "section": "root",
        "title": "Team check",
        "questions": 2,
        "respondents": 3,
        "mean_spread": "65.00",
        "max_spread": "100.00",
    }
    assert (sections["quality"]["mean_spread"], sections["quality"]["questions"]) == ("30.00", 1)
    assert body["needs_conversation"] == [
        {"question": "practice", "text": "Do changes go through review?", "spread": "100.00",
         "stdev": "40.82"},
        {"question": "coverage", "text": "What share of the code do tests cover?",
         "spread": "30.00", "stdev": "15.00"},
    ]  # fmt: skip


# --- consensus ------------------------------------------------------------------------------------


def consensus(user: User, assessment: Assessment, key: str, body: dict[str, Any]) -> Any:
    return client_for(user).put(f"/api/v1/assessments/{assessment.pk}/consensus/{key}/", body)


def test_a_consensus_answer_overrides_the_derived_one_until_cleared(
    org: Organisation, owner: User
) -> None:
    assessment, (r1, r2) = team(org, owner, "mean", 2)
    save(r1, assessment, pick("practice", "fully"))
    save(r2, assessment, pick("practice", "absent"))
    client = client_for(owner)

    response = consensus(
        owner, assessment, "practice", {"choices": ["partly"], "note": "Big changes only."}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["question"] == "practice"
    answer = response.json()["answer"]
    assert (answer["choices"], answer["source"], answer["consensus_note"]) == (
        ["partly"],
        "consensus",
        "Big changes only.",
    )
    # a later save by a respondent leaves the consensus alone
    save(r2, assessment, pick("practice", "fully"))
    assert answers_of(client, assessment)["practice"]["source"] == "consensus"
    assert answers_of(client, assessment)["practice"]["choices"] == ["partly"]

    cleared = client.delete(f"/api/v1/assessments/{assessment.pk}/consensus/practice/")

    assert cleared.status_code == 200
    # back to derived: both now say "fully"
    assert shown(cleared.json()["answer"]) == ["fully"]
    assert cleared.json()["answer"]["source"] == "derived"
    assert answers_of(client, assessment)["practice"]["source"] == "derived"


def test_a_consensus_with_a_stale_if_match_changes_nothing(org: Organisation, owner: User) -> None:
    assessment, (r1, r2) = team(org, owner, "mean", 2)
    save(r1, assessment, pick("practice", "fully"))
    client = client_for(owner)
    read = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    save(r2, assessment, pick("practice", "absent"))  # meanwhile, a respondent saves
    path = f"/api/v1/assessments/{assessment.pk}/consensus/practice/"
    body = {"choices": ["partly"], "note": "Agreed in the retro."}

    stale = client.put(path, body, format="json", HTTP_IF_MATCH=read)
    stale_clear = client.delete(path, HTTP_IF_MATCH=read)

    assert stale.status_code == stale_clear.status_code == 412
    assert answers_of(client, assessment)["practice"]["source"] == "derived"
    current = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    recorded = client.put(path, body, format="json", HTTP_IF_MATCH=current)
    assert recorded.status_code == 200
    after = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    assert recorded["ETag"] == after != current
    cleared = client.delete(path, HTTP_IF_MATCH=after)
    assert cleared.status_code == 200
    assert cleared["ETag"] == client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    assert answers_of(client, assessment)["practice"]["source"] == "derived"


def test_every_consensus_is_audited_also_when_it_equals_the_derived_answer(
    org: Organisation, owner: User
) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)
    save(r1, assessment, pick("practice", "fully"))
    editor = person(org, "eddie", "editor")
    body = {"choices": ["fully"], "note": "We agree with r1."}

    for user in (editor, editor, owner):
        assert consensus(user, assessment, "practice", body).status_code == 200
    client_for(owner).delete(f"/api/v1/assessments/{assessment.pk}/consensus/practice/")

    question = Answer.objects.get(assessment=assessment).question_id
    rows = list(
        Answer.history.filter(assessment_id=assessment.pk, question_id=question)
        .order_by("history_date", "history_id")
        .values_list("history_type", "source", "history_user__username", "history_change_reason")
    )
    assert rows == [
        ("+", "derived", "r1", "derived from the respondents' answers"),
        ("~", "consensus", "eddie", "consensus recorded"),
        ("~", "consensus", "eddie", "consensus confirmed"),
        ("~", "consensus", "olivia", "consensus recorded"),
        ("-", "consensus", "olivia", "consensus cleared"),
        ("+", "derived", "olivia", "derived from the respondents' answers"),
    ]


def test_a_consensus_may_be_a_score(org: Organisation, owner: User) -> None:
    assessment, (r1, r2) = team(org, owner, "median", 2)
    save(r1, assessment, num("coverage", "10"))
    save(r2, assessment, num("coverage", "90"))

    response = consensus(owner, assessment, "coverage", {"score": "0.6", "note": "Roughly."})

    assert response.status_code == 200
    assert shown(response.json()["answer"]) == ("score", "0.6000")


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"choices": ["partly"]}, "note", "This field is required."),
        ({"choices": ["partly"], "note": "  "}, "note", "This field may not be blank."),
        ({"choices": ["often"], "note": "n"}, "choices", "practice: choice 'often' is not one of"),
        ({"note": "n"}, "choices", "practice: give choices, a number, a score or not_applicable"),
        ({"score": "1.5", "note": "n"}, "score", "practice: score 1.5000 is above"),
        (
            {"score": "0.5", "choices": ["partly"], "note": "n"},
            "score",
            "practice: a score answer carries no choices",
        ),
        ({"number": "3", "note": "n"}, "number", "practice: single_choice question takes"),
        ({"choices": ["partly"], "note": "n", "why": "x"}, "why", "Unknown field."),
    ],
)
def test_a_bad_consensus_is_a_400_naming_the_field_and_changes_nothing(
    org: Organisation, owner: User, body: dict[str, Any], field: str, detail: str
) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)
    save(r1, assessment, pick("practice", "fully"))
    before = Answer.history.count()

    response = consensus(owner, assessment, "practice", body)

    assert response.status_code == 400
    assert errors(response)[field].startswith(detail), errors(response)
    assert Answer.objects.get().source == "derived"
    assert Answer.history.count() == before


def test_consensus_on_an_unknown_question_is_a_404(org: Organisation, owner: User) -> None:
    assessment, _ = team(org, owner, "mean", 1)
    client = client_for(owner)

    put = consensus(owner, assessment, "nope", {"choices": ["fully"], "note": "n"})
    cleared = client.delete(f"/api/v1/assessments/{assessment.pk}/consensus/nope/")
    not_set = client.delete(f"/api/v1/assessments/{assessment.pk}/consensus/practice/")

    assert (put.status_code, cleared.status_code, not_set.status_code) == (404, 404, 404)
    assert errors(not_set)[None] == "Question 'practice' has no consensus answer to clear."


def test_consensus_needs_respondents_and_an_editor(org: Organisation, owner: User) -> None:
    lone, _ = team(org, owner, "mean", 0)
    assessment, (r1,) = team(org, owner, "median", 1)
    viewer = person(org, "vera", "viewer")
    body = {"choices": ["fully"], "note": "n"}

    without = consensus(owner, lone, "practice", body)
    by_viewer = consensus(viewer, assessment, "practice", body)
    by_respondent = consensus(r1, assessment, "practice", body)

    assert without.status_code == 409
    assert without.json()["errors"][0]["code"] == "no_respondents"
    assert by_viewer.status_code == 403
    # r1 is an editor of the organisation: editors record consensus, respondent or not
    assert by_respondent.status_code == 200


# --- the deadline ---------------------------------------------------------------------------------


def test_a_deadline_is_set_on_create_changed_and_cleared_and_shown(
    org: Organisation, owner: User
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    team_version("mean")
    client = client_for(owner)
    soon = timezone.localdate() + timedelta(days=14)
    later = soon + timedelta(days=7)

    created = client.post(
        "/api/v1/assessments/",
        {"organisation": "acme", "questionnaire": "team-mean", "due_on": soon.isoformat()},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["due_on"] == soon.isoformat()
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/v1/assessments/{pk}/", {"due_on": later.isoformat()}, HTTP_IF_MATCH="*"
    )
    assert changed.json()["due_on"] == later.isoformat()
    cleared = client.patch(f"/api/v1/assessments/{pk}/", {"due_on": None}, HTTP_IF_MATCH="*")
    assert cleared.json()["due_on"] is None
    assert Assessment.objects.get(pk=pk).due_on is None
    listed = client.get("/api/v1/assessments/").json()["results"][0]
    assert "due_on" in listed


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("yesterday", "Date has wrong format."),
        (20261231, "Not a valid string: send a JSON string."),
        ("2001-01-01", "A deadline lies today ("),
        ("2999-01-01", "A deadline lies at most five years ahead."),
    ],
)
def test_a_bad_deadline_is_a_400_and_nothing_is_created(
    org: Organisation, owner: User, value: Any, detail: str
) -> None:
    team_version("mean")

    response = client_for(owner).post(
        "/api/v1/assessments/",
        {"organisation": "acme", "questionnaire": "team-mean", "due_on": value},
    )

    assert response.status_code == 400
    assert errors(response)["due_on"].startswith(detail)
    assert not Assessment.objects.exists()


def test_a_passed_deadline_stays_when_other_fields_change_but_cannot_be_set_anew(
    org: Organisation, owner: User
) -> None:
    from datetime import date

    assessment, _ = team(org, owner, "mean", 0)
    Assessment.objects.filter(pk=assessment.pk).update(due_on=date(2001, 1, 1))
    client = client_for(owner)

    kept = client.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"title": "Renamed", "due_on": "2001-01-01"},
        HTTP_IF_MATCH="*",
    )
    moved = client.patch(
        f"/api/v1/assessments/{assessment.pk}/", {"due_on": "2001-01-02"}, HTTP_IF_MATCH="*"
    )

    assert kept.status_code == 200
    assert moved.status_code == 400
    assert Assessment.objects.get(pk=assessment.pk).due_on == date(2001, 1, 1)


def test_the_deadline_of_a_submitted_assessment_cannot_change(
    org: Organisation, owner: User
) -> None:
    assessment, (r1,) = team(org, owner, "mean", 1)
    save(r1, assessment, pick("practice", "fully"), num("coverage", "50"))
    client = client_for(owner)
    client.post(f"/api/v1/assessments/{assessment.pk}/submit/")

    response = client.patch(
        f"/api/v1/assessments/{assessment.pk}/", {"due_on": None}, HTTP_IF_MATCH="*"
    )

    assert response.status_code == 409


def test_answers_written_in_bulk_are_derived_on_request(org: Organisation, owner: User) -> None:
    assessment, (r1, r2) = team(org, owner, "minimum", 2)
    version_questions = {q.key: q for q in assessment.version.questions.all()}
    for user, choice in ((r1, "fully"), (r2, "partly")):
        RespondentAnswer.objects.create(
            respondent=Respondent.objects.get(user=user),
            question=version_questions["practice"],
            choices=[choice],
        )
    assert not Answer.objects.exists()

    services.assessment_rederive(assessment=assessment, user=owner)

    assert shown(answers_of(client_for(owner), assessment)["practice"]) == ["partly"]


@pytest.mark.parametrize(
    ("rule", "practice", "coverage"),
    [
        ("mean", ("score", "0.8333"), ("score", "0.3500")),
        ("median", ["fully"], ("score", "0.3500")),
        ("minimum", ["partly"], "20.0000"),
        ("facilitator", None, None),
    ],
)
def test_the_worked_example_of_docs_respondents_md(
    org: Organisation, owner: User, rule: str, practice: Any, coverage: Any
) -> None:
    assessment, (ann, ben, cy) = team(org, owner, rule, 3)
    save(ann, assessment, pick("practice", "partly"), num("coverage", "20"))
    save(ben, assessment, pick("practice", "fully"), num("coverage", "50"))
    save(cy, assessment, pick("practice", "fully"), given("coverage", NA))

    answers = answers_of(client_for(owner), assessment)
    body = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/disagreement/").json()

    assert (shown(answers.get("practice")), shown(answers.get("coverage"))) == (
        practice,
        coverage,
    )
    figures = {row["question"]: (row["spread"], row["stdev"]) for row in body["questions"]}
    assert figures["practice"] == ("50.00", "23.57")
    assert figures["coverage"] == ("30.00", "15.00")


# --- invitations --------------------------------------------------------------------------------


def test_someone_who_is_not_a_member_is_invited_and_answers_once_they_accept(
    org: Organisation, owner: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from organisations.models import Invitation, Membership

    assessment, _ = team(org, owner, "mean", 0)
    Assessment.objects.filter(pk=assessment.pk).update(title="Payments team review")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(
            f"/api/v1/assessments/{assessment.pk}/respondents/", {"email": "Sam@Example.com"}
        )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["username"], body["email"], body["status"]) == (None, "Sam@example.com", "invited")
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.invited_by, invitation.purpose) == (
        "respondent",
        owner,
        "You are asked to answer \u201cPayments team review\u201d.",
    )
    key = body["invitation"]["key"]
    assert body["invitation"]["uuid"] == str(invitation.uuid)
    assert body["invitation"]["accept_url"] == f"http://testserver/invitations/accept/{key}/"
    assert body["invitation"]["emailed"] is True
    assert len(mailoutbox) == 1 and key in mailoutbox[0].body
    assert "Payments team review" in mailoutbox[0].body
    sam = User.objects.create_user("sam", email="sam@example.com", password="a-long-password-1")
    # before accepting, sam cannot see the assessment at all
    assert save(sam, assessment, pick("practice", "fully")).status_code == 404

    accepted = client_for(sam).post("/api/v1/invitations/accept/", {"key": key})

    assert accepted.status_code == 200, accepted.json()
    assert Membership.objects.get(organisation=org, user=sam).role == "respondent"
    assert Respondent.objects.get().user == sam
    assert save(sam, assessment, pick("practice", "fully")).status_code == 200
    listed = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/respondents/").json()
    assert [(r["username"], r["email"], r["status"]) for r in listed["results"]] == [
        ("sam", "Sam@example.com", "answering")
    ]


def test_the_account_of_someone_outside_the_organisation_is_invited_by_username(
    org: Organisation, owner: User
) -> None:
    from organisations.models import Invitation

    assessment, _ = team(org, owner, "mean", 0)
    outsider = User.objects.create_user("oscar", password="a-long-password-1")

    response = add(client_for(owner), assessment, "oscar")

    assert response.status_code == 201
    assert (response.json()["username"], response.json()["status"]) == ("oscar", "invited")
    assert response.json()["invitation"]["emailed"] is False  # oscar's account has no address
    assert Invitation.objects.get().username == "oscar"
    again = add(client_for(owner), assessment, "oscar")
    assert again.status_code == 409
    assert errors(again)[None] == "oscar is invited to answer this assessment already."
    client_for(outsider).post(
        "/api/v1/invitations/accept/", {"key": response.json()["invitation"]["key"]}
    )
    assert Respondent.objects.get().user == outsider


def test_inviting_the_same_address_twice_is_a_409(org: Organisation, owner: User) -> None:
    assessment, _ = team(org, owner, "mean", 0)
    client = client_for(owner)
    url = f"/api/v1/assessments/{assessment.pk}/respondents/"

    first = client.post(url, {"email": "sam@example.com"})
    second = client.post(url, {"email": "SAM@example.com"})

    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["errors"][0]["code"] == "already_respondent"
    assert Respondent.objects.count() == 1


def test_removing_an_invited_respondent_revokes_their_invitation(
    org: Organisation, owner: User
) -> None:
    from organisations.models import Invitation

    assessment, _ = team(org, owner, "mean", 0)
    client = client_for(owner)
    key = client.post(
        f"/api/v1/assessments/{assessment.pk}/respondents/", {"email": "sam@example.com"}
    ).json()["invitation"]["key"]
    invited = Respondent.objects.get()

    client.delete(f"/api/v1/assessments/{assessment.pk}/respondents/{invited.uuid}/")

    assert Invitation.objects.get().status == "revoked"
    sam = User.objects.create_user("sam", email="sam@example.com", password="a-long-password-1")
    refused = client_for(sam).post("/api/v1/invitations/accept/", {"key": key})
    assert refused.status_code == 409
    assert not Respondent.objects.exists()
