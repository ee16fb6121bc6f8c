"""Hostile and broken input: always a 4xx JSON error that names the problem, never a 500,
and nothing saved."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments.models import Answer, Assessment
from organisations.models import Organisation
from tests.assessments.conftest import client_for

pytestmark = pytest.mark.django_db

BIG = json.dumps({"answers": [{"question": "unit-tests", "comment": "y" * 5000}] * 500})
BODIES = [
    pytest.param("{not json", 400, "parse_error", id="malformed JSON"),
    pytest.param('{"answers": ' + "[" * 5000 + "]" * 5000 + "}", 400, "parse_error", id="deep"),
    pytest.param('{"a":' * 30 + "1" + "}" * 30, 400, "parse_error", id="nested objects"),
    pytest.param(BIG, 413, "payload_too_large", id="oversized body"),
    pytest.param('{"answers":[{"question":"unit-tests","number": NaN}]}', 400, "parse_error",
                 id="NaN"),
    pytest.param('{"answers":[{"question":"unit-tests","number": Infinity}]}', 400,
                 "parse_error", id="Infinity"),
    pytest.param('{"answers":[{"question":"unit-tests","number": ' + "9" * 5000 + "}]}", 400,
                 "parse_error", id="huge integer"),
    pytest.param('{"answers":[{"question":"unit-tests","number": 1e308}]}', 400, "max_digits",
                 id="huge float"),
    pytest.param('{"answers":[{"question":"unit\\u0000tests","choices":["a"]}]}', 400,
                 "null_characters_not_allowed", id="NUL byte"),
    pytest.param('{"answers":[{"question":"\\ud800","choices":["a"]}]}', 400,
                 "surrogate_characters_not_allowed", id="lone surrogate"),
    pytest.param('{"answers":[{"question":"unit-tests","choices":[{"$ne":1}]}]}', 400,
                 "invalid", id="operator injection"),
    pytest.param('{"answers":[{"question":"\' OR 1=1 --","choices":["fully"]}]}', 400,
                 "invalid", id="SQL-looking key"),
    pytest.param('{"answers":[{"question":"unit-tests","comment":{"a":1}}]}', 400, "invalid",
                 id="wrong type"),
    pytest.param("[1, 2, 3]", 400, "invalid", id="list instead of object"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "code"), BODIES)
def test_a_hostile_answers_body_is_refused_cleanly(
    draft: Assessment, owner: User, body: str, status: int, code: str
) -> None:
    response = client_for(owner).generic(
        "PATCH",
        f"/api/v1/assessments/{draft.pk}/answers/",
        body,
        content_type="application/json",
    )
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert code in {error["code"] for error in response.json()["errors"]}
    assert not Answer.objects.exists()
    assert Assessment.objects.get(pk=draft.pk).revision == 1


def test_a_form_encoded_body_is_refused_as_unsupported(draft: Assessment, owner: User) -> None:
    response = client_for(owner).generic(
        "PATCH",
        f"/api/v1/assessments/{draft.pk}/answers/",
        "answers=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"slug": "x\u0000y", "name": "n"}, "slug"),
        ({"slug": "<script>", "name": "n"}, "slug"),
        ({"slug": "ok", "name": "n" * 201}, "name"),
        ({"slug": "ok", "name": ["not", "text"]}, "name"),
        ({"slug": "ok", "name": "n", "owner": "someone-else"}, "owner"),
    ],
)
def test_hostile_organisation_input_names_the_field(
    owner: User, body: dict[str, Any], attr: str
) -> None:
    response = client_for(owner).post("/api/v1/organisations/", body)
    assert response.status_code == 400
    assert attr in {error["attr"] for error in response.json()["errors"]}
    assert not Organisation.objects.filter(name__startswith="n").exists()


@pytest.mark.parametrize(
    "query",
    ["search=%00", "ordering=name;DROP TABLE catalog_tool", "page=-1", "page=99999999999999999999"],
)
def test_hostile_query_strings_never_cause_a_server_error(api_client: Any, query: str) -> None:
    response = api_client.get(f"/api/v1/tools/?{query}")
    assert 400 <= response.status_code < 500
    assert response.json()["errors"]
