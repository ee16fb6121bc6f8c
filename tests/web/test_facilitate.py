"""Facilitators run a team assessment in the browser: the respondents, their disagreement, the
team's answers, submitting and the result, with the refusals a person meets on the way."""

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail

from assessments import services
from assessments.models import Answer, Assessment, Respondent
from organisations.models import Invitation
from tests.web import facilitate_world as fw

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    return fw.build()


def text(response: Any) -> str:
    return response.content.decode()


def now(world: dict[str, Any]) -> dict[str, str]:
    """The draft's ETag as a page read now would send it."""
    return {"etag": Assessment.objects.get(pk=world["draft"].pk).etag}


def url(world: dict[str, Any], page: str) -> str:
    return f"/assessments/{world['draft'].pk}/{page}"


# --- the team ---------------------------------------------------------------------------------


def test_team_page_lists_respondents_with_their_progress_and_who_has_not_started(
    world: Any,
) -> None:
    draft = world["draft"]
    services.respondent_add(assessment=draft, added_by=world["users"]["owner"], username="editor")
    draft = services.assessment_update(
        assessment=Assessment.objects.get(pk=draft.pk),
        expected_etag="*",
        due_on=fw_day(14),
    )
    page = text(fw.client(world, "owner").get(url(world, "team/")))
    assert "3 respondents; 2 of the 3 questions are required" in page
    assert page.count("done: every required question answered") == 2
    assert "not started" in page and "<strong>Not started yet:</strong> editor." in page
    assert "To answer by <strong>" in page
    assert "Add a respondent" in page


def fw_day(days: int) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() + timedelta(days=days)


def test_viewer_reads_the_team_without_the_forms(world: Any) -> None:
    page = text(fw.client(world, "viewer").get(url(world, "team/")))
    assert "asked" in page and "bea" in page
    assert "Add a respondent" not in page and "Remove" not in page
    assert "Only owners and editors of Acme add and remove respondents." in page


def test_owner_adds_a_member_by_username(world: Any) -> None:
    client = fw.client(world, "owner")
    response = client.post(url(world, "team/"), {"username": "viewer"})
    assert response.status_code == 302 and response["Location"] == url(world, "team/")
    assert Respondent.objects.filter(assessment=world["draft"], user__username="viewer").exists()
    assert "viewer answers this assessment now." in text(client.get(url(world, "team/")))


def test_owner_invites_someone_by_email_and_the_mail_carries_the_link(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = fw.client(world, "owner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "team/"), {"email": "sam@example.com"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="sam@example.com")
    assert invitation.role == "respondent"
    assert Respondent.objects.filter(invitation=invitation, user=None).exists()
    assert len(mail.outbox) == 1 and "/invitations/accept/" in mail.outbox[0].body
    page = text(client.get(url(world, "team/")))
    assert "Invited sam@example.com" in page and "invited, not accepted yet" in page


def test_an_account_without_an_address_is_invited_and_the_link_shown_once(world: Any) -> None:
    User.objects.create_user("nomail")
    response = fw.client(world, "owner").post(url(world, "team/"), {"username": "nomail"})
    assert response.status_code == 201
    assert "no e-mail address" in text(response)
    assert "/invitations/accept/" in text(response)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "status", "field", "reason"),
    [
        ({}, 400, "Username", "Give the username of a member, or an e-mail address."),
        (
            {"username": "viewer", "email": "v@example.com"},
            400,
            "Or e-mail address",
            "Give a username or an e-mail address, not both.",
        ),
        ({"email": "not-an-address"}, 400, "Or e-mail address", "valid email address"),
        ({"username": "nobody-by-this-name"}, 400, "Username", "nobody-by-this-name"),
        ({"username": "asked"}, 409, "Username", "already answers this assessment"),
    ],
    ids=["nothing", "both", "bad-address", "unknown-user", "already"],
)
def test_adding_refuses_bad_input_naming_the_field_and_adds_nobody(
    world: Any, body: dict[str, str], status: int, field: str, reason: str
) -> None:
    before = Respondent.objects.count(), Invitation.objects.count()
    response = fw.client(world, "owner").post(url(world, "team/"), body)
    assert response.status_code == status
    page = text(response)
    assert "Nobody was added" in page
    summary = page[page.index('class="error-summary"') :]
    assert f"{field}: " in summary and reason in summary.replace("&#x27;", "'")
    assert (Respondent.objects.count(), Invitation.objects.count()) == before


def test_removing_asks_first_then_rederives_from_the_others(world: Any) -> None:
    draft = Assessment.objects.get(pk=world["draft"].pk)
    bea = world["respondents"][1]
    client = fw.client(world, "owner")
    confirm = client.get(url(world, f"team/{bea.uuid}/remove/"))
    assert confirm.status_code == 200
    assert "Remove bea?" in text(confirm) and "Their 3 answers go with them" in text(confirm)
    assert Respondent.objects.filter(pk=bea.pk).exists()  # asking changes nothing
    response = client.post(url(world, f"team/{bea.uuid}/remove/"))
    assert response.status_code == 302
    assert not Respondent.objects.filter(pk=bea.pk).exists()
    assert Assessment.objects.get(pk=draft.pk).revision > draft.revision
    assert "bea no longer answers this assessment." in text(client.get(url(world, "team/")))


def test_a_submitted_assessment_keeps_its_respondents(world: Any) -> None:
    draft, owner = world["draft"], world["users"]["owner"]
    fw.agree_on_everything(draft, owner)
    services.assessment_submit(assessment=draft, user=owner)
    client = fw.client(world, "owner")
    page = text(client.get(url(world, "team/")))
    assert "This assessment is submitted" in page and "Add a respondent" not in page
    response = client.post(url(world, "team/"), {"username": "viewer"})
    assert response.status_code == 302
    bea = world["respondents"][1]
    assert client.post(url(world, f"team/{bea.uuid}/remove/")).status_code == 302
    assert Respondent.objects.filter(assessment=draft).count() == 2


# --- disagreement -------------------------------------------------------------------------


def test_disagreement_names_the_widest_spread_first_with_counts_in_words(world: Any) -> None:
    page = text(fw.client(world, "owner").get(url(world, "disagreement/")))
    first = page.index("Talk about these first")
    every = page.index("Every question")
    top = page[first:every]
    # practice: Always vs Never, 100 points; coverage 80 vs 20, 60; tools 50.
    assert top.index("Do changes go through review?") < top.index("What share of the code")
    assert "spread 100 points, from 0% to 100%" in top
    assert "Never: <strong>1</strong>" in top and "Sometimes: <strong>0</strong>" in top
    assert "3 questions wait for a consensus." in page
    assert page.count("Record the team's answer") == 6
    assert "Spread in this section: 75 points on average, 100 at most." in page


def test_viewers_read_the_disagreement_without_links_to_change_it(world: Any) -> None:
    page = text(fw.client(world, "viewer").get(url(world, "disagreement/")))
    assert "Talk about these first" in page and "/consensus/" not in page


def test_disagreement_without_respondents_says_so(world: Any) -> None:
    draft = services.assessment_create(
        organisation=world["acme"], version=world["version"], user=world["users"]["owner"]
    )
    page = text(fw.client(world, "owner").get(f"/assessments/{draft.pk}/disagreement/"))
    assert "Nobody answers this assessment yet" in page


# --- consensus ----------------------------------------------------------------------------


def test_recording_a_consensus_stores_the_answer_and_the_note(world: Any) -> None:
    client = fw.client(world, "editor")
    form = client.get(url(world, "consensus/practice/"))
    assert 'name="q-practice-choices"' in text(form) and 'name="note"' in text(form)
    response = client.post(
        url(world, "consensus/practice/"),
        {"q-practice-choices": "partly", "note": "Reviews happen for big changes only."}
        | now(world),
    )
    assert response.status_code == 302 and response["Location"] == url(world, "disagreement/")
    stored = Answer.objects.get(assessment=world["draft"], question__key="practice")
    assert (stored.source, stored.choices, stored.consensus_note) == (
        "consensus",
        ["partly"],
        "Reviews happen for big changes only.",
    )
    page = text(client.get(url(world, "disagreement/")))
    assert 'Sometimes</span> <span class="source source-consensus">(agreed by the team' in page
    again = text(client.get(url(world, "consensus/practice/")))
    assert "Reviews happen for big changes only." in again and "Clear the agreed answer" in again


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"q-practice-choices": "partly"}, "Why the team agreed on this answer", "Say why"),
        ({"q-practice-choices": "nope", "note": "x"}, "Answer", "Select a valid choice"),
        ({"note": "We agree we have no idea."}, "Answer", "give choices, a number"),
        (
            {"q-practice-choices": "partly", "q-practice-evidence_url": "not a url", "note": "x"},
            "Evidence link",
            "Enter a valid URL",
        ),
    ],
    ids=["no-note", "unknown-choice", "no-answer", "bad-evidence"],
)
def test_a_bad_consensus_is_a_400_naming_the_field_and_saves_nothing(
    world: Any, body: dict[str, str], field: str, reason: str
) -> None:
    draft = Assessment.objects.get(pk=world["draft"].pk)
    response = fw.client(world, "owner").post(url(world, "consensus/practice/"), body | now(world))
    assert response.status_code == 400
    page = text(response)
    summary = page[page.index('class="error-summary"') :]
    assert f"{field}: " in summary and reason in summary
    assert not Answer.objects.filter(assessment=draft, question__key="practice").exists()
    assert Assessment.objects.get(pk=draft.pk).revision == draft.revision


def test_a_number_consensus_is_checked_by_the_service_range(world: Any) -> None:
    response = fw.client(world, "owner").post(
        url(world, "consensus/coverage/"), {"q-coverage-number": "140", "note": "x"} | now(world)
    )
    assert response.status_code == 400
    assert "Answer (%)" in text(response) or "Answer" in text(response)
    assert not Answer.objects.filter(question__key="coverage").exists()


def test_clearing_a_consensus_derives_again(world: Any) -> None:
    fw.agree_on_everything(world["draft"], world["users"]["owner"])
    client = fw.client(world, "owner")
    response = client.post(url(world, "consensus/practice/clear/"), now(world))
    assert response.status_code == 302
    # The facilitator rule derives nothing: the question waits for the team again.
    assert not Answer.objects.filter(question__key="practice").exists()
    assert "1 question waits for a consensus." in text(client.get(url(world, "disagreement/")))
    assert client.post(url(world, "consensus/practice/clear/"), now(world)).status_code == 404


def test_a_consensus_from_an_out_of_date_page_replaces_nothing_and_shows_what_is_there(
    world: Any,
) -> None:
    editor, owner = fw.client(world, "editor"), fw.client(world, "owner")
    form = text(editor.get(url(world, "consensus/practice/")))
    read = re.search(r'name="etag" value="([^"]+)"', form)
    assert read is not None and html.unescape(read.group(1)) == now(world)["etag"]
    first = {"q-practice-choices": "fully", "note": "The owner's call."} | now(world)
    assert owner.post(url(world, "consensus/practice/"), first).status_code == 302

    late = {"q-practice-choices": "absent", "note": "The editor's call."}
    response = editor.post(
        url(world, "consensus/practice/"), late | {"etag": html.unescape(read.group(1))}
    )

    assert response.status_code == 412
    page = text(response)
    assert "The assessment changed after this page was opened" in page
    assert "The owner&#x27;s call." in page  # what is recorded now
    assert "The editor&#x27;s call." in page  # what was entered stays in the form
    stored = Answer.objects.get(assessment=world["draft"], question__key="practice")
    assert (stored.choices, stored.consensus_note) == (["fully"], "The owner's call.")
    # The page now carries the current ETag: recording again is a deliberate replacement.
    fresh = re.search(r'name="etag" value="([^"]+)"', page)
    assert fresh is not None and html.unescape(fresh.group(1)) == now(world)["etag"]
    again = late | {"etag": html.unescape(fresh.group(1))}
    assert editor.post(url(world, "consensus/practice/"), again).status_code == 302
    stored.refresh_from_db()
    assert stored.choices == ["absent"]


def test_clearing_from_an_out_of_date_page_clears_nothing(world: Any) -> None:
    fw.agree_on_everything(world["draft"], world["users"]["owner"])
    client = fw.client(world, "owner")
    read = now(world)
    fw.client(world, "editor").post(
        url(world, "consensus/practice/"),
        {"q-practice-choices": "absent", "note": "Changed our minds."} | now(world),
    )

    response = client.post(url(world, "consensus/practice/clear/"), read)

    assert response.status_code == 302
    assert response["Location"] == url(world, "consensus/practice/")
    assert "Not cleared: the assessment changed" in text(client.get(response["Location"]))
    stored = Answer.objects.get(assessment=world["draft"], question__key="practice")
    assert (stored.source, stored.choices) == ("consensus", ["absent"])


def test_under_the_mean_rule_clearing_brings_the_derived_answer_back(db: None) -> None:
    Assessment.objects.all().delete()
    world = fw.build("mean")
    client = fw.client(world, "owner")
    page = text(client.get(url(world, "disagreement/")))
    assert "derived from the respondents&#x27; answers" in page
    agreed = {"q-practice-choices": "fully", "note": "y"}
    assert client.post(url(world, "consensus/practice/"), agreed | now(world)).status_code == 302
    assert client.post(url(world, "consensus/practice/clear/"), now(world)).status_code == 302
    stored = Answer.objects.get(question__key="practice")
    assert stored.source == "derived" and stored.score == Decimal("0.5000")


def test_the_consensus_form_of_a_submitted_or_empty_assessment_leads_elsewhere(
    world: Any,
) -> None:
    owner = world["users"]["owner"]
    empty = services.assessment_create(
        organisation=world["acme"], version=world["version"], user=owner
    )
    client = fw.client(world, "owner")
    response = client.get(f"/assessments/{empty.pk}/consensus/practice/")
    assert response.status_code == 302 and response["Location"] == f"/assessments/{empty.pk}/team/"
    fw.agree_on_everything(world["draft"], owner)
    services.assessment_submit(assessment=world["draft"], user=owner)
    response = client.post(url(world, "consensus/practice/"), {"q-practice-choices": "absent"})
    assert response.status_code == 302 and response["Location"] == url(world, "result/")
    assert Answer.objects.get(question__key="practice").choices == ["partly"]


# --- submit and the result ----------------------------------------------------------------


def test_submit_lists_what_needs_the_teams_answer_and_refuses_until_agreed(world: Any) -> None:
    client = fw.client(world, "owner")
    page = text(client.get(url(world, "submit/")))
    assert "3 questions still need the team's answer" in page
    assert f'href="{url(world, "consensus/practice/")}"' in page
    etag = Assessment.objects.get(pk=world["draft"].pk).etag
    refused = client.post(url(world, "submit/"), {"etag": etag})
    assert refused.status_code == 409
    assert "Not submitted: 3 questions still need" in text(refused)
    assert not Assessment.objects.get(pk=world["draft"].pk).is_submitted


def test_after_agreeing_submit_goes_through_and_the_result_keeps_the_disagreement(
    world: Any,
) -> None:
    fw.agree_on_everything(world["draft"], world["users"]["owner"])
    client = fw.client(world, "owner")
    draft = Assessment.objects.get(pk=world["draft"].pk)
    page = text(client.get(url(world, "submit/")))
    assert "Nothing is left for the team to decide" in page
    response = client.post(url(world, "submit/"), {"etag": draft.etag})
    assert response.status_code == 302 and response["Location"] == url(world, "result/")
    result = text(client.get(url(world, "result/")))
    assert "Where the respondents disagreed" in result
    assert "2 respondents answered" in result
    assert "We talked practice through." in result
    report = text(client.get(f"/api/v1/assessments/{draft.pk}/report/"))
    assert "Where the respondents disagree" in report and "We talked practice through." in report


def test_someone_who_only_answers_is_sent_from_submit_to_what_they_still_miss(
    world: Any,
) -> None:
    client = fw.client(world, "asked")
    response = client.get(url(world, "submit/"))
    assert response.status_code == 302 and response["Location"] == url(world, "done/")
    page = text(client.get(response["Location"]))
    assert "still need the team" not in page and "spread" not in page
    assert "/team/" not in page


def test_the_answer_page_links_the_team_to_its_pages(world: Any) -> None:
    page = text(fw.client(world, "viewer").get(url(world, "answer/delivery/")))
    assert f'href="{url(world, "team/")}"' in page
    assert f'href="{url(world, "disagreement/")}"' in page


def test_a_result_without_respondents_shows_no_disagreement(world: Any) -> None:
    owner = world["users"]["owner"]
    alone = services.assessment_create(
        organisation=world["acme"], version=world["version"], user=owner
    )
    services.assessment_save_answers(assessment=alone, answers=fw.answers(fw.VIEWS[0]), user=owner)
    services.assessment_submit(assessment=alone, user=owner)
    page = text(fw.client(world, "owner").get(f"/assessments/{alone.pk}/result/"))
    assert "Level" in page or "overall" in page
    assert "Where the respondents disagreed" not in page
