"""Examples shown in the OpenAPI schema (and the interactive docs) for the main operations."""

from drf_spectacular.utils import OpenApiExample

TOKEN_REQUEST = OpenApiExample(
    "Log in",
    value={"username": "olivia", "password": "correct horse battery staple"},
    request_only=True,
)
TOKEN_RESPONSE = OpenApiExample(
    "A token",
    value={"token": "a77c80f2b9...", "expiry": "2026-11-27T18:00:00Z"},
    response_only=True,
)
LOCKED_OUT = OpenApiExample(
    "Locked out",
    value={
        "type": "client_error",
        "errors": [
            {
                "code": "locked_out",
                "detail": "Too many failed logins for this username from this address; "
                "try again in 900 seconds.",
                "attr": None,
            }
        ],
    },
    response_only=True,
    status_codes=["429"],
)
ASSESSMENT_CREATE = OpenApiExample(
    "Start an assessment",
    value={"organisation": "acme", "questionnaire": "devops-maturity", "title": "Q4 review"},
    request_only=True,
)
ASSESSMENT = OpenApiExample(
    "A draft",
    value={
        "id": 42,
        "organisation": "acme",
        "questionnaire": "devops-maturity",
        "version": 1,
        "title": "Q4 review",
        "status": "draft",
        "level": None,
        "level_name": None,
        "copied_from": None,
        "created_by": "olivia",
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T09:30:00Z",
        "submitted_at": None,
        "targets": {
            "level": "managed",
            "level_name": "Managed",
            "sections": {"ci-cd": "80.0000"},
            "disciplines": {},
        },
        "progress": {
            "total": 22,
            "answered": 1,
            "required": 21,
            "missing_required": ["plan-team-ownership", "build-version-control"],
            "complete": False,
        },
        "answers": [
            {
                "question": "plan-backlog-traceability",
                "choices": ["shared-backlog"],
                "number": None,
                "not_applicable": False,
                "comment": "One board for dev and ops",
                "evidence_url": "https://jira.example.com/board/7",
                "notes_carried_over": False,
                "updated_at": "2026-11-20T09:30:00Z",
            }
        ],
    },
    response_only=True,
)
ANSWERS = OpenApiExample(
    "Save three answers",
    value={
        "answers": [
            {"question": "plan-backlog-traceability", "choices": ["shared-backlog"]},
            {"question": "cd-lead-time", "number": "36", "comment": "median of last month"},
            {"question": "mon-request-tracing", "not_applicable": True},
        ]
    },
    request_only=True,
)
RESULT = OpenApiExample(
    "A result",
    value={
        "assessment": 42,
        "organisation": "acme",
        "questionnaire": "devops-maturity",
        "version": 1,
        "submitted_at": "2026-11-21T10:00:00Z",
        "computed_at": "2026-11-21T10:00:00Z",
        "engine_version": "1.0",
        "overall": "0.3406",
        "overall_max": "1.0000",
        "overall_percent": "34.0575",
        "level": "repeatable",
        "level_name": "Repeatable",
        "level_description": "Practices exist but depend on individuals.",
        "failed_gates": {},
        "nodes": {
            "root": {"key": "root", "score": "0.3406", "max_score": "1.0000",
                     "percent": "34.0575", "answered": 22, "applicable": 22, "total": 22,
                     "kind": "section", "title": "root", "parent": None},
        },
        "breakdowns": {
            "disciplines": {"devops": {"tag": "devops", "percent": "34.0575", "answered": 22,
                                       "applicable": 22, "total": 22, "name": "DevOps"}},
            "phases": {}, "practices": {}, "hindrances": {},
        },
        "answers": {"plan-backlog-traceability": {"choices": ["shared-backlog"], "number": None,
                                                  "not_applicable": False}},
        "recommender_version": "1.0",
        "recommendations": [],
        "previous_assessment": None,
        "targets": [],
        "peers": {"minimum_organisations": 5,
                  "overall": {"organisations": 12, "percentile": "58.3", "suppressed": False},
                  "disciplines": {}},
    },
    response_only=True,
)  # fmt: skip
RECOMMENDATIONS = OpenApiExample(
    "Recommendations",
    value={
        "assessment": 42,
        "recommender_version": "1.0",
        "level": "repeatable",
        "level_name": "Repeatable",
        "recommendations": [
            {
                "rank": 1,
                "practice": "devops-automated-testing",
                "practice_name": "Automated unit and integration tests",
                "current_percent": "12.5000",
                "expected_overall": "0.4135",
                "expected_gain": "0.0729",
                "expected_level": "defined",
                "hindrances": ["skills-gap", "tooling", "infrastructure"],
                "triggers": [
                    {"question": "ci-build-automation",
                     "answer": "Builds are run by hand on a developer machine",
                     "score": "0.0000", "max_score": "1.0000"}
                ],
                "tools": [{"slug": "github-actions", "name": "GitHub Actions", "ring": "adopt",
                           "min_maturity": 2}],
                "already_using": ["jenkins"],
            }
        ],
    },
    response_only=True,
)  # fmt: skip
KEY_CREATED = OpenApiExample(
    "A new key",
    value={
        "prefix": "6CTmYhVa",
        "name": "BI sync",
        "scope": "organisation",
        "organisation": "acme",
        "created": "2026-11-27T06:54:47Z",
        "expiry_date": None,
        "last_used_at": None,
        "revoked": False,
        "key": "6CTmYhVa.PEWKaJSx1il3ygPBzCwR7llcmGuzQZLj",
    },
    response_only=True,
)
VALIDATION_ERROR = OpenApiExample(
    "An answer that does not fit",
    value={
        "type": "validation_error",
        "errors": [
            {"code": "invalid",
             "detail": "cd-lead-time: number -3.0000 is below the minimum 0.0000",
             "attr": "answers.1"}
        ],
    },
    response_only=True,
    status_codes=["400"],
)  # fmt: skip
INCOMPLETE = OpenApiExample(
    "Not complete yet",
    value={
        "type": "client_error",
        "errors": [{"code": "incomplete", "detail": "2 required question(s) are not answered yet.",
                    "attr": None}],
        "missing_required": ["plan-team-ownership", "build-version-control"],
    },
    response_only=True,
    status_codes=["409"],
)  # fmt: skip
ROADMAP = OpenApiExample("A roadmap", value={}, response_only=True)
