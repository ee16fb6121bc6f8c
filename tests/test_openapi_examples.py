"""Every example in the OpenAPI schema holds against the running API.

A client developer copies examples from the interactive docs, so each request example is sent
as it stands (to a server seeded the way `make run` seeds it) and must get the documented
success status; each response example must match the schema documented beside it, and where
the test can provoke the same response, carry the same fields as the real one.
"""

from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.models import Assessment
from organisations import services as organisation_services
from organisations.models import Membership, Organisation, Unit
from tests.organisations import openapi_examples as organisation_examples

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the password of the log-in example
# The error bodies drf-standardized-errors documents for every operation (checked against
# their schemas only): the other response examples are written by hand in the project.
ERROR_EXAMPLES = {
    "APIException",
    "AuthenticationFailed",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotAuthenticated",
    "NotFound",
    "PermissionDenied",
    "Throttled",
    "UnsupportedMediaType",
}
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri")
def is_uri(value: object) -> bool:
    # jsonschema checks "uri" only with an optional package; an absolute URL is what is meant.
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def schema_document() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> Any:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method.upper(), path, operation


def request_examples(document: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    found = {}
    for method, path, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            for name, example in (media.get("examples") or {}).items():
                found[method, path, name] = example["value"]
    return found


def response_examples(document: dict[str, Any]) -> list[tuple[str, str, str, str, Any, Any]]:
    found = []
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            for media in (response.get("content") or {}).values():
                for name, example in (media.get("examples") or {}).items():
                    found.append((method, path, status, name, example["value"], media["schema"]))
    return found


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` becomes a null alternative."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def problems(document: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """Where `value` breaks the OpenAPI `schema` (refs resolved within the document)."""
    whole = json_schema({**schema, "components": document["components"]})
    validator = jsonschema.Draft4Validator(whole, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(value)
    ]


def test_every_response_example_matches_its_documented_schema() -> None:
    document = schema_document()
    examples = response_examples(document)
    assert len(examples) > 100  # ours and the documented error bodies of every operation
    broken = {
        f"{method} {path} {status} {name}": found
        for method, path, status, name, value, schema in examples
        if (found := problems(document, schema, value))
    }
    assert broken == {}


@pytest.fixture
def seeded(db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A fresh `make run` (catalogue, questionnaires, demo sample) plus the examples' names:
    organisation acme with its owner olivia, who logs in with the example's password."""
    monkeypatch.setenv("OPSASSESS_DEMO_PASSWORD", "a-long-password-1")
    out = StringIO()
    call_command("seed_catalog", stdout=out)
    for name in ("devops", "mlops", "aiops"):
        call_command(
            "import_questionnaire", f"fixtures/questionnaires/{name}-maturity.yaml", stdout=out
        )
    for command in ("ensure_demo_superuser", "ensure_demo_organisation", "ensure_demo_assessment"):
        call_command(command, stdout=out)
    olivia = User.objects.create_user("olivia", password=PASSWORD)
    acme = Organisation.objects.create(slug="acme", name="Acme")
    Membership.objects.create(organisation=acme, user=olivia, role=Membership.Role.OWNER)
    Unit.objects.create(organisation=acme, slug="payments", name="Payments")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(olivia)[1]}")
    return {"client": client, "olivia": olivia, "acme": acme}


# Objects keyed by data (node keys, slugs, question keys), not by field names: one entry of the
# example is compared with the real entry of the same key, or with the first real entry.
KEYED_BY_DATA = {
    ".nodes",
    ".answers",
    ".failed_gates",
    ".breakdowns.disciplines",
    ".breakdowns.phases",
    ".breakdowns.practices",
    ".breakdowns.hindrances",
    ".peers.disciplines",
    ".targets.sections",
    ".targets.disciplines",
    ".organisation_results",
    ".units[0].results",
}


def same_fields(example: Any, real: Any, where: str = "") -> list[str]:
    """Where an example and a real body differ in their field names, nested objects included
    (the first item of a list stands for all of them)."""
    if isinstance(example, list) and isinstance(real, list) and example and real:
        return same_fields(example[0], real[0], f"{where}[0]")
    if not (isinstance(example, dict) and isinstance(real, dict)):
        return []
    if where in KEYED_BY_DATA:
        if not example or not real:
            return []
        key, entry = next(iter(example.items()))
        return same_fields(entry, real.get(key, next(iter(real.values()))), f"{where}.*")
    differ = []
    if set(example) != set(real):
        missing, extra = sorted(set(real) - set(example)), sorted(set(example) - set(real))
        differ.append(f"{where or '(top)'}: example lacks {missing}, has extra {extra}")
    for key in sorted(set(example) & set(real)):
        differ += same_fields(example[key], real[key], f"{where}.{key}")
    return differ


def test_every_request_example_gets_its_documented_status(seeded: dict[str, Any]) -> None:
    document = schema_document()
    requests = request_examples(document)
    api = seeded["client"]
    sent: dict[tuple[str, str, str], Any] = {}

    token_example = requests["POST", "/api/v1/auth/token/", "LogIn"]
    sent["POST", "/api/v1/auth/token/", "LogIn"] = APIClient().post(
        "/api/v1/auth/token/", token_example, format="json"
    )
    # Members, units and invitations (tests/organisations/openapi_examples.py).
    sent.update(organisation_examples.send_requests(requests, api))
    roll_up = ("PATCH", "/api/v1/organisations/{slug}/", "RollUpByTheWeakestUnit")
    sent[roll_up] = api.patch("/api/v1/organisations/acme/", requests[roll_up], format="json")

    created_example = requests["POST", "/api/v1/assessments/", "StartAnAssessment"]
    created = api.post("/api/v1/assessments/", created_example, format="json")
    sent["POST", "/api/v1/assessments/", "StartAnAssessment"] = created
    # Respondents, on a draft of their own: olivia asks herself to answer, saves two answers
    # of her own, then records the answer the team agreed on.
    team = api.post("/api/v1/assessments/", created_example, format="json").json()["id"]
    for key, url, send in [
        (("POST", "/api/v1/assessments/{id}/respondents/", "AddAMember"), "respondents/", api.post),
        (("POST", "/api/v1/assessments/{id}/respondents/", "InviteSomeone"), "respondents/",
         api.post),
        (("PATCH", "/api/v1/assessments/{id}/my-answers/", "SaveTwoOfYourAnswers"),
         "my-answers/", api.patch),
        (("PUT", "/api/v1/assessments/{id}/consensus/{question_key}/", "AgreeOnAnAnswer"),
         "consensus/plan-backlog-traceability/", api.put),
    ]:  # fmt: skip
        sent[key] = send(f"/api/v1/assessments/{team}/{url}", requests[key], format="json")
    answers = f"/api/v1/assessments/{created.json()['id']}/answers/"
    answers_example = requests["PATCH", "/api/v1/assessments/{id}/answers/", "SaveThreeAnswers"]
    sent["PATCH", "/api/v1/assessments/{id}/answers/", "SaveThreeAnswers"] = api.patch(
        answers, answers_example, format="json"
    )

    assert set(sent) == set(requests), "request examples this test does not send"
    for (method, path, name), response in sent.items():
        operation = document["paths"][path][method.lower()]
        success = min(status for status in operation["responses"] if status.startswith("2"))
        assert str(response.status_code) == success, (name, response.json())
        schema = operation["responses"][success]["content"]["application/json"]["schema"]
        assert problems(document, schema, response.json()) == [], name
    saved = {a["question"]: a for a in sent[method, path, name].json()["answers"]}
    assert {item["question"] for item in answers_example["answers"]} <= set(saved)


def locked_out(username: str) -> Any:
    """The token endpoint's answer once a username has failed to log in too often."""
    client = APIClient()
    wrong = {"username": username, "password": "not the password"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", wrong, format="json")
    return client.post("/api/v1/auth/token/", wrong, format="json")


def test_response_examples_have_the_fields_of_the_real_responses(seeded: dict[str, Any]) -> None:
    document = schema_document()
    examples = {
        (method, path, status, name): value
        for method, path, status, name, value, _ in response_examples(document)
    }
    api = seeded["client"]
    demo = Assessment.objects.get(organisation__slug="demo")
    Membership.objects.create(
        organisation=demo.organisation, user=seeded["olivia"], role=Membership.Role.VIEWER
    )
    draft = api.post(
        "/api/v1/assessments/",
        {"organisation": "acme", "questionnaire": "devops-maturity", "title": "Q4 review"},
        format="json",
    )
    did = draft.json()["id"]
    api.patch(
        f"/api/v1/assessments/{did}/answers/",
        {"answers": [{"question": "plan-backlog-traceability", "choices": ["shared-backlog"]}]},
        format="json",
    )
    _, key = organisation_services.api_key_create(
        name="warehouse", organisation=demo.organisation, created_by=seeded["olivia"]
    )
    team = api.post(
        "/api/v1/assessments/",
        {"organisation": "acme", "questionnaire": "devops-maturity", "title": "Team"},
        format="json",
    ).json()["id"]
    added = api.post(f"/api/v1/assessments/{team}/respondents/", {"username": "olivia"})
    api.patch(
        f"/api/v1/assessments/{team}/my-answers/",
        {"answers": [{"question": "plan-backlog-traceability", "choices": ["dev-backlog"]}]},
        format="json",
    )
    feed = APIClient()
    feed.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    real = {
        ("POST", "/api/v1/auth/token/", "200", "AToken"): APIClient().post(
            "/api/v1/auth/token/", {"username": "olivia", "password": PASSWORD}, format="json"
        ),
        ("POST", "/api/v1/assessments/", "201", "ADraft"): draft,
        ("GET", "/api/v1/assessments/{id}/result/", "200", "AResult"): api.get(
            f"/api/v1/assessments/{demo.pk}/result/"
        ),
        ("GET", "/api/v1/assessments/{id}/recommendations/", "200", "Recommendations"): api.get(
            f"/api/v1/assessments/{demo.pk}/recommendations/"
        ),
        ("GET", "/api/v1/assessments/{id}/roadmap/", "200", "ARoadmap"): api.get(
            f"/api/v1/assessments/{demo.pk}/roadmap/"
        ),
        ("POST", "/api/v1/assessments/{id}/submit/", "409", "NotCompleteYet"): api.post(
            f"/api/v1/assessments/{did}/submit/"
        ),
        ("PATCH", "/api/v1/assessments/{id}/answers/", "400", "AnAnswerThatDoesNotFit"): api.patch(
            f"/api/v1/assessments/{did}/answers/",
            {
                "answers": [
                    {"question": "plan-backlog-traceability", "choices": ["shared-backlog"]},
                    {"question": "cd-lead-time", "number": "-3"},
                ]
            },
            format="json",
        ),
        ("POST", "/api/v1/organisations/{slug}/keys/", "201", "ANewKey"): api.post(
            "/api/v1/organisations/acme/keys/", {"name": "BI sync"}, format="json"
        ),
        ("GET", "/api/v1/scores/", "200", "APage"): feed.get("/api/v1/scores/", {"page_size": 1}),
        ("POST", "/api/v1/auth/token/", "429", "LockedOut"): locked_out("mallory"),
        ("POST", "/api/v1/assessments/{id}/respondents/", "201", "ARespondent"): added,
        ("GET", "/api/v1/assessments/{id}/respondents/", "200", "AnInvitedRespondent"): api.get(
            f"/api/v1/assessments/{team}/respondents/"
        ),
        (
            "GET",
            "/api/v1/assessments/{id}/disagreement/",
            "200",
            "ThreeRespondentsDisagreeing",
        ): api.get(f"/api/v1/assessments/{team}/disagreement/"),
        ("GET", "/api/v1/organisations/{slug}/portfolio/", "200", "ADepartmentOfTwoTeams"): (
            api.get("/api/v1/organisations/demo/portfolio/")
        ),
    }
    # Members, units and invitations (tests/organisations/openapi_examples.py).
    real.update(organisation_examples.real_responses(api))
    assert {key for key in examples if key[3] not in ERROR_EXAMPLES} == set(real), (
        "response examples this test does not compare with a real response"
    )
    for key, response in real.items():
        assert str(response.status_code) == key[2], (key, response.content)
        assert same_fields(examples[key], response.json()) == [], key
    bad_answer = ("PATCH", "/api/v1/assessments/{id}/answers/", "400", "AnAnswerThatDoesNotFit")
    assert examples[bad_answer] == real[bad_answer].json()  # word for word
