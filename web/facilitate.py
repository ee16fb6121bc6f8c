"""Pages for the team that runs an assessment answered by several people: who answers and how
far they are, where they disagree, and the answers they agreed on.

The same services and selectors as the API's respondents/, disagreement/ and consensus/ (see
docs/respondents.md): respondent_add and respondent_remove, selectors.disagreement,
consensus_set and consensus_clear. Access as on the API (team_assessment): owners and editors
run the team, viewers read, respondents answer only (403), anyone else gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments import report, selectors, services
from assessments.models import Answer, Assessment, Respondent
from organisations import services as organisation_services
from web import access
from web.forms import AnswerForm
from web.views import signed_in

SUBMITTED = "This assessment is submitted: its respondents and answers can no longer change."


class RespondentForm(forms.Form):
    """Who to ask: a member by username, or anyone by e-mail address (invited)."""

    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="A member of the organisation answers at once; the account of anyone else "
        "gets an invitation.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        max_length=254,
        required=False,
        label="Or e-mail address",
        help_text="Someone without an account here: the invitation's link goes to this address.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username, email = cleaned.get("username"), cleaned.get("email")
        if username and email:
            self.add_error("email", "Give a username or an e-mail address, not both.")
        elif not username and not email and not self.errors:
            self.add_error("username", "Give the username of a member, or an e-mail address.")
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(
        max_length=5000,
        label="Why the team agreed on this answer",
        help_text="Required. Kept with the answer and shown in the result and the report.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the respondents agreed on this answer."},
    )


# --- the team -----------------------------------------------------------------------------


def _name(respondent: Respondent) -> str:
    """Who a respondent is: their username, or whom the invitation names until accepted."""
    if respondent.user is not None:
        return respondent.user.get_username()
    invitation = respondent.invitation
    return (invitation.username or invitation.email) if invitation is not None else ""


def _team_context(found: access.Access, form: RespondentForm | None = None) -> dict[str, Any]:
    assessment = found.assessment
    tree = selectors.version_tree(assessment.version)
    required = tree.required_count
    rows = []
    for respondent in selectors.respondents_of(assessment):
        rows.append(
            {
                "respondent": respondent,
                "name": _name(respondent),
                "full_name": respondent.user.get_full_name() if respondent.user else "",
                "status": selectors.respondent_status(respondent, required),
                "started": respondent.last_saved is not None,  # type: ignore[attr-defined]
            }
        )
    return {
        "assessment": assessment,
        "can_edit": found.can_edit,
        "rows": rows,
        "not_started": [row for row in rows if not row["started"]],
        "questions": len(tree.questions),
        "required": required,
        "form": form or RespondentForm(),
    }


def _accept_url(request: HttpRequest) -> Callable[[str], str]:
    def build(secret: str) -> str:
        return request.build_absolute_uri(organisation_services.ACCEPT_PATH.format(secret=secret))

    return build


def _field_errors(form: forms.Form, error: ValidationError, fallback: str | None = None) -> None:
    """A service's refusal on the form field it names (or `fallback`, or the form)."""
    for field, problems in error.message_dict.items():
        name = field if field in form.fields else fallback
        for problem in problems:
            form.add_error(name, problem)


@require_http_methods(["GET", "POST"])
@signed_in
def team(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.team_assessment(request, pk, edit=request.method == "POST")
    if request.method == "GET":
        return render(request, "web/facilitate_team.html", _team_context(found))
    form = RespondentForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        field = "email" if data["email"] else "username"
        try:
            added = services.respondent_add(
                assessment=found.assessment,
                added_by=request.user,
                username=data["username"],
                email=data["email"],
                accept_url=_accept_url(request),
            )
        except ValidationError as error:
            _field_errors(form, error, field)
        except services.Conflict as conflict:
            if conflict.code == "submitted":
                messages.error(request, SUBMITTED)
                return redirect("web:team", pk=pk)
            form.add_error(field, conflict.detail)
            status = 409
        else:
            invitation = added.invitation
            who = data["username"] or data["email"]
            if invitation is None:
                messages.success(request, f"{who} answers this assessment now.")
            elif organisation_services.invitation_recipient(invitation):
                messages.success(
                    request, f"Invited {who}: the e-mail with the link to accept is on its way."
                )
            else:
                # No address to send it to: the link is shown this once, as the API does.
                context = _team_context(found) | {
                    "invited": who,
                    "accept_url": _accept_url(request)(added.secret),
                }
                return render(request, "web/facilitate_team.html", context, status=201)
            return redirect("web:team", pk=pk)
    return render(request, "web/facilitate_team.html", _team_context(found, form), status=status)


@require_http_methods(["GET", "POST"])
@signed_in
def remove(request: HttpRequest, pk: int, respondent: UUID) -> HttpResponse:
    """Take someone off the team: a page that asks first, the removal is its POST."""
    found = access.team_assessment(request, pk, edit=True)
    assessment = found.assessment
    chosen = (
        Respondent.objects.filter(assessment=assessment, uuid=respondent)
        .select_related("user", "invitation")
        .first()
    )
    if chosen is None:
        raise Http404("This assessment has no such respondent.")
    if assessment.is_submitted:
        messages.error(request, SUBMITTED)
        return redirect("web:team", pk=pk)
    name = _name(chosen)
    if request.method == "GET":
        answered = chosen.answers.count()
        context = {"assessment": assessment, "respondent": chosen, "name": name}
        return render(request, "web/facilitate_remove.html", context | {"answered": answered})
    chosen.assessment = assessment
    try:
        services.respondent_remove(respondent=chosen, user=request.user)
    except services.Conflict as conflict:
        messages.error(request, conflict.detail)
        return redirect("web:team", pk=pk)
    messages.success(request, f"{name} no longer answers this assessment.")
    return redirect("web:team", pk=pk)


# --- disagreement -------------------------------------------------------------------------


def before_submit(
    assessment: Assessment, tree: selectors.VersionTree, answers: dict[str, selectors.StoredAnswer]
) -> dict[str, Any] | None:
    """For the submit page of an assessment with respondents (read with
    `access.assessment(..., respondents=True)`): the questions that wait for a consensus and
    the required ones nobody answered. None without respondents: those are submitted as
    before."""
    if not getattr(assessment, "has_respondents", False):
        return None
    return report.disagreement_in_words(assessment, tree, answers)


@require_http_methods(["GET"])
@signed_in
def disagreement(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.team_assessment(request, pk)
    context = {
        "assessment": found.assessment,
        "can_edit": found.can_edit and not found.assessment.is_submitted,
        "view": report.disagreement_in_words(found.assessment),
    }
    return render(request, "web/facilitate_disagreement.html", context)


# --- consensus ----------------------------------------------------------------------------


STALE_CONSENSUS = (
    "The assessment changed after this page was opened (another facilitator, or a "
    "respondent saving): the answer it has now is shown above. What you entered is still in "
    "the form; record it again to replace the current answer."
)
STALE_CLEAR = (
    "Not cleared: the assessment changed after the page was opened. Here is the answer as "
    "it is now; clear it again if it should still go."
)


def _consensus_input(form: AnswerForm) -> services.ConsensusInput:
    data = form.cleaned_data
    raw = data.get("choices") or ()
    return services.ConsensusInput(
        choices=(raw,) if isinstance(raw, str) else tuple(raw),
        number=Decimal(data["number"]) if data.get("number") else None,
        not_applicable=bool(data.get("not_applicable")),
        comment=data.get("comment", ""),
        evidence_url=data.get("evidence_url", ""),
    )


@require_http_methods(["GET", "POST"])
@signed_in
def consensus(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    found = access.team_assessment(request, pk, edit=True)
    assessment = found.assessment
    tree = selectors.version_tree(assessment.version)
    question = tree.question_by_key().get(key)
    if question is None:
        raise Http404("No such question in this questionnaire.")
    if assessment.is_submitted:
        messages.info(request, SUBMITTED)
        return redirect("web:result", pk=pk)
    view = report.disagreement_in_words(assessment)
    if not view["respondents"]:
        messages.info(
            request, "This assessment has no respondents yet: there is nothing to agree on."
        )
        return redirect("web:team", pk=pk)
    engine = next(item for item in tree.model.questions() if item.key == key)
    stored = view["answers"].get(key)
    data = request.POST if request.method == "POST" else None
    # Start from the agreed answer, if any: a derived score is no answer the widgets can show.
    shown = stored if stored is not None and stored.source == Answer.Source.CONSENSUS else None
    form = AnswerForm(data, question=question, engine=engine, stored=shown)
    note = NoteForm(data, initial={"note": shown.consensus_note if shown else ""})
    status, problem = 200, ""
    if data is not None:
        status = 400
        if form.is_valid() and note.is_valid():
            try:
                services.consensus_set(
                    assessment=assessment,
                    question_key=key,
                    answer=_consensus_input(form),
                    note=note.cleaned_data["note"],
                    user=request.user,
                    expected_etag=request.POST.get("etag", ""),
                )
            except services.StaleVersion:
                # Someone changed the assessment since the page was read: show what is there
                # now, keep what was entered, and let the next press replace it knowingly.
                assessment = Assessment.objects.select_related(
                    "organisation", "unit", "version__questionnaire"
                ).get(pk=pk)
                view = report.disagreement_in_words(assessment)
                stored = view["answers"].get(key)
                problem, status = STALE_CONSENSUS, 412
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    target = note if field == "note" else form
                    name = field if field in target.fields else None
                    for text in problems:
                        target.add_error(name, text.removeprefix(f"{key}: "))
            except services.Conflict as conflict:
                problem, status = conflict.detail, 409
            else:
                messages.success(request, f"Recorded the team's answer to “{question.text}”.")
                return redirect("web:disagreement", pk=pk)
    errors = [("Answer", error) for error in form.non_field_errors()] + [
        (field.label or field.name, error)
        for bound in (form, note)
        if bound.is_bound
        for field in bound
        for error in field.errors
    ]
    context = {
        "assessment": assessment,
        "etag": assessment.etag,
        "question": question,
        "row": next(item for item in view["questions"] if item["question"] == key),
        "form": form,
        "note": note,
        "stored": stored,
        "errors": errors,
        "problem": problem,
        "can_edit": True,
    }
    return render(request, "web/facilitate_consensus.html", context, status=status)


@require_POST
@signed_in
def consensus_clear(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    found = access.team_assessment(request, pk, edit=True)
    assessment = found.assessment
    question = selectors.version_tree(assessment.version).question_by_key().get(key)
    if question is None:
        raise Http404("No such question in this questionnaire.")
    try:
        services.consensus_clear(
            assessment=assessment,
            question_key=key,
            user=request.user,
            expected_etag=request.POST.get("etag", ""),
        )
    except services.StaleVersion:
        messages.error(request, STALE_CLEAR)
        return redirect("web:consensus", pk=pk, key=key)
    except Answer.DoesNotExist:
        raise Http404("This question has no consensus answer to clear.") from None
    except services.Conflict as conflict:
        messages.error(request, conflict.detail)
        return redirect("web:team", pk=pk)
    messages.success(
        request, f"Cleared the team's answer to “{question.text}”: it is derived again."
    )
    return redirect("web:disagreement", pk=pk)
