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
    value={
        "organisation": "acme",
        "unit": "payments",
        "questionnaire": "devops-maturity",
        "title": "Q4 review",
    },
    request_only=True,
)
ASSESSMENT = OpenApiExample(
    "A draft",
    value={
        "id": 42,
        "organisation": "acme",
        "unit": {
            "uuid": "6f1c2a8e-3b4d-4e5f-9a01-23456789abcd",
            "slug": "payments",
            "name": "Payments",
        },
        "questionnaire": "devops-maturity",
        "version": 1,
        "title": "Q4 review",
        "status": "draft",
        "level": None,
        "level_name": None,
        "copied_from": None,
        "due_on": "2026-12-04",
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
                "score": None,
                "source": "direct",
                "consensus_note": "",
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
        "recommender_version": "2.0",
        "recommendations": [],
        "roadmap": {"overall_percent": "34.0575", "level": "repeatable", "stages": [],
                    "steps": [], "hindrances": []},
        "previous_assessment": None,
        "targets": [],
        "disagreement": None,
        "peers": {"minimum_organisations": 5,
                  "overall": {"organisations": 12, "percentile": "58.3", "suppressed": False},
                  "disciplines": {}},
    },
    response_only=True,
)  # fmt: skip
_TRIGGER = {
    "question": "plan-backlog-traceability",
    "text": "How is work captured, prioritised and traced through to production?",
    "answer": "Requests arrive by email, chat or in person and are not recorded in one place",
    "percent": "0.0000",
    "next_answer": "A ticket list exists, but priorities are set ad hoc and much work bypasses it",
    "next_percent": "25.0000",
}
_DONE_WELL = (
    "Every change in production can be traced to a backlog item, and the backlog is refined "
    "and re-prioritised at least once per sprint."
)
_TOOLS = [
    {"slug": "github", "name": "GitHub", "ring": "adopt", "min_maturity": 1},
    {"slug": "jira", "name": "Jira", "ring": "adopt", "min_maturity": 1},
]
RECOMMENDATIONS = OpenApiExample(
    "Recommendations",
    value={
        "assessment": 42,
        "recommender_version": "2.0",
        "level": "repeatable",
        "level_name": "Repeatable",
        "recommendations": [
            {
                "rank": 1,
                "kind": "practice",
                "key": "devops-agile-backlog",
                "practice": "devops-agile-backlog",
                "name": "Agile backlog management",
                "done_well": _DONE_WELL,
                "effort": "small",
                "effort_points": 1,
                "depends_on": [],
                "prerequisites": [],
                "current_percent": "0.0000",
                "expected_percent": "40.7242",
                "expected_gain": "6.6667",
                "gain_per_point": "6.6667",
                "expected_level": "defined",
                "labels": ["devops", "devops-plan"],
                "hindrances": ["use-cases", "culture"],
                "triggers": [_TRIGGER],
                "tools": _TOOLS,
                "already_using": ["azure-devops"],
            }
        ],
    },
    response_only=True,
)
ROADMAP = OpenApiExample(
    "A roadmap",
    value={
        "assessment": 42,
        "recommender_version": "2.0",
        "level_name": "Repeatable",
        "available": True,
        "note": "",
        "overall_percent": "34.0575",
        "level": "repeatable",
        "stages": [
            {
                "key": "next-level",
                "goal": "defined",
                "reached": True,
                "steps": ["devops-agile-backlog"],
                "overall_after": "40.7242",
                "level_after": "defined",
            },
            {
                "key": "later",
                "goal": None,
                "reached": True,
                "steps": ["devops-version-control", "devops-continuous-integration"],
                "overall_after": "51.9742",
                "level_after": "defined",
            },
        ],
        "steps": [
            {
                "id": "devops-agile-backlog",
                "title": "Agile backlog management",
                "description": _DONE_WELL
                + "\nNext steps:\n- How is work captured, prioritised and traced through to "
                "production?: from \u201cRequests arrive by email, chat or in person and are not "
                "recorded in one place\u201d to \u201cA ticket list exists, but priorities are set "
                "ad hoc and much work bypasses it\u201d",
                "stage": "next-level",
                "priority": 1,
                "effort": "small",
                "effort_points": 1,
                "labels": [
                    "stage:next-level",
                    "effort:small",
                    "devops",
                    "devops-plan",
                    "use-cases",
                    "culture",
                ],
                "depends_on": [],
                "gain": "6.6667",
                "overall_after": "40.7242",
                "level_after": "defined",
                "gain_in_sequence": "6.6667",
                "kind": "practice",
                "key": "devops-agile-backlog",
                "practice": "devops-agile-backlog",
                "name": "Agile backlog management",
                "done_well": _DONE_WELL,
                "prerequisites": [],
                "current_percent": "0.0000",
                "expected_percent": "40.7242",
                "gain_per_point": "6.6667",
                "expected_level": "defined",
                "hindrances": ["use-cases", "culture"],
                "triggers": [_TRIGGER],
                "tools": _TOOLS,
                "already_using": [],
            }
        ],
        "hindrances": [
            {
                "hindrance": "tooling",
                "name": "No standard tooling for models and data",
                "percent": "28.9474",
                "gap": "71.0526",
                "at_stake": "35.2282",
                "steps": ["devops-version-control", "devops-continuous-integration"],
            }
        ],
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


# --- respondents ------------------------------------------------------------------------------

RESPONDENT_ADD = OpenApiExample("Add a member", value={"username": "olivia"}, request_only=True)
RESPONDENT_INVITE = OpenApiExample(
    "Invite someone", value={"email": "sam@example.com"}, request_only=True
)
RESPONDENT = OpenApiExample(
    "A respondent",
    value={
        "uuid": "0b6f4a52-6f0e-4d7e-9a55-2c1d5f0e8a11",
        "username": "olivia",
        "email": None,
        "status": "answering",
        "answered": 3,
        "last_saved": "2026-11-20T09:30:00Z",
        "added_at": "2026-11-20T09:00:00Z",
        "invitation": None,
    },
    response_only=True,
    status_codes=["201"],
)
RESPONDENTS = OpenApiExample(
    "An invited respondent",
    description="A page of respondents; here one who has not accepted the invitation yet.",
    value={
        "uuid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "username": None,
        "email": "sam@example.com",
        "status": "invited",
        "answered": 0,
        "last_saved": None,
        "added_at": "2026-11-20T09:02:00Z",
    },
    response_only=True,
)
MY_ANSWERS = OpenApiExample(
    "Save two of your answers",
    value={
        "answers": [
            {
                "question": "plan-backlog-traceability",
                "choices": ["dev-backlog"],
                "comment": "Ops tickets live in another tool",
            },
            {"question": "cd-lead-time", "number": "48"},
        ]
    },
    request_only=True,
)
DISAGREEMENT = OpenApiExample(
    "Three respondents disagreeing",
    value={
        "assessment": 42,
        "derivation": "mean",
        "respondents": 3,
        "questions": [
            {
                "question": "plan-backlog-traceability",
                "text": "How is work captured, prioritised and traced through to production?",
                "section": "plan",
                "respondents": 3,
                "not_applicable": 0,
                "min_percent": "25.00",
                "max_percent": "75.00",
                "spread": "50.00",
                "stdev": "20.41",
                "distribution": [
                    {"key": "untracked", "label": "Requests arrive by email, chat or in person "
                     "and are not recorded in one place", "count": 0},
                    {"key": "ad-hoc-list", "label": "A ticket list exists, but priorities are "
                     "set ad hoc and much work bypasses it", "count": 1},
                    {"key": "dev-backlog", "label": "Development work is planned in sprints "
                     "from a backlog; operational work is tracked elsewhere", "count": 1},
                    {"key": "shared-backlog", "label": "Development and operational work share "
                     "one prioritised backlog, refined every sprint", "count": 1},
                    {"key": "fully-traceable", "label": "One shared backlog, refined every "
                     "sprint, and every production change links back to a backlog item",
                     "count": 0},
                ],
                "status": "derived",
            }
        ],
        "sections": [
            {"section": "root", "title": "DevOps maturity", "questions": 1, "respondents": 3,
             "mean_spread": "50.00", "max_spread": "50.00"},
            {"section": "plan", "title": "Plan", "questions": 1, "respondents": 3,
             "mean_spread": "50.00", "max_spread": "50.00"},
        ],
        "needs_conversation": [
            {
                "question": "plan-backlog-traceability",
                "text": "How is work captured, prioritised and traced through to production?",
                "spread": "50.00",
                "stdev": "20.41",
            }
        ],
    },
    response_only=True,
)  # fmt: skip
CONSENSUS = OpenApiExample(
    "Agree on an answer",
    value={
        "choices": ["dev-backlog"],
        "note": "Ops tickets are tracked in ServiceNow, not in the sprint backlog.",
    },
    request_only=True,
)
