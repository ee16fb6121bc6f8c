"""Pages for respondents: the answer pages on their own answers, their "done" page, and the
assessments waiting for their answers on the home page.

Someone who holds a respondent's place on an assessment (in any organisation role) answers it
with their own answers, as `my-answers/` does in the API: read with
selectors.respondent_answers_by_key, saved with services.respondent_save_answers against the
respondent's own ETag. The answer pages of web.views are the same; only the source of the
answers differs (RespondentAnswers here, web.views.AssessmentAnswers otherwise). Respondents
never submit: the organisation's owners and editors do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from assessments import selectors, services
from assessments.models import Assessment, Respondent
from web import access, pages
from web.views import Answering, _missing, signed_in

# A deadline this many days away or fewer is "due soon".
SOON_DAYS = 7
NOT_A_RESPONDENT = (
    "Only the people asked to answer this assessment have a page of their own answers; its "
    "owners and editors review the assessment's answers and submit it."
)


@dataclass
class RespondentAnswers:
    """One respondent's own answers, as the answer pages read and save them."""

    respondent: Respondent  # with .assessment set to the one the page found
    team: bool  # the caller also reads the assessment as its owner, editor or viewer
    finish = "web:done"
    changed_elsewhere = "your answers were changed elsewhere (another tab or window)"

    @property
    def assessment(self) -> Assessment:
        return self.respondent.assessment

    @property
    def etag(self) -> str:
        return self.respondent.etag

    def read(self, tree: selectors.VersionTree) -> dict[str, selectors.StoredAnswer]:
        return selectors.respondent_answers_by_key(self.respondent, tree)

    def save(
        self, answers: list[services.AnswerInput], user: Any, expected_etag: str
    ) -> tuple[str, dict[str, selectors.StoredAnswer]]:
        saved = services.respondent_save_answers(
            respondent=self.respondent, answers=answers, user=user, expected_etag=expected_etag
        )
        return saved.respondent.etag, saved.answers

    def context(self) -> dict[str, Any]:
        return {
            "respondent": self.respondent,
            "source_team": self.team,
            "due": due_text(self.assessment.due_on, timezone.localdate()),
        }

    def fresh(self) -> RespondentAnswers:
        found = Respondent.objects.filter(pk=self.respondent.pk).first()
        if found is None:
            raise Http404("You no longer answer this assessment.")
        found.assessment = Assessment.objects.get(pk=self.assessment.pk)
        return RespondentAnswers(found, self.team)


def answering(request: HttpRequest, found: access.Access) -> Answering:
    """The caller's own answers to the assessment they hold a place on (one query for the
    place; 404 if it was taken away meanwhile). Read only once the assessment is submitted."""
    place = selectors.respondents_of(found.assessment).filter(user=request.user).first()
    if place is None:
        raise Http404("You no longer answer this assessment.")
    place.assessment = found.assessment
    source = RespondentAnswers(place, team=found.reads_team)
    return Answering(found.assessment, not found.assessment.is_submitted, source)


def due_text(due_on: date | None, today: date) -> dict[str, Any]:
    """A deadline in words, with how pressing it is (`state`: none, later, soon, today,
    overdue), so pages never say it with colour alone."""
    if due_on is None:
        return {"state": "none", "text": "No due date"}
    days = (due_on - today).days
    day = f"{due_on:%-d %B %Y}"
    if days < 0:
        late = "yesterday" if days == -1 else f"{-days} days ago"
        return {"state": "overdue", "text": f"Overdue: it was due on {day} ({late})"}
    if days == 0:
        return {"state": "today", "text": f"Due today, {day}"}
    if days <= SOON_DAYS:
        soon = "tomorrow" if days == 1 else f"in {days} days"
        return {"state": "soon", "text": f"Due soon: {day} ({soon})"}
    return {"state": "later", "text": f"Due on {day}"}


def to_answer(user: Any, assessments: list[Assessment]) -> list[dict[str, Any]]:
    """The drafts among `assessments` (read through web.access.assessments) that the user
    answers, with their own progress and deadline, soonest due first: one query, none when
    they answer nothing."""
    drafts = [a for a in assessments if a.responds and not a.is_submitted]  # type: ignore[attr-defined]
    if not drafts:
        return []
    places = {p.assessment_id: p for p in selectors.places_of(user, [a.pk for a in drafts])}
    today = timezone.localdate()
    rows = []
    for assessment in drafts:
        place = places.get(assessment.pk)
        if place is None:  # taken away between the two queries
            continue
        tree = selectors.version_tree(assessment.version)
        required = tree.required_count
        rows.append(
            {
                "assessment": assessment,
                "answered": place.answered,  # type: ignore[attr-defined]
                "total": len(tree.questions),
                "open": required - place.answered_required,  # type: ignore[attr-defined]
                "status": selectors.respondent_status(place, required),
                "due": due_text(assessment.due_on, today),
            }
        )
    rows.sort(
        key=lambda row: (
            row["assessment"].due_on is None,
            row["assessment"].due_on or date.max,
            row["assessment"].pk,
        )
    )
    return rows


def first_page_url(assessment: Assessment) -> str:
    first = pages.split(selectors.version_tree(assessment.version).model)[0]
    return reverse("web:answer", args=[assessment.pk, first.key])


STATUS_TEXT = {
    "done": "Done: every required question is answered.",
    "answering": "Answering: some required questions are still open.",
    "invited": "Invited: the invitation is not accepted yet.",
}


@require_GET
@signed_in
def done(request: HttpRequest, pk: int) -> HttpResponse:
    """What a respondent still has to answer, where they stand, and who submits."""
    found = access.assessment(request, pk)
    if not found.responds:
        raise PermissionDenied(NOT_A_RESPONDENT)
    mine = answering(request, found)
    overall, per_page = mine.progress()
    status = selectors.respondent_status(mine.source.respondent, mine.tree.required_count)
    context = {
        "assessment": found.assessment,
        "respondent": mine.source.respondent,
        "team": found.reads_team,
        "progress": overall,
        "pages": per_page,
        "missing": _missing(mine, overall["missing_required"]),
        "status": status,
        "status_text": STATUS_TEXT[status],
        "due": due_text(found.assessment.due_on, timezone.localdate()),
    }
    return render(request, "web/respond_done.html", context)
