"""The web pages as a member uses them: what they show, what they store, what they refuse."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils.html import escape

from assessments import selectors, services
from assessments.models import Answer, Assessment
from organisations.models import Membership, Organisation, Unit
from tests.assessments.conftest import MODELS_DIR, import_file
from tests.web.conftest import PASSWORD, answer_sample, signed_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LABELS = {
    "shared-rota": "Developers and operations staff plan together, but deployment and on-call "
    "remain with operations"
}


def page_url(assessment: Assessment, page: str) -> str:
    return f"/assessments/{assessment.pk}/answer/{page}/"


def stored(assessment: Assessment) -> dict[str, Answer]:
    return {a.question.key: a for a in Answer.objects.filter(assessment=assessment)}


def etag_of(assessment: Assessment) -> str:
    return Assessment.objects.get(pk=assessment.pk).etag


# --- home ---------------------------------------------------------------------------------


def test_home_lists_my_organisations_assessments_with_progress_and_level(world: Any) -> None:
    services.assessment_save_answers(
        assessment=world["draft"],
        answers=[
            services.AnswerInput(
                "plan-shared-slos", number=Decimal(40), fields=frozenset({"number"})
            )
        ],
        user=world["users"]["owner"],
    )
    body = signed_in(world, "viewer").get("/").content.decode()
    assert "Acme" in body and "your role: viewer" in body
    assert "Next review" in body and "1 of 22 answered" in body
    assert "(20 required still open)" in body  # 21 required, 1 answered
    level = world["submitted"].result.level_name
    assert f"{level}, {world['submitted'].result.overall_percent:.1f}%" in body
    # Viewers may not start assessments: no form.
    assert "Start an assessment" not in body


def test_home_never_shows_other_organisations(world: Any) -> None:
    body = signed_in(world, "outsider").get("/").content.decode()
    assert "Globex" in body
    assert "Acme" not in body and "Next review" not in body


def test_anonymous_visitors_are_sent_to_sign_in(world: Any) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_an_editor_starts_a_draft_from_the_home_page(world: Any) -> None:
    client = signed_in(world, "editor")
    assert "Start an assessment" in client.get("/").content.decode()
    response = client.post(
        "/assessments/new/",
        {"organisation": "acme", "questionnaire": "devops-maturity", "title": "Q1"},
    )
    created = Assessment.objects.get(title="Q1")
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{created.pk}/"
    assert created.organisation.slug == "acme" and created.created_by.username == "editor"


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_starting_in_an_organisation_you_cannot_edit_is_refused(world: Any, role: str) -> None:
    before = Assessment.objects.count()
    response = signed_in(world, role).post(
        "/assessments/new/", {"organisation": "acme", "questionnaire": "devops-maturity"}
    )
    assert response.status_code == 400
    assert "Organisation: Select a valid choice" in response.content.decode()
    assert Assessment.objects.count() == before


def test_an_editor_starts_an_assessment_of_a_unit_with_its_targets(world: Any) -> None:
    payments = Unit.objects.create(
        organisation=world["acme"],
        slug="payments",
        name="Payments team",
        targets={"devops-maturity": {"sections": {"plan": 80}}},
    )
    client = signed_in(world, "editor")
    home = client.get("/").content.decode()
    assert '<option value="acme/payments">Payments team (team)</option>' in home
    assert "The whole organisation" in home
    response = client.post(
        "/assessments/new/",
        {"organisation": "acme", "unit": "acme/payments", "questionnaire": "devops-maturity"},
    )
    created = Assessment.objects.get(unit=payments)
    assert response["Location"] == f"/assessments/{created.pk}/"
    assert created.targets == {"sections": {"plan": 80}}
    viewer = signed_in(world, "viewer")
    row = viewer.get("/").content.decode()
    assert "<td>Payments team</td>" in row and "<td>Whole organisation</td>" in row
    page = viewer.get(f"/assessments/{created.pk}/answer/plan/").content.decode()
    assert '<p class="eyebrow">Acme · Payments team · DevOps maturity' in page


def test_a_unit_of_another_organisation_cannot_be_assessed(world: Any) -> None:
    globex = Organisation.objects.get(slug="globex")
    Unit.objects.create(organisation=globex, slug="core", name="Core")
    Membership.objects.create(
        organisation=globex, user=world["users"]["editor"], role=Membership.Role.EDITOR
    )
    before = Assessment.objects.count()
    response = signed_in(world, "editor").post(
        "/assessments/new/",
        {"organisation": "acme", "unit": "globex/core", "questionnaire": "devops-maturity"},
    )
    assert response.status_code == 400
    assert "Core belongs to Globex, not to Acme." in response.content.decode()
    response = signed_in(world, "outsider").post(
        "/assessments/new/",
        {"organisation": "globex", "unit": "acme/nope", "questionnaire": "devops-maturity"},
    )
    assert response.status_code == 400
    assert "Unit assessed: Select a valid choice. acme/nope is not one of the available" in (
        response.content.decode()
    )
    assert Assessment.objects.count() == before


# --- answering ----------------------------------------------------------------------------


def test_a_draft_opens_on_its_first_page_and_a_result_on_the_result(world: Any) -> None:
    client = signed_in(world, "owner")
    draft, done = world["draft"], world["submitted"]
    assert client.get(f"/assessments/{draft.pk}/")["Location"] == page_url(draft, "plan")
    assert client.get(f"/assessments/{done.pk}/")["Location"] == f"/assessments/{done.pk}/result/"


def test_every_question_type_is_a_labelled_control(world: Any) -> None:
    client = signed_in(world, "owner")
    build = client.get(page_url(world["draft"], "build")).content.decode()
    # Multiple choice: checkboxes, with "none of these" as the last option.
    assert build.count('type="checkbox" name="q-build-version-control-choices"') == 5
    assert 'value="none"' in build and "None of these is under version control" in build
    assert "Choose all that apply." in build
    # Single choice: radios sharing one name; the help text describes the question.
    assert build.count('type="radio" name="q-build-branch-lifetime-choices"') == 5
    assert 'aria-describedby="q-build-branch-lifetime-help"' in build
    ci = client.get(page_url(world["draft"], "ci-cd")).content.decode()
    # Numbers: a text box for decimals, labelled with the unit, with the accepted range.
    assert 'name="q-cd-lead-time-number"' in ci and 'inputmode="decimal"' in ci
    assert '<label for="id_q-cd-lead-time-number">Answer (hours)</label>' in ci
    assert "A number from 0 to 100 %." in ci  # cd-change-failure-rate, a percentage
    assert "(optional)</span></legend>" in ci  # cd-change-failure-rate is not required
    assert 'name="q-cd-staging-promotion-choices" value="yes"' in ci  # yes/no as radios
    monitor = client.get(page_url(world["draft"], "monitor")).content.decode()
    assert 'name="q-mon-request-tracing-not_applicable"' in monitor
    assert "Not applicable to us" in monitor
    # Every question has a comment and an evidence link, each with its label.
    assert '<label for="id_q-mon-alert-quality-comment">Comment</label>' in monitor
    assert '<label for="id_q-mon-alert-quality-evidence_url">Evidence link</label>' in monitor


def test_saving_a_page_stores_its_answers_and_moves_on(world: Any) -> None:
    client = signed_in(world, "editor")
    draft = world["draft"]
    response = client.post(
        page_url(draft, "ci-cd"),
        {
            "etag": etag_of(draft),
            "go": "next",
            "q-ci-build-automation-choices": "fast-and-green",
            "q-ci-test-confidence-number": "4",
            "q-cd-lead-time-number": "36.5",
            "q-cd-staging-promotion-choices": "yes",
            "q-cd-staging-promotion-comment": "Every release",
            "q-cd-staging-promotion-evidence_url": "https://ci.example.com/runs",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(draft, "monitor")
    answers = stored(draft)
    assert sorted(answers) == [
        "cd-lead-time",
        "cd-staging-promotion",
        "ci-build-automation",
        "ci-test-confidence",
    ]  # the two left blank are not stored as empty rows
    assert answers["ci-build-automation"].choices == ["fast-and-green"]
    assert answers["cd-lead-time"].number == Decimal("36.5")
    assert answers["cd-staging-promotion"].comment == "Every release"
    assert answers["cd-staging-promotion"].evidence_url == "https://ci.example.com/runs"
    assert answers["cd-staging-promotion"].answered_by.username == "editor"
    # The page shows what is stored, and the count per page.
    page = client.get(page_url(draft, "ci-cd")).content.decode()
    assert 'value="36.5"' in page and "4 of 6" in page


def test_none_of_these_and_not_applicable_are_stored(world: Any) -> None:
    client = signed_in(world, "owner")
    draft = world["draft"]
    client.post(
        page_url(draft, "build"),
        {"etag": etag_of(draft), "q-build-version-control-choices": ["none"]},
    )
    client.post(
        page_url(draft, "monitor"),
        {"etag": etag_of(draft), "q-mon-request-tracing-not_applicable": "on"},
    )
    answers = stored(draft)
    assert answers["build-version-control"].choices == ["none"]
    assert answers["mon-request-tracing"].not_applicable is True


@pytest.mark.parametrize(
    ("page", "data", "message"),
    [
        (
            "build",
            {"q-build-version-control-choices": ["none", "application-code"]},
            "&#x27;none&#x27; (none of these) cannot be combined with other choices",
        ),
        ("ci-cd", {"q-cd-change-failure-rate-number": "140"}, "above the maximum 100"),
        ("ci-cd", {"q-cd-lead-time-number": "1_000"}, "Enter a number in digits"),
        ("ci-cd", {"q-cd-lead-time-number": "\u0661\u0662"}, "Enter a number in digits"),
        (
            "ci-cd",
            {"q-cd-lead-time-comment": "x", "q-cd-lead-time-evidence_url": "not a url"},
            "Enter a valid URL",
        ),
        (
            "monitor",
            {"q-mon-request-tracing-choices": "yes", "q-mon-request-tracing-not_applicable": "on"},
            "a &#x27;not applicable&#x27; answer carries no choices",
        ),
    ],
)
def test_a_bad_answer_saves_nothing_and_is_named_in_an_error_summary(
    world: Any, page: str, data: dict[str, Any], message: str
) -> None:
    client = signed_in(world, "owner")
    draft = world["draft"]
    valid = {"ci-cd": {"q-ci-build-automation-choices": "fast-and-green"}}.get(page, {})
    good = {"q-plan-backlog-traceability-choices": "ad-hoc-list"}
    response = client.post(page_url(draft, page), {"etag": etag_of(draft), **good, **valid, **data})
    body = response.content.decode()
    assert response.status_code == 400, body
    assert "There is a problem: nothing on this page was saved" in body
    assert message in body, body[body.find("error-summary") :][:1500]
    assert 'class="error-summary" role="alert"' in body
    assert stored(draft) == {}
    assert etag_of(draft) == draft.etag


def test_a_page_saved_from_an_out_of_date_copy_overwrites_nothing_and_keeps_the_input(
    world: Any,
) -> None:
    draft = world["draft"]
    opened_with = etag_of(draft)
    # Meanwhile, in another tab, the owner answers the same question.
    services.assessment_save_answers(
        assessment=draft,
        answers=[
            services.AnswerInput(
                "plan-team-ownership", choices=("shared-rota",), fields=frozenset({"choices"})
            )
        ],
        user=world["users"]["owner"],
    )
    client = signed_in(world, "editor")
    response = client.post(
        page_url(draft, "plan"),
        {"etag": opened_with, "q-plan-team-ownership-choices": "you-build-it"},
    )
    body = response.content.decode()
    assert response.status_code == 412
    assert "Not saved: answers changed elsewhere" in body
    assert body.count("Saved elsewhere meanwhile:") == 1
    assert "Saved elsewhere meanwhile: <strong>" + LABELS["shared-rota"] in body
    # The input is still on the page, checked; the stored answer is untouched.
    assert 'value="you-build-it" id="id_q-plan-team-ownership-choices_4" checked' in body
    assert stored(draft)["plan-team-ownership"].choices == ["shared-rota"]
    # The page now carries the current ETag: saving again is a deliberate overwrite.
    assert f'name="etag" id="etag" value="{escape(etag_of(draft))}"' in body
    again = client.post(
        page_url(draft, "plan"),
        {"etag": etag_of(draft), "q-plan-team-ownership-choices": "you-build-it"},
    )
    assert again.status_code == 302
    assert stored(draft)["plan-team-ownership"].choices == ["you-build-it"]


def test_a_page_without_its_etag_is_refused_as_stale(world: Any) -> None:
    draft = world["draft"]
    response = signed_in(world, "owner").post(
        page_url(draft, "plan"), {"q-plan-team-ownership-choices": "you-build-it"}
    )
    assert response.status_code == 412
    assert stored(draft) == {}


def test_autosave_stores_one_answer_and_hands_back_the_new_etag(world: Any) -> None:
    draft = world["draft"]
    client = signed_in(world, "owner")
    before = etag_of(draft)
    response = client.post(
        f"/assessments/{draft.pk}/answer/plan/plan-shared-slos/",
        {"etag": before, "q-plan-shared-slos-number": "60", "q-plan-team-ownership-choices": "x"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Saved at" in body
    after = etag_of(draft)
    assert after != before
    assert f'id="etag" value="{escape(after)}" hx-swap-oob="true"' in body
    assert '<span id="overall-progress" hx-swap-oob="true">1 of 22 questions answered' in body
    # Only the question named in the URL is saved, whatever else the form sends.
    assert {key: a.number for key, a in stored(draft).items()} == {"plan-shared-slos": 60}


def test_a_stale_autosave_overwrites_nothing_and_says_so(world: Any) -> None:
    draft = world["draft"]
    client = signed_in(world, "owner")
    page_etag = etag_of(draft)
    url = f"/assessments/{draft.pk}/answer/plan/plan-shared-slos/"
    client.post(url, {"etag": page_etag, "q-plan-shared-slos-number": "60"}, **HTMX)
    # A second tab still holds the first ETag.
    response = client.post(url, {"etag": page_etag, "q-plan-shared-slos-number": "10"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 412
    assert "Not saved: this assessment was changed elsewhere" in body
    assert "The saved answer is now “60 %”" in body
    assert "hx-swap-oob" not in body  # the tab keeps its (stale) ETag: no silent overwrite
    assert stored(draft)["plan-shared-slos"].number == 60


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"q-plan-shared-slos-number": "101"}, 400, "number 101 is above the maximum 100"),
        ({"q-plan-shared-slos-number": "lots"}, 400, "Enter a number in digits"),
        ({}, 200, ""),
    ],
)
def test_autosave_refusals_name_the_reason(
    world: Any, data: dict[str, str], status: int, message: str
) -> None:
    draft = world["draft"]
    response = signed_in(world, "owner").post(
        f"/assessments/{draft.pk}/answer/plan/plan-shared-slos/",
        {"etag": etag_of(draft), **data},
        **HTMX,
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert stored(draft) == {}


def test_autosave_after_signing_out_keeps_the_page_and_says_why(world: Any) -> None:
    draft = world["draft"]
    response = Client().post(
        f"/assessments/{draft.pk}/answer/plan/plan-shared-slos/",
        {"q-plan-shared-slos-number": "50"},
        **HTMX,
    )
    assert response.status_code == 401
    assert "you are signed out" in response.content.decode()


def test_a_question_from_another_page_is_not_found(world: Any) -> None:
    draft = world["draft"]
    response = signed_in(world, "owner").post(
        f"/assessments/{draft.pk}/answer/plan/cd-lead-time/",
        {"etag": etag_of(draft), "q-cd-lead-time-number": "5"},
        **HTMX,
    )
    assert response.status_code == 404
    assert signed_in(world, "owner").get(page_url(draft, "nowhere")).status_code == 404


def test_viewers_read_the_pages_without_controls_to_save(world: Any) -> None:
    body = signed_in(world, "viewer").get(page_url(world["draft"], "plan")).content.decode()
    assert "You can read this assessment" in body
    assert "hx-post" not in body and "Save this page" not in body
    assert '<fieldset disabled class="read-only">' in body


def test_pages_are_never_kept_by_caches(world: Any) -> None:
    response = signed_in(world, "owner").get(page_url(world["draft"], "plan"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_make_run_says_where_to_sign_in() -> None:
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    recipe = makefile.split("\nrun: seed\n", 1)[1].split("\n\n", 1)[0]
    assert "/accounts/login/ as 'admin'" in recipe


# --- submitting ---------------------------------------------------------------------------


def test_submit_lists_what_is_missing_with_links_to_each_question(world: Any) -> None:
    draft = world["draft"]
    client = signed_in(world, "owner")
    body = client.get(f"/assessments/{draft.pk}/submit/").content.decode()
    assert "21 required questions still to answer" in body
    assert f'href="/assessments/{draft.pk}/answer/ci-cd/#q-cd-lead-time"' in body
    response = client.post(f"/assessments/{draft.pk}/submit/", {"etag": etag_of(draft)})
    assert response.status_code == 409
    assert "Not submitted: 21 required questions still to answer" in response.content.decode()
    assert not Assessment.objects.get(pk=draft.pk).is_submitted


def test_submitting_a_complete_draft_shows_its_result(world: Any) -> None:
    draft = world["draft"]
    answer_sample(draft, world["users"]["owner"])
    client = signed_in(world, "editor")
    assert (
        "Every required question is answered"
        in client.get(f"/assessments/{draft.pk}/submit/").content.decode()
    )
    response = client.post(f"/assessments/{draft.pk}/submit/", {"etag": etag_of(draft)})
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{draft.pk}/result/"
    done = Assessment.objects.get(pk=draft.pk)
    assert done.is_submitted and done.submitted_by.username == "editor"
    # Its pages now lead to the result; saves are refused with the reason.
    assert client.get(page_url(draft, "plan"))["Location"] == f"/assessments/{draft.pk}/result/"
    refused = client.post(
        f"/assessments/{draft.pk}/answer/plan/plan-shared-slos/",
        {"etag": done.etag, "q-plan-shared-slos-number": "5"},
        **HTMX,
    )
    assert refused.status_code == 409 and "has been submitted" in refused.content.decode()


def test_submitting_from_an_out_of_date_review_is_refused(world: Any) -> None:
    draft = world["draft"]
    answer_sample(draft, world["users"]["owner"])
    seen = etag_of(draft)
    services.assessment_save_answers(
        assessment=draft,
        answers=[
            services.AnswerInput(
                "plan-shared-slos", number=Decimal(90), fields=frozenset({"number"})
            )
        ],
        user=world["users"]["owner"],
    )
    response = signed_in(world, "owner").post(f"/assessments/{draft.pk}/submit/", {"etag": seen})
    assert response.status_code == 412
    assert "Not submitted: answers were changed elsewhere" in response.content.decode()
    assert not Assessment.objects.get(pk=draft.pk).is_submitted


# --- results ------------------------------------------------------------------------------


def test_the_result_page_shows_score_level_charts_and_recommendations(world: Any) -> None:
    done = world["submitted"]
    body = signed_in(world, "viewer").get(f"/assessments/{done.pk}/result/").content.decode()
    result = done.result
    assert f'<p class="level-name">{result.level_name}</p>' in body
    assert f"{result.overall_percent:.1f}%" in body
    assert body.count("<svg") >= 3  # radar, heatmap, history
    first = result.snapshot["recommendations"][0]
    assert first["name"] in body
    assert "<h2>Roadmap</h2>" in body
    assert result.snapshot["roadmap"]["stages"]
    assert '<table class="roadmap">' in body
    assert "Download the report (PDF)" in body
    assert "Start a re-assessment" not in body  # viewers do not copy


def test_a_draft_has_no_result_page(world: Any) -> None:
    draft = world["draft"]
    client = signed_in(world, "owner")
    assert client.get(f"/assessments/{draft.pk}/result/").status_code == 404
    assert client.get(f"/assessments/{draft.pk}/report.pdf").status_code == 404


def test_a_missing_page_says_so_in_the_site_s_own_page(world: Any) -> None:
    client = signed_in(world, "owner")

    missing = client.get("/assessments/999999/result/")
    nowhere = client.get("/no-such-page/")

    assert missing.status_code == nowhere.status_code == 404
    missing_html, nowhere_html = missing.content.decode(), nowhere.content.decode()
    assert "<h1>Not found</h1>" in missing_html and "<h1>Not found</h1>" in nowhere_html
    assert "No such assessment." in missing_html
    assert "Resolver404" not in nowhere_html
    assert 'href="/"' in nowhere_html  # the way back home
    # The API keeps answering JSON.
    assert client.get("/api/v1/no-such-endpoint/").json()["errors"][0]["code"] == "not_found"


def test_a_server_error_page_stands_alone_and_promises_nothing_it_cannot() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")  # rendered without a request, as Django does

    assert "Something went wrong on our side" in html
    assert 'href="/"' in html


def test_the_report_downloads_as_a_pdf(world: Any) -> None:
    done = world["submitted"]
    response = signed_in(world, "viewer").get(f"/assessments/{done.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="opsassess-acme-{done.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 10_000


@pytest.fixture
def rubric_pair(world: Any) -> tuple[Any, Any]:
    """Two rubric results of Acme: "partly" everywhere (each area 1.5 of 3: 50%), then
    "fully" everywhere (100%)."""
    from tests.assessments.conftest import answer_all

    version = import_file(MODELS_DIR / "rubric.yaml")
    owner = world["users"]["owner"]
    results = []
    for choice in ("partly", "fully"):
        assessment = services.assessment_create(
            organisation=world["acme"], version=version, user=owner, title=f"Rubric {choice}"
        )
        answer_all(assessment, owner, choice)
        results.append(services.assessment_submit(assessment=assessment, user=owner))
    return results[0], results[1]


def test_compare_shows_the_change_per_section_in_points(world: Any, rubric_pair: Any) -> None:
    earlier, later = rubric_pair
    client = signed_in(world, "viewer")
    body = client.get(f"/assessments/{later.pk}/compare/").content.decode()
    # Defaults to the previous result; the later minus the earlier, by hand: 100 - 50.
    assert f'<option value="{earlier.pk}" selected>' in body
    assert (
        '<th scope="row">Test automation</th><td class="num">50.0%</td>'
        '<td class="num">100.0%</td><td class="num">+50.0</td>'
    ) in body
    assert '<th scope="row">Overall</th>' in body
    # The same figures whichever of the two the page starts from.
    other = client.get(f"/assessments/{earlier.pk}/compare/?with={later.pk}").content.decode()
    assert (
        '<td class="num">50.0%</td><td class="num">100.0%</td><td class="num">+50.0</td>' in other
    )


@pytest.mark.parametrize(("value", "status"), [("abc", 400), ("99999999", 404), ("\u0661", 400)])
def test_compare_with_something_that_is_not_a_result_of_the_same_kind(
    world: Any, rubric_pair: Any, value: str, status: int
) -> None:
    _, later = rubric_pair
    client = signed_in(world, "owner")
    assert client.get(f"/assessments/{later.pk}/compare/?with={value}").status_code == status
    # A DevOps result is not among the rubric's to compare with.
    devops = world["submitted"].pk
    assert client.get(f"/assessments/{later.pk}/compare/?with={devops}").status_code == 404


def test_an_editor_starts_a_reassessment_from_a_result(world: Any) -> None:
    done = world["submitted"]
    response = signed_in(world, "editor").post(f"/assessments/{done.pk}/copy/")
    copy = Assessment.objects.get(copied_from=done)
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{copy.pk}/"
    assert len(selectors.answers_by_key(copy)) == 22


# --- signing in and out -------------------------------------------------------------------


def test_signing_in_and_out_with_the_form(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/?next=/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "owner", "password": PASSWORD, "next": "/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    # Without the CSRF token, signing out is refused.
    assert client.post("/accounts/logout/").status_code == 403
    token = client.cookies["csrftoken"].value
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_reported_in_an_error_summary(world: Any) -> None:
    response = Client().post("/accounts/login/", {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error-summary" role="alert"' in body
    assert "Please enter a correct username and password" in body


def test_repeated_failed_sign_ins_lock_the_form_as_they_lock_the_api(
    world: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "owner", "password": "nope"})
    locked = client.post("/accounts/login/", {"username": "owner", "password": "nope"})
    assert locked.status_code == 429
    assert "Signing in is paused" in locked.content.decode()
    assert int(locked["Retry-After"]) > 0
    right = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # The API's token endpoint refuses the same username from the same address.
    api = client.post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429


def test_a_forgotten_password_is_reset_through_the_mailed_link(world: Any) -> None:
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": "viewer@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["viewer@example.com"] and message.subject == "Your opsassess password"
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-long-pass-9", "new_password2": "another-long-pass-9"},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert User.objects.get(username="viewer").check_password("another-long-pass-9")
    # The link works once.
    assert "has been used already" in client.get(path, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(world: Any) -> None:
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []
