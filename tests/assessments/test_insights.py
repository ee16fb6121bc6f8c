"""Recommendations, targets, history, comparison and peer percentiles of submitted results."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments import services
from assessments.models import QuestionnaireVersion
from catalog.models import Tool
from organisations import services as organisation_services
from organisations.models import Membership, Organisation
from tests.assessments.conftest import client_for, member, patch_assessment
from tests.factories import (
    DisciplineFactory,
    HindranceFactory,
    LifecyclePhaseFactory,
    PracticeFactory,
    ToolFactory,
)

pytestmark = pytest.mark.django_db


def question(key: str, practice: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "yes_no",
        "text": f"Do you do {practice}?",
        "tags": {"disciplines": ["devops"], "practices": [practice]},
    }


DOCUMENT = {
    "format": "opsassess-questionnaire/1",
    "slug": "insight",
    "name": "Insight",
    "version": 1,
    "levels": [
        {"key": "initial", "name": "Initial", "min_score": 0},
        {"key": "defined", "name": "Defined", "min_score": "0.5"},
        {"key": "optimising", "name": "Optimising", "min_score": "0.9"},
    ],
    "root": {
        "key": "root",
        "children": [
            {
                "key": "build",
                "weight": 3,
                "children": [question("q-vcs", "p-vcs"), question("q-ci", "p-ci")],
            },
            {"key": "run", "children": [question("q-mon", "p-mon")]},
        ],
    },
}


@pytest.fixture
def insight(db: None) -> QuestionnaireVersion:
    devops = DisciplineFactory(slug="devops", name="DevOps")
    phase = LifecyclePhaseFactory(discipline=devops)
    tooling = HindranceFactory(slug="tooling")
    culture = HindranceFactory(slug="culture")
    vcs = PracticeFactory(slug="p-vcs", name="Version control", phase=phase, hindrances=[tooling])
    ci = PracticeFactory(slug="p-ci", name="Continuous integration", phase=phase,
                         hindrances=[culture, tooling])  # fmt: skip
    mon = PracticeFactory(slug="p-mon", name="Monitoring", phase=phase)
    for slug, ring, level, practices in [
        ("jenkins", "trial", 1, [ci]),
        ("gha", "adopt", 2, [ci]),
        ("bamboo", "hold", 1, [ci]),
        ("argo", "adopt", 3, [ci]),
        ("gitlab", "adopt", 1, [ci, vcs]),
        ("prom", "adopt", 1, [mon]),
    ]:
        ToolFactory(slug=slug, name=slug.title(), ring=ring, min_maturity=level,
                    disciplines=[devops], practices=practices)  # fmt: skip
    return services.questionnaire_import(document=DOCUMENT).version


def submit(organisation: Organisation, user: User, version: Any, **given: str) -> Any:
    assessment = services.assessment_create(organisation=organisation, version=version, user=user)
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(question=key, choices=(choice,), fields=frozenset({"choices"}))
            for key, choice in given.items()
        ],
        user=user,
    )
    return services.assessment_submit(assessment=assessment, user=user)


FIRST = {"q-vcs": "yes", "q-ci": "no", "q-mon": "no"}
SECOND = {"q-vcs": "yes", "q-ci": "yes", "q-mon": "no"}


@pytest.fixture
def uses_gitlab(organisation: Organisation, owner: User) -> None:
    organisation_services.organisation_set_tools(organisation=organisation, tool_slugs=["gitlab"])


def test_recommendations_rank_practices_by_the_gain_a_rerun_of_the_engine_shows(
    insight: Any, organisation: Organisation, owner: User, uses_gitlab: None
) -> None:
    assessment = submit(organisation, owner, insight, **FIRST)
    body = client_for(owner).get(f"/api/v1/assessments/{assessment.pk}/recommendations/").json()
    # build = (1 + 0) / 2 = 0.5, run = 0 -> overall = (3 * 0.5 + 1 * 0) / 4 = 0.375 (initial)
    # p-ci at full marks: build = 1 -> (3 + 0) / 4 = 0.75: 75%, 37.5 points, reaches "defined"
    # p-mon at full marks: run = 1 -> (1.5 + 1) / 4 = 0.625: 62.5%, 25 points, "defined"
    # p-vcs is at full marks already: not recommended. Both efforts are medium (2 points).
    assert (body["level"], body["level_name"]) == ("initial", "Initial")
    ranked = [(r["practice"], r["expected_percent"], r["expected_gain"], r["gain_per_point"],
               r["expected_level"]) for r in body["recommendations"]]  # fmt: skip
    assert ranked == [
        ("p-ci", "75.0000", "37.5000", "18.7500", "defined"),
        ("p-mon", "62.5000", "25.0000", "12.5000", "defined"),
    ]
    first = body["recommendations"][0]
    # next level "defined" is level 2: argo (pays off at 3) is too early, bamboo is on hold,
    # gitlab is already in use; adopt before trial
    assert [tool["slug"] for tool in first["tools"]] == ["gha", "jenkins"]
    assert first["already_using"] == ["gitlab"]
    # the practice's hindrances in the survey's order (tooling was created first here)
    assert first["hindrances"] == ["tooling", "culture"]
    assert first["triggers"] == [
        {
            "question": "q-ci",
            "text": "Do you do p-ci?",
            "answer": "No",
            "percent": "0.0000",
            "next_answer": "Yes",
            "next_percent": "100.0000",
        }
    ]


def test_recommendations_are_part_of_the_result_and_survive_catalogue_edits(
    insight: Any, organisation: Organisation, owner: User
) -> None:
    assessment = submit(organisation, owner, insight, **FIRST)
    client = client_for(owner)
    before = client.get(f"/api/v1/assessments/{assessment.pk}/recommendations/").json()
    Tool.objects.filter(slug="gha").update(ring="hold", name="Renamed")
    after = client.get(f"/api/v1/assessments/{assessment.pk}/recommendations/").json()
    assert after == before
    result = client.get(f"/api/v1/assessments/{assessment.pk}/result/").json()
    assert result["recommendations"] == before["recommendations"]


def test_a_draft_has_no_recommendations_yet(insight: Any, organisation: Any, owner: User) -> None:
    draft = services.assessment_create(organisation=organisation, version=insight, user=owner)
    response = client_for(owner).get(f"/api/v1/assessments/{draft.pk}/recommendations/")
    assert response.status_code == 404


def test_tools_in_use_are_declared_by_editors_and_read_by_members(
    insight: Any, organisation: Organisation, owner: User, viewer: User
) -> None:
    url = "/api/v1/organisations/acme/tools/"
    response = client_for(owner).put(url, {"tools": ["prom", "gitlab"]})
    assert response.status_code == 200
    assert response.json() == {"tools": ["gitlab", "prom"]}
    assert client_for(viewer).get(url).json() == {"tools": ["gitlab", "prom"]}
    assert client_for(viewer).put(url, {"tools": []}).status_code == 403
    bad = client_for(owner).put(url, {"tools": ["prom", "no-such-tool"]})
    assert bad.status_code == 400
    assert "no-such-tool" in bad.json()["errors"][0]["detail"]
    assert client_for(owner).get(url).json() == {"tools": ["gitlab", "prom"]}


def test_targets_are_validated_against_the_questionnaire(
    insight: Any, organisation: Organisation, owner: User
) -> None:
    draft = services.assessment_create(organisation=organisation, version=insight, user=owner)
    client = client_for(owner)
    for targets, attr in [
        ({"level": "legendary"}, "targets.level"),
        ({"sections": {"nowhere": 50}}, "targets.sections.nowhere"),
        ({"sections": {"run": 150}}, "targets.sections.run"),
        ({"disciplines": {"mlops": 50}}, "targets.disciplines.mlops"),
        ({"colour": "red"}, "targets.colour"),
    ]:
        response = patch_assessment(client, draft.pk, {"targets": targets})
        assert response.status_code == 400, targets
        assert attr in {error["attr"] for error in response.json()["errors"]}
    ok = patch_assessment(
        client, draft.pk, {"title": "Baseline", "targets": {"sections": {"run": 50}}}
    )
    assert ok.status_code == 200
    assert ok.json()["title"] == "Baseline"


def test_targets_are_readable_before_submit_with_the_level_named(
    insight: Any, organisation: Organisation, owner: User
) -> None:
    draft = services.assessment_create(organisation=organisation, version=insight, user=owner)
    client = client_for(owner)
    expected = {
        "level": "optimising",
        "level_name": "Optimising",
        "sections": {"run": "50.0000"},
        "disciplines": {"devops": "80.0000"},
    }
    echoed = patch_assessment(client, draft.pk, {"targets": TARGETS})
    assert echoed.status_code == 200
    assert echoed.json()["targets"] == expected
    assert client.get(f"/api/v1/assessments/{draft.pk}/").json()["targets"] == expected
    fresh = services.assessment_create(organisation=organisation, version=insight, user=owner)
    assert client.get(f"/api/v1/assessments/{fresh.pk}/").json()["targets"] == {
        "level": None,
        "level_name": None,
        "sections": {},
        "disciplines": {},
    }


TARGETS = {"level": "optimising", "sections": {"run": 50}, "disciplines": {"devops": 80}}


def test_targets_give_distance_percent_to_target_and_progress_since_last_time(
    insight: Any, organisation: Organisation, owner: User
) -> None:
    client = client_for(owner)
    results = []
    for given in (FIRST, SECOND):
        draft = services.assessment_create(organisation=organisation, version=insight, user=owner)
        patch_assessment(client, draft.pk, {"targets": TARGETS})
        client.patch(
            f"/api/v1/assessments/{draft.pk}/answers/",
            {"answers": [{"question": k, "choices": [v]} for k, v in given.items()]},
        )
        client.post(f"/api/v1/assessments/{draft.pk}/submit/")
        results.append(client.get(f"/api/v1/assessments/{draft.pk}/result/").json())
    first = {(t["axis"], t["key"]): t for t in results[0]["targets"]}
    # level "optimising" starts at 0.9 of a maximum of 1 -> target 90%; actual 37.5%
    assert first[("overall", "overall")] == {
        "axis": "overall", "key": "overall", "target": "90.0000", "actual": "37.5000",
        "met": False, "distance": "52.5000", "percent_to_target": "41.6667",  # 37.5 / 90
        "previous": None, "change": None, "progress": None,
        "level": "optimising", "level_name": "Optimising",
    }  # fmt: skip
    assert first[("section", "run")]["distance"] == "50.0000"
    # devops: (1 + 0 + 0) / 3 = 33.3333%; 80 - 33.3333 = 46.6667
    assert first[("discipline", "devops")]["distance"] == "46.6667"
    second = {(t["axis"], t["key"]): t for t in results[1]["targets"]}
    # overall 75% now, 37.5% before: (75 - 37.5) / (90 - 37.5) = 37.5 / 52.5 = 71.4286%
    assert second[("overall", "overall")]["progress"] == "71.4286"
    assert second[("overall", "overall")]["previous"] == "37.5000"
    assert second[("overall", "overall")]["change"] == "37.5000"  # percentage points
    # run stayed at 0: no progress towards 50
    assert second[("section", "run")]["progress"] == "0.0000"
    assert results[1]["previous_assessment"] == results[0]["assessment"]


def test_history_lists_submitted_results_over_time_per_discipline_and_hindrance(
    insight: Any, organisation: Organisation, owner: User
) -> None:
    first = submit(organisation, owner, insight, **FIRST)
    second = submit(organisation, owner, insight, **SECOND)
    services.assessment_create(organisation=organisation, version=insight, user=owner)  # a draft
    response = client_for(owner).get("/api/v1/organisations/acme/history/?questionnaire=insight")
    assert response.status_code == 200
    rows = response.json()
    assert [row["assessment"] for row in rows] == [first.pk, second.pk]
    assert [row["overall_percent"] for row in rows] == ["37.5000", "75.0000"]
    assert [row["level"] for row in rows] == ["initial", "defined"]
    # devops: 1 of 3 questions, then 2 of 3; tooling (p-vcs, p-ci... untagged here) is absent
    assert [row["disciplines"] for row in rows] == [{"devops": "33.3333"}, {"devops": "66.6667"}]


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 400), ("?questionnaire=", 400), ("?questionnaire=nope", 400), ("?q=insight", 400)],
)
def test_history_needs_a_known_questionnaire(
    insight: Any, owner: User, query: str, status: int
) -> None:
    response = client_for(owner).get(f"/api/v1/organisations/acme/history/{query}")
    assert response.status_code == status


def test_history_of_a_foreign_organisation_is_a_404(insight: Any, outsider: User) -> None:
    response = client_for(outsider).get("/api/v1/organisations/acme/history/?questionnaire=insight")
    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_history_query_budget_does_not_grow_with_results(
    insight: Any, organisation: Any, owner: User, django_assert_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        submit(organisation, owner, insight, **FIRST)
    client = client_for(owner)
    # token, token refresh, organisation with role, questionnaire, results, prefetched scores
    with django_assert_num_queries(6):
        assert (
            len(client.get("/api/v1/organisations/acme/history/?questionnaire=insight").json())
            == count
        )


def test_compare_gives_per_node_deltas(insight: Any, organisation: Any, owner: User) -> None:
    first = submit(organisation, owner, insight, **FIRST)
    second = submit(organisation, owner, insight, **SECOND)
    body = client_for(owner).get(f"/api/v1/assessments/{first.pk}/compare/{second.pk}/").json()
    nodes = {row["key"]: row for row in body["nodes"]}
    assert body["same_version"] is True
    assert body["overall"] == {"first": "37.5000", "second": "75.0000", "delta": "37.5000"}
    assert (nodes["build"]["first"], nodes["build"]["second"], nodes["build"]["delta"]) == (
        "50.0000", "100.0000", "50.0000",
    )  # fmt: skip
    assert nodes["q-mon"]["delta"] == "0.0000"
    assert body["unmatched_questions"] == {"only_in_first": [], "only_in_second": []}
    assert body["level"] == {
        "first": "initial",
        "first_name": "Initial",
        "second": "defined",
        "second_name": "Defined",
    }


def test_compare_reads_later_minus_earlier_whichever_way_the_url_names_them(
    insight: Any, organisation: Any, owner: User
) -> None:
    first = submit(organisation, owner, insight, **FIRST)
    second = submit(organisation, owner, insight, **SECOND)
    body = client_for(owner).get(f"/api/v1/assessments/{second.pk}/compare/{first.pk}/").json()
    assert (body["first"], body["second"]) == (first.pk, second.pk)
    # 37.5% then 75%: the later result is 37.5 points up
    assert body["overall"] == {"first": "37.5000", "second": "75.0000", "delta": "37.5000"}


def test_compare_across_versions_matches_by_key_and_names_the_rest(
    insight: Any, organisation: Any, owner: User
) -> None:
    first = submit(organisation, owner, insight, **FIRST)
    document = {**DOCUMENT, "version": 2}
    document["root"] = {
        "key": "root",
        "children": [
            {"key": "build", "weight": 3, "children": [question("q-vcs", "p-vcs")]},
            {"key": "run", "children": [question("q-mon", "p-mon"), question("q-log", "p-mon")]},
        ],
    }
    version2 = services.questionnaire_import(document=document).version
    second = submit(
        organisation, owner, version2, **{"q-vcs": "yes", "q-mon": "yes", "q-log": "no"}
    )
    body = client_for(owner).get(f"/api/v1/assessments/{first.pk}/compare/{second.pk}/").json()
    assert body["same_version"] is False
    assert body["unmatched_questions"] == {"only_in_first": ["q-ci"], "only_in_second": ["q-log"]}
    nodes = {row["key"]: row for row in body["nodes"]}
    assert nodes["q-ci"]["second"] is None and nodes["q-ci"]["delta"] is None
    assert nodes["run"]["delta"] == "50.0000"  # 0% -> (1 + 0) / 2 = 50%


def test_compare_refuses_drafts_and_other_organisations(
    insight: Any, organisation: Any, owner: User, outsider: User
) -> None:
    first = submit(organisation, owner, insight, **FIRST)
    draft = services.assessment_create(organisation=organisation, version=insight, user=owner)
    client = client_for(owner)
    assert client.get(f"/api/v1/assessments/{first.pk}/compare/{draft.pk}/").status_code == 409
    other_org = Organisation.objects.get(slug="globex")
    foreign = submit(other_org, outsider, insight, **FIRST)
    assert client.get(f"/api/v1/assessments/{first.pk}/compare/{foreign.pk}/").status_code == 404
    Membership.objects.create(organisation=other_org, user=owner, role="viewer")
    mixed = client.get(f"/api/v1/assessments/{first.pk}/compare/{foreign.pk}/")
    assert mixed.status_code == 400


def peers(insight: Any, answers: list[dict[str, str]]) -> list[Any]:
    results = []
    for index, given in enumerate(answers):
        organisation = Organisation.objects.create(slug=f"org-{index}", name=f"Org {index}")
        user = member(organisation, f"user-{index}", "owner")
        results.append(submit(organisation, user, insight, **given))
    return results


LADDER = [
    {"q-vcs": "no", "q-ci": "no", "q-mon": "no"},  # 0%
    {"q-vcs": "yes", "q-ci": "no", "q-mon": "no"},  # 37.5%
    {"q-vcs": "no", "q-ci": "no", "q-mon": "yes"},  # 25%
    {"q-vcs": "yes", "q-ci": "yes", "q-mon": "no"},  # 75%
    {"q-vcs": "yes", "q-ci": "yes", "q-mon": "yes"},  # 100%
]


def result_of(assessment: Any) -> Any:
    user = assessment.organisation.memberships.first().user
    return client_for(user).get(f"/api/v1/assessments/{assessment.pk}/result/").json()


def test_peer_percentiles_are_suppressed_below_five_organisations(insight: Any) -> None:
    results = peers(insight, LADDER[:4])
    body = result_of(results[1])["peers"]
    assert body["overall"] == {"organisations": 4, "percentile": None, "suppressed": True}
    assert body["disciplines"]["devops"]["suppressed"] is True


def test_peer_percentiles_rank_among_the_latest_result_of_each_organisation(
    insight: Any,
) -> None:
    results = peers(insight, LADDER)
    # 37.5% among 0, 25, 37.5, 75, 100: 2 below, 1 equal -> (2 + 0.5) / 5 = 50%
    assert result_of(results[1])["peers"]["overall"] == {
        "organisations": 5,
        "percentile": "50.0",
        "suppressed": False,
    }
    # org-0 submits again and reaches 100%: its older 0% no longer counts
    organisation = results[0].organisation
    submit(organisation, organisation.memberships.first().user, insight, **LADDER[4])
    # now 25, 37.5, 75, 100, 100: 37.5 has 1 below and 1 equal -> 1.5 / 5 = 30%
    assert result_of(results[1])["peers"]["overall"]["percentile"] == "30.0"
    # devops: org-1 and org-2 both answered 1 of 3 devops questions (33.3333%); the others
    # have 100, 66.6667 and 100: 0 below, 2 equal -> (0 + 1) / 5 = 20%
    assert result_of(results[1])["peers"]["disciplines"]["devops"]["percentile"] == "20.0"


@pytest.mark.parametrize("count", [5, 9])
def test_result_query_budget_does_not_grow_with_peers(
    insight: Any, django_assert_num_queries: Any, count: int
) -> None:
    results = peers(insight, (LADDER * 2)[:count])
    user = results[0].organisation.memberships.first().user
    client = client_for(user)
    # token, token refresh, assessment with result, my scores, peer counts
    with django_assert_num_queries(5):
        client.get(f"/api/v1/assessments/{results[0].pk}/result/")
    # token, token refresh, assessment with result
    with django_assert_num_queries(3):
        client.get(f"/api/v1/assessments/{results[0].pk}/recommendations/")


@pytest.mark.parametrize("extra_tools", [0, 4])
def test_compare_and_tools_query_budgets_do_not_grow(
    insight: Any, organisation: Any, owner: User, django_assert_num_queries: Any, extra_tools: int
) -> None:
    first = submit(organisation, owner, insight, **FIRST)
    second = submit(organisation, owner, insight, **SECOND)
    organisation_services.organisation_set_tools(
        organisation=organisation,
        tool_slugs=["gitlab", "prom", "jenkins", "gha", "argo"][: 1 + extra_tools],
    )
    client = client_for(owner)
    # token, token refresh, first assessment with result, second assessment with result
    with django_assert_num_queries(4):
        client.get(f"/api/v1/assessments/{first.pk}/compare/{second.pk}/")
    # token, token refresh, organisation with role, tools in use
    with django_assert_num_queries(4):
        client.get("/api/v1/organisations/acme/tools/")
