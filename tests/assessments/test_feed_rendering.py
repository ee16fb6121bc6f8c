"""The feed writes its JSON page itself: it must be what DRF's JSONRenderer would write."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.renderers import JSONRenderer

from assessments import services
from organisations.models import Organisation
from tests.assessments.conftest import answer_all, client_for

pytestmark = pytest.mark.django_db

TITLES = [
    "plain",
    'quote " backslash \\ slash /',
    "ünïcode, 中文 and 🙂",
    "line\u2028and\u2029paragraph separators",
    "control \x01 \x1f \t \n characters",  # PostgreSQL text refuses NUL
    "",
]


@pytest.fixture
def rows(rubric: Any, organisation: Organisation, owner: User) -> None:
    for title in TITLES:
        assessment = services.assessment_create(
            organisation=organisation, version=rubric, user=owner, title=title
        )
        answer_all(assessment, owner)
        services.assessment_submit(assessment=assessment, user=owner)


@pytest.mark.parametrize("query", ["", "?page_size=2", "?format=json"])
def test_the_page_body_is_byte_for_byte_what_jsonrenderer_writes(
    rows: None, owner: User, query: str
) -> None:
    response = client_for(owner).get(f"/api/v1/scores/{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(response.json())
    assert b"\\u2028" in response.content or query == "?page_size=2"


def test_pretty_printed_and_compact_pages_hold_the_same_rows(rows: None, owner: User) -> None:
    api = client_for(owner)
    compact = api.get("/api/v1/scores/")
    pretty = api.get("/api/v1/scores/", HTTP_ACCEPT="application/json; indent=2")
    assert b"\n  " in pretty.content
    assert pretty.json() == compact.json()
    assert [row["title"] for row in compact.json()["results"]] == TITLES


def test_the_browsable_api_still_renders_the_page(rows: None, owner: User) -> None:
    response = client_for(owner).get("/api/v1/scores/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
