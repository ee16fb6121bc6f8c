"""Assessments of units: a team, product or platform of an organisation is assessed on its own."""

import csv
import io
import json
from typing import Any

from django.contrib.auth.models import User

from assessments import services
from assessments.models import Assessment, Respondent
from organisations.models import Membership, Organisation, Unit
from tests.assessments.conftest import answer_all, client_for, member


def create(client: Any, **body: Any) -> Any:
    return client.post(
        "/api/v1/assessments/",
        {"organisation": "acme", "questionnaire": "rubric-example", **body},
        format="json",
    )


def errors(response: Any) -> dict[str, str]:
    return {error["attr"]: error["detail"] for error in response.json()["errors"]}


def test_an_assessment_of_a_unit_names_it_by_uuid_slug_and_name(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    unit = Unit.objects.create(organisation=organisation, slug="payments", name="Payments")

    response = create(client_for(owner), unit="payments")

    assert response.status_code == 201, response.json()
    assert response.json()["unit"] == {
        "uuid": str(unit.uuid),
        "slug": "payments",
        "name": "Payments",
    }
    assert Assessment.objects.get().unit == unit


def test_without_a_unit_the_organisation_itself_is_assessed(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    response = create(client_for(owner))

    assert response.status_code == 201
    assert response.json()["unit"] is None


def test_an_unknown_or_foreign_unit_is_a_400_and_nothing_is_created(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    other = Organisation.objects.create(slug="globex", name="Globex")
    Unit.objects.create(organisation=other, slug="search", name="Search")

    for slug in ("search", "nope"):
        response = create(client_for(owner), unit=slug)
        assert response.status_code == 400
        assert errors(response) == {"unit": f"No unit '{slug}' in acme."}
    assert not Assessment.objects.exists()


def test_a_unit_starts_its_assessments_with_its_targets(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    Unit.objects.create(
        organisation=organisation,
        slug="payments",
        name="Payments",
        targets={"rubric-example": {"level": "sound", "sections": {"automation": 80}}},
    )

    response = create(client_for(owner), unit="payments")

    assert response.status_code == 201
    assert Assessment.objects.get().targets == {"level": "sound", "sections": {"automation": 80}}


def test_a_reassessment_of_a_unit_is_of_the_same_unit_with_the_same_targets(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    unit = Unit.objects.create(organisation=organisation, slug="payments", name="Payments")
    client = client_for(owner)
    first = create(client, unit="payments", title="Payments Q1").json()["id"]
    targets = {"level": "sound", "sections": {"automation": 70}}
    Assessment.objects.filter(pk=first).update(targets=targets)
    answer_all(Assessment.objects.get(pk=first), owner)
    services.assessment_submit(assessment=Assessment.objects.get(pk=first), user=owner)

    response = client.post(f"/api/v1/assessments/{first}/copy/")

    assert response.status_code == 201, response.json()
    copied = response.json()["assessment"]
    assert copied["unit"]["slug"] == "payments"
    stored = Assessment.objects.get(pk=copied["id"])
    assert (stored.unit, stored.targets) == (unit, targets)
    listed = client.get("/api/v1/assessments/", {"organisation": "acme", "unit": "payments"})
    assert {row["id"] for row in listed.json()["results"]} == {first, copied["id"]}


def test_unit_targets_that_do_not_fit_the_questionnaire_are_a_400(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    Unit.objects.create(
        organisation=organisation,
        slug="payments",
        name="Payments",
        targets={"rubric-example": {"level": "legendary"}},
    )

    response = create(client_for(owner), unit="payments")

    assert response.status_code == 400
    assert errors(response)["unit"].startswith(
        "The targets of unit 'payments' for this questionnaire do not fit version 1:"
    )
    assert not Assessment.objects.exists()


def test_assessments_can_be_listed_per_unit(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    Unit.objects.create(organisation=organisation, slug="payments", name="Payments")
    Unit.objects.create(organisation=organisation, slug="search", name="Search")
    client = client_for(owner)
    create(client, unit="payments", title="P")
    create(client, unit="search", title="S")
    create(client, title="Whole")

    response = client.get("/api/v1/assessments/", {"organisation": "acme", "unit": "search"})

    assert [row["title"] for row in response.json()["results"]] == ["S"]


def test_a_respondent_sees_only_the_assessments_they_answer(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    client = client_for(owner)
    mine = create(client, title="Mine").json()["id"]
    other = create(client, title="Other").json()["id"]
    rita = member(organisation, "rita", Membership.Role.RESPONDENT)
    Respondent.objects.create(assessment_id=mine, user=rita)
    rita_client = client_for(rita)

    listed = rita_client.get("/api/v1/assessments/").json()["results"]

    assert [row["id"] for row in listed] == [mine]
    assert rita_client.get(f"/api/v1/assessments/{mine}/").status_code == 200
    assert rita_client.get(f"/api/v1/assessments/{other}/").status_code == 404
    # Answering is for their own answers (the respondents' endpoint), not the shared ones.
    assert rita_client.post(f"/api/v1/assessments/{mine}/submit/").status_code == 403
    history = rita_client.get("/api/v1/organisations/acme/history/?questionnaire=rubric-example")
    assert history.status_code == 403
    assert rita_client.get("/api/v1/organisations/acme/tools/").status_code == 403


def test_a_respondent_removed_from_the_organisation_no_longer_reads_or_answers(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    mine = create(client_for(owner), title="Mine").json()["id"]
    rita = member(organisation, "rita", Membership.Role.RESPONDENT)
    Respondent.objects.create(assessment_id=mine, user=rita)
    rita_client = client_for(rita)
    assert rita_client.get(f"/api/v1/assessments/{mine}/my-answers/").status_code == 200

    Membership.objects.filter(organisation=organisation, user=rita).delete()

    assert rita_client.get("/api/v1/assessments/").json()["results"] == []
    assert rita_client.get(f"/api/v1/assessments/{mine}/").status_code == 404
    answer = {"answers": [{"question": "unit-tests", "choices": ["partly"]}]}
    saved = rita_client.patch(f"/api/v1/assessments/{mine}/my-answers/", answer, format="json")
    assert saved.status_code == 404
    # The place and what it holds stay for the facilitator to see and remove.
    assert Respondent.objects.filter(assessment_id=mine, user=rita).exists()


def test_feed_rows_name_the_unit_by_its_uuid_in_json_jsonl_and_csv(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    unit = Unit.objects.create(organisation=organisation, slug="payments", name="Payments")
    client = client_for(owner)
    of_unit = services.assessment_create(
        organisation=organisation, version=rubric, user=owner, title="unit", unit=unit
    )
    whole = services.assessment_create(
        organisation=organisation, version=rubric, user=owner, title="whole"
    )
    for assessment in (of_unit, whole):
        answer_all(assessment, owner)
        services.assessment_submit(assessment=assessment, user=owner)

    rows = client.get("/api/v1/scores/").json()["results"]
    by_title = {row["title"]: row["unit_uuid"] for row in rows}
    assert by_title == {"unit": str(unit.uuid), "whole": None}
    lines = b"".join(client.get("/api/v1/scores/?format=jsonl").streaming_content).splitlines()
    assert [json.loads(line)["unit_uuid"] for line in lines] == [row["unit_uuid"] for row in rows]
    text = b"".join(client.get("/api/v1/scores/?format=csv").streaming_content).decode()
    table = {row["title"]: row["unit_uuid"] for row in csv.DictReader(io.StringIO(text))}
    assert table == {"unit": str(unit.uuid), "whole": ""}
