"""Pages for people: thin over the services and selectors the API uses.

Access is asked of web.access only; answers are checked and saved by
services.assessment_save_answers with the ETag the page was rendered with, so a save based
on an out-of-date page never overwrites a newer answer (the API's If-Match rule); results are
read through assessments.report, the same code as the printable report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import report, scoring, selectors, services
from assessments.models import Assessment, Result
from organisations import selectors as organisation_selectors
from web import access, pages
from web.forms import AnswerForm, StartForm, number_text
from web.pdf import report_pdf

View = Callable[..., HttpResponse]


def signed_in(view: View) -> View:
    """Anonymous callers go to the sign-in page; an autosave gets a 401 fragment instead,
    so the answer stays on the page."""

    @wraps(view)
    @never_cache  # private pages; and Back re-reads the page, so its ETag is current
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if getattr(request, "htmx", False):
            return _status(
                request,
                "error",
                "Not saved: you are signed out. Sign in again in another tab, then change "
                "the answer again; what you entered is still here.",
                status=401,
            )
        return redirect_to_login(request.get_full_path())

    return wrapper


# --- home ---------------------------------------------------------------------------------


@require_GET
@signed_in
def home(request: HttpRequest) -> HttpResponse:
    # Queries: organisations with the role (1); assessments with organisation, questionnaire,
    # people and result level (1); the drafts' answers (1); version trees (cached once
    # published); questionnaires that can be started, with their versions (2); invitations
    # waiting for the caller, with their organisations and senders (1); the caller's own
    # respondent places with their progress (1, only when they answer something).
    from web import respond

    organisations = list(access.organisations(request.user))
    assessments = list(
        access.assessments(request.user).select_related("result").defer("result__snapshot")
    )
    drafts = [a for a in assessments if not a.is_submitted]
    answers = selectors.answers_of(drafts)
    for assessment in assessments:
        if not assessment.is_submitted:
            tree = selectors.version_tree(assessment.version)
            assessment.progress = selectors.progress(tree, answers[assessment.pk])
    by_organisation = {
        org.pk: {"organisation": org, "assessments": [], "portfolio": access.reads_results(org)}
        for org in organisations
    }
    for assessment in assessments:
        by_organisation[assessment.organisation_id]["assessments"].append(assessment)
    editable = [org for org in organisations if org.my_role in access.EDIT_ROLES]
    start = None
    if editable:
        start = StartForm(
            organisations=editable,
            questionnaires=list(selectors.questionnaire_list()),
            units=access.units_of(editable),
        )
    context = {
        "to_answer": respond.to_answer(request.user, assessments),
        "groups": list(by_organisation.values()),
        "start": start,
        "waiting": list(organisation_selectors.invitations_for(request.user)),
    }
    return render(request, "web/home.html", context)


@require_POST
@signed_in
def start(request: HttpRequest) -> HttpResponse:
    editable = access.editable_organisations(request.user)
    form = StartForm(
        request.POST,
        organisations=editable,
        questionnaires=list(selectors.questionnaire_list()),
        units=access.units_of(editable),
    )
    if not form.is_valid():
        return render(request, "web/start.html", {"form": form}, status=400)
    questionnaire = form.questionnaires[form.cleaned_data["questionnaire"]]
    try:
        assessment = services.assessment_create(
            organisation=form.organisations[form.cleaned_data["organisation"]],
            version=questionnaire.published_versions[0],
            user=request.user,
            title=form.cleaned_data["title"],
            unit=form.cleaned_data["unit_object"],
        )
    except ValidationError as error:
        # The unit's preset targets do not fit this questionnaire version: say so on the form.
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
        return render(request, "web/start.html", {"form": form}, status=400)
    messages.success(request, f"Started “{assessment}”.")
    return redirect("web:assessment", pk=assessment.pk)


# --- answering ----------------------------------------------------------------------------


@dataclass
class AssessmentAnswers:
    """Whose answers the pages show and save: here the assessment's own, which its owners and
    editors save (web.respond.RespondentAnswers is a respondent's own)."""

    assessment: Assessment
    finish = "web:submit"  # where "Save and review" leads
    respondent = None
    changed_elsewhere = "this assessment was changed elsewhere (another tab or person)"

    @property
    def etag(self) -> str:
        return self.assessment.etag

    def read(self, tree: selectors.VersionTree) -> dict[str, selectors.StoredAnswer]:
        return selectors.answers_by_key(self.assessment, tree)

    def save(
        self, answers: list[services.AnswerInput], user: Any, expected_etag: str
    ) -> tuple[str, dict[str, selectors.StoredAnswer]]:
        """Save through the service; the new ETag and the answers afterwards."""
        saved = services.assessment_save_answers(
            assessment=self.assessment, answers=answers, user=user, expected_etag=expected_etag
        )
        return saved.assessment.etag, saved.answers

    def context(self) -> dict[str, Any]:
        """What the answer page says about whose answers these are."""
        return {"respondent": None}

    def fresh(self) -> AssessmentAnswers:
        """The same answers read again (after a refused stale save)."""
        return AssessmentAnswers(Assessment.objects.get(pk=self.assessment.pk))


@dataclass
class Answering:
    """One assessment's questionnaire as pages, with the answers stored so far (the
    assessment's own, or those of `source`)."""

    assessment: Assessment
    can_edit: bool
    source: Any = None

    def __post_init__(self) -> None:
        if self.source is None:
            self.source = AssessmentAnswers(self.assessment)

    @cached_property
    def tree(self) -> selectors.VersionTree:
        return selectors.version_tree(self.assessment.version)

    @cached_property
    def engine(self) -> dict[str, scoring.Question]:
        return {question.key: question for question in self.tree.model.questions()}

    @cached_property
    def pages(self) -> tuple[pages.Page, ...]:
        return pages.split(self.tree.model)

    @cached_property
    def stored(self) -> dict[str, selectors.StoredAnswer]:
        return self.source.read(self.tree)  # type: ignore[no-any-return]

    def fresh(self) -> Answering:
        source = self.source.fresh()
        return Answering(source.assessment, self.can_edit, source)

    def page(self, key: str) -> pages.Page:
        found = next((page for page in self.pages if page.key == key), None)
        if found is None:
            raise Http404("No such page in this questionnaire.")
        return found

    def form(self, key: str, data: Any = None) -> AnswerForm:
        return AnswerForm(
            data,
            question=self.tree.question_by_key()[key],
            engine=self.engine[key],
            stored=self.stored.get(key),
        )

    def progress(self, answers: dict[str, selectors.StoredAnswer] | None = None) -> Any:
        answers = self.stored if answers is None else answers
        overall = selectors.progress(self.tree, answers)
        required = {key for key, question in self.engine.items() if question.required}
        per_page = pages.progress(self.pages, selectors.answered_keys(answers), required)
        return overall, per_page

    def answer_text(self, answer: selectors.StoredAnswer | None) -> str:
        """An answer as people read it: the chosen labels, the number with its unit."""
        if answer is None:
            return "no answer"
        if answer.not_applicable:
            return "not applicable"
        question = self.engine[answer.question.key]
        if answer.choices:
            labels = {choice.key: choice.label for choice in scoring.answer_choices(question)}
            return ", ".join(labels.get(key, key) for key in answer.choices)
        if answer.number is not None:
            unit = answer.question.unit
            return number_text(answer.number) + (f" {unit}" if unit else "")
        return "no answer"


def _answering(request: HttpRequest, pk: int, *, edit: bool) -> Answering:
    """The caller's answers: their own where they answer the assessment as a respondent,
    otherwise the assessment's (which `edit` needs an owner or editor for)."""
    from web import respond

    found = access.assessment(request, pk)
    if found.responds:
        return respond.answering(request, found)
    if edit:
        found.require_edit()
    return Answering(found.assessment, found.can_edit)


@require_GET
@signed_in
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    answering = _answering(request, pk, edit=False)
    if answering.assessment.is_submitted:
        return redirect("web:result", pk=pk)
    return redirect("web:answer", pk=pk, page=answering.pages[0].key)


def _question_rows(
    forms: list[AnswerForm], page: pages.Page, newer: dict[str, str]
) -> list[dict[str, Any]]:
    by_key = {form.question.key: form for form in forms}
    return [
        {
            "entry": entry,
            "form": by_key.get(entry.key) if entry.kind == "question" else None,
            "newer": newer.get(entry.key, ""),
        }
        for entry in page.entries
    ]


def _page_context(
    request: HttpRequest,
    answering: Answering,
    page: pages.Page,
    forms: list[AnswerForm],
    newer: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    overall, per_page = answering.progress()
    before, after = pages.neighbours(answering.pages, page.key)
    errors = [
        (form, error)
        for form in forms
        if form.is_bound
        for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]
    ]
    return {
        "assessment": answering.assessment,
        "can_edit": answering.can_edit,
        "page": page,
        "rows": _question_rows(forms, page, newer or {}),
        "progress": overall,
        "pages": per_page,
        "current": next(p for p in per_page if p.page.key == page.key),
        "before": before,
        "after": after,
        "etag": answering.source.etag,
        "errors": errors,
        **answering.source.context(),
        **extra,
    }


def _apply_service_errors(
    error: ValidationError, forms: list[AnswerForm], order: list[AnswerForm]
) -> None:
    """Put the service's `answers.<index>...` errors on the forms they belong to."""
    for field, problems in error.message_dict.items():
        index = field.split(".")[1] if field.startswith("answers.") else None
        form = order[int(index)] if index is not None and index.isdigit() else forms[0]
        for problem in problems:
            prefix = f"{form.question.key}: "
            form.add_error(None, problem.removeprefix(prefix))


@require_http_methods(["GET", "POST"])
@signed_in
def answer_page(request: HttpRequest, pk: int, page: str) -> HttpResponse:
    answering = _answering(request, pk, edit=request.method == "POST")
    assessment = answering.assessment
    if assessment.is_submitted and answering.source.respondent is None:
        messages.info(request, "This assessment is submitted; its answers can no longer change.")
        return redirect("web:result", pk=pk)
    current = answering.page(page)
    data = request.POST if request.method == "POST" else None
    forms = [answering.form(key, data) for key in current.question_keys]
    if data is None:
        return render(request, "web/answer.html", _page_context(request, answering, current, forms))

    if not all(form.is_valid() for form in forms):
        context = _page_context(request, answering, current, forms)
        return render(request, "web/answer.html", context, status=400)
    sent = [(form, item) for form in forms if (item := form.to_input()) is not None]
    try:
        if sent:
            answering.source.save(
                [item for _, item in sent], request.user, request.POST.get("etag", "")
            )
    except ValidationError as error:
        _apply_service_errors(error, forms, [form for form, _ in sent])
        context = _page_context(request, answering, current, forms)
        return render(request, "web/answer.html", context, status=400)
    except services.StaleVersion:
        return _stale_page(request, answering, current, forms)
    except services.Conflict as conflict:
        messages.error(request, conflict.detail)
        if conflict.code == "submitted" and answering.source.respondent is None:
            return redirect("web:result", pk=pk)
        return redirect("web:answer", pk=pk, page=current.key)
    messages.success(request, f"Saved the answers of “{current.title}”.")
    _, after = pages.neighbours(answering.pages, current.key)
    if request.POST.get("go") == "next" and after is not None:
        return redirect("web:answer", pk=pk, page=after.key)
    if request.POST.get("go") == "next":
        return redirect(answering.source.finish, pk=pk)
    return redirect("web:answer", pk=pk, page=current.key)


def _stale_page(
    request: HttpRequest, answering: Answering, page: pages.Page, forms: list[AnswerForm]
) -> HttpResponse:
    """Someone saved since this page was rendered: show their answers next to the ones just
    entered (which stay in the form) and let the person decide; the new ETag makes the next
    save a deliberate one."""
    fresh = answering.fresh()
    newer = {}
    for form in forms:
        now = fresh.stored.get(form.question.key)
        entered = form.to_input() if form.is_valid() else None
        if now is not None and (
            entered is None
            or (list(entered.choices), entered.number, entered.not_applicable)
            != (now.choices, now.number, now.not_applicable)
        ):
            newer[form.question.key] = fresh.answer_text(now)
    context = _page_context(request, fresh, page, forms, newer, stale=True)
    return render(request, "web/answer.html", context, status=412)


def _status(
    request: HttpRequest,
    state: str,
    message: str,
    *,
    status: int = 200,
    key: str = "",
    etag: str | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {"state": state, "message": message, "key": key, "etag": etag, **(extra or {})}
    return render(request, "web/includes/save_status.html", context, status=status)


@require_POST
@signed_in
def autosave(request: HttpRequest, pk: int, page: str, question: str) -> HttpResponse:
    """Save one answer as it changes (htmx); the page keeps the input whatever happens."""
    try:
        answering = _answering(request, pk, edit=True)
    except PermissionDenied:
        return _status(request, "error", "Not saved: viewers cannot change answers.", status=403)
    current = answering.page(page)
    if question not in current.question_keys:
        raise Http404("No such question on this page.")
    form = answering.form(question, request.POST)
    if not form.is_valid():
        problems = [e for field in form for e in field.errors]
        return _status(
            request, "error", "Not saved: " + " ".join(problems), key=question, status=400
        )
    item = form.to_input()
    if item is None:
        return _status(request, "idle", "", key=question)
    try:
        etag, saved = answering.source.save([item], request.user, request.POST.get("etag", ""))
    except ValidationError as error:
        problems = [
            p.removeprefix(f"{question}: ") for ps in error.message_dict.values() for p in ps
        ]
        return _status(
            request, "error", "Not saved: " + " ".join(problems), key=question, status=400
        )
    except services.StaleVersion:
        fresh = answering.fresh()
        newer = fresh.answer_text(fresh.stored.get(question))
        return _status(
            request,
            "stale",
            f"Not saved: {answering.source.changed_elsewhere} after "
            f"this page was opened. The saved answer is now “{newer}”. Your input is still "
            "here: reload the page to see the newest answers, then enter yours again, or "
            "press “Save this page” to replace them with what this page shows.",
            key=question,
            status=412,
            extra={"stale_etag": True},
        )
    except services.Conflict as conflict:
        return _status(request, "error", "Not saved: " + conflict.detail, key=question, status=409)
    overall, per_page = answering.progress(saved)
    current_progress = next(p for p in per_page if p.page.key == page)
    return _status(
        request,
        "saved",
        f"Saved at {timezone.localtime():%H:%M:%S}.",
        key=question,
        etag=etag,
        extra={"progress": overall, "current": current_progress},
    )


# --- submitting ---------------------------------------------------------------------------


def _missing(answering: Answering, keys: list[str]) -> list[dict[str, Any]]:
    questions = answering.tree.question_by_key()
    return [
        {"key": key, "text": questions[key].text, "page": pages.page_of(answering.pages, key)}
        for key in keys
    ]


@require_http_methods(["GET", "POST"])
@signed_in
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.assessment(request, pk, edit=request.method == "POST", respondents=True)
    answering = Answering(found.assessment, found.can_edit)
    if answering.assessment.is_submitted:
        return redirect("web:result", pk=pk)
    if request.method == "GET" and found.responds and not found.reads_team:
        # Someone who only answers it does not submit: their page is what they still miss.
        return redirect("web:done", pk=pk)
    status = 200
    if request.method == "POST":
        try:
            services.assessment_submit(
                assessment=answering.assessment,
                user=request.user,
                expected_etag=request.POST.get("etag", ""),
            )
        except services.StaleVersion:
            messages.warning(
                request,
                "Not submitted: answers were changed elsewhere after this page was opened. "
                "Check the list below again, then submit.",
            )
            fresh = Assessment.objects.get(pk=pk)
            fresh.has_respondents = found.assessment.has_respondents  # type: ignore[attr-defined]
            answering = Answering(fresh, answering.can_edit)
            status = 412
        except services.Conflict as conflict:
            if conflict.code not in {"incomplete", "consensus_needed"}:
                messages.error(request, conflict.detail)
                return redirect("web:result", pk=pk)
            status = 409
        else:
            messages.success(request, "Submitted. This is the result.")
            return redirect("web:result", pk=pk)
    overall, per_page = answering.progress()
    from web import facilitate  # it builds on this module's views

    team = None
    if access.reads_team(request):  # respondents are not shown the others' disagreement
        team = facilitate.before_submit(answering.assessment, answering.tree, answering.stored)
    context = {
        "team": team,
        "assessment": answering.assessment,
        "can_edit": answering.can_edit,
        "progress": overall,
        "pages": per_page,
        "missing": _missing(answering, overall["missing_required"]),
        "etag": answering.assessment.etag,
        "refused": status == 409,
    }
    return render(request, "web/submit.html", context, status=status)


# --- results ------------------------------------------------------------------------------


def _submitted(request: HttpRequest, pk: int) -> access.Access:
    found = access.assessment(request, pk, result=True)
    if not found.assessment.is_submitted or getattr(found.assessment, "result", None) is None:
        raise Http404("This assessment has no result until it is submitted.")
    return found


def _others(request: HttpRequest, found: access.Access) -> list[Assessment]:
    """The organisation's other submitted results of the same questionnaire, newest first."""
    assessment = found.assessment
    return list(
        access.assessments(request.user)
        .filter(
            organisation_id=assessment.organisation_id,
            version__questionnaire_id=assessment.version.questionnaire_id,
            status=Assessment.Status.SUBMITTED,
        )
        .exclude(pk=assessment.pk)
        .order_by("-submitted_at", "-pk")
    )


@require_GET
@signed_in
def result(request: HttpRequest, pk: int) -> HttpResponse:
    found = _submitted(request, pk)
    context = report.ResultView(found.assessment).context(full=True)
    context |= {"can_edit": found.can_edit, "others": _others(request, found)}
    return render(request, "web/result.html", context)


def _points(value: Any) -> str:
    """A change in percentage points, signed, one decimal ("+3.5"), or an en dash."""
    return "\u2013" if value is None else f"{Decimal(str(value)).quantize(Decimal('0.1')):+}"


@require_GET
@signed_in
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    found = _submitted(request, pk)
    others = _others(request, found)
    chosen = request.GET.get("with", "")
    if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 18):
        context = {"assessment": found.assessment, "others": others, "bad": True}
        return render(request, "web/compare.html", context, status=400)
    other = next((a for a in others if str(a.pk) == chosen), None) if chosen else None
    if chosen and other is None:
        raise Http404("No such result to compare with.")
    if other is None:
        # By default the previous result of the same subject; else the newest of the same
        # subject (a later one); else the organisation's newest of any subject.
        previous = found.assessment.result.snapshot.get("previous_assessment")
        same = [a for a in others if a.unit_id == found.assessment.unit_id]
        other = next((a for a in others if a.pk == previous), (same or others or [None])[0])
    comparison = None
    if other is not None:
        other_result = Result.objects.select_related("assessment").get(assessment=other)
        comparison = selectors.compare(found.assessment.result, other_result)
        overall = comparison["overall"]
        comparison["rows"] = [
            {"title": "Overall", "first": overall["first"], "second": overall["second"]}
            | {"delta": overall["delta"]},
            *(row for row in comparison["nodes"] if row["kind"] == "section"),
        ]
        comparison["rows"] = [
            {
                "title": row["title"],
                "first": report.percent_text(row["first"]),
                "second": report.percent_text(row["second"]),
                "delta": _points(row["delta"]),
            }
            for row in comparison["rows"]
        ]
    context = {
        "assessment": found.assessment,
        "others": others,
        "other": other,
        "comparison": comparison,
    }
    return render(request, "web/compare.html", context)


@require_GET
@signed_in
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    found = _submitted(request, pk)
    body = report_pdf(report.render_report(found.assessment))
    response = HttpResponse(body, content_type="application/pdf")
    name = f"opsassess-{found.assessment.organisation.slug}-{found.assessment.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@signed_in
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.assessment(request, pk, edit=True)
    try:
        outcome = services.assessment_copy(assessment=found.assessment, user=request.user)
    except services.Conflict as conflict:
        messages.error(request, conflict.detail)
        return redirect("web:assessment", pk=pk)
    dropped = len(outcome.dropped)
    messages.success(
        request,
        "Started a re-assessment with the previous answers filled in"
        + (f"; {dropped} answer(s) no longer fit and were left out." if dropped else "."),
    )
    return redirect("web:assessment", pk=outcome.assessment.pk)
