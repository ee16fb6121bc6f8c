"""The portfolio benchmark: an organisation of 50 units and the three seed questionnaires.

Five departments of nine teams each (50 units). Every team has two submitted results of each
seed questionnaire (the portfolio shows the newer), the departments none of their own (they
are rolled up from their teams) and the organisation one of its own per questionnaire. The
results are scored by the real engine (a few answer sets, reused) and bulk-inserted, as
`manage.py generate_results` does; untimed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

UNITS = 50
SMALL_UNITS = 10
TEAMS_PER_DEPARTMENT = 9
VARIANTS = 8
SEED = ("devops-maturity", "mlops-maturity", "aiops-maturity")


def build(owner: Any, slug: str, units: int, seed: int = 15) -> Any:
    """An organisation owned by `owner` with `units` units and their results."""
    from django.utils import timezone

    from assessments import scoring, selectors, services
    from assessments.management.commands.generate_results import _random_answers
    from assessments.models import (
        Assessment,
        Questionnaire,
        Result,
        ResultScore,
        record_feed_changes,
    )
    from organisations import services as organisation_services
    from organisations.models import Unit

    rng = random.Random(seed)
    organisation = organisation_services.organisation_create(
        name=f"Portfolio of {units}", slug=slug, owner=owner
    )
    made: list[Any] = []
    for index in range(units):
        if index % (TEAMS_PER_DEPARTMENT + 1) == 0:
            department = Unit.objects.create(
                organisation=organisation,
                slug=f"department-{index:03d}",
                name=f"Department {index:03d}",
                kind=Unit.Kind.DEPARTMENT,
            )
            made.append(department)
        else:
            made.append(
                Unit.objects.create(
                    organisation=organisation,
                    slug=f"team-{index:03d}",
                    name=f"Team {index:03d}",
                    parent=department,
                )
            )
    teams = [unit for unit in made if unit.kind == Unit.Kind.TEAM]
    versions = [
        q.latest_published() for q in Questionnaire.objects.filter(slug__in=SEED).order_by("slug")
    ]
    prepared = []
    for version in versions:
        if version is None:
            continue
        tree = selectors.version_tree(version)
        model = selectors.scoring_model(tree)
        for _ in range(VARIANTS):
            result = scoring.score(model, _random_answers(rng, model))
            snapshot = services.result_snapshot(tree, result, {})
            snapshot["recommendations"] = []
            snapshot["targets"] = []
            prepared.append((version, result, snapshot))
    now = timezone.now()
    subjects = [(team, age) for team in teams for age in (2, 1)] + [(None, 1)]
    picks = [
        (unit, age, rng.choice([p for p in prepared if p[0] == version]))
        for version in {p[0] for p in prepared}
        for unit, age in subjects
    ]
    assessments = Assessment.objects.bulk_create(
        Assessment(
            organisation=organisation,
            unit=unit,
            version=pick[0],
            title=f"Portfolio benchmark {i}",
            status=Assessment.Status.SUBMITTED,
            created_by=owner,
            submitted_by=owner,
            submitted_at=now - timedelta(days=30 * age),
        )
        for i, (unit, age, pick) in enumerate(picks)
    )
    stored = Result.objects.bulk_create(
        Result(
            assessment=assessment,
            engine_version=pick[1].engine_version,
            overall=pick[1].overall,
            overall_percent=pick[1].overall_percent,
            level_key=pick[1].level or "",
            level_name=pick[1].level or "",
            snapshot=pick[2],
            computed_at=now,
        )
        for assessment, (_, _, pick) in zip(assessments, picks, strict=True)
    )
    ResultScore.objects.bulk_create(
        ResultScore(result=result, axis=axis, key=key, percent=percent)
        for result, (_, _, pick) in zip(stored, picks, strict=True)
        for (axis, key), percent in services.result_figures(pick[2]).items()
    )
    record_feed_changes(Assessment.objects.filter(pk__in=[a.pk for a in assessments]))
    return organisation


def measure(bench: Any, owner: Any, token: dict[str, str], key: dict[str, str]) -> None:
    """Time the portfolio (JSON, by token and by API key) and its printable page."""
    build(owner, "bench-portfolio", UNITS)
    client = bench.client
    url = "/api/v1/organisations/bench-portfolio/portfolio/"

    def ok(response: Any) -> Any:
        assert response.status_code == 200, (response.status_code, response.content[:500])
        return response

    body = ok(client.get(url, headers=token)).json()
    scored = [q["slug"] for q in body["questionnaires"] if q["roll_up"]["units"]]
    assert len(body["units"]) == UNITS and sorted(scored) == sorted(SEED), scored
    figure = bench.measure(
        "portfolio",
        f"Portfolio JSON, {UNITS} units x 3 questionnaires (token)",
        lambda _: ok(client.get(url, headers=token)),
        target={"kind": "ratio", "max": 40},
    )
    figure.extra["bytes"] = len(ok(client.get(url, headers=token)).content)
    bench.measure(
        "portfolio_key",
        f"Portfolio JSON, {UNITS} units x 3 questionnaires (API key for all organisations)",
        lambda _: ok(client.get(url, headers=key)),
        target={"kind": "ratio", "max": 40},
    )
    bench.measure(
        "portfolio_report",
        f"Portfolio printable page, {UNITS} units x 3 questionnaires",
        lambda _: ok(client.get(url + "report/", headers=token)),
        target={"kind": "ratio", "max": 80},
    )


def scaling(owner: Any, token: dict[str, str], count: Callable[[Callable[[], Any]], int]) -> Any:
    """The portfolio's queries at SMALL_UNITS and UNITS units: they should not differ."""
    from django.test import Client

    build(owner, "bench-portfolio-small", SMALL_UNITS)
    client = Client()
    return {
        "operation": "Portfolio GET",
        "small": f"{SMALL_UNITS} units",
        "small_queries": count(
            lambda: client.get(
                "/api/v1/organisations/bench-portfolio-small/portfolio/", headers=token
            )
        ),
        "large": f"{UNITS} units",
        "large_queries": count(
            lambda: client.get("/api/v1/organisations/bench-portfolio/portfolio/", headers=token)
        ),
    }
