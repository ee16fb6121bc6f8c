"""The permission matrix of the portfolio, its printable page, the organisation's PATCH and
the unit-aware history and compare: every operation x every kind of caller.

Dashboards read the portfolio with machine keys: a key of the organisation or a key for all
organisations; a key of another organisation gets a 404 like an outsider. Respondents answer
what they are asked to and read no portfolio (403 with the reason); staff who are not
members get a 404 (staff work in the admin).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from organisations import services as organisation_services
from organisations.models import Membership, Organisation
from tests.assessments import portfolio_world as pw

pytestmark = pytest.mark.django_db

ROLES = [
    "owner",
    "editor",
    "viewer",
    "respondent",
    "outsider",
    "staff",
    "anonymous",
    "org_key",
    "foreign_key",
    "all_key",
]


@pytest.fixture
def world() -> dict[str, Any]:
    version = pw.questionnaire("zebra-devops", "Zebra DevOps", None, [("plan", "Plan")])
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users = {}
    for name, organisation, role in [
        ("owner", acme, "owner"),
        ("editor", acme, "editor"),
        ("viewer", acme, "viewer"),
        ("respondent", acme, "respondent"),
        ("outsider", globex, "owner"),
    ]:
        users[name] = User.objects.create_user(name)
        Membership.objects.create(organisation=organisation, user=users[name], role=role)
    users["staff"] = User.objects.create_user("staff", is_staff=True)
    owner = users["owner"]
    payments = pw.unit(acme, "payments", "Payments")
    search = pw.unit(acme, "search", "Search")
    first = pw.result(acme, version, owner, {"plan": 1}, payments)
    second = pw.result(acme, version, owner, {"plan": 3}, payments)
    other = pw.result(acme, version, owner, {"plan": 2}, search)
    _, org_secret = organisation_services.api_key_create(
        name="bi", organisation=acme, created_by=owner
    )
    _, foreign_secret = organisation_services.api_key_create(
        name="bi", organisation=globex, created_by=users["outsider"]
    )
    _, all_secret = organisation_services.api_key_create(name="dwh", created_by=users["staff"])
    return {
        "users": users,
        "secrets": {"org_key": org_secret, "foreign_key": foreign_secret, "all_key": all_secret},
        "ids": {"first": first.pk, "second": second.pk, "other": other.pk},
    }


def caller(world: dict[str, Any], role: str) -> APIClient:
    client = APIClient()
    if role in world["users"]:
        client.force_authenticate(world["users"][role])
    elif role in world["secrets"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['secrets'][role]}")
    return client


MEMBERS_READ = {"owner": 200, "editor": 200, "viewer": 200, "respondent": 403}
STRANGERS = {"outsider": 404, "staff": 404, "anonymous": 401}
# Keys count only where they are accepted: elsewhere a request with one is not signed in.
NO_KEYS = {"org_key": 401, "foreign_key": 401, "all_key": 401}
DASHBOARD_KEYS = {"org_key": 200, "foreign_key": 404, "all_key": 200}
READ = {**MEMBERS_READ, **STRANGERS, **NO_KEYS}
PORTFOLIO = {**MEMBERS_READ, **STRANGERS, **DASHBOARD_KEYS}
OWNER_ONLY = {"owner": 200, "editor": 403, "viewer": 403, "respondent": 403, **STRANGERS,
              **NO_KEYS}  # fmt: skip
# A respondent reads the assessments they answer, and no others: these are not theirs.
ASSESSMENT_READ = {**READ, "respondent": 404}

# (method, path, body, expected status per role)
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("get", "/api/v1/organisations/acme/portfolio/", None, PORTFOLIO),
    ("get", "/api/v1/organisations/acme/portfolio/?questionnaire=zebra-devops", None, PORTFOLIO),
    ("get", "/api/v1/organisations/acme/portfolio/report/", None, PORTFOLIO),
    ("get", "/api/v1/organisations/globex/portfolio/", None,
     {**dict.fromkeys(MEMBERS_READ, 404), **STRANGERS, "outsider": 200, "org_key": 404,
      "foreign_key": 200, "all_key": 200}),
    ("get", "/api/v1/organisations/nowhere/portfolio/", None,
     {**dict.fromkeys(ROLES, 404), "anonymous": 401}),
    ("patch", "/api/v1/organisations/acme/", {"portfolio_roll_up": "median"}, OWNER_ONLY),
    ("get", "/api/v1/organisations/acme/history/?questionnaire=zebra-devops&unit=payments", None,
     READ),
    ("get", "/api/v1/assessments/{first}/compare/{second}/", None, ASSESSMENT_READ),
    ("get", "/api/v1/assessments/{first}/compare/{other}/?across_units=true", None,
     ASSESSMENT_READ),
]  # fmt: skip

CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{method} {path} as {role}")
    for method, path, body, expected in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), CASES)
def test_permission_matrix(
    world: dict[str, Any], method: str, path: str, body: Any, role: str, status: int
) -> None:
    url = path.format(**world["ids"])
    response = getattr(caller(world, role), method)(url, body, format="json")
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert response.json()["errors"], "every refusal explains itself in JSON"
    if status == 403 and role == "respondent" and "portfolio" in path:
        assert "portfolio" in response.json()["errors"][0]["detail"]


def test_a_respondent_invited_to_a_units_assessment_still_reads_no_portfolio(
    world: dict[str, Any],
) -> None:
    from assessments.models import Respondent

    respondent = world["users"]["respondent"]
    Respondent.objects.create(assessment_id=world["ids"]["first"], user=respondent)
    response = caller(world, "respondent").get("/api/v1/organisations/acme/portfolio/")
    assert response.status_code == 403


def covered_operations() -> set[tuple[str, str]]:
    """The (method, path template) pairs of this module's MATRIX."""
    return {
        (method, path.split("?")[0]
         .replace("{first}", "{id}").replace("{second}", "{other_id}")
         .replace("{other}", "{other_id}")
         .replace("acme", "{slug}").replace("globex", "{slug}").replace("nowhere", "{slug}"))
        for method, path, _, _ in MATRIX
    }  # fmt: skip
