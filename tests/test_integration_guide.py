"""Every example in docs/integrating.md and every command of README.md, run as written.

The guide's ```sh blocks run with bash and curl, its ```python blocks with this interpreter,
each in a fresh process that only gets the environment variables the guide documents. A block
is found by its first line (a comment naming it); every block must be run here, so a new
example in the guide fails this test until it is exercised.

The README's ```sh blocks (one per section) run against a server seeded by the steps of
`make seed` read from the Makefile, as after a fresh `make run`; only the server's address is
swapped for the live test server's, and `manage.py` lines run in this process so they use the
test database. A README section with a block this test neither runs nor lists as not run
fails it.
"""

import csv
import glob
import io
import json
import re
import shlex
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessments import feed, services
from assessments.api import feed as feed_view
from assessments.models import Assessment
from organisations.models import Membership, Organisation, OrganisationAPIKey
from tests.assessments.conftest import MODELS_DIR, answer_all, client_for, import_file
from tests.feed_settling import settle

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "integrating.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PASSWORD = "a-long-password-1"


def fenced(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(GUIDE.read_text()) if lang == language]


class Guide:
    """The runnable examples of the guide, by title: their first line, without '# '.

    `run` takes the start of a title, which must name exactly one example.
    """

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env
        self.blocks: dict[str, tuple[str, str]] = {}
        for lang, body in FENCE.findall(GUIDE.read_text()):
            if lang in {"sh", "python"}:
                title = body.splitlines()[0].removeprefix("# ")
                assert title not in self.blocks, f"two examples are called {title!r}"
                self.blocks[title] = (lang, body)
        self.ran: set[str] = set()

    def run(self, start: str, **env: str) -> str:
        (title,) = [title for title in self.blocks if title.startswith(start)]
        lang, body = self.blocks[title]
        argv = ["bash", "-c", body] if lang == "sh" else [sys.executable, "-c", body]
        done = subprocess.run(
            argv,
            env={**self.env, **env},
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        output = f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        assert done.returncode == 0, f"{title}\n{output}"
        self.ran.add(title)
        return done.stdout


def submit(organisation: Organisation, user: User, version: Any, title: str, choice: str) -> Any:
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )
    answer_all(assessment, user, choice)
    return services.assessment_submit(assessment=assessment, user=user)


def test_the_guide_documents_the_feed_as_it_is() -> None:
    assert fenced("csv") == [",".join(feed.CSV_COLUMNS) + "\n"]
    text = GUIDE.read_text()
    for key in (*feed.DISCIPLINES, *feed.HINDRANCES):
        assert f"`{key}`" in text
    assert feed_view.MAX_PAGE_SIZE == 1000 and feed_view.DEFAULT_PAGE_SIZE == 100
    assert re.search(r"goes from 1 to 1000\s+\(default 100\)", text)


def stored(db_path: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(db_path) as db:
        return {pk: json.loads(row) for pk, row in db.execute("SELECT assessment, row FROM scores")}


@pytest.mark.django_db(transaction=True)
def test_every_example_in_the_guide_runs(live_server: Any, flushable: None, tmp_path: Path) -> None:
    version = import_file(MODELS_DIR / "rubric.yaml")
    acme = Organisation.objects.create(slug="acme", name="Acme")
    owner = User.objects.create_user("olivia", password=PASSWORD)
    Membership.objects.create(organisation=acme, user=owner, role=Membership.Role.OWNER)
    staff = User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    globex = Organisation.objects.create(slug="globex", name="Globex")
    submit(globex, staff, version, "not acme's", "fully")  # never in acme's feed
    made = [
        submit(acme, owner, version, title, choice)
        for title, choice in [("r0", "fully"), ("r1", "partly"), ("r2", "fully")]
    ]
    settle()
    db_path = tmp_path / "scores.sqlite3"
    guide = Guide(
        tmp_path,
        {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "OPSASSESS_URL": live_server.url,
            "OPSASSESS_USER": "olivia",
            "OPSASSESS_PASSWORD": PASSWORD,
            "OPSASSESS_ORG": "acme",
            "OPSASSESS_DB": str(db_path),
        },
    )

    assert guide.run("Settings the examples read") == f"opsassess at {live_server.url}\n"

    # 2. Keys: a token, a key from curl (to be revoked), one from Python (used from then on).
    token = json.loads(guide.run("Log in"))["token"]
    guide.env["OPSASSESS_TOKEN"] = token
    made_by_curl = json.loads(guide.run("Create a read-only scores key"))
    assert (made_by_curl["scope"], made_by_curl["organisation"]) == ("organisation", "acme")
    old_key = made_by_curl["key"]
    assert old_key.startswith(made_by_curl["prefix"] + ".")
    key = guide.run("Create a key with Python").strip()
    assert OrganisationAPIKey.objects.get(prefix=key.partition(".")[0]).organisation == acme
    guide.env["OPSASSESS_KEY"] = key

    all_organisations = "Staff only"
    refused = json.loads(guide.run(all_organisations))  # an owner is not staff
    assert refused["errors"][0]["code"] == "permission_denied"
    staff_token = json.loads(guide.run("Log in", OPSASSESS_USER="sam"))["token"]
    warehouse = json.loads(guide.run(all_organisations, OPSASSESS_TOKEN=staff_token))
    assert (warehouse["scope"], warehouse["organisation"]) == ("all_organisations", None)

    listed, status = guide.run("List the organisation's keys", OLD_KEY=old_key).splitlines()
    assert {row["prefix"] for row in json.loads(listed)} == {
        made_by_curl["prefix"],
        key.partition(".")[0],
    }
    assert status == "204"
    assert OrganisationAPIKey.objects.get(prefix=made_by_curl["prefix"]).revoked
    body, status = guide.run("What a client sees with a revoked key", OLD_KEY=old_key).splitlines()
    assert status == "HTTP 401"
    assert json.loads(body)["errors"] == [
        {"code": "revoked_api_key", "detail": "This API key has been revoked.", "attr": None}
    ]
    assert (
        guide.run("Handle errors with Python")
        == "400 invalid page_size Must be a whole number from 1 to 1000.\n"
    )

    # 3. Full sync, two rows a page so that `next` is followed.
    small = {"OPSASSESS_PAGE_SIZE": "2"}
    full_curl = "First full sync with curl"
    assert guide.run(full_curl, **small) == "rows synced: 3 (cursor saved in cursor.txt)\n"
    assert (tmp_path / "cursor.txt").read_text().strip()
    full_python = "First full sync with Python"
    assert guide.run(full_python, **small) == "rows synced: 3 (cursor saved)\n"
    assert sorted(stored(db_path)) == sorted(str(a.uuid) for a in made)

    # 4. Incremental sync: nothing new, then a 304, then a new result, then a renamed one.
    incremental_curl = "Incremental sync with curl"
    assert guide.run(incremental_curl) == "rows new or changed: 0\n304\n"
    incremental = "Incremental sync with Python"
    assert guide.run(incremental, **small) == "rows new or changed: 0\n"
    assert guide.run(incremental, **small) == "rows new or changed: 0 (304 Not Modified)\n"
    made.append(submit(acme, owner, version, "r3", "fully"))
    settle()
    assert guide.run(incremental, **small) == "rows new or changed: 1\n"
    assert sorted(stored(db_path)) == sorted(str(a.uuid) for a in made)
    api, detail = client_for(owner), f"/api/v1/assessments/{made[0].pk}/"
    etag = api.get(detail)["ETag"]
    renamed = api.patch(detail, {"title": "r0 bis"}, HTTP_IF_MATCH=etag)
    assert renamed.status_code == 200, renamed.content
    settle()
    assert guide.run(incremental, **small) == "rows new or changed: 1\n"
    rows = stored(db_path)
    assert len(rows) == 4 and rows[str(made[0].uuid)]["title"] == "r0 bis"  # upserted, not appended
    assert guide.run(incremental_curl) == "rows new or changed: 2\n304\n"

    # 5. Exports and filters.
    header = ",".join(feed.CSV_COLUMNS)
    assert guide.run("Export as CSV and as JSON Lines with curl") == f"{header}\nJSON lines: 4\n"
    by_param = (tmp_path / "scores.csv").read_text()
    assert by_param == (tmp_path / "scores-accept.csv").read_text()
    table = list(csv.DictReader(io.StringIO(by_param)))
    assert [row["assessment"] for row in table] == [
        str(made[1].uuid),
        str(made[2].uuid),
        str(made[3].uuid),
        str(made[0].uuid),  # renamed last: the export is in commit order too
    ]
    jsonl = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert [row["assessment"] for row in jsonl] == [row["assessment"] for row in table]
    assert guide.run("Export as CSV with Python") == (f"{header}\nrows: 4\n")

    # r0 was submitted before 2026 (as far as the filters can tell).
    Assessment.objects.filter(pk=made[0].pk).update(submitted_at=datetime(2025, 6, 1, tzinfo=UTC))
    filtered = "Filter the feed with curl"
    assert guide.run(filtered) == "rows: 3\n"
    jsonl_filtered = "Filter a JSON Lines export with Python"
    assert guide.run(jsonl_filtered) == "rows: 3, by level: {'basic': 1, 'exemplary': 2}\n"

    assert guide.ran == set(guide.blocks), "examples this test does not run"


# --- README.md --------------------------------------------------------------------------------

README = GUIDE.parents[1] / "README.md"
MAKEFILE = GUIDE.parents[1] / "Makefile"
SECTION_OR_FENCE = re.compile(r"^## ([^\n]+)$|^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# Status, method and URL of every curl call, on stderr, so $(curl ...) captures stay untouched.
CURL_LOG = (
    "set -euo pipefail\n"
    "curl() { command curl -w '%{stderr}%{http_code} %{method} %{url_effective}\\n' \"$@\"; }\n"
)
DEMO_PASSWORD = "demo-password-from-make-run"
NOT_RUN = {
    "Quick start": "make run and make test themselves (the seed steps of make run are run)",
    "Deploying": "a production install: pip, collectstatic, gunicorn",
}


def readme_sh_blocks() -> dict[str, str]:
    """The README's ```sh blocks by the title of their section (one block per section)."""
    blocks: dict[str, str] = {}
    section = ""
    for heading, lang, body in SECTION_OR_FENCE.findall(README.read_text()):
        if heading:
            section = heading
        elif lang == "sh":
            assert section not in blocks, f"two sh blocks in the README section {section!r}"
            blocks[section] = body
    return blocks


def manage_commands(text: str, marker: str) -> list[list[str]]:
    """`manage.py` command lines of a README block or a Makefile recipe, as argv lists."""
    commands = []
    for line in text.splitlines():
        if marker in line:
            commands.append(shlex.split(line.split(marker, 1)[1], comments=True))
    return commands


def call_manage(argv: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """One manage.py command line, in this process so it uses the test database."""
    out = io.StringIO()
    name, *args = argv
    target = None
    if ">" in args:
        args, target = args[: args.index(">")], args[args.index(">") + 1]
    expanded = [match for arg in args for match in sorted(glob.glob(arg)) or [arg]]
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")  # a reset asks first
    call_command(name, *expanded, stdout=out)
    if target is not None:
        (cwd / target).write_text(out.getvalue())
    return out.getvalue()


def make_run_seed(monkeypatch: pytest.MonkeyPatch, cwd: Path) -> None:
    """The steps of `make seed` (what `make run` does before serving), as the Makefile has them.

    migrate and collectstatic are left out: the test database is migrated already and static
    files do not change what the API answers.
    """
    recipe = MAKEFILE.read_text().split("\nseed:", 1)[1].split("\n\n", 1)[0]
    steps = manage_commands(recipe, "$(MANAGE) ")
    assert [argv[0] for argv in steps][:2] == ["migrate", "collectstatic"]
    monkeypatch.setenv("OPSASSESS_DEMO_PASSWORD", DEMO_PASSWORD)
    monkeypatch.chdir(GUIDE.parents[1])
    for argv in steps[2:]:
        call_manage(argv, cwd, monkeypatch)


def run_sh(body: str, server: str, cwd: Path) -> tuple[str, list[str]]:
    done = subprocess.run(
        ["bash", "-c", CURL_LOG + body.replace("http://127.0.0.1:8000", server)],
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(cwd),
            "LANG": "C.UTF-8",
            "OPSASSESS_DEMO_PASSWORD": DEMO_PASSWORD,
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    calls = [line.replace(server, "") for line in done.stderr.splitlines()]
    return done.stdout, calls


@pytest.mark.django_db(transaction=True)
def test_every_readme_command_runs_on_a_freshly_seeded_server(
    live_server: Any, flushable: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_run_seed(monkeypatch, tmp_path)
    # The newest submitted result of the demo organisation (the README reads it).
    demo = Assessment.objects.filter(organisation__slug="demo", status="submitted").first()
    blocks = readme_sh_blocks()
    ran: set[str] = set()

    _, calls = run_sh(blocks["The catalogue API"], live_server.url, tmp_path)
    assert [call.split()[0] for call in calls] == ["200", "200", "200"]
    ran.add("The catalogue API")

    before = set(Assessment.objects.values_list("pk", flat=True))
    output, calls = run_sh(blocks["Answering an assessment"], live_server.url, tmp_path)
    (new,) = Assessment.objects.exclude(pk__in=before).filter(title="Q4 review")
    (copy,) = Assessment.objects.exclude(pk__in=[*before, new.pk])
    assert calls == [
        "200 POST /api/v1/auth/token/",
        "200 GET /api/v1/questionnaires/",
        "200 GET /api/v1/questionnaires/devops-maturity/",
        "201 POST /api/v1/assessments/",
        f"200 PATCH /api/v1/assessments/{new.pk}/answers/",
        f"200 GET /api/v1/assessments/{new.pk}/",
        f"409 POST /api/v1/assessments/{new.pk}/submit/",  # as documented: lists what is missing
        "200 GET /api/v1/assessments/?organisation=demo&status=submitted",
        f"200 GET /api/v1/assessments/{demo.pk}/result/",
        f"201 POST /api/v1/assessments/{demo.pk}/copy/",
    ]
    saved = {a.question.key: a for a in new.answers.select_related("question")}
    assert sorted(saved) == ["cd-lead-time", "mon-request-tracing", "plan-backlog-traceability"]
    assert saved["plan-backlog-traceability"].choices == ["shared-backlog"]
    assert saved["plan-backlog-traceability"].comment == "One board"
    assert saved["mon-request-tracing"].not_applicable
    assert '"missing_required"' in output
    assert (copy.copied_from_id, copy.status) == (demo.pk, "draft")
    ran.add("Answering an assessment")

    before = set(Assessment.objects.values_list("pk", flat=True))
    review = Assessment.objects.get(title="Payments team review")
    output, calls = run_sh(blocks["Teams and respondents"], live_server.url, tmp_path)
    (checkout,) = Assessment.objects.exclude(pk__in=before)
    assert [call.split(" ", 1)[1] for call in calls[:4]] == ["POST /api/v1/auth/token/"] * 4
    assert calls[4:] == [
        "201 POST /api/v1/organisations/demo/units/",
        "201 POST /api/v1/organisations/demo/invitations/",
        "200 GET /api/v1/organisations/demo/members/",
        "201 POST /api/v1/assessments/",
        f"201 POST /api/v1/assessments/{checkout.pk}/respondents/",
        f"201 POST /api/v1/assessments/{checkout.pk}/respondents/",
        f"200 PATCH /api/v1/assessments/{checkout.pk}/my-answers/",
        f"200 PATCH /api/v1/assessments/{checkout.pk}/my-answers/",
        f"200 GET /api/v1/assessments/{checkout.pk}/disagreement/",
        f"200 PUT /api/v1/assessments/{checkout.pk}/consensus/ci-build-automation/",
        "200 GET /api/v1/assessments/?organisation=demo&unit=payments&status=draft",
        f"200 POST /api/v1/assessments/{review.pk}/submit/",
        "200 GET /api/v1/organisations/demo/portfolio/",
    ]
    assert (checkout.unit.slug, checkout.title) == ("checkout", "Checkout review")
    agreed = checkout.answers.get(question__key="ci-build-automation")
    assert (agreed.choices, agreed.source) == (["build-only"], "consensus")
    assert agreed.consensus_note == "Tests still run by hand on release branches."
    review.refresh_from_db()
    assert review.is_submitted and review.result.snapshot["disagreement"]["respondents"] == 3
    assert '"checkout"' in output and "dana@example.com" in output
    ran.add("Teams and respondents")

    for section in ("Questionnaires as code", "Managing the catalogue"):
        for argv in manage_commands(blocks[section], "python manage.py "):
            call_manage(argv, tmp_path, monkeypatch)
        ran.add(section)
    exported = (tmp_path / "devops.yaml").read_text()
    assert "slug: devops-maturity" in exported

    assert ran | set(NOT_RUN) == set(blocks), "README sh blocks this test does not run"
