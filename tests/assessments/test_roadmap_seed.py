"""The roadmap on the seed catalogue and the DevOps seed questionnaire, answered the way the
`make run` sample assessment is (builds run by hand, every third answer the weakest)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User

from assessments import questionnaire_format, selectors, services
from assessments.management.commands.ensure_demo_assessment import sample_answer
from assessments.models import Assessment, QuestionnaireVersion
from organisations.models import Membership, Organisation
from tests.assessments.conftest import SEED_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(seeded_catalogue: None) -> dict[str, Any]:
    version = services.questionnaire_import(
        document=questionnaire_format.parse(
            (SEED_DIR / "devops-maturity.yaml").read_text(), filename="devops-maturity.yaml"
        )
    ).version
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    owner = User.objects.create_user("olivia", password="a-long-password-1")
    Membership.objects.create(organisation=organisation, user=owner, role="owner")
    return {"organisation": organisation, "owner": owner, "version": version}


def submit_sample(
    seeded: dict[str, Any],
    targets: dict[str, Any] | None = None,
    version: QuestionnaireVersion | None = None,
) -> Assessment:
    version = version or seeded["version"]
    model = selectors.scoring_model(selectors.version_tree(version))
    assessment = services.assessment_create(
        organisation=seeded["organisation"], version=version, user=seeded["owner"], title="t"
    )
    answers = [sample_answer(i, q) for i, q in enumerate(model.questions())]
    services.assessment_save_answers(assessment=assessment, answers=answers, user=seeded["owner"])
    if targets:
        services.assessment_update(assessment=assessment, expected_etag="*", targets=targets)
    return services.assessment_submit(assessment=assessment, user=seeded["owner"])


def step_ids(assessment: Assessment) -> list[str]:
    return [step["id"] for step in assessment.result.snapshot["roadmap"]["steps"]]


def test_with_builds_run_by_hand_continuous_integration_comes_before_automated_tests(
    seeded: dict[str, Any],
) -> None:
    assessment = submit_sample(seeded)
    assert assessment.result.snapshot["answers"]["ci-build-automation"]["choices"] == [
        "manual-local-build"
    ]
    ids = step_ids(assessment)
    # On its own, automated testing gains the most (it shares ci-build-automation with CI),
    # but it requires CI, which requires version control.
    vcs, ci, tests = (
        ids.index(slug)
        for slug in (
            "devops-version-control",
            "devops-continuous-integration",
            "devops-automated-testing",
        )
    )
    assert vcs < ci < tests
    stored = [rec["key"] for rec in assessment.result.snapshot["recommendations"]]
    assert stored == ids[:10]
    steps = {step["id"]: step for step in assessment.result.snapshot["roadmap"]["steps"]}
    assert steps["devops-automated-testing"]["depends_on"] == ["devops-continuous-integration"]
    assert steps["devops-continuous-integration"]["depends_on"] == ["devops-version-control"]


def test_no_two_of_the_top_five_tie_on_gain_for_effort(seeded: dict[str, Any]) -> None:
    steps = submit_sample(seeded).result.snapshot["roadmap"]["steps"][:5]
    per_point = [Decimal(step["gain_per_point"]) for step in steps]
    assert len(set(per_point)) == 5, per_point
    # The first step is the most efficient of those that reach the next level alone.
    assert steps[0]["id"] == "devops-agile-backlog"
    assert (steps[0]["effort"], steps[0]["gain"]) == ("small", "6.6667")


def test_stages_go_to_the_next_level_then_to_the_target_then_the_rest(
    seeded: dict[str, Any],
) -> None:
    snapshot = submit_sample(seeded, targets={"level": "managed"}).result.snapshot
    # 34.0575% is "repeatable"; "defined" starts at 40% and "managed" at 60%.
    assert (snapshot["overall_percent"], snapshot["level"]) == ("34.0575", "repeatable")
    stages = {stage["key"]: stage for stage in snapshot["roadmap"]["stages"]}
    assert list(stages) == ["next-level", "target", "later"]
    # Agile backlog management alone lifts the plan section's backlog question from 0 to full
    # marks: 40.7242%, "defined".
    assert stages["next-level"]["steps"] == ["devops-agile-backlog"]
    assert (stages["next-level"]["overall_after"], stages["next-level"]["level_after"]) == (
        "40.7242",
        "defined",
    )
    assert stages["target"]["steps"] == [
        "devops-version-control",
        "devops-continuous-integration",
        "devops-automated-testing",
        "devops-instrumentation",
        "devops-alerting",
    ]
    assert (stages["target"]["overall_after"], stages["target"]["level_after"]) == (
        "63.0159",
        "managed",
    )
    assert stages["target"]["reached"] and stages["next-level"]["reached"]
    steps = snapshot["roadmap"]["steps"]
    assert {step["stage"] for step in steps[6:]} == {"later"}
    assert steps[-1]["overall_after"] == "100.0000"
    # Every figure of a step is a percentage or percentage points: at most 100.
    for step in steps:
        for name in ("gain", "overall_after", "expected_percent", "current_percent"):
            assert Decimal(step[name]) <= 100


def test_the_hindrance_view_puts_the_most_blocking_first_with_the_steps_for_each(
    seeded: dict[str, Any],
) -> None:
    roadmap = submit_sample(seeded).result.snapshot["roadmap"]
    view = roadmap["hindrances"]
    assert [h["hindrance"] for h in view] == [
        "tooling",
        "culture",
        "infrastructure",
        "skills-gap",
        "use-cases",
        "data-quality",
    ]
    at_stake = [Decimal(h["at_stake"]) for h in view]
    assert at_stake == sorted(at_stake, reverse=True)
    # use-cases has the biggest gap (87.5) but its questions weigh little: 13.8889 points.
    assert (view[4]["gap"], view[4]["at_stake"]) == ("87.5000", "13.8889")
    order = [step["id"] for step in roadmap["steps"]]
    for focus in view:
        assert focus["steps"] == sorted(focus["steps"], key=order.index)
    assert view[0]["steps"][:3] == [
        "devops-version-control",
        "devops-continuous-integration",
        "devops-automated-testing",
    ]


def test_triggers_read_with_their_units_and_scales(seeded: dict[str, Any]) -> None:
    steps = submit_sample(seeded).result.snapshot["roadmap"]["steps"]
    triggers = {t["question"]: t for step in steps for t in step["triggers"]}
    assert triggers["ci-test-confidence"]["answer"] == "3 of 5"
    assert triggers["ci-test-confidence"]["next_answer"] == "4 of 5"
    # 4 hours is in the "4 hours to under a day" band; the band above is labelled with its
    # range already, so the range is not repeated.
    assert triggers["ops-time-to-restore"]["answer"] == "4 hours"
    assert triggers["ops-time-to-restore"]["next_answer"] == "1 to under 4 hours"
    assert triggers["cd-lead-time"]["answer"] == "720 hours"
    assert triggers["cd-lead-time"]["next_answer"] == "Within a month (168 to under 720 hours)"
    assert triggers["plan-shared-slos"]["answer"] == "50%"
    assert triggers["plan-shared-slos"]["next_answer"] == "75%"
    assert not [t for t in triggers.values() if ".0000" in t["answer"] + t["next_answer"]]


def test_questions_without_practice_tags_still_get_question_level_steps(
    seeded: dict[str, Any],
) -> None:
    document = yaml.safe_load((SEED_DIR / "devops-maturity.yaml").read_text())
    document["slug"], document["name"] = "devops-untagged", "DevOps, fewer tags"
    iac = document["root"]["children"][4]["children"][0]
    assert iac["key"] == "ops-infrastructure-as-code"
    del iac["tags"]["practices"]
    version = services.questionnaire_import(document=document).version
    assessment = submit_sample(seeded, version=version)
    steps = {step["id"]: step for step in assessment.result.snapshot["roadmap"]["steps"]}
    step = steps["question-ops-infrastructure-as-code"]
    assert (step["kind"], step["practice"], step["effort"], step["tools"]) == (
        "question",
        None,
        "medium",
        [],
    )
    assert step["title"] == (
        "Improve the answer to: How are servers, networks and cloud resources created and changed?"
    )
    assert step["triggers"][0]["answer"].startswith("By hand, through consoles")
    assert (
        step["triggers"][0]["next_answer"]
        == "With personal scripts that are not shared or versioned"
    )
    assert "devops-infrastructure-as-code" not in steps
