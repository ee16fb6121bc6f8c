"""Questionnaires and results with percents chosen by hand, for the portfolio's tests.

Every section holds one question answered 0 to 4 of 4, so a section scores 0, 25, 50, 75
or 100 percent, and the overall percent is the mean of the section percents (the root is
a weighted mean with equal weights).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from assessments import services
from assessments.models import Assessment, QuestionnaireVersion
from organisations.models import Organisation, Unit
from tests.factories import DisciplineFactory


def disciplines() -> None:
    """The catalogue's first three disciplines, in its order."""
    DisciplineFactory(slug="devops", name="DevOps", order=1)
    DisciplineFactory(slug="mlops", name="MLOps", order=2)
    DisciplineFactory(slug="aiops", name="AIOps", order=3)


def questionnaire(
    slug: str, name: str, discipline: str | None, sections: list[tuple[str, str]]
) -> QuestionnaireVersion:
    """A published questionnaire of one 0-4 question per (key, title) section."""
    tags = {"tags": {"disciplines": [discipline]}} if discipline else {}
    document = {
        "format": "opsassess-questionnaire/1",
        "slug": slug,
        "name": name,
        "version": 1,
        "status": "published",
        "levels": [
            {"key": "low", "name": "Low", "min_score": 0},
            {"key": "middle", "name": "Middle", "min_score": 2},
            {"key": "high", "name": "High", "min_score": 3},
        ],
        "root": {
            "key": "root",
            "aggregation": "weighted_mean",
            "children": [
                {
                    "key": key,
                    "title": title,
                    "aggregation": "weighted_mean",
                    "children": [
                        {
                            "key": f"{key}-q",
                            "type": "single_choice",
                            "text": f"How far along is {title}?",
                            "choices": [
                                {"key": f"v{value}", "label": f"{value} of 4", "value": value}
                                for value in range(5)
                            ],
                            **tags,
                        }
                    ],
                }
                for key, title in sections
            ],
        },
    }
    return services.questionnaire_import(document=document).version


def result(
    organisation: Organisation,
    version: QuestionnaireVersion,
    user: User,
    values: dict[str, int],
    unit: Unit | None = None,
    title: str = "",
) -> Assessment:
    """A submitted assessment answering section `key`'s question with `values[key]` of 4."""
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, unit=unit, title=title
    )
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(
                question=f"{key}-q", choices=(f"v{value}",), fields=frozenset({"choices"})
            )
            for key, value in values.items()
        ],
        user=user,
    )
    return services.assessment_submit(assessment=assessment, user=user)


def unit(
    organisation: Organisation, slug: str, name: str, kind: str = "team", parent: Any = None
) -> Unit:
    return Unit.objects.create(
        organisation=organisation, slug=slug, name=name, kind=kind, parent=parent
    )
