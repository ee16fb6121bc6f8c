"""What a result keeps of its respondents: the disagreement block in the JSON, the printable
report and the admin; re-assessments of assessments with respondents; invitations accepted."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from assessments import services
from assessments.models import Answer, Assessment, Respondent, RespondentAnswer
from organisations import services as organisation_services
from organisations.models import Invitation, Organisation
from organisations.signals import invitation_accepted
from tests.assessments.conftest import client_for
from tests.assessments.respondents_world import add, person, save, team_document, team_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Organisation:
    return Organisation.objects.create(slug="acme", name="Acme")


@pytest.fixture
def owner(org: Organisation) -> User:
    return person(org, "olivia", "owner")


@pytest.fixture
def answered(org: Organisation, owner: User) -> Assessment:
    """Three respondents of a mean-rule draft: practice absent / partly / fully (they
    disagree), coverage 60 / 60 / 60 (they agree), tools ci / ci / not answered."""
    assessment = services.assessment_create(
        organisation=org, version=team_version("mean"), user=owner, title="Team"
    )
    client = client_for(owner)
    for name, practice, tools in [
        ("ann", "absent", "ci"),
        ("ben", "partly", "ci"),
        ("cy", "fully", None),
    ]:
        user = person(org, name, "editor")
        add(client, assessment, name)
        answers = [{"question": "practice", "choices": [practice]}]
        answers.append({"question": "coverage", "number": "60"})
        if tools:
            answers.append({"question": "tools", "choices": [tools]})
        assert save(user, assessment, *answers).status_code == 200
    return assessment


def submit(owner: User, assessment: Assessment) -> Any:
    response = client_for(owner).post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert response.status_code == 200, response.json()
    return client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/result/").json()


def test_the_result_keeps_the_disagreement_at_submit(answered: Assessment, owner: User) -> None:
    result = submit(owner, answered)

    block = result["disagreement"]
    assert (block["respondents"], block["derivation"]) == (3, "mean")
    assert [item["question"] for item in block["needs_conversation"]] == ["practice"]
    assert block["needs_conversation"][0]["spread"] == "100.00"
    rows = {row["question"]: row for row in block["questions"]}
    assert rows["coverage"]["spread"] == "0.00"
    assert rows["practice"]["distribution"] == [
        {"key": "absent", "label": "Never", "count": 1},
        {"key": "partly", "label": "Sometimes", "count": 1},
        {"key": "fully", "label": "Always", "count": 1},
    ]
    assert {row["section"] for row in block["sections"]} == {"root", "delivery", "quality"}
    # the derived answers are what was scored: practice mean 0.5, tools 0.5, coverage 0.6
    assert result["answers"]["practice"]["score"] == "0.5000"
    assert result["overall"] == "0.5500"  # ((0.5 + 0.5) / 2 + 0.6) / 2


def test_a_result_without_respondents_says_so(org: Organisation, owner: User) -> None:
    assessment = services.assessment_create(
        organisation=org, version=team_version("mean"), user=owner
    )
    client_for(owner).patch(
        f"/api/v1/assessments/{assessment.pk}/answers/",
        {"answers": [{"question": "practice", "choices": ["fully"]},
                     {"question": "coverage", "number": "50"}]},
    )  # fmt: skip

    result = submit(owner, assessment)

    assert result["disagreement"] is None
    assert result["answers"]["practice"] == {
        "choices": ["fully"],
        "number": None,
        "not_applicable": False,
    }


def test_the_report_lists_the_questions_that_need_a_conversation_with_their_answers(
    answered: Assessment, owner: User
) -> None:
    client_for(owner).put(
        f"/api/v1/assessments/{answered.pk}/consensus/practice/",
        {"choices": ["partly"], "note": "Reviews happen, but not on hotfixes."},
    )
    submit(owner, answered)

    page = html.unescape(
        client_for(owner).get(f"/api/v1/assessments/{answered.pk}/report/").content.decode()
    )

    assert "Where the respondents disagree" in page
    assert "3 respondents answered" in page
    assert "the mean of their scores, or the consensus recorded for it (1 question)" in page
    section = page[page.index("Where the respondents disagree") :]
    assert "Do changes go through review?" in section
    assert "spread 100 points (from 0% to 100%)" in section
    assert "the answer kept: Sometimes (consensus: Reviews happen, but not on hotfixes.)" in section
    for label in ("Never", "Sometimes", "Always"):
        assert f'<th scope="row">{label}</th><td class="num">1</td>' in section
    # coverage was answered alike by everyone: no conversation needed
    assert "What share of the code do tests cover?" not in section.split("Scores by section")[0]


def test_the_admin_page_of_the_assessment_shows_the_disagreement(
    answered: Assessment, owner: User, client: Client
) -> None:
    submit(owner, answered)
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))

    page = client.get(f"/admin/assessments/assessment/{answered.pk}/change/").content.decode()

    assert "Where the respondents disagree" in page
    assert "Do changes go through review?" in html.unescape(page)


def test_the_admin_page_of_a_draft_shows_where_the_respondents_stand_so_far(
    answered: Assessment, client: Client, django_assert_max_num_queries: Any
) -> None:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))

    page = client.get(f"/admin/assessments/assessment/{answered.pk}/change/").content.decode()
    text = html.unescape(page)

    assert "Where the respondents disagree so far" in text
    assert "3 respondents. The assessment's answer to each question is the mean of their" in text
    # practice: absent / partly / fully scored 0, 50 and 100 percent of the maximum
    row = text[text.index("Do changes go through review?") :].split("</tr>")[0]
    assert "100 points (0% to 100%)" in row
    assert "<td>Never: 1; Sometimes: 1; Always: 1</td>" in row
    assert "derived from the respondents' answers" in row
    # coverage: 60 / 60 / 60, no disagreement to show
    table = text[text.index('id="team-view"') :].split("</table>")[0]
    assert "What share of the code do tests cover?" not in table


def test_a_report_of_a_result_without_respondents_has_no_disagreement_section(
    org: Organisation, owner: User
) -> None:
    assessment = services.assessment_create(
        organisation=org, version=team_version("mean"), user=owner
    )
    client_for(owner).patch(
        f"/api/v1/assessments/{assessment.pk}/answers/",
        {"answers": [{"question": "practice", "choices": ["fully"]},
                     {"question": "coverage", "number": "50"}]},
    )  # fmt: skip
    submit(owner, assessment)

    page = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/report/").content.decode()

    assert "respondents disagree" not in page


def test_a_re_assessment_asks_the_same_people_starting_from_their_answers(
    answered: Assessment, owner: User
) -> None:
    client_for(owner).put(
        f"/api/v1/assessments/{answered.pk}/consensus/practice/",
        {"choices": ["partly"], "note": "Agreed."},
    )
    submit(owner, answered)
    # a second version where "tools" lost its "cd" choice... and ci: one answer no longer fits
    document = team_document("median", slug="team-mean")
    document["version"] = 2
    tools = document["root"]["children"][0]["children"][1]
    tools["choices"] = [{"key": "cd", "label": "Delivery", "value": 1}]
    services.questionnaire_import(document=document)

    response = client_for(owner).post(f"/api/v1/assessments/{answered.pk}/copy/")

    assert response.status_code == 201, response.json()
    copy = Assessment.objects.get(pk=response.json()["assessment"]["id"])
    assert copy.version.number == 2
    assert list(
        Respondent.objects.filter(assessment=copy).values_list("user__username", flat=True)
    ) == ["ann", "ben", "cy"]
    assert sorted(response.json()["dropped_answers"], key=lambda d: d["respondent"]) == [
        {"question": "tools", "respondent": "ann", "reason": "choice 'ci' is not one of: cd"},
        {"question": "tools", "respondent": "ben", "reason": "choice 'ci' is not one of: cd"},
    ]
    ann = RespondentAnswer.objects.filter(
        respondent__assessment=copy, respondent__user__username="ann"
    )
    assert sorted(ann.values_list("question__key", flat=True)) == ["coverage", "practice"]
    # no consensus carried over: practice is derived again, by version 2's rule (median)
    practice = Answer.objects.get(assessment=copy, question__key="practice")
    assert (practice.source, practice.choices) == ("derived", ["partly"])
    assert not Answer.objects.filter(assessment=copy, source="consensus").exists()


def test_accepting_an_invitation_makes_its_respondent_the_person_who_accepted(
    org: Organisation, owner: User
) -> None:
    assessment = services.assessment_create(
        organisation=org, version=team_version("mean"), user=owner
    )
    invitation, secret = organisation_services.invitation_create(
        organisation=org,
        invited_by=owner,
        role="respondent",
        email="sam@example.com",
        purpose="Answer the review.",
    )
    waiting = Respondent.objects.create(assessment=assessment, invitation=invitation)
    listed = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/respondents/").json()
    assert [(r["username"], r["email"], r["status"]) for r in listed["results"]] == [
        (None, "sam@example.com", "invited")
    ]
    sam = User.objects.create_user("sam", "sam@example.com", password="a-long-password-1")

    organisation_services.invitation_accept(secret=secret, user=sam)

    waiting.refresh_from_db()
    assert waiting.user == sam
    assert save(sam, assessment, {"question": "practice", "choices": ["fully"]}).status_code == 200


def test_an_invitation_accepted_by_someone_answering_already_keeps_one_place(
    org: Organisation, owner: User
) -> None:
    assessment = services.assessment_create(
        organisation=org, version=team_version("mean"), user=owner
    )
    add(client_for(owner), assessment, "olivia")
    invitation = Invitation.objects.create(
        organisation=org, email="olivia@example.com", invited_by=owner, secret_hash="b" * 64
    )
    Respondent.objects.create(assessment=assessment, invitation=invitation)

    invitation_accepted.send(sender=Invitation, invitation=invitation, user=owner)

    assert list(Respondent.objects.values_list("user__username", flat=True)) == ["olivia"]


def test_the_admin_lists_the_respondents_and_their_audit_trail(
    answered: Assessment, client: Client
) -> None:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))

    page = client.get(f"/admin/assessments/assessment/{answered.pk}/change/").content.decode()
    trail = client.get("/admin/assessments/historicalrespondent/").content.decode()
    answers = client.get("/admin/assessments/historicalrespondentanswer/").content.decode()

    for name in ("ann", "ben", "cy"):
        assert f">{name}<" in page
    assert "ann answering assessment" in html.unescape(trail)
    assert "answer to practice by respondent #" in answers
