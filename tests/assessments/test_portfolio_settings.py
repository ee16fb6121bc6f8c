"""The organisation's roll-up rule: changed by owners through the API and in the admin, shown in
the organisation's body, recorded in the audit trail and carried by exports."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments import services
from assessments.models import FeedChange
from assessments.portability import PortabilityError, export_organisation, import_organisation
from organisations import services as organisation_services
from organisations.models import Membership, Organisation, Unit
from tests.assessments import portfolio_world as pw
from tests.assessments.conftest import answer_all

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations/acme/"


@pytest.fixture
def acme() -> dict[str, Any]:
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    users = {}
    for role in ("owner", "editor", "viewer"):
        users[role] = User.objects.create_user(f"the-{role}")
        Membership.objects.create(organisation=organisation, user=users[role], role=role)
    return {"organisation": organisation, "users": users}


def client(acme: dict[str, Any], role: str = "owner") -> APIClient:
    api = APIClient()
    api.force_authenticate(acme["users"][role])
    return api


def test_an_owner_changes_the_rule_and_the_portfolio_follows(acme: dict[str, Any]) -> None:
    response = client(acme).patch(URL, {"portfolio_roll_up": "minimum"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "acme",
        "name": "Acme",
        "created_at": response.json()["created_at"],
        "role": "owner",
        "portfolio_roll_up": "minimum",
    }
    assert Organisation.objects.get(slug="acme").portfolio_roll_up == "minimum"
    portfolio = client(acme, "viewer").get(URL + "portfolio/").json()
    assert portfolio["roll_up_rule"] == "minimum"
    assert client(acme, "viewer").get(URL).json()["portfolio_roll_up"] == "minimum"


def test_an_owner_renames_the_organisation_and_its_feed_rows_are_sent_again(
    acme: dict[str, Any], rubric: Any
) -> None:
    owner = acme["users"]["owner"]
    done = services.assessment_create(organisation=acme["organisation"], version=rubric, user=owner)
    answer_all(done, owner)
    services.assessment_submit(assessment=done, user=owner)
    before = FeedChange.objects.count()
    response = client(acme).patch(URL, {"name": "Acme Corporation"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Acme Corporation"
    assert response.json()["portfolio_roll_up"] == "mean"
    assert FeedChange.objects.count() == before + 1


def test_every_change_is_in_the_audit_trail_with_its_author(acme: dict[str, Any]) -> None:
    api = client(acme)
    api.patch(URL, {"portfolio_roll_up": "median"}, format="json")
    api.patch(URL, {"portfolio_roll_up": "median", "name": "Acme"}, format="json")  # no change
    api.patch(URL, {"portfolio_roll_up": "minimum"}, format="json")
    rows = Organisation.history.filter(slug="acme").order_by("history_date", "history_id")
    assert [(row.portfolio_roll_up, row.history_user) for row in rows] == [
        ("mean", None),
        ("median", acme["users"]["owner"]),
        ("minimum", acme["users"]["owner"]),
    ]


@pytest.mark.parametrize(
    ("body", "attr", "words"),
    [
        ({"portfolio_roll_up": "average"}, "portfolio_roll_up", '"average" is not a valid choice'),
        ({"portfolio_roll_up": None}, "portfolio_roll_up", "may not be null"),
        ({"portfolio_roll_up": ["mean"]}, "portfolio_roll_up", ""),
        ({"name": ""}, "name", "may not be blank"),
        ({"name": "x" * 201}, "name", "no more than 200"),
        ({"name": 7}, "name", "string"),
        ({"slug": "acme-corp"}, "slug", ""),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field_and_nothing_changes(
    acme: dict[str, Any], body: dict[str, Any], attr: str, words: str
) -> None:
    sent = {"name": "Renamed", **body} if attr != "name" else body
    response = client(acme).patch(URL, sent, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == attr
    assert words in error["detail"]
    organisation = Organisation.objects.get(pk=acme["organisation"].pk)
    assert (organisation.slug, organisation.name, organisation.portfolio_roll_up) == (
        "acme",
        "Acme",
        "mean",
    )
    assert Organisation.history.filter(id=organisation.pk).count() == 1


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_owners_change_the_organisation(acme: dict[str, Any], role: str) -> None:
    response = client(acme, role).patch(URL, {"portfolio_roll_up": "minimum"}, format="json")
    assert response.status_code == 403
    assert "owners" in response.json()["errors"][0]["detail"]
    assert Organisation.objects.get(slug="acme").portfolio_roll_up == "mean"


def test_put_is_not_offered(acme: dict[str, Any]) -> None:
    response = client(acme).put(URL, {"name": "x", "portfolio_roll_up": "mean"}, format="json")
    assert response.status_code == 405


def test_staff_change_the_rule_in_the_admin(acme: dict[str, Any]) -> None:
    from django.test import Client

    staff = User.objects.create_superuser("root", password="a-long-password-1")
    browser = Client()
    browser.force_login(staff)
    page = f"/admin/organisations/organisation/{acme['organisation'].pk}/change/"
    form = browser.get(page)
    assert 'name="portfolio_roll_up"' in form.content.decode()
    saved = browser.post(page, {
        "name": "Acme", "slug": "acme", "portfolio_roll_up": "median",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert Organisation.objects.get(slug="acme").portfolio_roll_up == "median"
    listed = browser.get("/admin/organisations/organisation/?portfolio_roll_up__exact=median")
    assert "Acme" in listed.content.decode()


def test_the_rule_and_its_history_travel_with_an_export(acme: dict[str, Any]) -> None:
    organisation = acme["organisation"]
    owner = acme["users"]["owner"]
    pw.unit(organisation, "payments", "Payments")
    for rule in ("median", "minimum"):
        organisation._history_user = owner  # type: ignore[attr-defined]
        organisation_services.organisation_update(organisation=organisation, portfolio_roll_up=rule)
    document = export_organisation(organisation)
    assert document["organisation"]["portfolio_roll_up"] == "minimum"
    # Make room for the import: the same slug and uuid must be free.
    Organisation.objects.filter(pk=organisation.pk).update(slug="moved", uuid=uuid4())
    for unit in organisation.units.all():  # units travel too, under the same uuids
        Unit.objects.filter(pk=unit.pk).update(uuid=uuid4())
    imported = import_organisation(document)
    assert imported.portfolio_roll_up == "minimum"
    rows = Organisation.history.filter(id=imported.pk).order_by("history_date", "history_id")
    assert [(row.portfolio_roll_up, row.history_user) for row in rows] == [
        ("mean", None),
        ("median", owner),
        ("minimum", owner),
    ]
    assert export_organisation(Organisation.objects.get(pk=imported.pk)) == document


def test_a_file_without_the_rule_imports_with_the_mean(acme: dict[str, Any]) -> None:
    acme["organisation"].portfolio_roll_up = "minimum"
    acme["organisation"].save()
    document = export_organisation(acme["organisation"])
    del document["organisation"]["portfolio_roll_up"]
    for row in document["history"]["organisation"]:
        del row["portfolio_roll_up"]
    Organisation.objects.filter(slug="acme").update(slug="moved", uuid=uuid4())
    imported = import_organisation(document)
    assert imported.portfolio_roll_up == "mean"
    assert set(
        Organisation.history.filter(id=imported.pk).values_list("portfolio_roll_up", flat=True)
    ) == {"mean"}


def test_a_file_with_an_unknown_rule_imports_nothing(acme: dict[str, Any]) -> None:
    document = export_organisation(acme["organisation"])
    document["organisation"]["portfolio_roll_up"] = "average"
    Organisation.objects.filter(slug="acme").update(slug="moved", uuid=uuid4())
    with pytest.raises(PortabilityError, match="portfolio_roll_up: 'average'"):
        import_organisation(document)
    assert not Organisation.objects.filter(slug="acme").exists()
