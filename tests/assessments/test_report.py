"""The printable report, the radar endpoint, and the result view and recheck in the admin."""

import hashlib
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import recheck, services
from assessments.models import (
    Assessment,
    QuestionnaireVersion,
    Result,
)
from catalog.models import LifecyclePhase
from organisations.models import Membership, Organisation
from tests.assessments.conftest import client_for, member
from tests.factories import (
    DisciplineFactory,
    HindranceFactory,
    LifecyclePhaseFactory,
    PracticeFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
CHOICES = [
    {"key": "no", "label": "No", "value": 0},
    {"key": "partly", "label": "Partly", "value": 0.5},
    {"key": "yes", "label": "Yes", "value": 1},
]


def item(key: str, phase: str, hindrance: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "single_choice",
        "text": f"Question {key}?",
        "choices": CHOICES,
        "tags": {"disciplines": ["devops"], "phases": [phase], "hindrances": [hindrance]},
    }


def document(*, extra_questions: int = 0, slug: str = "ops-report") -> dict[str, Any]:
    extra = [item(f"extra-{n}", "devops-build", "skills-gap") for n in range(extra_questions)]
    return {
        "format": "opsassess-questionnaire/1",
        "slug": slug,
        "name": "Ops report",
        "status": "published",
        "levels": [
            {"key": "initial", "name": "Initial", "min_score": 0, "description": "Starting."},
            {
                "key": "managed",
                "name": "Managed",
                "min_score": "0.5",
                "description": "Delivery is measured and steered.",
            },
        ],
        "root": {
            "key": "root",
            "children": [
                {
                    "key": "build",
                    "title": "Build",
                    "children": [
                        item("ci", "devops-build", "skills-gap"),
                        item("tests", "devops-build", "culture"),
                        *extra,
                    ],
                },
                {
                    "key": "run",
                    "title": "Run",
                    "children": [item("alerts", "devops-operate", "culture")],
                },
            ],
        },
    }


@pytest.fixture
def catalogue() -> None:
    devops = DisciplineFactory(slug="devops", name="DevOps")
    LifecyclePhaseFactory(discipline=devops, slug="devops-build", name="Build")
    LifecyclePhaseFactory(discipline=devops, slug="devops-operate", name="Operate")
    HindranceFactory(slug="culture", name=f"Culture {SCRIPT}")
    HindranceFactory(slug="skills-gap", name="Lack of skilled people")


def import_version(**kwargs: Any) -> QuestionnaireVersion:
    return services.questionnaire_import(document=document(**kwargs)).version


@pytest.fixture
def version(catalogue: None) -> QuestionnaireVersion:
    return import_version()


@pytest.fixture
def acme(db: None) -> Organisation:
    return Organisation.objects.create(slug="acme", name="Acme")


@pytest.fixture
def owner(acme: Organisation) -> User:
    return member(acme, "olivia", Membership.Role.OWNER)


def answered(
    version: QuestionnaireVersion,
    organisation: Organisation,
    user: User,
    choice: str = "partly",
    title: str = "Spring review",
) -> Assessment:
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )
    keys = version.questions.values_list("key", flat=True)
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(question=key, choices=(choice,), fields=frozenset({"choices"}))
            for key in keys
        ],
        user=user,
    )
    return assessment


def submitted(
    version: QuestionnaireVersion, organisation: Organisation, user: User, **kw: Any
) -> Any:
    assessment = answered(version, organisation, user, **kw)
    return services.assessment_submit(assessment=assessment, user=user)


@pytest.fixture
def result(version: QuestionnaireVersion, acme: Organisation, owner: User) -> Assessment:
    """Two results: the report's one has a previous result and a target to show."""
    submitted(version, acme, owner, choice="no", title="Winter review")
    assessment = answered(version, acme, owner, title=f"Spring {SCRIPT}")
    services.assessment_update(
        assessment=assessment, expected_etag=None, targets={"disciplines": {"devops": 80}}
    )
    return services.assessment_submit(assessment=assessment, user=owner)


def report_url(pk: int) -> str:
    return f"/api/v1/assessments/{pk}/report/"


def radar_url(pk: int) -> str:
    return f"/api/v1/assessments/{pk}/radar.svg"


ENDPOINTS = [report_url, radar_url]


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ENDPOINTS, ids=["report", "radar"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("editor", 200), ("viewer", 200), ("outsider", 404), ("anonymous", 401)],
)
def test_only_members_see_a_report(
    url: Any, role: str, status: int, result: Assessment, acme: Organisation
) -> None:
    users = {
        "owner": User.objects.get(username="olivia"),
        "editor": member(acme, "eddie", Membership.Role.EDITOR),
        "viewer": member(acme, "vera", Membership.Role.VIEWER),
        "outsider": member(
            Organisation.objects.create(slug="globex", name="Globex"), "oscar", "owner"
        ),
        "anonymous": None,
    }
    response = client_for(users[role]).get(url(result.pk))
    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/json"
        assert response.json()["errors"]


@pytest.mark.parametrize("url", ENDPOINTS, ids=["report", "radar"])
def test_a_draft_has_no_report(
    url: Any, version: QuestionnaireVersion, acme: Organisation, owner: User
) -> None:
    draft = answered(version, acme, owner)
    response = client_for(owner).get(url(draft.pk))
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == (
        "This assessment has no result until it is submitted."
    )
    assert client_for(owner).get(url(draft.pk + 1000)).status_code == 404


@pytest.mark.parametrize("url", ENDPOINTS, ids=["report", "radar"])
def test_the_admin_session_is_enough(url: Any, result: Assessment) -> None:
    client = Client()
    client.force_login(User.objects.get(username="olivia"))
    assert client.get(url(result.pk)).status_code == 200


# --- the documents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "content_type"),
    [(report_url, "text/html; charset=utf-8"), (radar_url, "image/svg+xml")],
    ids=["report", "radar"],
)
def test_the_same_result_renders_the_same_bytes_and_answers_304(
    url: Any, content_type: str, result: Assessment, owner: User
) -> None:
    client = client_for(owner)
    first, second = client.get(url(result.pk)), client.get(url(result.pk))
    assert first["Content-Type"] == content_type
    assert first.content == second.content
    etag = first["ETag"]
    assert etag == f'"{hashlib.sha256(first.content).hexdigest()}"'  # strong, from the bytes
    assert second["ETag"] == etag
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    assert "default-src 'none'" in first["Content-Security-Policy"]
    again = client.get(url(result.pk), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url(result.pk), HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_the_report_shows_the_result(result: Assessment, owner: User) -> None:
    page = client_for(owner).get(report_url(result.pk)).content.decode()
    assert "Acme" in page and "Ops report (version 1)" in page
    assert "Managed" in page and "Delivery is measured and steered." in page
    assert "50.0%" in page  # every answer "partly"
    for heading in ("Discipline", "Lifecycle phase", "Hindrance", "What to improve first"):
        assert heading in page
    assert page.count("<svg") == 3  # radar, heatmap, history
    assert "Previous (" in page and "Target" in page  # the radar's extra series
    assert "Question alerts?" in page and "Partly" in page  # the tree, with answers
    assert "@page" in page and "size: A4" in page
    for external in ("<script", "<link", "src=", "@import"):
        assert external not in page


def test_labels_are_escaped_in_the_report_and_the_radar(result: Assessment, owner: User) -> None:
    client = client_for(owner)
    for url in ENDPOINTS:
        body = client.get(url(result.pk)).content.decode()
        assert SCRIPT not in body
        assert "&lt;script&gt;" in body


def test_the_radar_is_an_svg_image_with_text_alternatives(result: Assessment, owner: User) -> None:
    body = client_for(owner).get(radar_url(result.pk)).content
    root = ET.fromstring(body)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "radar-title radar-desc"
    # the report inlines the very same chart
    page = client_for(owner).get(report_url(result.pk)).content
    assert body in page


def test_a_later_result_does_not_change_an_earlier_report(
    result: Assessment, version: QuestionnaireVersion, acme: Organisation, owner: User
) -> None:
    before = client_for(owner).get(report_url(result.pk)).content
    submitted(version, acme, owner, choice="yes", title="Autumn review")
    assert client_for(owner).get(report_url(result.pk)).content == before


@pytest.mark.parametrize(("extra_questions", "history"), [(0, 0), (12, 0), (0, 4), (12, 4)])
def test_report_and_radar_queries_do_not_grow_with_questions_or_history(
    extra_questions: int,
    history: int,
    catalogue: None,
    acme: Organisation,
    owner: User,
    django_assert_num_queries: Any,
) -> None:
    version = import_version(extra_questions=extra_questions)
    for n in range(history):
        submitted(version, acme, owner, title=f"Earlier {n}")
    assessment = submitted(version, acme, owner)
    client = APIClient()
    client.force_authenticate(owner)
    # 1 the assessment with its organisation, questionnaire and result (membership join)
    # 2 the organisation's history up to this result, and its discipline/hindrance scores
    # (the published version's tree comes from selectors.version_tree's process cache,
    # which the submit above has filled)
    # the report also reads
    # 4 the comments and evidence links of the answers
    # 5, 6 the peer percentiles: this result's figures, every organisation's latest figures
    for url, queries in ((report_url, 6), (radar_url, 3)):
        with django_assert_num_queries(queries):
            assert client.get(url(assessment.pk)).status_code == 200


# --- admin -------------------------------------------------------------------------------------


@pytest.fixture
def manager(db: None) -> Client:
    """A catalogue manager: staff, and a member of no organisation."""
    client = Client()
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    return client


def change_url(assessment: Assessment) -> str:
    return reverse("admin:assessments_assessment_change", args=[assessment.pk])


def test_the_admin_shows_a_submitted_result(manager: Client, result: Assessment) -> None:
    page = manager.get(change_url(result)).content.decode()
    assert "Result and recommendations" in page
    assert "Managed" in page and "Delivery is measured and steered." in page
    assert "<svg" in page and 'role="img"' in page
    assert "Lack of skilled people" in page and "Lifecycle phase" in page
    assert "Build" in page and "Run" in page  # the section tree
    assert SCRIPT not in page
    url = reverse("admin:assessments_assessment_report", args=[result.pk])
    assert f'href="{url}"' in page
    report = manager.get(url)
    assert report.status_code == 200 and report["Content-Type"] == "text/html; charset=utf-8"
    assert "Managed" in report.content.decode()


def test_the_admin_shows_no_result_for_a_draft(
    manager: Client, version: QuestionnaireVersion, acme: Organisation, owner: User
) -> None:
    draft = answered(version, acme, owner)
    page = manager.get(change_url(draft)).content.decode()
    assert "Result and recommendations" not in page
    url = reverse("admin:assessments_assessment_report", args=[draft.pk])
    assert manager.get(url).status_code == 404


def test_the_admin_report_needs_staff(result: Assessment, owner: User) -> None:
    client = Client()
    client.force_login(owner)
    url = reverse("admin:assessments_assessment_report", args=[result.pk])
    assert client.get(url).status_code == 302  # to the admin login


def run_recheck(manager: Client, assessments: list[Assessment]) -> list[str]:
    response = manager.post(
        reverse("admin:assessments_assessment_changelist"),
        {
            "action": "recompute_dry_run",
            helpers.ACTION_CHECKBOX_NAME: [assessment.pk for assessment in assessments],
        },
        follow=True,
    )
    assert response.status_code == 200
    return [f"{message.level_tag}: {message}" for message in response.context["messages"]]


def tampered(version: QuestionnaireVersion, acme: Organisation, owner: User) -> Assessment:
    """An assessment whose stored result disagrees with its answers.

    Stored results can't be updated (a trigger refuses it), so the wrong one is inserted.
    """
    honest = submitted(version, acme, owner, title="Honest")
    snapshot = dict(honest.result.snapshot)
    snapshot["overall"] = "0.9000"
    snapshot["nodes"] = dict(snapshot["nodes"])
    snapshot["nodes"]["run"] = {**snapshot["nodes"]["run"], "percent": "99.0000"}
    other = answered(version, acme, owner, title="Tampered")
    Assessment.objects.filter(pk=other.pk).update(
        status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
    )
    Result.objects.create(
        assessment=other,
        engine_version=honest.result.engine_version,
        overall=Decimal("0.9"),
        overall_percent=honest.result.overall_percent,
        level_key="initial",
        level_name="Initial",
        snapshot=snapshot,
        computed_at=timezone.now(),
    )
    return other


def test_recheck_reports_a_match_and_a_mismatch_and_writes_nothing(
    manager: Client,
    result: Assessment,
    version: QuestionnaireVersion,
    acme: Organisation,
    owner: User,
) -> None:
    wrong = tampered(version, acme, owner)
    draft = answered(version, acme, owner, title="Draft")
    before = list(Result.objects.order_by("pk").values())
    messages = run_recheck(manager, [result, wrong, draft])
    assert messages[0].startswith(f"success: #{result.pk} ") and "match." in messages[0]
    assert messages[1].startswith(f"error: #{wrong.pk} ") and "MISMATCH" in messages[1]
    for key in ("overall", "nodes.run.percent", "result.overall", "result.level_key"):
        assert key in messages[1]
    assert "overall_percent" not in messages[1].replace("result.overall_percent", "")
    assert (
        messages[2] == f"info: #{draft.pk} “Draft”: not submitted, so there is no result to check."
    )
    assert list(Result.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    ("fresh", "stored", "found"),
    [
        ({"overall": "0.5000"}, {"overall": "0.5"}, []),
        ({"overall": "0.5"}, {"overall": "0.6"}, ["overall"]),
        ({"level": "managed"}, {"level": None}, ["level"]),
        ({"nodes": {"a": {"percent": "10"}}}, {"nodes": {"a": {"percent": "10.0"}}}, []),
        (
            {"nodes": {"a": {"answered": 2}}},
            {"nodes": {"a": {"answered": 1}}},
            ["nodes.a.answered"],
        ),
        ({"nodes": {"a": {}}}, {"nodes": {"a": {}, "b": {}}}, ["nodes.b"]),
        (
            {"breakdowns": {"phases": {"plan": {"percent": "1"}}}},
            {"breakdowns": {"phases": {"plan": {"percent": "2"}}, "hindrances": {"x": {}}}},
            ["breakdowns.phases.plan.percent", "breakdowns.hindrances.x"],
        ),
    ],
)
def test_differences_name_each_key_that_disagrees(
    fresh: dict[str, Any], stored: dict[str, Any], found: list[str]
) -> None:
    assert recheck.differences(fresh, stored) == found


# --- explanations: gates, empty recommendations, notes, peers ---------------------------------


def gated_version(*, practices: bool = False) -> QuestionnaireVersion:
    data = document(slug="ops-gated")
    data["level_mode"] = "gated"
    build = data["root"]["children"][0]["children"]
    build[0]["level_gate"] = "managed"
    if practices:
        for question in build:
            question["tags"]["practices"] = ["devops-ci"]
    return services.questionnaire_import(document=data).version


def submit_choices(
    version: QuestionnaireVersion, organisation: Organisation, user: User, **choices: str
) -> Assessment:
    assessment = answered(version, organisation, user, choice="yes")
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(question=key, choices=(value,), fields=frozenset({"choices"}))
            for key, value in choices.items()
        ],
        user=user,
    )
    return services.assessment_submit(assessment=assessment, user=user)


def test_the_report_and_the_admin_say_which_gate_held_the_level_back(
    catalogue: None, acme: Organisation, owner: User, manager: Client
) -> None:
    # build = (0.5 + 1) / 2 = 0.75, run = 1: overall (0.75 + 1) / 2 = 0.875 reaches "managed"
    # (0.5), but ci is gated at managed and scored 0.5 of the 1 it needs: the level is initial
    assessment = submit_choices(gated_version(), acme, owner, ci="partly")
    assert (assessment.result.level_key, assessment.result.snapshot["failed_gates"]) == (
        "initial",
        {"managed": ["ci"]},
    )
    assert assessment.result.snapshot["level_without_gates"] == "managed"
    report = client_for(owner).get(report_url(assessment.pk)).content.decode()
    admin = manager.get(
        reverse("admin:assessments_assessment_change", args=[assessment.pk])
    ).content.decode()
    for page in (report, admin):
        assert "Held back by level gates." in page
        assert "The overall score alone reaches <strong>Managed</strong>" in page
        assert "the result stops at <strong>Initial</strong>" in page
        assert (
            'Managed: Question ci? <span class="answer">“Partly”</span> scored 0.5, needs 1' in page
        )


def test_a_result_without_failed_gates_shows_no_gate_note(result: Assessment, owner: User) -> None:
    assert "Held back" not in client_for(owner).get(report_url(result.pk)).content.decode()


def test_questions_without_practices_are_recommended_one_by_one_in_the_report(
    result: Assessment, owner: User
) -> None:
    # the questions of `document()` are tagged with disciplines, phases and hindrances only:
    # each one below full marks is a question-level recommendation
    stored = result.result.snapshot["recommendations"]
    assert {item["kind"] for item in stored} == {"question"}
    assert len(stored) == 3
    report = client_for(owner).get(report_url(result.pk)).content.decode()
    section = report.split("What to improve first")[1].split("<h2")[0]
    assert "Question ci?" in section and "No recommendations" not in section


def test_empty_recommendations_at_full_marks_say_so(
    catalogue: None, acme: Organisation, owner: User
) -> None:
    assessment = submit_choices(import_version(slug="all-yes"), acme, owner)
    assert assessment.result.snapshot["recommendations"] == []
    report = client_for(owner).get(report_url(assessment.pk)).content.decode()
    assert "No recommendations: every question is at full marks or not applicable." in report
    assert "Nothing left to do" in report.split("<h2>Roadmap</h2>")[1]


def test_a_question_without_practice_is_recommended_beside_tagged_ones(
    catalogue: None, acme: Organisation, owner: User
) -> None:
    PracticeFactory(slug="devops-ci", phase=LifecyclePhase.objects.get(slug="devops-build"))
    assessment = submit_choices(gated_version(practices=True), acme, owner, alerts="partly")
    (item,) = assessment.result.snapshot["recommendations"]
    assert (item["kind"], item["key"], item["name"]) == ("question", "alerts", "Question alerts?")
    report = client_for(owner).get(report_url(assessment.pk)).content.decode()
    assert "Question alerts?" in report.split("What to improve first")[1].split("<h2")[0]


def test_the_report_shows_comments_and_evidence_next_to_the_answers(
    version: QuestionnaireVersion, acme: Organisation, owner: User
) -> None:
    assessment = answered(version, acme, owner)
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(
                question="ci",
                comment=f"Only the main service {SCRIPT}",
                evidence_url="https://ci.example.com/pipelines",
                fields=frozenset({"comment", "evidence_url"}),
            )
        ],
        user=owner,
    )
    services.assessment_submit(assessment=assessment, user=owner)
    report = client_for(owner).get(report_url(assessment.pk)).content.decode()
    assert "Comment: Only the main service &lt;script&gt;" in report
    assert (
        'Evidence: <a href="https://ci.example.com/pipelines">https://ci.example.com/pipelines</a>'
        in report
    )


def test_the_report_shows_peer_percentiles_once_five_organisations_take_part(
    version: QuestionnaireVersion, acme: Organisation, owner: User
) -> None:
    mine = submitted(version, acme, owner, choice="yes")
    for n, choice in enumerate(["no", "no", "partly", "yes"]):
        other = Organisation.objects.create(slug=f"peer-{n}", name=f"Peer {n}")
        submitted(
            version, other, member(other, f"peer-user-{n}", Membership.Role.OWNER), choice=choice
        )
    report = client_for(owner).get(report_url(mine.pk)).content.decode()
    assert "Compared with other organisations" in report
    # overall 100% among 0, 0, 50, 100, 100: 3 below and 2 equal (half each) -> (3 + 1) / 5 = 80
    assert (
        '<th scope="row">Overall</th>\n      <td class="num">80.0</td>\n'
        '      <td class="num">5</td>' in report
    )
