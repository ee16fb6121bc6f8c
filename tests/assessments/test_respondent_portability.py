"""Respondents travel with their organisation: exported, imported into an EMPTY database and
exported again, nothing lost (the round trip of test_portability, with respondents)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments import services
from assessments.models import Answer, Assessment, Respondent, RespondentAnswer
from organisations.models import Invitation, Organisation
from tests.assessments.conftest import client_for
from tests.assessments.respondents_world import add, save, team_version
from tests.assessments.test_portability import moved

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_respondents(
    seeded_catalogue: None, organisation: Organisation, owner: User, editor: User, viewer: User
) -> Organisation:
    """acme with two assessments of the team questionnaire: `Submitted` (three respondents,
    one of them first answering directly, a consensus, a removed respondent) and `Draft` (a
    deadline, and a respondent invited by e-mail who has not accepted yet)."""
    version = team_version("median")
    client = client_for(owner)
    first = services.assessment_create(
        organisation=organisation, version=version, user=owner, title="Submitted"
    )
    client.patch(
        f"/api/v1/assessments/{first.pk}/answers/",
        {"answers": [{"question": "practice", "choices": ["partly"], "comment": "Mostly"}]},
    )
    for name in ("eddie", "vera"):
        add(client, first, name)
    save(editor, first, {"question": "practice", "choices": ["fully"]})
    save(
        editor,
        first,
        {"question": "coverage", "number": "35.5", "evidence_url": "https://c.example.com/"},
    )
    save(viewer, first, {"question": "practice", "choices": ["absent"]})
    save(owner, first, {"question": "coverage", "number": "70"})
    client.put(
        f"/api/v1/assessments/{first.pk}/consensus/practice/",
        {"score": "0.6", "note": "Between partly and fully."},
    )
    gone = Respondent.objects.get(assessment=first, user=viewer)
    client.delete(f"/api/v1/assessments/{first.pk}/respondents/{gone.uuid}/")
    assert client.post(f"/api/v1/assessments/{first.pk}/submit/").status_code == 200

    draft = services.assessment_create(
        organisation=organisation, version=version, user=owner, title="Draft", due_on=None
    )
    Assessment.objects.filter(pk=draft.pk).update(due_on=date(2031, 3, 1))
    invitation = Invitation.objects.create(
        organisation=organisation, email="sam@example.com", invited_by=owner, secret_hash="c" * 64
    )
    Respondent.objects.create(assessment=draft, invitation=invitation)
    add(client, draft, "eddie")
    save(editor, draft, {"question": "practice", "choices": ["partly"], "comment": "Hm"})
    return organisation


def respondents(slug: str) -> dict[str, Any]:
    """An organisation's respondents, their answers, the assessments' answers and deadlines,
    and the history of respondents and their answers, keyed by stable identifiers."""
    organisation = Organisation.objects.get(slug=slug)
    uuids = dict(Respondent.history.values_list("id", "uuid"))
    found: dict[str, Any] = {}
    for assessment in organisation.assessments.order_by("created_at"):
        found[assessment.title] = {
            "due_on": str(assessment.due_on),
            "answers": sorted(
                Answer.objects.filter(assessment=assessment).values_list(
                    "question__key", "choices", "number", "score", "source", "consensus_note",
                    "answered_by__username", "updated_at",
                )
            ),
            "respondents": [
                {
                    "uuid": r.uuid,
                    "user": r.user.username if r.user else None,
                    "invitation": (r.invitation.email, r.invitation.secret_hash,
                                   r.invitation.expires_at) if r.invitation else None,
                    "revision": r.revision,
                    "created_at": r.created_at,
                    "answers": sorted(
                        RespondentAnswer.objects.filter(respondent=r).values_list(
                            "question__key", "choices", "number", "not_applicable", "comment",
                            "evidence_url", "updated_at",
                        )
                    ),
                }
                for r in Respondent.objects.filter(assessment=assessment).order_by("created_at")
            ],
            "respondent_history": sorted(
                (row.history_date, row.history_type, row.history_user.username
                 if row.history_user else None, row.history_change_reason, row.uuid,
                 row.user.username if row.user_id else None, row.revision)
                for row in Respondent.history.filter(assessment_id=assessment.pk)
            ),
            "respondent_answer_history": sorted(
                (row.history_date, row.history_type, uuids.get(row.respondent_id),
                 row.question.key, row.choices, row.number, row.comment,
                 row.history_user.username if row.history_user else None)
                for row in RespondentAnswer.history.filter(
                    respondent_id__in=Respondent.history.filter(
                        assessment_id=assessment.pk
                    ).values("id")
                )
            ),
            "answer_history": sorted(
                (row.history_date, row.history_type, row.question.key, row.source,
                 row.score, row.consensus_note, row.history_change_reason)
                for row in Answer.history.filter(assessment_id=assessment.pk)
            ),
        }  # fmt: skip
    return json.loads(json.dumps(found, default=str))


def test_respondents_their_answers_and_their_history_round_trip(
    with_respondents: Organisation, tmp_path: Path
) -> None:
    before = respondents("acme")
    submitted, draft = before["Submitted"], before["Draft"]
    assert [r["user"] for r in submitted["respondents"]] == ["olivia", "eddie"]
    assert [r["user"] for r in draft["respondents"]] == [None, "eddie"]
    assert draft["respondents"][0]["invitation"][0] == "sam@example.com"
    assert draft["due_on"] == "2031-03-01"
    kept = {row[0]: row[2:6] for row in submitted["answers"]}
    assert kept["practice"] == [None, "0.6000", "consensus", "Between partly and fully."]
    assert kept["coverage"][1:3] == ["0.5275", "derived"]  # median of 0.355 and 0.7
    # vera was removed: her respondent row and her answer are history only
    assert [row[1] for row in submitted["respondent_history"]].count("-") == 1
    assert any(row[1] == "-" for row in submitted["respondent_answer_history"])

    assert moved(tmp_path, "respondents", "tests.assessments.test_respondent_portability") == before


def test_the_export_reads_back_as_the_same_document(
    with_respondents: Organisation, tmp_path: Path
) -> None:
    again = moved(tmp_path, "exported")
    original = json.loads((tmp_path / "acme.json").read_text())

    assert again == original
    submitted = next(a for a in original["assessments"] if a["title"] == "Submitted")
    assert [r["user"] for r in submitted["respondents"]] == ["olivia", "eddie"]
    assert submitted["result"]["snapshot"]["disagreement"]["respondents"] == 2
    draft = next(a for a in original["assessments"] if a["title"] == "Draft")
    invited = draft["respondents"][0]["invitation"]
    assert (invited["email"], invited["secret_hash"]) == ("sam@example.com", "c" * 64)
