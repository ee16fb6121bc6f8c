"""A team assessment for the facilitators' pages: the small team questionnaire of the API's
respondent tests (tests/assessments/respondents_world.py), Acme with an owner, an editor, a
viewer, a respondent asked to answer and one who is not, an outsider (owner of Globex) and
staff; respondents who disagree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from assessments import services
from assessments.models import Assessment
from organisations.models import Organisation
from tests.assessments.respondents_world import person, team_version

ROLES = [
    "owner",
    "editor",
    "viewer",
    "asked",  # a respondent (role) asked to answer this assessment
    "respondent",  # a respondent (role) asked to answer nothing here
    "outsider",
    "staff",
    "anonymous",
]
# Each respondent's answers: practice, coverage (percent), tools.
VIEWS = [
    ("fully", "80", ("ci", "cd")),
    ("absent", "20", ("ci",)),
    ("partly", "50", ()),
]


def answers(view: tuple[str, str, tuple[str, ...]]) -> list[services.AnswerInput]:
    practice, coverage, tools = view
    made = [
        services.AnswerInput(
            question="practice", choices=(practice,), fields=frozenset({"choices"})
        ),
        services.AnswerInput(
            question="coverage", number=Decimal(coverage), fields=frozenset({"number"})
        ),
    ]
    if tools:
        made.append(
            services.AnswerInput(question="tools", choices=tools, fields=frozenset({"choices"}))
        )
    return made


def build(derivation: str = "facilitator") -> dict[str, Any]:
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users = {role: person(acme, role, role) for role in ("owner", "editor", "viewer")}
    users["asked"] = person(acme, "asked", "respondent")
    users["respondent"] = person(acme, "respondent", "respondent")
    users["outsider"] = person(globex, "outsider", "owner")
    users["staff"] = User.objects.create_user("staff", password="a-long-password-1", is_staff=True)
    version = team_version(derivation)
    owner = users["owner"]
    draft = services.assessment_create(
        organisation=acme, version=version, user=owner, title="Team review"
    )
    respondents = grow(draft, owner, [users["asked"], person(acme, "bea", "respondent")])
    return {
        "acme": acme,
        "users": users,
        "version": version,
        "draft": draft,
        "respondents": respondents,
    }


def grow(assessment: Assessment, owner: User, people: list[User]) -> list[Any]:
    """Add each of `people` as a respondent, answering in turn as VIEWS says."""
    made = []
    for index, user in enumerate(people):
        added = services.respondent_add(
            assessment=assessment, added_by=owner, username=user.username
        )
        services.respondent_save_answers(
            respondent=added.respondent, answers=answers(VIEWS[index % len(VIEWS)]), user=user
        )
        made.append(added.respondent)
    return made


def agree_on_everything(assessment: Assessment, owner: User) -> None:
    for key, values in [
        ("practice", {"choices": ("partly",)}),
        ("coverage", {"number": Decimal("50")}),
        ("tools", {"choices": ("ci",)}),
    ]:
        services.consensus_set(
            assessment=assessment,
            question_key=key,
            answer=services.ConsensusInput(**values),
            note=f"We talked {key} through.",
            user=owner,
        )


def client(world: dict[str, Any], role: str) -> Client:
    made = Client()
    if role != "anonymous":
        made.force_login(world["users"][role])
    return made
