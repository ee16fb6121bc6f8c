"""The scores feed delivers in commit order: no change is skipped, renames are re-sent,
exports hold each row once and cursors cannot be forged (issue 12)."""

import base64
import csv
import io
import json
import random
import threading
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from assessments import feed, services
from assessments.models import (
    Assessment,
    FeedChange,
    Questionnaire,
)
from assessments.throttling import APIKeyRateThrottle
from organisations import services as organisation_services
from organisations.models import Organisation
from tests.assessments.conftest import answer_all, client_for, patch_assessment
from tests.feed_settling import settle

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


def submit(organisation: Organisation, user: User, version: Any, title: str) -> Assessment:
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )
    answer_all(assessment, user)
    return services.assessment_submit(assessment=assessment, user=user)


def sync(api: APIClient, cursor: str | None, size: int = 2) -> tuple[list[dict[str, Any]], Any]:
    """One sync run as the guide writes it: follow `next`, return the rows and the cursor."""
    url: str | None = f"/api/v1/scores/?page_size={size}" + (f"&cursor={cursor}" if cursor else "")
    got: list[dict[str, Any]] = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        got += body["results"]
        cursor, url = body["next_cursor"], body["next"]
    return got, cursor


def streamed_table(chunks: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_a_later_one_was_synced_still_arrives(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    a = submit(organisation, owner, rubric, "a")
    b = submit(organisation, owner, rubric, "b")
    api = client_for(owner)
    settle()
    _, cursor = sync(api, None)
    started, release = threading.Event(), threading.Event()

    def slow_retitle() -> None:
        try:
            with transaction.atomic():
                row = Assessment.objects.select_for_update().get(pk=a.pk)
                row.title = "a, late"
                row.save()
                started.set()
                assert release.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_retitle)
    writer.start()
    assert started.wait(30)
    patch_assessment(api, b.pk, {"title": "b, quick"})  # commits while A's change is open
    held, cursor = sync(api, cursor)
    assert held == []  # B waits behind the older, still open transaction
    release.set()
    writer.join(30)
    settle()
    late, cursor = sync(api, cursor)
    assert [(row["assessment"], row["title"]) for row in late] == [
        (str(a.uuid), "a, late"),
        (str(b.uuid), "b, quick"),
    ]
    assert sync(api, cursor)[0] == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_writers_racing_a_syncing_client_leave_an_exact_copy(
    rubric: Any, organisation: Organisation, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ordering is under test, not fair use: on a loaded machine the writers are slow, the client
    # syncs more often, and 300 requests a minute for one key was reached (a 429 mid-run).
    monkeypatch.setattr(APIKeyRateThrottle, "rate", "100000/minute", raising=False)
    other = Organisation.objects.create(slug="globex", name="Globex")
    made = [submit(organisation, owner, rubric, f"start {i}") for i in range(3)]
    made += [submit(other, owner, rubric, "start globex")]
    pks = [a.pk for a in made]
    stop = threading.Event()
    failures: list[BaseException] = []

    def write(seed: int) -> None:
        rng = random.Random(seed)
        try:
            step = 0
            while not stop.is_set():
                step += 1
                pick = rng.random()
                with transaction.atomic():
                    if pick < 0.15:
                        org = Organisation.objects.select_for_update().get(
                            pk=rng.choice([organisation.pk, other.pk])
                        )
                        org.name = f"{org.slug} {seed}.{step}"
                        org.save()
                    elif pick < 0.25:
                        submit(organisation, owner, rubric, f"new {seed}.{step}")
                    else:
                        row = Assessment.objects.select_for_update().get(pk=rng.choice(pks))
                        row.title = f"title {seed}.{step}"
                        row.save()
                    # Hold the transaction open a little so commits interleave out of order.
                    stop.wait(rng.random() / 50)
        except BaseException as exc:  # surfaced below: a thread cannot fail the test itself
            failures.append(exc)
        finally:
            connection.close()

    staff = User.objects.create_user("sam", is_staff=True)
    _, secret = organisation_services.api_key_create(
        name="warehouse", created_by=staff
    )  # every organisation
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(3)]
    for thread in writers:
        thread.start()
    copy: dict[str, dict[str, Any]] = {}
    duplicates = 0
    cursor = None
    runs = 0
    try:
        while runs < 40:
            runs += 1
            got, cursor = sync(api, cursor)
            versions = Counter(json.dumps(row, sort_keys=True) for row in got)
            duplicates += sum(n - 1 for n in versions.values())
            copy.update((row["assessment"], row) for row in got)
    finally:
        stop.set()
        for thread in writers:
            thread.join(30)
    assert failures == []
    settle()
    got, cursor = sync(api, cursor)  # the writers are done: one last run
    copy.update((row["assessment"], row) for row in got)

    truth = {
        str(a.uuid): (a.title, a.organisation.slug, a.organisation.name)
        for a in Assessment.objects.filter(status="submitted").select_related("organisation")
    }
    missing = set(truth) - set(copy)
    stale = {
        key
        for key, values in truth.items()
        if key in copy
        and (copy[key]["title"], copy[key]["organisation"], copy[key]["organisation_name"])
        != values
    }
    assert (len(missing), len(stale), duplicates) == (0, 0, 0)
    assert len(truth) > len(made)  # new submissions did race the syncs


@pytest.mark.django_db
def test_renames_re_send_rows_with_the_new_values(
    rubric: Any, organisation: Organisation, owner: User
) -> None:
    a = submit(organisation, owner, rubric, "a")
    api = client_for(owner)
    _, cursor = sync(api, None)

    organisation.name = "Acme Corporation"
    organisation.save()
    got, cursor = sync(api, cursor)
    assert [(row["assessment"], row["organisation_name"]) for row in got] == [
        (str(a.uuid), "Acme Corporation")
    ]
    organisation.slug = "acme-corp"
    organisation.save()
    got, cursor = sync(api, cursor)
    assert [row["organisation"] for row in got] == ["acme-corp"]
    assert got[0]["organisation_uuid"] == str(organisation.uuid)  # the key does not move

    questionnaire = Questionnaire.objects.get(pk=rubric.questionnaire_id)
    questionnaire.slug = "rubric-renamed"
    questionnaire.save()
    got, cursor = sync(api, cursor)
    assert [row["questionnaire"] for row in got] == ["rubric-renamed"]

    questionnaire.name = "A new display name"  # not in the row: nothing to re-send
    questionnaire.save()
    organisation.save()  # saved unchanged
    assert sync(api, cursor)[0] == []


@pytest.mark.django_db
def test_drafts_write_no_feed_changes(rubric: Any, organisation: Organisation, owner: User) -> None:
    draft = services.assessment_create(organisation=organisation, version=rubric, user=owner)
    answer_all(draft, owner)
    assert FeedChange.objects.count() == 0
    services.assessment_submit(assessment=draft, user=owner)
    assert list(FeedChange.objects.values_list("assessment_id", flat=True)) == [draft.pk]


@pytest.mark.django_db
def test_an_export_holds_each_row_once_while_rows_change_under_it(
    rubric: Any, organisation: Organisation, owner: User, monkeypatch: Any
) -> None:
    made = [submit(organisation, owner, rubric, f"r{i}") for i in range(7)]
    monkeypatch.setattr(feed, "EXPORT_CHUNK", 2)  # four chunks
    api = client_for(owner)
    pieces = iter(api.get("/api/v1/scores/?format=csv").streaming_content)
    first = next(pieces)  # the header and the first chunk
    # Mid-export: a row already sent and one still to come change, and a new row arrives.
    for assessment in (made[0], made[5]):
        patch_assessment(api, assessment.pk, {"title": f"{assessment.title} changed"})
    late = submit(organisation, owner, rubric, "late")
    table = streamed_table([first, *pieces])
    assert sorted(row["assessment"] for row in table) == sorted(str(a.uuid) for a in made)
    # The late row and the changes come with the next sync from a cursor, as always.
    assert str(late.uuid) not in {row["assessment"] for row in table}


@pytest.mark.django_db
def test_an_explicit_format_wins_over_accept(submitted: Any, owner: User) -> None:
    api = client_for(owner)
    response = api.get("/api/v1/scores/?format=csv", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert streamed_table(response.streaming_content)[0]["assessment"] == str(submitted.uuid)
    jsonl = api.get("/api/v1/scores/?format=jsonl", HTTP_ACCEPT="text/csv")
    assert jsonl["Content-Type"] == "application/jsonl"


@pytest.mark.django_db
def test_a_forged_or_edited_cursor_is_a_400_naming_cursor(submitted: Any, owner: User) -> None:
    api = client_for(owner)
    cursor = api.get("/api/v1/scores/").json()["next_cursor"]
    assert api.get(f"/api/v1/scores/?cursor={cursor}").status_code == 200
    signature = cursor.partition(":")[2]
    edited = base64.urlsafe_b64encode(b"[0,0]").decode().rstrip("=") + ":" + signature
    hand_built = base64.urlsafe_b64encode(b'["2000-01-01T00:00:00+00:00",0]').decode()
    unsigned = feed.encode_cursor(0, 0).partition(":")[0]
    for bad in (edited, hand_built, unsigned, cursor + "x"):
        for query in ({"cursor": bad}, {"cursor": bad, "format": "csv"}):
            response = api.get("/api/v1/scores/", query)
            assert response.status_code == 400, query
            assert [e["attr"] for e in response.json()["errors"]] == ["cursor"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_export_on_postgresql_is_one_snapshot_while_others_write(
    rubric: Any, organisation: Organisation, owner: User, monkeypatch: Any
) -> None:
    made = [submit(organisation, owner, rubric, f"r{i}") for i in range(7)]
    monkeypatch.setattr(feed, "EXPORT_CHUNK", 2)
    settle()
    pieces = iter(client_for(owner).get("/api/v1/scores/?format=csv").streaming_content)
    first = next(pieces)  # the export's transaction is open from here on

    def write() -> None:
        try:
            for assessment in (made[0], made[5]):
                assessment.title += " changed"
                assessment.save()
            submit(organisation, owner, rubric, "late")
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(30)
    table = streamed_table([first, *pieces])
    assert [(row["assessment"], row["title"]) for row in table] == [
        (str(a.uuid), a.title.removesuffix(" changed")) for a in made
    ]
    assert Assessment.objects.filter(title__endswith=" changed").count() == 2  # they did commit


@pytest.mark.django_db(transaction=True)
def test_the_sync_after_an_export_starts_from_its_next_cursor(
    rubric: Any, organisation: Organisation, owner: User, flushable: None
) -> None:
    made = [submit(organisation, owner, rubric, f"r{i}") for i in range(3)]
    api = client_for(owner)
    settle()
    export = api.get("/api/v1/scores/?format=jsonl")
    assert len(b"".join(export.streaming_content).splitlines()) == 3
    patch_assessment(api, made[0].pk, {"title": "r0 changed"})
    late = submit(organisation, owner, rubric, "late")
    settle()
    got, _ = sync(api, export["Next-Cursor"])
    assert [(row["assessment"], row["title"]) for row in got] == [
        (str(made[0].uuid), "r0 changed"),
        (str(late.uuid), "late"),
    ]
