"""Real responses against the published OpenAPI schema, operation by operation.

Every operation in /api/schema/ has rows in CASES, and a test fails when an operation has
none, so a new endpoint can't go unchecked. Each row sends one request through the test
client, then checks that the status code is documented for the operation and that the body
matches the schema documented for that status. The body check is schemathesis' own
(status_code_conformance, content_type_conformance, response_schema_conformance), the same
one the fuzz test in test_fuzz.py uses, so both suites judge a response alike.

A row that shows a disagreement between the API and its schema is marked xfail(strict) with
the finding as its reason: once the finding is fixed the row passes, which fails the suite
until the mark is removed.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments import services
from assessments.models import Assessment
from catalog.models import Tool
from opsassess.wsgi import application
from organisations import services as organisation_services
from organisations.models import Membership, Organisation
from tests.assessments.conftest import MODELS_DIR, answer_all, import_file
from tests.factories import (
    DisciplineFactory,
    HindranceFactory,
    LifecyclePhaseFactory,
    PracticeFactory,
    ToolFactory,
)
from tests.organisations.contract import organisation_world

# The schema as clients get it, from the app itself, loaded once at import.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
PASSWORD = "a-long-password-1"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


# --- the data every case runs against ---------------------------------------------------------


@dataclass
class World:
    """What the cases address by name: `$submitted` in a row is `world.ids["submitted"]`."""

    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    api_key: str = ""


def _user(username: str, organisation: Organisation | None = None, role: str = "") -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    if organisation is not None:
        Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


def catalogue() -> None:
    """A few rows of each catalogue resource, under the seed catalogue's slugs.

    (`loaddata catalog` takes about a second: fine once, too slow to repeat.)
    """
    devops = DisciplineFactory(slug="devops", name="DevOps")
    mlops = DisciplineFactory(slug="mlops", name="MLOps")
    build = LifecyclePhaseFactory(discipline=devops, slug="devops-build", name="Build")
    LifecyclePhaseFactory(discipline=mlops, slug="mlops-train", name="Train")
    skills = HindranceFactory(slug="skills-gap", name="Skills gap")
    HindranceFactory(slug="culture", name="Culture")
    vcs = PracticeFactory(phase=build, slug="devops-version-control", hindrances=[skills])
    ToolFactory(slug="ansible", name="Ansible", disciplines=[devops], practices=[vcs])
    ToolFactory(
        slug="mlflow",
        name="MLflow",
        vendor="Databricks",
        licence=Tool.Licence.COMMERCIAL,
        min_maturity=3,
        disciplines=[mlops],
    )


def build_world() -> World:
    """A small catalogue, two questionnaires, two organisations and their assessments.

    acme: owner olivia, viewer vera; assessments `submitted` and `second` (submitted),
    `complete` (a draft with every answer), `empty` (a draft with none) and `other` (a draft
    on another questionnaire); an API key `prefix`. globex: owner oscar, with the submitted
    assessment `foreign`. stella is staff and a member of nothing.
    """
    catalogue()
    rubric = import_file(MODELS_DIR / "rubric.yaml")
    three_tier = import_file(MODELS_DIR / "three-tier.yaml")

    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    owner = _user("olivia", acme, Membership.Role.OWNER)
    viewer = _user("vera", acme, Membership.Role.VIEWER)
    outsider = _user("oscar", globex, Membership.Role.OWNER)
    staff = _user("stella")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])

    def draft(organisation: Organisation, user: User, title: str, version: Any = rubric) -> Any:
        return services.assessment_create(
            organisation=organisation, version=version, user=user, title=title
        )

    def submitted(organisation: Organisation, user: User, title: str) -> Assessment:
        assessment = draft(organisation, user, title)
        answer_all(assessment, user)
        return services.assessment_submit(assessment=assessment, user=user)

    first = submitted(acme, owner, "Spring review")
    second = submitted(acme, owner, "Autumn review")
    complete = draft(acme, owner, "Complete draft")
    answer_all(complete, owner, choice="partly")
    empty = draft(acme, owner, "Empty draft")
    other = draft(acme, owner, "Other questionnaire", version=three_tier)
    foreign = submitted(globex, outsider, "Globex review")
    key, secret = organisation_services.api_key_create(
        name="BI sync", organisation=acme, created_by=owner
    )
    # Members, units and invitations (tests/organisations/contract.py).
    members_world = organisation_world(acme, globex, owner, viewer, outsider)

    world = World(api_key=secret)
    for name, user in {
        "owner": owner,
        "viewer": viewer,
        "outsider": outsider,
        "staff": staff,
    }.items():
        world.tokens[name] = AuthToken.objects.create(user)[1]
    world.ids.update(
        submitted=first.pk,
        second=second.pk,
        complete=complete.pk,
        empty=empty.pk,
        other=other.pk,
        foreign=foreign.pk,
        prefix=key.prefix,
        rubric=rubric.questionnaire.slug,
    )
    answered_by_respondents(world, acme, owner, draft(acme, owner, "Team draft"))
    world.ids.update(members_world)
    return world


def answered_by_respondents(world: World, acme: Organisation, owner: User, team: Any) -> None:
    """The draft `answered`, answered by its respondents olivia and rita (a respondent of
    acme, `respondent` her place), who disagree on unit-tests; a consensus on flaky-tests."""
    from assessments.models import Respondent

    rita = _user("rita", acme, Membership.Role.RESPONDENT)
    for who in ("olivia", "rita"):
        services.respondent_add(assessment=team, added_by=owner, username=who)
    for user, choice in ((owner, "fully"), (rita, "absent")):
        services.respondent_save_answers(
            respondent=Respondent.objects.get(assessment=team, user=user),
            answers=[
                services.AnswerInput(key, choices=(choice,), fields=frozenset({"choices"}))
                for key in ("unit-tests", "flaky-tests")
            ],
            user=user,
        )
    services.consensus_set(
        assessment=team,
        question_key="flaky-tests",
        answer=services.ConsensusInput(choices=("partly",)),
        note="Quarantined, not yet fixed.",
        user=owner,
    )
    world.tokens["rita"] = AuthToken.objects.create(rita)[1]
    world.ids.update(
        answered=team.pk,
        respondent=str(Respondent.objects.get(assessment=team, user=rita).uuid),
        question_key="unit-tests",
    )


@contextmanager
def world_kept_for_the_module(django_db_blocker: Any) -> Iterator[World]:
    """Build the world once, inside a transaction that is rolled back when the module ends.

    Every test still runs in a savepoint of its own (pytest-django's `db`), so what a case
    changes (a delete, a submit, ...) is undone before the next one runs.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                world = build_world()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with world_kept_for_the_module(django_db_blocker) as world:
        yield world


@pytest.fixture
def world(module_world: World, db: None) -> World:
    return module_world


# --- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request. `path` is the schema's template; a `$name` value is `World.ids[name]`,
    `$etag:name` the current ETag of that assessment, and a header ETAG_OF_GET is given the
    ETag that a GET of the same URL answers with."""

    method: str
    path: str
    status: int | None  # None: any documented status but a 5xx
    who: str | None = None  # a World.tokens key, "api-key", "bad-token", or None: anonymous
    params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    note: str = ""

    @property
    def operation(self) -> tuple[str, str]:
        return self.method.upper(), self.path


class ContractViolation(AssertionError):
    """The response disagrees with the schema: an undocumented status, or a body that does not
    match the documented schema."""


class ServerError(AssertionError):
    """The response is a 5xx."""


class UnexpectedStatus(AssertionError):
    """The response has another status than the row expects."""


@dataclass(frozen=True)
class Finding:
    """A known bug a row runs into; `sqlite_only` when PostgreSQL does not show it."""

    reason: str
    raises: type[AssertionError] = ContractViolation
    sqlite_only: bool = False


ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def case(*args: Any, xfail: Finding | list[Finding] | None = None, **kwargs: Any) -> Any:
    """A row of CASES; `xfail` names the finding(s) that make the row fail until fixed."""
    call = Call(*args, **kwargs)
    findings = [xfail] if isinstance(xfail, Finding) else list(xfail or [])
    marks = []
    if findings:
        marks.append(
            pytest.mark.xfail(
                condition=ON_SQLITE or not all(f.sqlite_only for f in findings),
                reason="; ".join(f.reason for f in findings),
                raises=tuple({f.raises for f in findings}),
                strict=True,
            )
        )
    return pytest.param(call, marks=marks, id=_label(call))


def _label(call: Call) -> str:
    parts = [call.method.upper(), call.path, str(call.status or "not 5xx")]
    if call.who != "owner":
        parts.append("anonymous" if call.who is None else f"as {call.who}")
    if call.note:
        parts.append(call.note)
    elif call.query:
        parts.append("?" + "&".join(f"{name}={value}" for name, value in call.query.items()))
    return " ".join(parts)


A = "/api/v1/assessments/"
AID = "/api/v1/assessments/{id}/"
ORGS = "/api/v1/organisations/"
ORG = "/api/v1/organisations/{slug}/"
SCORES = "/api/v1/scores/"
TOKEN = "/api/v1/auth/token/"
ETAG_OF_GET = "(the ETag of a GET)"


def cursor_of(moment: str, pk: int) -> str:
    """A hand-built, unsigned cursor (the encoding of earlier releases): the feed refuses it."""
    return base64.urlsafe_b64encode(json.dumps([moment, pk]).encode()).decode().rstrip("=")


# The findings: known bugs that rows run into. Most are disagreements between the API and its
# schema (ContractViolation); a few are 5xx (ServerError) or a status the row does not expect.
CASES = [
    # --- catalogue: public and read-only --------------------------------------------------
    case("get", "/api/v1/disciplines/", 200),
    case("get", "/api/v1/disciplines/", 200, query={"ordering": "-name", "search": "ops"}),
    case("get", "/api/v1/disciplines/", 400, query={"ordering": "price"}),
    case("get", "/api/v1/disciplines/", 400, query={"colour": "red"}),
    case("get", "/api/v1/disciplines/", 401, who="bad-token"),
    case("get", "/api/v1/disciplines/", 404, query={"page": 99}, note="past the last page"),
    case("get", "/api/v1/disciplines/", 406, headers={"Accept": "application/xml"}),
    case("get", "/api/v1/disciplines/{slug}/", 200, params={"slug": "devops"}),
    case("get", "/api/v1/disciplines/{slug}/", 404, params={"slug": "no-such-thing"}),
    case("get", "/api/v1/phases/", 200, query={"discipline": "mlops"}),
    case("get", "/api/v1/phases/", 400, query={"discipline": "no-such-thing"}),
    case("get", "/api/v1/phases/{slug}/", 200, params={"slug": "devops-build"}),
    case("get", "/api/v1/phases/{slug}/", 404, params={"slug": "no-such-thing"}),
    case("get", "/api/v1/hindrances/", 200, query={"ordering": "order"}),
    case("get", "/api/v1/hindrances/{slug}/", 200, params={"slug": "skills-gap"}),
    case("get", "/api/v1/hindrances/{slug}/", 404, params={"slug": "no-such-thing"}),
    case(
        "get",
        "/api/v1/practices/",
        200,
        query={"discipline": "devops", "phase": "devops-build", "hindrance": "skills-gap"},
    ),
    case("get", "/api/v1/practices/", 400, query={"tool": "no-such-tool"}),
    case("get", "/api/v1/practices/{slug}/", 200, params={"slug": "devops-version-control"}),
    case("get", "/api/v1/practices/{slug}/", 404, params={"slug": "no-such-thing"}),
    case(
        "get",
        "/api/v1/tools/",
        200,
        query={"licence": ["open_source", "commercial"], "pays_off_at": 3, "page_size": 5},
    ),
    case("get", "/api/v1/tools/", 200, query={"discipline": "mlops", "ordering": "-vendor"}),
    case("get", "/api/v1/tools/", 400, query={"ring": "bogus"}),
    case("get", "/api/v1/tools/", 400, query={"page_size": 0}),
    case("get", "/api/v1/tools/{slug}/", 200, params={"slug": "ansible"}),
    case("get", "/api/v1/tools/{slug}/", 404, params={"slug": "no-such-thing"}),
    # --- questionnaires -----------------------------------------------------------------------
    case("get", "/api/v1/questionnaires/", 200, query={"search": "rubric"}),
    case("get", "/api/v1/questionnaires/{slug}/", 200, params={"slug": "$rubric"}),
    case(
        "get",
        "/api/v1/questionnaires/{slug}/",
        200,
        params={"slug": "$rubric"},
        query={"version": 1},
        note="version=1",
    ),
    case(
        "get",
        "/api/v1/questionnaires/{slug}/",
        404,
        params={"slug": "$rubric"},
        query={"version": 9},
        note="no such version",
    ),
    case(
        "get",
        "/api/v1/questionnaires/{slug}/",
        400,
        params={"slug": "$rubric"},
        query={"version": "latest"},
    ),
    case(
        "get",
        "/api/v1/questionnaires/{slug}/",
        400,
        params={"slug": "$rubric"},
        query={"version": "²"},
        note="superscript two",
    ),
    case("get", "/api/v1/questionnaires/{slug}/", 404, params={"slug": "no-such-thing"}),
    # --- assessments ------------------------------------------------------------------------
    case("get", A, 200, who="owner"),
    case("get", A, 200, who="owner", query={"organisation": "acme", "status": "submitted"}),
    case("get", A, 400, who="owner", query={"status": "bogus"}),
    case("get", A, 400, who="owner", query={"search": "review"}, note="assessments do not search"),
    case("get", A, 401),
    case(
        "post",
        A,
        201,
        who="owner",
        body={"organisation": "acme", "questionnaire": "$rubric", "title": "New"},
    ),
    case("post", A, 400, who="owner", body={}, note="empty body"),
    case(
        "post",
        A,
        400,
        who="owner",
        body={"organisation": "globex", "questionnaire": "$rubric"},
        note="foreign organisation",
    ),
    case(
        "post",
        A,
        400,
        who="viewer",
        body={"organisation": "acme", "questionnaire": "$rubric"},
        note="viewer",
    ),
    case("post", A, 401, body={"organisation": "acme", "questionnaire": "$rubric"}),
    case(
        "post",
        A,
        415,
        who="owner",
        body="organisation=acme",
        content_type="text/plain",
    ),
    case("get", AID, 200, who="owner", params={"id": "$submitted"}),
    case("get", AID, 200, who="viewer", params={"id": "$complete"}, note="viewer"),
    case(
        "get",
        AID,
        304,
        who="owner",
        params={"id": "$complete"},
        headers={"If-None-Match": ETAG_OF_GET},
    ),
    case("get", AID, 404, who="owner", params={"id": "$foreign"}),
    case("get", AID, 401, params={"id": "$submitted"}),
    case(
        "patch",
        AID,
        200,
        who="owner",
        params={"id": "$submitted"},
        body={"title": "Renamed"},
        headers={"If-Match": "$etag:submitted"},
        note="title",
    ),
    case(
        "patch",
        AID,
        200,
        who="owner",
        params={"id": "$complete"},
        body={"targets": {"level": "sound", "sections": {"automation": "50"}}},
        headers={"If-Match": "$etag:complete"},
        note="targets",
    ),
    case(
        "patch",
        AID,
        400,
        who="owner",
        params={"id": "$complete"},
        body={"title": "x" * 201},
        headers={"If-Match": "$etag:complete"},
        note="title too long",
    ),
    case(
        "patch",
        AID,
        400,
        who="owner",
        params={"id": "$complete"},
        body={"targets": {"colour": "blue"}},
        headers={"If-Match": "$etag:complete"},
        note="unknown target field",
    ),
    case(
        "patch",
        AID,
        400,
        who="owner",
        params={"id": "$complete"},
        body={"targets": {"sections": {"no-such-section": "50"}}},
        headers={"If-Match": "$etag:complete"},
        note="unknown section",
    ),
    case(
        "patch",
        AID,
        409,
        who="owner",
        params={"id": "$submitted"},
        body={"targets": {"level": "sound"}},
        headers={"If-Match": "$etag:submitted"},
    ),
    case(
        "patch",
        AID,
        412,
        who="owner",
        params={"id": "$complete"},
        body={"title": "Mine"},
        headers={"If-Match": '"assessment-0-r0"'},
    ),
    case("patch", AID, 428, who="owner", params={"id": "$complete"}, body={"title": "Mine"}),
    case(
        "patch",
        AID,
        403,
        who="viewer",
        params={"id": "$complete"},
        body={"title": "Mine"},
        headers={"If-Match": "$etag:complete"},
    ),
    case(
        "patch",
        AID,
        404,
        who="owner",
        params={"id": "$foreign"},
        body={"title": "Mine"},
        headers={"If-Match": "$etag:foreign"},
    ),
    case("delete", AID, 204, who="owner", params={"id": "$empty"}),
    case("delete", AID, 409, who="owner", params={"id": "$submitted"}),
    case("delete", AID, 403, who="viewer", params={"id": "$empty"}),
    case("delete", AID, 404, who="owner", params={"id": "$foreign"}),
    case("delete", AID, 401, params={"id": "$empty"}),
    case("get", AID + "answers/", 200, who="owner", params={"id": "$complete"}),
    case("get", AID + "answers/", 404, who="outsider", params={"id": "$complete"}),
    case(
        "patch",
        AID + "answers/",
        200,
        who="owner",
        params={"id": "$empty"},
        body={"answers": [{"question": "unit-tests", "choices": ["fully"], "comment": "CI"}]},
    ),
    case(
        "patch",
        AID + "answers/",
        400,
        who="owner",
        params={"id": "$empty"},
        body={"answers": []},
        note="no answers",
    ),
    case(
        "patch",
        AID + "answers/",
        400,
        who="owner",
        params={"id": "$empty"},
        body={},
        note="without answers",
    ),
    case(
        "patch",
        AID + "answers/",
        400,
        who="owner",
        params={"id": "$empty"},
        body={"answers": [{"question": "no-such-question", "choices": ["fully"]}]},
        note="unknown question",
    ),
    case(
        "patch",
        AID + "answers/",
        400,
        who="owner",
        params={"id": "$empty"},
        body={"answers": [{"question": "unit-tests", "choices": ["maybe"]}]},
        note="unknown choice",
    ),
    case(
        "patch",
        AID + "answers/",
        409,
        who="owner",
        params={"id": "$submitted"},
        body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
    ),
    case(
        "patch",
        AID + "answers/",
        412,
        who="owner",
        params={"id": "$empty"},
        body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
        headers={"If-Match": '"assessment-0-r0"'},
    ),
    case(
        "patch",
        AID + "answers/",
        403,
        who="viewer",
        params={"id": "$empty"},
        body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
    ),
    case("post", AID + "submit/", 200, who="owner", params={"id": "$complete"}),
    case("post", AID + "submit/", 409, who="owner", params={"id": "$empty"}, note="incomplete"),
    case("post", AID + "submit/", 409, who="owner", params={"id": "$submitted"}, note="again"),
    case(
        "post",
        AID + "submit/",
        412,
        who="owner",
        params={"id": "$complete"},
        headers={"If-Match": '"assessment-0-r0"'},
    ),
    case("post", AID + "submit/", 403, who="viewer", params={"id": "$complete"}),
    case("post", AID + "submit/", 401, params={"id": "$complete"}),
    case("get", AID + "result/", 200, who="owner", params={"id": "$submitted"}),
    case("get", AID + "result/", 200, who="viewer", params={"id": "$second"}, note="viewer"),
    case("get", AID + "result/", 404, who="owner", params={"id": "$complete"}, note="draft"),
    case("get", AID + "report/", 200, who="owner", params={"id": "$submitted"}),
    case(
        "get",
        AID + "report/",
        304,
        who="viewer",
        params={"id": "$second"},
        headers={"If-None-Match": ETAG_OF_GET},
    ),
    case("get", AID + "report/", 404, who="owner", params={"id": "$complete"}, note="draft"),
    case("get", AID + "report/", 404, who="owner", params={"id": "$foreign"}, note="foreign"),
    case("get", AID + "report/", 401, params={"id": "$submitted"}),
    case("get", AID + "radar.svg", 200, who="owner", params={"id": "$submitted"}),
    case(
        "get",
        AID + "radar.svg",
        304,
        who="owner",
        params={"id": "$submitted"},
        headers={"If-None-Match": ETAG_OF_GET},
    ),
    case("get", AID + "radar.svg", 404, who="owner", params={"id": "$empty"}, note="draft"),
    case("get", AID + "radar.svg", 401, who="bad-token", params={"id": "$submitted"}),
    case("get", AID + "recommendations/", 200, who="owner", params={"id": "$submitted"}),
    case("get", AID + "recommendations/", 404, who="owner", params={"id": "$empty"}),
    case("get", AID + "roadmap/", 200, who="viewer", params={"id": "$submitted"}),
    case(
        "get",
        AID + "roadmap/",
        200,
        who="owner",
        params={"id": "$submitted"},
        query={"format": "csv"},
    ),
    case(
        "get",
        AID + "roadmap/",
        400,
        who="owner",
        params={"id": "$submitted"},
        query={"format": "xml"},
    ),
    case("get", AID + "roadmap/", 404, who="owner", params={"id": "$empty"}, note="draft"),
    case("get", AID + "roadmap/", 404, who="owner", params={"id": "$foreign"}, note="foreign"),
    case("get", AID + "roadmap/", 401, params={"id": "$submitted"}),
    case("post", AID + "copy/", 201, who="owner", params={"id": "$submitted"}),
    case("post", AID + "copy/", 409, who="owner", params={"id": "$complete"}),
    case("post", AID + "copy/", 403, who="viewer", params={"id": "$submitted"}),
    case("post", AID + "copy/", 404, who="owner", params={"id": "$foreign"}),
    case(
        "get",
        AID + "compare/{other_id}/",
        200,
        who="owner",
        params={"id": "$second", "other_id": "$submitted"},
    ),
    case(
        "get",
        AID + "compare/{other_id}/",
        409,
        who="owner",
        params={"id": "$submitted", "other_id": "$complete"},
    ),
    case(
        "get",
        AID + "compare/{other_id}/",
        400,
        who="owner",
        params={"id": "$submitted", "other_id": "$other"},
        note="another questionnaire",
    ),
    case(
        "get",
        AID + "compare/{other_id}/",
        404,
        who="owner",
        params={"id": "$submitted", "other_id": "$foreign"},
    ),
    # --- organisations ----------------------------------------------------------------------
    case("get", ORGS, 200, who="owner", query={"search": "acme", "ordering": "-created_at"}),
    case("get", ORGS, 401),
    case("post", ORGS, 201, who="owner", body={"slug": "initech", "name": "Initech"}),
    case("post", ORGS, 400, who="owner", body={"slug": "acme", "name": "Acme"}, note="taken"),
    case("post", ORGS, 400, who="owner", body={"slug": "not a slug", "name": ""}, note="invalid"),
    case("get", ORG, 200, who="viewer", params={"slug": "acme"}),
    case("get", ORG, 404, who="owner", params={"slug": "globex"}),
    case("get", ORG + "tools/", 200, who="viewer", params={"slug": "acme"}),
    case(
        "put",
        ORG + "tools/",
        200,
        who="owner",
        params={"slug": "acme"},
        body={"tools": ["ansible"]},
    ),
    case(
        "put",
        ORG + "tools/",
        400,
        who="owner",
        params={"slug": "acme"},
        body={"tools": "ansible"},
        note="not a list",
    ),
    case(
        "put",
        ORG + "tools/",
        400,
        who="owner",
        params={"slug": "acme"},
        body={"tools": ["no-such-tool"]},
        note="unknown tool",
    ),
    case(
        "put",
        ORG + "tools/",
        403,
        who="viewer",
        params={"slug": "acme"},
        body={"tools": []},
    ),
    case(
        "get",
        ORG + "history/",
        200,
        who="viewer",
        params={"slug": "acme"},
        query={"questionnaire": "$rubric"},
    ),
    case(
        "get",
        ORG + "history/",
        400,
        who="owner",
        params={"slug": "acme"},
        query={"questionnaire": "no-such-questionnaire"},
    ),
    case(
        "get",
        ORG + "history/",
        404,
        who="owner",
        params={"slug": "globex"},
        query={"questionnaire": "$rubric"},
    ),
    case("get", ORG + "keys/", 200, who="owner", params={"slug": "acme"}),
    case("get", ORG + "keys/", 403, who="viewer", params={"slug": "acme"}),
    case("get", ORG + "keys/", 404, who="outsider", params={"slug": "acme"}),
    case(
        "post", ORG + "keys/", 201, who="owner", params={"slug": "acme"}, body={"name": "Warehouse"}
    ),
    case(
        "post",
        ORG + "keys/",
        400,
        who="owner",
        params={"slug": "acme"},
        body={"name": "Old", "expiry_date": "not a date"},
    ),
    case(
        "post",
        ORG + "keys/",
        403,
        who="viewer",
        params={"slug": "acme"},
        body={"name": "Mine"},
    ),
    case(
        "delete",
        ORG + "keys/{prefix}/",
        204,
        who="owner",
        params={"slug": "acme", "prefix": "$prefix"},
    ),
    case(
        "delete",
        ORG + "keys/{prefix}/",
        404,
        who="owner",
        params={"slug": "acme", "prefix": "nosuchkey"},
    ),
    case(
        "delete",
        ORG + "keys/{prefix}/",
        403,
        who="viewer",
        params={"slug": "acme", "prefix": "$prefix"},
    ),
    # --- staff keys -------------------------------------------------------------------------
    case("get", "/api/v1/keys/", 200, who="staff"),
    case("get", "/api/v1/keys/", 403, who="owner"),
    case("get", "/api/v1/keys/", 401),
    case("post", "/api/v1/keys/", 201, who="staff", body={"name": "Company BI"}),
    case("post", "/api/v1/keys/", 400, who="staff", body={"name": ""}),
    case("post", "/api/v1/keys/", 403, who="owner", body={"name": "Mine"}),
    # --- the scores feed --------------------------------------------------------------------
    case("get", SCORES, 200, who="owner"),
    case("get", SCORES, 200, who="api-key", query={"page_size": 1}, note="API key"),
    case("get", SCORES, 304, who="owner", headers={"If-None-Match": ETAG_OF_GET}),
    case("get", SCORES, 200, who="owner", query={"format": "csv"}, note="csv"),
    case(
        "get",
        SCORES,
        200,
        who="owner",
        query={"format": "jsonl"},
        note="jsonl",
    ),
    case(
        "get",
        SCORES,
        400,
        who="owner",
        query={"page_size": 0},
        note="page_size",
    ),
    case(
        "get",
        SCORES,
        400,
        who="owner",
        query={"cursor": "nonsense"},
        note="cursor",
    ),
    case(
        "get",
        SCORES,
        400,
        who="owner",
        query={"page_size": "²"},
        note="superscript two",
    ),
    case(
        "get",
        SCORES,
        None,
        who="owner",
        query={"cursor": cursor_of("0001-01-01T00:00:00+05:00", 1)},
        note="cursor out of range in UTC",
    ),
    case(
        "get",
        SCORES,
        None,
        who="owner",
        query={"submitted_after": "0001-01-01T00:00:00+05:00"},
        note="filter out of range in UTC",
    ),
    case("get", SCORES, 401),
    case("get", SCORES, 401, who="bad-token"),
    # --- auth -------------------------------------------------------------------------------
    case("post", TOKEN, 200, body={"username": "olivia", "password": PASSWORD}),
    case("post", TOKEN, 400, body={"username": "olivia"}),
    case("post", TOKEN, 401, body={"username": "olivia", "password": "wrong"}),
    case("post", TOKEN, 400, body={"username": "olivia", "password": PASSWORD, "otp": "1"}),
    case("delete", TOKEN, 204, who="viewer"),
    case("delete", TOKEN, 401),
    case("delete", TOKEN, 401, who="api-key"),
    case("post", "/api/v1/auth/logout/", 204, who="viewer"),
    case("post", "/api/v1/auth/logout/", 401, who="bad-token"),
    case("post", "/api/v1/auth/logout-all/", 204, who="viewer"),
    case("post", "/api/v1/auth/logout-all/", 401),
    # --- If-Match: * matches whatever is current, an empty one matches nothing ---------------
    case("patch", AID, 200, who="owner", params={"id": "$empty"}, body={"title": "t"},
         headers={"If-Match": "*"}, note="If-Match *"),
    case("patch", AID, 412, who="owner", params={"id": "$empty"}, body={"title": "t"},
         headers={"If-Match": ""}, note="empty If-Match"),
    case("patch", AID + "answers/", 200, who="owner", params={"id": "$empty"},
         body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
         headers={"If-Match": "*"}, note="If-Match *"),
    case("patch", AID + "answers/", 412, who="owner", params={"id": "$empty"},
         body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
         headers={"If-Match": ""}, note="empty If-Match"),
    # --- respondents (assessments/api/respondents.py) -------------------------------------
    case("patch", AID + "answers/", 409, who="owner", params={"id": "$answered"},
         body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
         note="has respondents"),
    case("get", AID + "respondents/", 200, who="viewer", params={"id": "$answered"}),
    case("get", AID + "respondents/", 200, who="owner", params={"id": "$answered"},
         query={"page_size": 1}),
    case("get", AID + "respondents/", 400, who="owner", params={"id": "$answered"},
         query={"colour": "red"}),
    case("get", AID + "respondents/", 403, who="rita", params={"id": "$answered"}),
    case("get", AID + "respondents/", 404, who="owner", params={"id": "$foreign"}),
    case("get", AID + "respondents/", 401, params={"id": "$answered"}),
    case("post", AID + "respondents/", 201, who="owner", params={"id": "$answered"},
         body={"username": "vera"}),
    case("post", AID + "respondents/", 201, who="owner", params={"id": "$answered"},
         body={"email": "sam@example.com"}, note="invited"),
    case("post", AID + "respondents/", 400, who="owner", params={"id": "$answered"},
         body={"username": "nobody"}, note="no such user"),
    case("post", AID + "respondents/", 403, who="viewer", params={"id": "$answered"},
         body={"username": "vera"}),
    case("post", AID + "respondents/", 409, who="owner", params={"id": "$answered"},
         body={"username": "rita"}, note="already answering"),
    case("post", AID + "respondents/", 409, who="owner", params={"id": "$submitted"},
         body={"username": "vera"}, note="submitted"),
    case("delete", AID + "respondents/{respondent}/", 204, who="owner",
         params={"id": "$answered", "respondent": "$respondent"}),
    case("delete", AID + "respondents/{respondent}/", 403, who="viewer",
         params={"id": "$answered", "respondent": "$respondent"}),
    case("delete", AID + "respondents/{respondent}/", 404, who="owner",
         params={"id": "$answered", "respondent": "0b6f4a52-6f0e-4d7e-9a55-2c1d5f0e8a11"}),
    case("get", AID + "my-answers/", 200, who="rita", params={"id": "$answered"}),
    case("get", AID + "my-answers/", 304, who="rita", params={"id": "$answered"},
         headers={"If-None-Match": ETAG_OF_GET}),
    case("get", AID + "my-answers/", 403, who="viewer", params={"id": "$answered"}),
    case("get", AID + "my-answers/", 404, who="rita", params={"id": "$complete"},
         note="not asked to answer it"),
    case("patch", AID + "my-answers/", 200, who="owner", params={"id": "$answered"},
         body={"answers": [{"question": "unit-tests", "choices": ["partly"],
                            "comment": "Most modules"}]}),
    case("patch", AID + "my-answers/", 400, who="owner", params={"id": "$answered"},
         body={"answers": [{"question": "unit-tests", "choices": ["often"]}]}),
    case("patch", AID + "my-answers/", 412, who="owner", params={"id": "$answered"},
         body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
         headers={"If-Match": '"respondent-0-r1"'}, note="stale If-Match"),
    case("patch", AID + "my-answers/", 403, who="owner", params={"id": "$complete"},
         body={"answers": [{"question": "unit-tests", "choices": ["partly"]}]},
         note="not a respondent"),
    case("get", AID + "disagreement/", 200, who="viewer", params={"id": "$answered"}),
    case("get", AID + "disagreement/", 403, who="rita", params={"id": "$answered"}),
    case("get", AID + "disagreement/", 404, who="outsider", params={"id": "$answered"}),
    case("put", AID + "consensus/{question_key}/", 200, who="owner",
         params={"id": "$answered", "question_key": "$question_key"},
         body={"choices": ["partly"], "note": "Agreed in the retro."}),
    case("put", AID + "consensus/{question_key}/", 400, who="owner",
         params={"id": "$answered", "question_key": "$question_key"},
         body={"choices": ["partly"]}, note="no note"),
    case("put", AID + "consensus/{question_key}/", 403, who="viewer",
         params={"id": "$answered", "question_key": "$question_key"},
         body={"choices": ["partly"], "note": "n"}),
    case("put", AID + "consensus/{question_key}/", 404, who="owner",
         params={"id": "$answered", "question_key": "no-such-question"},
         body={"choices": ["partly"], "note": "n"}),
    case("put", AID + "consensus/{question_key}/", 409, who="owner",
         params={"id": "$empty", "question_key": "$question_key"},
         body={"choices": ["partly"], "note": "n"}, note="no respondents"),
    case("delete", AID + "consensus/{question_key}/", 200, who="owner",
         params={"id": "$answered", "question_key": "flaky-tests"}),
    case("delete", AID + "consensus/{question_key}/", 404, who="owner",
         params={"id": "$answered", "question_key": "$question_key"}, note="none recorded"),
    case("delete", AID + "consensus/{question_key}/", 403, who="viewer",
         params={"id": "$answered", "question_key": "flaky-tests"}),
    # --- the portfolio, the roll-up rule, unit-aware history and compare (issue 15) ----------
    case("get", ORG + "portfolio/", 200, who="viewer", params={"slug": "acme"}),
    case("get", ORG + "portfolio/", 200, who="api-key", params={"slug": "acme"}, note="API key"),
    case("get", ORG + "portfolio/", 200, who="owner", params={"slug": "acme"},
         query={"questionnaire": "$rubric"}),
    case("get", ORG + "portfolio/", 400, who="owner", params={"slug": "acme"},
         query={"questionnaire": "no-such-questionnaire"}),
    case("get", ORG + "portfolio/", 400, who="owner", params={"slug": "acme"},
         query={"unit": "payments"}, note="unknown parameter"),
    case("get", ORG + "portfolio/", 404, who="outsider", params={"slug": "acme"}),
    case("get", ORG + "portfolio/", 404, who="api-key", params={"slug": "globex"},
         note="another organisation's key"),
    case("get", ORG + "portfolio/", 401, params={"slug": "acme"}),
    case("get", ORG + "portfolio/report/", 200, who="owner", params={"slug": "acme"}),
    case("get", ORG + "portfolio/report/", 200, who="api-key", params={"slug": "acme"},
         note="API key"),
    case("get", ORG + "portfolio/report/", 304, who="owner", params={"slug": "acme"},
         headers={"If-None-Match": ETAG_OF_GET}),
    case("get", ORG + "portfolio/report/", 400, who="owner", params={"slug": "acme"},
         query={"questionnaire": ""}, note="blank questionnaire"),
    case("get", ORG + "portfolio/report/", 404, who="outsider", params={"slug": "acme"}),
    case("patch", ORG, 200, who="owner", params={"slug": "acme"},
         body={"portfolio_roll_up": "median"}),
    case("patch", ORG, 200, who="owner", params={"slug": "acme"}, body={"name": "Acme Inc"}),
    case("patch", ORG, 400, who="owner", params={"slug": "acme"},
         body={"portfolio_roll_up": "average"}),
    case("patch", ORG, 403, who="viewer", params={"slug": "acme"},
         body={"portfolio_roll_up": "median"}),
    case("patch", ORG, 404, who="outsider", params={"slug": "acme"}, body={"name": "Mine"}),
    case("patch", ORG, 401, params={"slug": "acme"}, body={"name": "Mine"}),
    case("get", ORG + "history/", 400, who="owner", params={"slug": "acme"},
         query={"questionnaire": "$rubric", "unit": "no-such-unit"}),
    case("get", AID + "compare/{other_id}/", 200, who="owner",
         params={"id": "$submitted", "other_id": "$second"}, query={"across_units": "true"}),
    case("get", AID + "compare/{other_id}/", 400, who="owner",
         params={"id": "$submitted", "other_id": "$second"}, query={"across_units": "maybe"}),
]  # fmt: skip

# --- members, units and invitations (organisations.api) ----------------------------------------
ACME = {"slug": "acme"}
MEMBERS = ORG + "members/"
MEMBER = MEMBERS + "{username}/"
UNITS = ORG + "units/"
UNIT = UNITS + "{unit_slug}/"
INVITATIONS = ORG + "invitations/"
INVITATION = INVITATIONS + "{uuid}/"
CASES += [
    case("get", MEMBERS, 200, who="viewer", params=ACME),
    case("get", MEMBERS, 200, who="owner", params=ACME,
         query={"role": "viewer", "search": "v", "ordering": "-since"}),
    case("get", MEMBERS, 400, who="owner", params=ACME, query={"role": "boss"}),
    case("get", MEMBERS, 404, who="outsider", params=ACME),
    case("get", MEMBERS, 401, params=ACME),
    case("post", MEMBERS, 201, who="owner", params=ACME,
         body={"username": "newbie", "role": "editor"}),
    case("post", MEMBERS, 400, who="owner", params=ACME, body={"username": "nobody"}),
    case("post", MEMBERS, 403, who="viewer", params=ACME, body={"username": "newbie"}),
    case("post", MEMBERS, 409, who="owner", params=ACME, body={"username": "vera"}),
    case("get", MEMBER, 200, who="viewer", params={**ACME, "username": "olivia"}),
    case("get", MEMBER, 404, who="owner", params={**ACME, "username": "oscar"}),
    case("patch", MEMBER, 200, who="owner", params={**ACME, "username": "victor"},
         body={"role": "editor"}),
    case("patch", MEMBER, 400, who="owner", params={**ACME, "username": "victor"},
         body={"role": "boss"}),
    case("patch", MEMBER, 403, who="viewer", params={**ACME, "username": "victor"},
         body={"role": "owner"}),
    case("patch", MEMBER, 409, who="owner", params={**ACME, "username": "olivia"},
         body={"role": "viewer"}, note="last owner"),
    case("delete", MEMBER, 204, who="owner", params={**ACME, "username": "victor"}),
    case("delete", MEMBER, 204, who="viewer", params={**ACME, "username": "vera"},
         note="leaving"),
    case("delete", MEMBER, 403, who="viewer", params={**ACME, "username": "victor"}),
    case("delete", MEMBER, 409, who="owner", params={**ACME, "username": "olivia"},
         note="last owner"),
    case("delete", MEMBER, 400, who="owner", params={**ACME, "username": "victor"},
         query={"force": "1"}),
    case("get", UNITS, 200, who="viewer", params=ACME,
         query={"kind": "team", "parent": "payments"}),
    case("get", UNITS, 400, who="viewer", params=ACME, query={"kind": "tribe"}),
    case("get", UNITS, 404, who="outsider", params=ACME),
    case("post", UNITS, 201, who="owner", params=ACME,
         body={"slug": "fraud", "name": "Fraud", "kind": "team", "parent": "payments",
               "targets": {"rubric-example": {"level": "sound", "sections": {"automation": 80}}}}),
    case("post", UNITS, 400, who="owner", params=ACME,
         body={"slug": "fraud", "name": "Fraud", "parent": "billing"}, note="foreign parent"),
    case("post", UNITS, 400, who="owner", params=ACME,
         body={"slug": "fraud", "name": "Fraud", "targets": {"devops": {"sections": {"a": 101}}}},
         note="bad targets"),
    case("post", UNITS, 400, who="owner", params=ACME, body={"slug": "search", "name": "Again"},
         note="slug taken"),
    case("post", UNITS, 403, who="viewer", params=ACME, body={"slug": "x", "name": "X"}),
    case("get", UNIT, 200, who="viewer", params={**ACME, "unit_slug": "checkout"}),
    case("get", UNIT, 404, who="owner", params={**ACME, "unit_slug": "billing"}),
    case("patch", UNIT, 200, who="owner", params={**ACME, "unit_slug": "checkout"},
         body={"slug": "checkout-web", "name": "Checkout (web)", "parent": None}),
    case("patch", UNIT, 400, who="owner", params={**ACME, "unit_slug": "payments"},
         body={"parent": "checkout"}, note="cycle"),
    case("patch", UNIT, 403, who="viewer", params={**ACME, "unit_slug": "search"},
         body={"name": "Find"}),
    case("delete", UNIT, 204, who="owner", params={**ACME, "unit_slug": "search"}),
    case("delete", UNIT, 409, who="owner", params={**ACME, "unit_slug": "payments"}),
    case("delete", UNIT, 403, who="viewer", params={**ACME, "unit_slug": "search"}),
    case("get", INVITATIONS, 200, who="owner", params=ACME, query={"status": "pending"}),
    case("get", INVITATIONS, 400, who="owner", params=ACME, query={"status": "lost"}),
    case("get", INVITATIONS, 403, who="viewer", params=ACME),
    case("post", INVITATIONS, 201, who="owner", params=ACME,
         body={"email": "priya@example.com", "role": "editor"}),
    case("post", INVITATIONS, 400, who="owner", params=ACME,
         body={"email": "priya@example.com", "username": "newbie"}, note="both"),
    case("post", INVITATIONS, 409, who="owner", params=ACME,
         body={"username": "vera", "role": "viewer"}, note="already a member"),
    case("post", INVITATIONS, 409, who="owner", params=ACME,
         body={"email": "guest@example.com"}, note="already invited"),
    case("post", INVITATIONS, 403, who="viewer", params=ACME, body={"email": "x@example.com"}),
    case("get", INVITATION, 200, who="owner", params={**ACME, "uuid": "$invitation"}),
    case("get", INVITATION, 404, who="owner", params={**ACME, "uuid": "$foreign_invitation"}),
    case("get", INVITATION, 403, who="viewer", params={**ACME, "uuid": "$invitation"}),
    case("delete", INVITATION, 204, who="owner", params={**ACME, "uuid": "$invitation"}),
    case("delete", INVITATION, 409, who="owner", params={**ACME, "uuid": "$used_invitation"}),
    case("delete", INVITATION, 404, who="owner", params={**ACME, "uuid": "not-a-uuid"}),
    case("get", "/api/v1/invitations/", 200, who="viewer"),
    case("get", "/api/v1/invitations/", 400, who="viewer", query={"organisation": "acme"}),
    case("get", "/api/v1/invitations/", 401),
    case("post", "/api/v1/invitations/accept/", 200, who="viewer", body={"key": "$vera_key"}),
    case("post", "/api/v1/invitations/accept/", 403, who="owner", body={"key": "$vera_key"},
         note="not yours"),
    case("post", "/api/v1/invitations/accept/", 404, who="viewer", body={"key": "no-such-key"}),
    case("post", "/api/v1/invitations/accept/", 409, who="viewer", body={"key": "$used_key"},
         note="used"),
    case("post", "/api/v1/invitations/accept/", 400, who="viewer", body={"key": ""}),
    case("post", "/api/v1/invitations/accept/", 401, body={"key": "$vera_key"}),
]  # fmt: skip


# --- running a case -----------------------------------------------------------------------------


def _resolve(value: Any, world: World) -> Any:
    if isinstance(value, str) and value.startswith("$etag:"):
        return Assessment.objects.get(pk=world.ids[value.removeprefix("$etag:")]).etag
    if isinstance(value, str) and value.startswith("$"):
        return world.ids[value[1:]]
    if isinstance(value, dict):
        return {key: _resolve(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, world) for item in value]
    return value


def _client(who: str | None, world: World) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if who == "api-key":
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world.api_key}")
    elif who == "bad-token":
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    elif who is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[who]}")
    return client


def _as_schemathesis(response: Any) -> schemathesis.Response:
    """The Django test response in the shape schemathesis' checks read."""
    request = response.wsgi_request
    prepared = requests.Request(method=request.method, url=request.build_absolute_uri()).prepare()
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = bytes(response.content)
    return schemathesis.Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=content,
        request=prepared,
        elapsed=0.0,
        verify=False,
    )


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def assert_conforms(operation: Any, response: Any, request: dict[str, Any]) -> None:
    """The status is documented for the operation, and the body matches its schema.

    `request` holds the Case fields (path_parameters, query, body) used to print a curl line.
    Raises ContractViolation.
    """
    actual = _as_schemathesis(response)
    documented = operation.definition.raw["responses"]
    status = str(response.status_code)
    entry = next(
        (documented[key] for key in (status, f"{status[0]}XX", "default") if key in documented),
        None,
    )
    if entry is None:
        raise ContractViolation(
            f"{operation.label} answered {status}, which is not documented "
            f"(documented: {', '.join(sorted(documented))}); body: {actual.content[:300]!r}"
        )
    # schemathesis checks JSON bodies only; a JSON schema given for any other body is wrong.
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    declared = entry.get("content", {}).get(media_type, {}).get("schema")
    if (
        actual.content
        and media_type
        and not _is_json(media_type)
        and declared is not None
        and declared.get("type") != "string"
    ):
        raise ContractViolation(
            f"{operation.label} {status}: the {media_type} body is documented with the "
            f"JSON schema {declared}"
        )
    probe = operation.Case(**request)
    try:
        probe.validate_response(
            actual,
            checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
        )
    except FailureGroup as failures:
        raise ContractViolation(str(failures)) from failures


@pytest.mark.parametrize("call", CASES)
def test_the_response_matches_the_schema(call: Call, world: World) -> None:
    operation = SCHEMA[call.path][call.method.upper()]
    params = {name: _resolve(value, world) for name, value in call.params.items()}
    send = getattr(_client(call.who, world), call.method)
    kwargs: dict[str, Any] = {
        "query_params": _resolve(call.query, world),
        "headers": _resolve(call.headers, world),
    }
    if call.content_type is not None:
        kwargs["content_type"] = call.content_type
    elif call.body is not None:
        kwargs["format"] = "json"
    url = call.path.format(**params)
    for name, value in kwargs["headers"].items():
        if value == ETAG_OF_GET:
            kwargs["headers"][name] = _client(call.who, world).get(url)["ETag"]
    body = _resolve(call.body, world)
    response = send(url, body, **kwargs)
    content = b"" if response.streaming else response.content
    if response.status_code >= 500:
        raise ServerError(f"{call.operation} answered {response.status_code}: {content!r}")
    if call.status is not None and response.status_code != call.status:
        raise UnexpectedStatus(f"expected {call.status}, got {response.status_code}: {content!r}")
    request = {
        "path_parameters": {name: str(value) for name, value in params.items()},
        "query": kwargs["query_params"],
    }
    if isinstance(body, (dict, list)):
        request.update(body=body, media_type="application/json")
    assert_conforms(operation, response, request)


def test_the_login_lockout_429_matches_the_schema(world: World, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 1
    client = _client(None, world)
    client.post(TOKEN, {"username": "vera", "password": "wrong"}, format="json")
    response = client.post(TOKEN, {"username": "vera", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "locked_out"
    assert_conforms(SCHEMA[TOKEN]["POST"], response, {"body": {}, "media_type": "application/json"})


def test_every_request_body_refuses_properties_it_does_not_declare() -> None:
    """Each JSON body an operation takes is `additionalProperties: false`, nested objects
    included: every write validates through opsassess.core.api.serializers' strict base."""
    components = SCHEMA.raw_schema["components"]["schemas"]
    open_bodies = []
    for path, item in SCHEMA.raw_schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            pending = [content.get("application/json", {}).get("schema", {})]
            while pending:
                schema = pending.pop()
                if "$ref" in schema:
                    name = schema["$ref"].rsplit("/", 1)[-1]
                    schema = components[name]
                else:
                    name = f"{method.upper()} {path}"
                if schema.get("type") == "object" and "properties" in schema:
                    if schema.get("additionalProperties") is not False:
                        open_bodies.append(name)
                    pending.extend(schema["properties"].values())
                elif schema.get("type") == "array":
                    pending.append(schema.get("items", {}))
    assert not open_bodies


def schema_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in SCHEMA.raw_schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_operation_in_the_schema_has_a_case() -> None:
    covered = {param.values[0].operation for param in CASES}
    missing = sorted(schema_operations() - covered)
    assert not missing, f"operations without a contract case in CASES: {missing}"


def test_every_case_names_an_operation_in_the_schema() -> None:
    stale = sorted({param.values[0].operation for param in CASES} - schema_operations())
    assert not stale, f"CASES rows for operations the schema no longer has: {stale}"
