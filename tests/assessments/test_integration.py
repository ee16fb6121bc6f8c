"""An internal system syncing scores with a machine key, end to end, and the feed's rules."""

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Assessment
from organisations.models import Organisation, OrganisationAPIKey
from tests.assessments.conftest import answer_all, client_for, member, patch_assessment

pytestmark = pytest.mark.django_db


def uid(assessment: Assessment) -> str:
    return str(assessment.uuid)


def key_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def submit(organisation: Organisation, user: User, version: Any, title: str = "") -> Assessment:
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )
    answer_all(assessment, user)
    return services.assessment_submit(assessment=assessment, user=user)


@pytest.fixture
def globex(db: None) -> tuple[Organisation, User]:
    organisation = Organisation.objects.create(slug="globex", name="Globex")
    return organisation, member(organisation, "gus", "owner")


def create_key(owner: User, slug: str = "acme", **body: Any) -> Any:
    return client_for(owner).post(f"/api/v1/organisations/{slug}/keys/", {"name": "BI", **body})


def test_an_owner_creates_a_key_that_is_shown_once_and_stored_hashed(
    organisation: Organisation, owner: User
) -> None:
    response = create_key(owner)
    assert response.status_code == 201
    body = response.json()
    secret = body["key"]
    assert body["scope"] == "organisation"
    assert body["organisation"] == "acme"
    assert secret.startswith(body["prefix"] + ".")
    stored = OrganisationAPIKey.objects.get(prefix=body["prefix"])
    assert secret.split(".")[1] not in stored.hashed_key
    listed = client_for(owner).get("/api/v1/organisations/acme/keys/").json()
    assert [row["prefix"] for row in listed] == [body["prefix"]]
    assert "key" not in listed[0]


@pytest.mark.parametrize(("role", "status"), [("editor", 403), ("viewer", 403), ("outsider", 404)])
def test_only_owners_manage_keys(
    organisation: Organisation, request: Any, role: str, status: int
) -> None:
    user = request.getfixturevalue(role)
    assert create_key(user).status_code == status
    assert client_for(user).get("/api/v1/organisations/acme/keys/").status_code == status
    assert not OrganisationAPIKey.objects.exists()


def test_only_staff_create_keys_for_all_organisations(owner: User) -> None:
    assert client_for(owner).post("/api/v1/keys/", {"name": "Warehouse"}).status_code == 403
    staff = User.objects.create_user("sam", password="a-long-password-1", is_staff=True)
    response = client_for(staff).post("/api/v1/keys/", {"name": "Warehouse"})
    assert response.status_code == 201
    assert response.json()["scope"] == "all_organisations"
    assert response.json()["organisation"] is None


def test_a_key_expiring_in_the_past_is_refused(owner: User) -> None:
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = create_key(owner, expiry_date=past)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "expiry_date"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Api-Key nonsense", "Invalid API key."),
        ("Api-Key", "Malformed Authorization header"),
        ("Api-Key a b", "Malformed Authorization header"),
    ],
)
def test_bad_keys_get_a_401_json_error(rubric: Any, header: str, detail: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/scores/")
    assert response.status_code == 401
    assert detail in response.json()["errors"][0]["detail"]


def test_a_wrong_secret_for_a_real_prefix_is_just_invalid(owner: User) -> None:
    prefix = create_key(owner).json()["prefix"]
    response = key_client(f"{prefix}.not-the-secret").get("/api/v1/scores/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] == "Invalid API key."


def test_a_revoked_key_says_so(owner: User) -> None:
    body = create_key(owner).json()
    revoke = client_for(owner).delete(f"/api/v1/organisations/acme/keys/{body['prefix']}/")
    assert revoke.status_code == 204
    response = key_client(body["key"]).get("/api/v1/scores/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] == "This API key has been revoked."


def test_an_expired_key_says_so(owner: User) -> None:
    body = create_key(owner).json()
    OrganisationAPIKey.objects.filter(prefix=body["prefix"]).update(
        expiry_date=timezone.now() - timedelta(minutes=1)
    )
    response = key_client(body["key"]).get("/api/v1/scores/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] == "This API key has expired."


def test_a_key_records_when_it_was_last_used(rubric: Any, owner: User) -> None:
    body = create_key(owner).json()
    assert key_client(body["key"]).get("/api/v1/scores/").status_code == 200
    assert OrganisationAPIKey.objects.get(prefix=body["prefix"]).last_used_at is not None


def test_a_key_can_neither_write_nor_read_anything_but_scores(
    rubric: Any, organisation: Organisation, owner: User, client: Any
) -> None:
    secret = create_key(owner).json()["key"]
    draft = services.assessment_create(organisation=organisation, version=rubric, user=owner)
    api = key_client(secret)
    assert api.post("/api/v1/scores/", {}).status_code == 405
    assert api.get("/api/v1/assessments/").status_code == 401
    assert api.get(f"/api/v1/assessments/{draft.pk}/").status_code == 401
    assert api.post("/api/v1/assessments/", {"organisation": "acme"}).status_code == 401
    assert api.patch(f"/api/v1/assessments/{draft.pk}/", {"title": "x"}).status_code == 401
    assert api.post("/api/v1/organisations/acme/keys/", {"name": "more"}).status_code == 401
    admin = client.get("/admin/", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


def rows(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(row["assessment"], row["title"]) for row in response.json()["results"]]


def test_an_internal_system_syncs_fully_then_incrementally(
    rubric: Any, organisation: Organisation, owner: User, globex: Any
) -> None:
    secret = create_key(owner).json()["key"]
    api = key_client(secret)
    first = [submit(organisation, owner, rubric, f"r{i}") for i in range(3)]
    submit(*globex, rubric, "foreign")  # another organisation: never in this key's feed
    services.assessment_create(organisation=organisation, version=rubric, user=owner)  # a draft

    # Full sync, two rows a page.
    page1 = api.get("/api/v1/scores/?page_size=2")
    assert rows(page1) == [(uid(first[0]), "r0"), (uid(first[1]), "r1")]
    page2 = api.get(page1.json()["next"])
    assert rows(page2) == [(uid(first[2]), "r2")]
    assert page2.json()["next"] is None
    stored_cursor = page2.json()["next_cursor"]

    # Nothing changed: an empty page, and the same cursor to keep.
    idle = api.get(f"/api/v1/scores/?cursor={stored_cursor}")
    assert rows(idle) == []
    assert idle.json()["next_cursor"] == stored_cursor

    # A result is retitled and a new one arrives: exactly those two come back, in order.
    patch_assessment(client_for(owner), first[0].pk, {"title": "r0 renamed"})
    new = submit(organisation, owner, rubric, "r3")
    changed = api.get(f"/api/v1/scores/?cursor={stored_cursor}")
    assert rows(changed) == [(uid(first[0]), "r0 renamed"), (uid(new), "r3")]


def test_rows_arriving_between_page_fetches_are_neither_missed_nor_repeated(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    api = client_for(owner)
    made = [submit(organisation, owner, rubric, f"r{i}") for i in range(3)]
    seen = []
    response = api.get("/api/v1/scores/?page_size=2")
    seen += rows(response)
    made.append(submit(organisation, owner, rubric, "late"))
    while response.json()["next"]:
        response = api.get(response.json()["next"])
        seen += rows(response)
    assert [key for key, _ in seen] == [uid(a) for a in made]


def test_an_all_organisations_key_sees_every_organisation(
    rubric: Any, organisation: Organisation, owner: User, globex: Any
) -> None:
    submit(organisation, owner, rubric)
    submit(*globex, rubric)
    staff = User.objects.create_user("sam", password="a-long-password-1", is_staff=True)
    secret = client_for(staff).post("/api/v1/keys/", {"name": "Warehouse"}).json()["key"]
    body = key_client(secret).get("/api/v1/scores/").json()
    assert sorted(row["organisation"] for row in body["results"]) == ["acme", "globex"]
    only = key_client(secret).get("/api/v1/scores/?organisation=globex").json()
    assert [row["organisation"] for row in only["results"]] == ["globex"]


def test_an_organisation_key_filtering_on_another_organisation_gets_nothing(
    rubric: Any, organisation: Organisation, owner: User, globex: Any
) -> None:
    submit(*globex, rubric)
    secret = create_key(owner).json()["key"]
    assert rows(key_client(secret).get("/api/v1/scores/?organisation=globex")) == []


def test_a_row_is_flat_and_complete(submitted: Any, owner: User) -> None:
    row = client_for(owner).get("/api/v1/scores/").json()["results"][0]
    assert row["assessment"] == uid(submitted)
    assert row["organisation_uuid"] == str(submitted.organisation.uuid)
    assert row["organisation_name"] == "Acme"
    assert (row["organisation"], row["questionnaire"], row["version"]) == (
        "acme",
        "rubric-example",
        1,
    )
    assert (row["overall"], row["overall_percent"]) == ("3.0000", "100.0000")
    assert (row["level"], row["level_name"]) == ("exemplary", "Exemplary")
    assert set(row["disciplines"]) == {"devops", "mlops", "aiops"}
    assert set(row["hindrances"]) == {
        "skills-gap",
        "data-quality",
        "use-cases",
        "culture",
        "infrastructure",
        "tooling",
    }


def test_conditional_get_answers_304_until_something_changes(submitted: Any, owner: User) -> None:
    api = client_for(owner)
    first = api.get("/api/v1/scores/")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = api.get("/api/v1/scores/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    since = api.get("/api/v1/scores/", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    patch_assessment(api, submitted.pk, {"title": "Renamed"})
    assert api.get("/api/v1/scores/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    result = api.get(f"/api/v1/assessments/{submitted.pk}/result/")
    assert (
        api.get(
            f"/api/v1/assessments/{submitted.pk}/result/", HTTP_IF_NONE_MATCH=result["ETag"]
        ).status_code
        == 304
    )


def streamed(response: Any) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_csv_and_json_lines_exports_match_the_json_feed(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    for title in ("plain", '=HYPERLINK("http://evil")', 'comma, quote " and ünïcode'):
        submit(organisation, owner, rubric, title)
    api = client_for(owner)
    json_rows = api.get("/api/v1/scores/").json()["results"]
    by_accept = streamed(api.get("/api/v1/scores/", HTTP_ACCEPT="text/csv"))
    by_param = streamed(api.get("/api/v1/scores/?format=csv"))
    assert by_accept == by_param
    table = list(csv.DictReader(io.StringIO(by_param)))
    assert [r["assessment"] for r in table] == [r["assessment"] for r in json_rows]
    for flat, row in zip(table, json_rows, strict=True):
        assert flat["overall"] == row["overall"]
        assert flat["discipline_devops"] == (row["disciplines"]["devops"] or "")
        assert flat["hindrance_skills_gap"] == (row["hindrances"]["skills-gap"] or "")
        assert flat["submitted_at"] == row["submitted_at"]
    assert table[1]["title"] == '\'=HYPERLINK("http://evil")'  # no formula in a spreadsheet
    assert table[2]["title"] == 'comma, quote " and ünïcode'
    lines = streamed(api.get("/api/v1/scores/?format=jsonl")).splitlines()
    assert [json.loads(line) for line in lines] == json_rows


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("page_size=0", "page_size"),
        ("page_size=1001", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
        ("updated_since=yesterday", "updated_since"),
        ("submitted_after=2026-13-01", "submitted_after"),
        ("colour=blue", "colour"),
        ("level=", "level"),
        ("format=xml", "format"),
        ("format=csv&page_size=10", "page_size"),
        ("format=csv&cursor=nope", "cursor"),
        ("organisation=acme&organisation=globex", "organisation"),
    ],
)
def test_bad_feed_parameters_are_a_4xx_naming_the_parameter(
    submitted: Any, owner: User, query: str, attr: str
) -> None:
    response = client_for(owner).get(f"/api/v1/scores/?{query}")
    assert response.status_code == 400
    assert attr in {error["attr"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("questionnaire=rubric-example", 2),
        ("questionnaire=other", 0),
        ("version=1", 2),
        ("version=2", 0),
        ("level=exemplary", 1),
        ("level=none", 1),
        ("discipline=devops", 0),
        ("submitted_after=2000-01-01T00:00:00Z", 2),
        ("submitted_before=2000-01-01T00:00:00Z", 0),
        ("updated_since=2999-01-01T00:00:00Z", 0),
    ],
)
def test_the_feed_filters(
    rubric: Any, organisation: Organisation, owner: User, query: str, expected: int
) -> None:
    submit(organisation, owner, rubric)
    weak = services.assessment_create(organisation=organisation, version=rubric, user=owner)
    answer_all(weak, owner, "absent")
    services.assessment_submit(assessment=weak, user=owner)
    assert len(rows(client_for(owner).get(f"/api/v1/scores/?{query}"))) == expected


@pytest.mark.parametrize(("count", "size"), [(2, 5), (12, 5), (12, 20)])
def test_feed_query_budget_is_constant_in_rows_and_page_size(
    rubric: Any, organisation: Organisation, owner: User, django_assert_num_queries: Any,
    count: int, size: int,
) -> None:  # fmt: skip
    for _ in range(count):
        submit(organisation, owner, rubric)
    api = key_client(create_key(owner).json()["key"])
    api.get("/api/v1/scores/")  # the first use records last_used_at
    # key lookup, one page of rows (joined), the page's figures
    with django_assert_num_queries(3):
        api.get(f"/api/v1/scores/?page_size={size}")


def test_an_export_can_start_after_a_stored_cursor(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    api = client_for(owner)
    submit(organisation, owner, rubric, "old")
    cursor = api.get("/api/v1/scores/").json()["next_cursor"]
    submit(organisation, owner, rubric, "new")
    table = list(
        csv.DictReader(
            io.StringIO(streamed(api.get(f"/api/v1/scores/?format=csv&cursor={cursor}")))
        )
    )
    assert [row["title"] for row in table] == ["new"]


def test_renaming_an_organisation_sends_its_rows_again(
    submitted: Any, organisation: Organisation, owner: User
) -> None:
    api = client_for(owner)
    cursor = api.get("/api/v1/scores/").json()["next_cursor"]
    organisation.slug = "acme-corp"
    organisation.save()
    rows_again = api.get(f"/api/v1/scores/?cursor={cursor}").json()["results"]
    assert [(row["assessment"], row["organisation"]) for row in rows_again] == [
        (uid(submitted), "acme-corp")
    ]
