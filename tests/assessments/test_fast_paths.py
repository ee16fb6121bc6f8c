"""Hand-built responses equal what the documented serializers would give.

Hot endpoints render some bodies by hand (issue 7); the DRF serializers stay the documented
schema, so these tests pin that both produce the same data for the same rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import selectors, services
from assessments.api import serializers
from organisations.models import Organisation
from tests.assessments.conftest import MODELS_DIR, import_file


@pytest.fixture
def na_draft(organisation: Organisation, owner: User) -> Any:
    version = import_file(MODELS_DIR / "na-example.yaml")
    draft = services.assessment_create(
        organisation=organisation, version=version, user=owner, title="Backups"
    )
    services.assessment_save_answers(
        assessment=draft,
        answers=[
            services.AnswerInput(
                "restore-hours", number=Decimal("2.5"), fields=frozenset({"number"})
            ),
            services.AnswerInput(
                "backups",
                choices=("yes",),
                comment="Nightly, to a second region — checked by ops",
                evidence_url="https://example.com/runbook?a=1&b=2",
                fields=frozenset({"choices", "comment", "evidence_url"}),
            ),
            services.AnswerInput(
                "regulated-audit", not_applicable=True, fields=frozenset({"not_applicable"})
            ),
            services.AnswerInput("restore-drill", fields=frozenset({"comment"}), comment="soon"),
        ],
        user=owner,
    )
    return draft


def test_answer_rows_equal_the_answer_serializer(na_draft: Any) -> None:
    answers = selectors.answers_by_key(na_draft)
    by_hand = serializers.answer_rows(answers.values())
    documented = serializers.AnswerSerializer(list(answers.values()), many=True).data
    assert by_hand == [dict(row) for row in documented]
    assert {row["question"]: row["number"] for row in by_hand}["restore-hours"] == "2.5000"


def test_answer_rows_render_datetimes_like_drf() -> None:
    field = serializers.serializers.DateTimeField()
    for moment in (
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    ):
        assert serializers._iso(moment) == field.to_representation(moment)


def test_answers_by_key_is_one_query_in_form_order(na_draft: Any) -> None:
    tree = selectors.version_tree(na_draft.version)
    with CaptureQueriesContext(connection) as queries:
        answers = selectors.answers_by_key(na_draft, tree)
        keys = [answer.question.key for answer in answers.values()]
    assert len(queries) == 1
    form = [question.key for question in tree.questions_in_order()]
    assert list(answers) == keys == [key for key in form if key in answers]
    assert len(answers) == 4


def test_spliced_merges_members_without_decoding_the_middle() -> None:
    import json

    from assessments.api.rendered import spliced

    body = spliced({"a": 1}, ' {"b": [1, {"c": "é"}], "d": null} ', {"e": "x"}).content
    assert json.loads(body) == {"a": 1, "b": [1, {"c": "é"}], "d": None, "e": "x"}
    assert json.loads(spliced({"a": 1}, "{}", {}).content) == {"a": 1}
    assert json.loads(spliced({}, "{ }", {"e": 2}).content) == {"e": 2}
    with pytest.raises(ValueError):
        spliced({}, "[1, 2]", {})


def test_the_tree_is_rendered_once_and_follows_a_rename(rubric: Any) -> None:
    from tests.assessments.conftest import client_for

    client = client_for(None)
    url = f"/api/v1/questionnaires/{rubric.questionnaire.slug}/"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and first["ETag"] == again["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    rubric.questionnaire.name = "Testing maturity (renamed)"
    rubric.questionnaire.save()
    renamed = client.get(url)
    assert renamed.json()["name"] == "Testing maturity (renamed)"
    assert renamed["ETag"] != first["ETag"]
    assert {k: v for k, v in renamed.json().items() if k != "name"} == {
        k: v for k, v in first.json().items() if k != "name"
    }


def test_the_browsable_api_still_renders_the_tree_and_the_result(
    submitted: Any, owner: User
) -> None:
    from tests.assessments.conftest import client_for

    client = client_for(owner)
    slug = submitted.version.questionnaire.slug
    for url in (f"/api/v1/questionnaires/{slug}/", f"/api/v1/assessments/{submitted.pk}/result/"):
        page = client.get(url, HTTP_ACCEPT="text/html")
        assert page.status_code == 200
        assert page["Content-Type"].startswith("text/html")
        assert b"overall" in page.content or b"root" in page.content


def test_the_result_body_is_the_stored_snapshot_with_its_context(
    submitted: Any, owner: User
) -> None:
    from assessments.models import Result
    from tests.assessments.conftest import client_for

    body = client_for(owner).get(f"/api/v1/assessments/{submitted.pk}/result/").json()
    snapshot = Result.objects.get(assessment=submitted).snapshot
    head = ["assessment", "organisation", "questionnaire", "version", "submitted_at", "computed_at"]
    assert list(body)[:6] == head and list(body)[-1] == "peers"
    assert {k: v for k, v in body.items() if k not in {*head, "peers"}} == snapshot
    assert body["assessment"] == submitted.pk and body["organisation"] == "acme"


def test_pretty_printing_asked_for_is_honoured_on_the_fast_paths(
    submitted: Any, owner: User
) -> None:
    from tests.assessments.conftest import client_for

    client = client_for(owner)
    slug = submitted.version.questionnaire.slug
    for url in (f"/api/v1/questionnaires/{slug}/", f"/api/v1/assessments/{submitted.pk}/result/"):
        compact = client.get(url)
        pretty = client.get(url, HTTP_ACCEPT="application/json; indent=2")
        assert pretty.status_code == 200
        assert b'\n  "' in pretty.content and b"\n" not in compact.content
        assert pretty.json() == compact.json()
