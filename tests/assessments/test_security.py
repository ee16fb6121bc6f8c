"""Security round two: the trusted client address, revocable tokens within their limit,
strict JSON input, no-op writes, If-Match semantics, private caching, and inputs that were
500s."""

import json
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.models import Answer, Assessment
from assessments.throttling import AnonRateThrottle
from opsassess.core.client import client_ip
from organisations import services as organisation_services
from tests.assessments.conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"


# --- one trusted client address ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.9"),
        (0, "203.0.113.5", "10.0.0.9"),  # no proxy trusted: the header is the client's word
        (1, None, "10.0.0.9"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the client's own entry is ignored
        (2, "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),  # fewer entries than proxies: the first one
        (1, "not-an-address", "10.0.0.9"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings: Any, proxies: int, forwarded: str | None, expected: str
) -> None:
    settings.OPSASSESS_NUM_PROXIES = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", **extra)
    assert client_ip(request) == expected


@pytest.fixture
def three_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})


def test_a_made_up_forwarded_for_does_not_escape_the_anonymous_throttle(
    three_per_minute: None,
) -> None:
    client = APIClient()
    statuses = [
        client.get(
            "/api/v1/hindrances/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_behind_one_proxy_clients_are_counted_by_the_address_it_saw(
    settings: Any, three_per_minute: None
) -> None:
    settings.OPSASSESS_NUM_PROXIES = 1
    client = APIClient()

    def get(seen_by_proxy: str, claimed: str) -> int:
        forwarded = f"{claimed}, {seen_by_proxy}"
        response = client.get(
            "/api/v1/hindrances/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
        )
        return response.status_code

    # One client claiming a new address each time is still one client...
    assert [get("203.0.113.5", f"198.51.100.{n}") for n in range(4)] == [200, 200, 200, 429]
    # ...and another client behind the same proxy has its own budget.
    assert get("203.0.113.6", "198.51.100.1") == 200


def test_the_login_lockout_ignores_a_made_up_forwarded_for(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    User.objects.create_user("target", password=PASSWORD)
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "target", "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 429, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.9"}


def test_behind_one_proxy_the_lockout_records_the_address_the_proxy_saw(settings: Any) -> None:
    settings.OPSASSESS_NUM_PROXIES = 1
    User.objects.create_user("target", password=PASSWORD)
    APIClient().post(
        "/api/v1/auth/token/",
        {"username": "target", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


# --- tokens: revocable, and within their limit ------------------------------------------------


def login(client: APIClient, username: str = "alice") -> str:
    response = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice", password=PASSWORD)


@pytest.mark.parametrize(
    ("method", "path"), [("delete", "/api/v1/auth/token/"), ("post", "/api/v1/auth/logout/")]
)
def test_revoking_the_current_token_leaves_the_others_working(
    alice: User, method: str, path: str
) -> None:
    first, second = login(APIClient()), login(APIClient())
    response = getattr(with_token(first), method)(path)
    assert response.status_code == 204
    assert with_token(first).get("/api/v1/organisations/").status_code == 401
    assert with_token(second).get("/api/v1/organisations/").status_code == 200


def test_logging_out_everywhere_revokes_every_token_of_the_user_only(alice: User) -> None:
    User.objects.create_user("bob", password=PASSWORD)
    mine = [login(APIClient()) for _ in range(3)]
    bobs = login(APIClient(), "bob")
    assert with_token(mine[0]).post("/api/v1/auth/logout-all/").status_code == 204
    assert [with_token(t).get("/api/v1/organisations/").status_code for t in mine] == [401] * 3
    assert with_token(bobs).get("/api/v1/organisations/").status_code == 200
    assert AuthToken.objects.filter(user=alice).count() == 0


def test_revoking_needs_a_token(alice: User) -> None:
    response = APIClient().post("/api/v1/auth/logout/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_a_stale_token_in_the_headers_does_not_stop_a_login(alice: User) -> None:
    client = with_token("not-a-token")
    assert (
        client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}).status_code
        == 200
    )


def test_logins_beyond_the_limit_revoke_the_oldest_tokens(alice: User, settings: Any) -> None:
    limit = settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]
    tokens = [login(APIClient()) for _ in range(25)]
    assert AuthToken.objects.filter(user=alice).count() == limit
    live = [with_token(t).get("/api/v1/organisations/").status_code for t in tokens]
    assert live == [401] * (25 - limit) + [200] * limit


def test_expired_tokens_do_not_count_towards_the_limit(alice: User, settings: Any) -> None:
    limit = settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]
    kept = login(APIClient())
    for _ in range(limit):
        AuthToken.objects.create(alice, expiry=timedelta(seconds=-1))
    new = login(APIClient())
    # Both live tokens survive: the expired ones made no room, they were simply dropped.
    assert with_token(kept).get("/api/v1/organisations/").status_code == 200
    assert with_token(new).get("/api/v1/organisations/").status_code == 200
    assert AuthToken.objects.filter(user=alice).count() == 2
    assert not AuthToken.objects.filter(expiry__lt=timezone.now()).exists()


def test_use_renews_a_token_but_never_past_its_maximum_lifetime(alice: User, settings: Any) -> None:
    maximum = settings.REST_KNOX["AUTO_REFRESH_MAX_TTL"]
    token = login(APIClient())
    stored = AuthToken.objects.get(user=alice)
    now = timezone.now()
    # Issued almost a lifetime ago and about to lapse: one more hour is all it may still get.
    AuthToken.objects.filter(pk=stored.pk).update(
        created=now - maximum + timedelta(hours=1), expiry=now + timedelta(minutes=1)
    )
    assert with_token(token).get("/api/v1/organisations/").status_code == 200
    expiry = AuthToken.objects.get(pk=stored.pk).expiry
    assert now + timedelta(minutes=59) < expiry <= now + timedelta(hours=1)
    AuthToken.objects.filter(pk=stored.pk).update(expiry=now - timedelta(seconds=1))
    assert with_token(token).get("/api/v1/organisations/").status_code == 401


# --- strict JSON ------------------------------------------------------------------------------


def send(client: APIClient, url: str, body: Any, **headers: str) -> Any:
    """PATCH JSON as a client library writes it: ASCII, lone surrogates escaped."""
    return client.generic(
        "PATCH", url, json.dumps(body), content_type="application/json", **headers
    )


def answer(**fields: Any) -> dict[str, Any]:
    return {"answers": [{"question": "unit-tests", **fields}]}


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        (answer(comment=123), "answers.0.comment"),
        (answer(number="1_000"), "answers.0.number"),
        (answer(number="\u0661\u0662"), "answers.0.number"),  # Arabic-Indic 12
        (answer(number=""), "answers.0.number"),
        (answer(number=True), "answers.0.number"),
        (answer(not_applicable="no"), "answers.0.not_applicable"),
        (answer(not_applicable=0), "answers.0.not_applicable"),
        (answer(choices=[1]), "answers.0.choices.0"),
        (answer(question=7), "answers.0.question"),
        ({"answers": [{"question": "x", "\ud800": 1}]}, None),  # was a 500
        ({"answers": [{"question": "x", "a\u0000": 1}]}, None),
        ({"answers": [{"question": "unit-tests", "choices": ["fully"]}], "status": "x"}, "status"),
    ],
)
def test_loosely_typed_or_unknown_answer_fields_are_refused(
    draft: Assessment, owner: User, body: dict[str, Any], attr: str | None
) -> None:
    response = send(client_for(owner), f"/api/v1/assessments/{draft.pk}/answers/", body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    if attr is None:
        assert errors[0]["code"] == "parse_error"
    else:
        assert attr in {error["attr"] for error in errors}, errors
    assert not Answer.objects.exists()
    assert Assessment.objects.get(pk=draft.pk).revision == 1


def test_numbers_as_json_numbers_or_ascii_strings_are_accepted(
    draft: Assessment, owner: User
) -> None:
    client = client_for(owner)
    body = {"targets": {"sections": {"automation": 80, "environments": "62.5"}}}
    etag = client.get(f"/api/v1/assessments/{draft.pk}/")["ETag"]
    response = client.patch(f"/api/v1/assessments/{draft.pk}/", body, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert Assessment.objects.get(pk=draft.pk).targets["sections"] == {
        "automation": "80.0000",
        "environments": "62.5000",
    }


@pytest.mark.parametrize(
    ("body", "attrs"),
    [
        ({"status": "submitted", "submitted_at": "2026-01-01T00:00:00Z"},
         {"status", "submitted_at"}),
        ({"title": 5}, {"title"}),
        ({"targets": {"\ud800": 1}}, None),  # was a 500
        ({"targets": {"sections": {"automation": "1_0"}}}, {"targets.sections.automation"}),
        ({"targets": {"scope": "all"}}, {"targets.scope"}),
    ],
)  # fmt: skip
def test_loosely_typed_or_unknown_assessment_fields_are_refused(
    draft: Assessment, owner: User, body: dict[str, Any], attrs: set[str] | None
) -> None:
    client = client_for(owner)
    etag = client.get(f"/api/v1/assessments/{draft.pk}/")["ETag"]
    response = send(client, f"/api/v1/assessments/{draft.pk}/", body, HTTP_IF_MATCH=etag)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    if attrs is None:
        assert errors[0]["code"] == "parse_error"
    else:
        assert {error["attr"] for error in errors} == attrs
    assert Assessment.objects.get(pk=draft.pk).revision == 1


@pytest.mark.parametrize(
    ("path", "body", "attr"),
    [
        ("/api/v1/assessments/", {"organisation": "acme", "questionnaire": "rubric-example",
                                  "scope": "everything"}, "scope"),
        ("/api/v1/organisations/", {"slug": "x", "name": "X", "owner": "mallory"}, "owner"),
        ("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD, "otp": 1}, "otp"),
        ("/api/v1/auth/token/", {"username": ["alice"], "password": PASSWORD}, "username"),
    ],
)  # fmt: skip
def test_every_write_names_unknown_and_mistyped_fields(
    owner: User, alice: User, path: str, body: dict[str, Any], attr: str
) -> None:
    response = client_for(owner).post(path, body)
    assert response.status_code == 400, response.content
    assert attr in {error["attr"] for error in response.json()["errors"]}


@pytest.mark.parametrize("value", ["\u0661\u0662", "1_0", "%2012", "1.0"])
@pytest.mark.parametrize("name", ["page_size", "page"])
def test_page_and_page_size_take_ascii_digits_only(
    api_client: APIClient, name: str, value: str
) -> None:
    response = api_client.get(f"/api/v1/hindrances/?{name}={value}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == name


@pytest.mark.parametrize("value", ["%D9%A1", "1_0", "%201"])
def test_number_filters_take_ascii_digits_only(
    submitted: Assessment, owner: User, value: str
) -> None:
    client = client_for(owner)
    assert client.get("/api/v1/scores/?version=1").json()["results"]
    response = client.get(f"/api/v1/scores/?version={value}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "version"


def test_the_last_page_is_still_reachable_by_name(api_client: APIClient) -> None:
    assert api_client.get("/api/v1/hindrances/?page=last").status_code == 200


# --- no-op writes and If-Match ------------------------------------------------------------------


def test_a_patch_that_changes_nothing_keeps_the_etag(draft: Assessment, owner: User) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{draft.pk}/"
    etag = client.get(url)["ETag"]
    for body in ({}, {"title": "Spring review"}):
        response = client.patch(url, body, HTTP_IF_MATCH=etag)
        assert response.status_code == 200
        assert response["ETag"] == etag
    assert Assessment.objects.get(pk=draft.pk).revision == 1


def test_saving_answers_as_stored_keeps_the_etag(draft: Assessment, owner: User) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{draft.pk}/answers/"
    first = client.patch(url, answer(choices=["fully"], comment="ok"))
    again = client.patch(url, answer(choices=["fully"], comment="ok"))
    assert again.status_code == 200
    assert again["ETag"] == first["ETag"]
    assert Answer.history.count() == 1


@pytest.mark.parametrize("path", ["", "answers/"])
def test_if_match_star_matches_whatever_is_current(
    draft: Assessment, owner: User, path: str
) -> None:
    body = {"title": "New"} if path == "" else answer(choices=["fully"])
    response = client_for(owner).patch(
        f"/api/v1/assessments/{draft.pk}/{path}", body, HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", ["", "answers/"])
@pytest.mark.parametrize("if_match", ["", 'W/"assessment-1-r1"', '"other"'])
def test_an_empty_weak_or_stale_if_match_is_412_on_answers_and_assessment_alike(
    draft: Assessment, owner: User, path: str, if_match: str
) -> None:
    body = {"title": "New"} if path == "" else answer(choices=["fully"])
    response = client_for(owner).patch(
        f"/api/v1/assessments/{draft.pk}/{path}", body, HTTP_IF_MATCH=if_match
    )
    assert response.status_code == 412, response.content
    assert response.json()["errors"][0]["code"] == "precondition_failed"


# --- private responses --------------------------------------------------------------------------


def test_responses_to_a_token_are_private_and_not_stored(
    submitted: Assessment, owner: User
) -> None:
    client = client_for(owner)
    for path in ["", "result/", "answers/"]:
        response = client.get(f"/api/v1/assessments/{submitted.pk}/{path}")
        assert response.status_code == 200
        assert {"private", "no-store"} <= {
            part.strip() for part in response["Cache-Control"].split(",")
        }
        assert "Authorization" in response["Vary"]


def test_scores_feed_pages_for_a_machine_key_are_private_and_not_stored(
    submitted: Assessment, organisation: Any, owner: User
) -> None:
    _, secret = organisation_services.api_key_create(
        name="BI", organisation=organisation, created_by=owner
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    first = client.get("/api/v1/scores/")
    assert first.status_code == 200
    assert len(first.json()["results"]) == 1
    again = client.get("/api/v1/scores/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    for response in (first, again):  # the 304 too: a cache must not keep it either
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert "Authorization" in response["Vary"]


def test_the_public_catalogue_stays_cacheable_but_varies_by_credentials(
    api_client: APIClient,
) -> None:
    response = api_client.get("/api/v1/hindrances/")
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Authorization" in response["Vary"]


def test_a_nul_in_the_history_filter_is_a_400(organisation: Any, owner: User) -> None:
    response = client_for(owner).get(
        f"/api/v1/organisations/{organisation.slug}/history/?questionnaire=%00"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "questionnaire"
