#!/usr/bin/env python3
"""opsassess benchmarks: every operation timed next to the floor, a bare DRF endpoint.

    make bench                                   # SQLite, in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench
    .venv/bin/python benchmarks/run.py --quick   # smoke run: 20 organisations, 1,000 results

The run never touches the developer's database: on SQLite it works in a file under a temporary
directory; with a PostgreSQL DATABASE_URL it creates `opsassess_bench_<pid>` on that server and
drops it at the end, whatever happens. It migrates, loads the seed catalogue and
questionnaires, generates the data set (`manage.py generate_results`, deterministic by seed),
then times each operation in process with Django's test client, interleaved with the floor in
the same loop, and reports median, p99 and median / floor median. On PostgreSQL it then serves
the same code with gunicorn (2 gthread workers) on 127.0.0.1 and puts a bounded load on the
floor, the scores feed and the answers PATCH.

A full run writes benchmarks/results/<database>.json and regenerates benchmarks/RESULTS.md from
every saved run; a --quick run only prints its table (pass --write to save it anyway).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import portfolio as portfolio_bench  # noqa: E402
from benchmarks import report  # noqa: E402

PG_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}
# Throttles stay in the request path (their cost is real) but never trip during a benchmark.
# A one-second window keeps DRF's per-client history list as short as a real rate would.
NO_THROTTLE = "1000000/second"
MIN_REPS = 20
STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


# --- the throwaway database ---------------------------------------------------------------------


class Database:
    """The benchmark's own database: a temporary SQLite file or a PostgreSQL database."""

    def __init__(self, source_url: str) -> None:
        self.source_url = source_url
        scheme = urlsplit(source_url).scheme if source_url else "sqlite"
        if scheme in PG_SCHEMES:
            self.kind = "postgresql"
        elif scheme.startswith("sqlite"):
            self.kind = "sqlite"
        else:
            raise SystemExit(f"benchmarks: unsupported DATABASE_URL scheme '{scheme}'")
        self.url = ""
        self.name = ""
        self.tempdir: str | None = None
        self.created = False

    @property
    def admin_conninfo(self) -> str:
        return self.source_url

    def conninfo(self) -> str:
        """libpq connection string of the benchmark database (PostgreSQL)."""
        return self.url

    def create(self) -> None:
        if self.kind == "sqlite":
            self.tempdir = tempfile.mkdtemp(prefix="opsassess-bench-")
            self.url = f"sqlite:///{self.tempdir}/bench.sqlite3"
            self.name = f"{self.tempdir}/bench.sqlite3"
            self.created = True
            return
        import psycopg

        parts = urlsplit(self.source_url)
        self.name = f"opsassess_bench_{os.getpid()}"
        with psycopg.connect(self.source_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True
        self.url = urlunsplit(parts._replace(path="/" + self.name))

    def drop(self) -> None:
        if not self.created:
            return
        self.created = False
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if self.kind == "sqlite":
            if self.tempdir:
                shutil.rmtree(self.tempdir, ignore_errors=True)
            return
        import psycopg

        with psycopg.connect(self.source_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        log(f"dropped database {self.name}")


def bench_environment(database_url: str) -> dict[str, str]:
    """The environment of the benchmark, in process and for the served configuration."""
    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "OPSASSESS_THROTTLE_ANON": NO_THROTTLE,
        "OPSASSESS_THROTTLE_USER": NO_THROTTLE,
        "OPSASSESS_THROTTLE_API_KEY": NO_THROTTLE,
        "DJANGO_LOG_LEVEL": "WARNING",
    }


# --- timing -------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[index]


@dataclass
class Figure:
    key: str
    label: str
    target: dict[str, Any] | None
    median_ms: float | None = None
    p99_ms: float | None = None
    floor_median_ms: float | None = None
    floor_p99_ms: float | None = None
    reps: int = 0
    queries: int | None = None
    db_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.median_ms is None or not self.floor_median_ms:
            return None
        return self.median_ms / self.floor_median_ms


class DBTimer:
    """An execute wrapper that adds up the time spent in the database driver."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from django.test import Client

        self.args = args
        self.client = Client()
        self.figures: list[Figure] = []

    def floor(self) -> None:
        response = self.client.get("/bench/floor/")
        assert response.status_code == 200, response.status_code

    def measure(
        self,
        key: str,
        label: str,
        op: Callable[[Any], Any],
        *,
        target: dict[str, Any] | None,
        prepare: Callable[[], Any] | None = None,
        reps: int | None = None,
        warmup: int | None = None,
    ) -> Figure:
        reps = reps or self.args.reps
        warmup = self.args.warmup if warmup is None else warmup
        budget = self.args.op_budget
        log(f"timing {label} ({warmup} warm-up + {reps} repetitions, at most {budget:.0f} s)")
        op_times: list[float] = []
        floor_times: list[float] = []
        clock = time.perf_counter
        # Bounded: a slow operation stops early (after at least MIN_REPS) and says so.
        warm_until = clock() + budget * 0.1
        index = 0
        while index < warmup and (index < 3 or clock() < warm_until):
            arg = prepare() if prepare else None
            self.floor()
            op(arg)
            index += 1
        stop_at = clock() + budget
        index = 0
        while index < reps and (index < MIN_REPS or clock() < stop_at):
            arg = prepare() if prepare else None
            if index % 2:
                started = clock()
                op(arg)
                middle = clock()
                self.floor()
                ended = clock()
                op_time, floor_time = middle - started, ended - middle
            else:
                started = clock()
                self.floor()
                middle = clock()
                op(arg)
                ended = clock()
                floor_time, op_time = middle - started, ended - middle
            op_times.append(op_time * 1000)
            floor_times.append(floor_time * 1000)
            index += 1
        if len(op_times) < reps:
            log(f"  time budget spent: {len(op_times)} of {reps} repetitions")
        figure = Figure(
            key=key,
            label=label,
            target=target,
            median_ms=statistics.median(op_times),
            p99_ms=percentile(op_times, 0.99),
            floor_median_ms=statistics.median(floor_times),
            floor_p99_ms=percentile(floor_times, 0.99),
            reps=len(op_times),
        )
        runs = 5 if figure.median_ms < 100 else 2
        figure.queries, figure.db_ms = self.count_queries(op, prepare, runs)
        self.figures.append(figure)
        log(
            f"  {label}: median {figure.median_ms:.2f} ms, p99 {figure.p99_ms:.2f} ms, "
            f"floor {figure.floor_median_ms:.3f} ms, ratio {figure.ratio:.1f}x, "
            f"{figure.queries} queries, {figure.db_ms:.2f} ms in the database"
        )
        return figure

    def count_queries(
        self, op: Callable[[Any], Any], prepare: Callable[[], Any] | None, runs: int = 5
    ) -> tuple[int, float]:
        """Queries of one run (CaptureQueriesContext) and mean database time over a few."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = []
        for _ in range(2):  # the smaller of two: a token or key refresh writes once a minute
            arg = prepare() if prepare else None
            with CaptureQueriesContext(connection) as captured:
                op(arg)
            # Read now: the next request's request_started signal empties the query log.
            counts.append(len(captured.captured_queries))
        queries = min(counts)
        timer = DBTimer()
        for _ in range(runs):
            arg = prepare() if prepare else None
            with connection.execute_wrapper(timer):
                op(arg)
        return queries, timer.seconds * 1000 / runs


# --- the world the operations run in ------------------------------------------------------------


@dataclass
class World:
    user: Any
    token: str
    api_key: str
    lab: Any
    version: Any
    document: dict[str, Any]
    question_rows: dict[str, Any]
    patch_draft: int
    seed_result: int
    results: int
    deep_cursor: str
    deep_after: int
    counts: dict[str, int] = field(default_factory=dict)


def build_world(args: argparse.Namespace) -> World:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from knox.models import AuthToken

    from assessments import feed, selectors, services
    from assessments.management.commands.ensure_demo_assessment import sample_answer
    from assessments.models import Assessment, FeedChange, Questionnaire
    from benchmarks import workload
    from catalog.models import Hindrance, Practice
    from organisations import services as organisation_services

    log("migrating")
    call_command("migrate", interactive=False, verbosity=0)
    log("loading the seed catalogue and questionnaires")
    call_command("loaddata", "catalog", verbosity=0)
    files = sorted(str(path) for path in (ROOT / "fixtures" / "questionnaires").glob("*.yaml"))
    call_command("import_questionnaire", *files, verbosity=0, stdout=io.StringIO())
    log(f"generating {args.organisations:,} organisations with {args.results:,} results")
    started = time.perf_counter()
    call_command(
        "generate_results",
        organisations=args.organisations,
        results=args.results,
        seed=args.seed,
        stdout=io.StringIO(),
    )
    log(f"  generated in {time.perf_counter() - started:.1f} s")
    analyze()

    users = get_user_model().objects
    staff = users.create_user("bench-staff", is_staff=True)
    user = users.create_user("bench-user")
    _, token = AuthToken.objects.create(user)
    _, api_key = organisation_services.api_key_create(name="bench feed", created_by=staff)
    lab = organisation_services.organisation_create(name="Bench lab", slug="bench-lab", owner=user)

    catalogue = workload.Catalogue(
        practices=[
            (p.slug, p.phase.slug, p.phase.discipline.slug)
            for p in Practice.objects.select_related("phase__discipline")
        ],
        hindrances=list(Hindrance.objects.values_list("slug", flat=True)),
    )
    document = workload.questionnaire_document(catalogue)
    version = services.questionnaire_import(document=document).version
    tree = selectors.version_tree(version)
    question_rows = tree.question_by_key()

    # A real submitted result of a seed questionnaire, with recommendations and peers.
    devops = Questionnaire.objects.get(slug="devops-maturity").latest_published()
    model = selectors.scoring_model(selectors.version_tree(devops))
    sample = services.assessment_create(
        organisation=lab, version=devops, user=user, title="Seed questionnaire sample"
    )
    services.assessment_save_answers(
        assessment=sample,
        answers=[sample_answer(i, q) for i, q in enumerate(model.questions())],
        user=user,
    )
    services.assessment_submit(assessment=sample, user=user)

    world = World(
        user=user,
        token=token,
        api_key=api_key,
        lab=lab,
        version=version,
        document=document,
        question_rows=question_rows,
        patch_draft=0,
        seed_result=sample.pk,
        results=Assessment.objects.filter(status=Assessment.Status.SUBMITTED).count(),
        deep_cursor="",
        deep_after=0,
    )
    world.patch_draft = prefilled_draft(world, "PATCH benchmark")
    # A cursor taken after 90% of the rows (9,000 of 10,000): the feed's keyset must seek, not scan.
    world.deep_after = int(args.results * 0.9)
    row = FeedChange.objects.order_by("xid", "id").values("xid", "id")[world.deep_after - 1]
    world.deep_cursor = feed.encode_cursor(row["xid"], row["id"])
    return world


def analyze() -> None:
    """Planner statistics after the bulk load, as autovacuum would gather them (PostgreSQL).

    Without them PostgreSQL plans the feed for a near-empty table (sorting every row instead
    of walking the change log's (xid, id) index) until autovacuum catches up.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prefilled_draft(world: World, title: str) -> int:
    """A draft of the 200-question questionnaire with every question answered (bulk, untimed)."""
    from decimal import Decimal

    from assessments.models import Answer, Assessment
    from benchmarks import workload

    draft = Assessment.objects.create(
        organisation=world.lab, version=world.version, title=title, created_by=world.user
    )
    rows = []
    for index, data in enumerate(workload.questions(world.document)):
        given = workload.answer(data, index)
        number = given.get("number")
        rows.append(
            Answer(
                assessment=draft,
                question=world.question_rows[data["key"]],
                choices=given.get("choices", []),
                number=None if number is None else Decimal(number),
                answered_by=world.user,
            )
        )
    Answer.objects.bulk_create(rows)
    return draft.pk


def patch_bodies(world: World, count: int = 100) -> list[str]:
    """Two PATCH bodies of `count` answers with different values for every answer."""
    from benchmarks import workload

    questions = workload.questions(world.document)[:count]
    return [
        json.dumps({"answers": [workload.answer(data, variant) for data in questions]})
        for variant in (0, 1)
    ]


# --- the in-process operations ------------------------------------------------------------------

TEAM = 20  # respondents of the team assessments


def run_in_process(bench: Bench, world: World, args: argparse.Namespace) -> dict[str, Any]:
    from assessments import scoring
    from benchmarks import workload

    client = bench.client
    token = {"Authorization": f"Token {world.token}"}
    key = {"Authorization": f"Api-Key {world.api_key}"}
    extra: dict[str, Any] = {}

    def ok(response: Any, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.content[:500])
        return response

    # Scoring engine alone.
    model = workload.engine_model(world.document)
    answers = workload.engine_answers(world.document)
    assert not scoring.validate_model(model)
    bench.measure(
        "engine",
        "Scoring engine alone, 200 questions (no HTTP)",
        lambda _: scoring.score(model, answers),
        target={"kind": "ms", "max": 2.0},
    )

    tree_url = f"/api/v1/questionnaires/{workload.SLUG}/"
    bench.measure(
        "tree",
        "Questionnaire tree GET, 200 questions",
        lambda _: ok(client.get(tree_url)),
        target={"kind": "ratio", "max": 4},
    )

    bench.measure(
        "feed",
        "Scores feed, page of 100 rows (JSON, API key)",
        lambda _: ok(client.get("/api/v1/scores/", headers=key)),
        target={"kind": "ratio", "max": 4},
    )
    deep_url = f"/api/v1/scores/?cursor={world.deep_cursor}"
    deep = bench.measure(
        "feed_deep",
        f"Scores feed, page of 100 rows after a cursor {world.deep_after:,} rows deep",
        lambda _: ok(client.get(deep_url, headers=key)),
        target={"kind": "ratio", "max": 4},
    )
    deep.extra["rows"] = len(ok(client.get(deep_url, headers=key)).json()["results"])

    extra["csv_10k"] = csv_export(bench, key, label="CSV export of all results")

    bodies = patch_bodies(world)
    patch_url = f"/api/v1/assessments/{world.patch_draft}/answers/"
    turn = [0]

    def patch(_: Any) -> Any:
        turn[0] += 1
        return ok(
            client.patch(
                patch_url, bodies[turn[0] % 2], content_type="application/json", headers=token
            )
        )

    bench.measure("patch", "PATCH of 100 answers", patch, target={"kind": "ratio", "max": 8})

    submitted: list[int] = []

    def fresh_draft() -> int:
        pk = prefilled_draft(world, "Submit benchmark")
        submitted.append(pk)
        return pk

    bench.measure(
        "submit",
        "Submit of a 200-question assessment (score, snapshot, recommendations)",
        lambda pk: ok(client.post(f"/api/v1/assessments/{pk}/submit/", headers=token)),
        prepare=fresh_draft,
        target={"kind": "ratio", "max": 10},
        reps=args.submit_reps,
    )

    result_pk = submitted[0]
    bench.measure(
        "result",
        "GET result, 200-question assessment",
        lambda _: ok(client.get(f"/api/v1/assessments/{result_pk}/result/", headers=token)),
        target={"kind": "ratio", "max": 3},
    )
    bench.measure(
        "result_seed",
        f"GET result, seed DevOps questionnaire (peers among {args.organisations} organisations)",
        lambda _: ok(client.get(f"/api/v1/assessments/{world.seed_result}/result/", headers=token)),
        target={"kind": "ratio", "max": 3},
    )
    bench.measure(
        "recommendations",
        "GET recommendations, 200-question assessment",
        lambda _: ok(
            client.get(f"/api/v1/assessments/{result_pk}/recommendations/", headers=token)
        ),
        target=None,
    )
    bench.measure(
        "roadmap",
        "GET roadmap, 200-question assessment",
        lambda _: ok(client.get(f"/api/v1/assessments/{result_pk}/roadmap/", headers=token)),
        target=None,
    )
    bench.measure(
        "roadmap_csv",
        "GET roadmap as CSV, 200-question assessment",
        lambda _: ok(
            client.get(f"/api/v1/assessments/{result_pk}/roadmap/?format=csv", headers=token)
        ),
        target=None,
    )
    extra["team_scaling"] = team_of_respondents(bench, world, args, token, ok)
    # The portfolio across an organisation's units (issue 15): 50 units x 3 questionnaires.
    portfolio_bench.measure(bench, world.user, token, key)
    extra["query_scaling"] = query_scaling(bench, world, token, key)
    extra["query_scaling"] += organisation_pages(bench, world, token)
    extra["query_scaling"].append(extra["team_scaling"])
    return extra


def team_draft(world: World, size: int, title: str) -> int:
    """A draft of the 200-question questionnaire answered in full by `size` respondents (the
    bench user first), who disagree (each answer's variant depends on the respondent), with
    the derived answers in place: written in bulk, untimed."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from assessments import services
    from assessments.models import Assessment, Respondent, RespondentAnswer
    from benchmarks import workload

    users = get_user_model().objects
    people = [world.user] + [
        users.get_or_create(username=f"bench-respondent-{n}")[0] for n in range(1, size)
    ]
    draft = Assessment.objects.create(
        organisation=world.lab, version=world.version, title=title, created_by=world.user
    )
    respondents = Respondent.objects.bulk_create(
        Respondent(assessment=draft, user=person) for person in people
    )
    rows = []
    for offset, respondent in enumerate(respondents):
        for index, data in enumerate(workload.questions(world.document)):
            given = workload.answer(data, index + offset)
            number = given.get("number")
            rows.append(
                RespondentAnswer(
                    respondent=respondent,
                    question=world.question_rows[data["key"]],
                    choices=given.get("choices", []),
                    number=None if number is None else Decimal(number),
                )
            )
    RespondentAnswer.objects.bulk_create(rows)
    services.assessment_rederive(assessment=draft, user=world.user)
    return draft.pk


def team_of_respondents(
    bench: Bench,
    world: World,
    args: argparse.Namespace,
    token: dict[str, str],
    ok: Callable[..., Any],
) -> dict[str, Any]:
    """An assessment of TEAM respondents: one respondent saving 100 of their answers (which
    derives those 100 answers again from every respondent's), the disagreement GET and the
    submit. Returns the disagreement's query counts at 3 and at TEAM respondents."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = bench.client
    log(f"building assessments answered by {TEAM} respondents")
    team = team_draft(world, TEAM, "Team benchmark")
    bodies = patch_bodies(world)
    mine = f"/api/v1/assessments/{team}/my-answers/"
    turn = [0]

    def save_mine(_: Any) -> Any:
        turn[0] += 1
        body = bodies[turn[0] % 2]
        return ok(client.patch(mine, body, content_type="application/json", headers=token))

    bench.measure(
        "team_patch",
        f"PATCH of 100 of a respondent's answers, {TEAM} respondents (derives 100 answers)",
        save_mine,
        target={"kind": "ratio", "max": 12},
    )
    disagreement = f"/api/v1/assessments/{team}/disagreement/"
    bench.measure(
        "team_disagreement",
        f"GET disagreement, 200 questions, {TEAM} respondents",
        lambda _: ok(client.get(disagreement, headers=token)),
        target={"kind": "ratio", "max": 8},
    )
    bench.measure(
        "team_submit",
        f"Submit of a 200-question assessment of {TEAM} respondents (with disagreement)",
        lambda pk: ok(client.post(f"/api/v1/assessments/{pk}/submit/", headers=token)),
        prepare=lambda: team_draft(world, TEAM, "Team submit benchmark"),
        target={"kind": "ratio", "max": 12},
        reps=min(args.submit_reps, 60),
    )

    def count(pk: int) -> int:
        url = f"/api/v1/assessments/{pk}/disagreement/"
        ok(client.get(url, headers=token))
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(url, headers=token))
        return len(captured.captured_queries)

    return {
        "operation": "Disagreement GET",
        "small": "3 respondents",
        "small_queries": count(team_draft(world, 3, "Three respondents")),
        "large": f"{TEAM} respondents",
        "large_queries": count(team),
    }


def csv_export(bench: Bench, key: dict[str, str], *, label: str) -> Figure:
    """Stream the whole CSV export: time, rows per second, and peak traced memory."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = bench.client

    def export() -> int:
        response = client.get("/api/v1/scores/?format=csv", headers=key)
        assert response.status_code == 200, response.status_code
        lines = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        response.close()
        return lines - 1

    reps = bench.args.csv_reps
    log(f"timing {label} (1 warm-up + {reps} repetitions)")
    rows = export()
    times = []
    floor_times = []
    for _ in range(reps):
        gc.collect()
        started = time.perf_counter()
        rows = export()
        times.append((time.perf_counter() - started) * 1000)
        for _ in range(10):
            started = time.perf_counter()
            bench.floor()
            floor_times.append((time.perf_counter() - started) * 1000)
    # Memory is traced in runs of their own: tracing slows everything down.
    peaks = []
    for _ in range(2):
        gc.collect()
        tracemalloc.start()
        try:
            export()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    timer = DBTimer()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        export()
    median = statistics.median(times)
    figure = Figure(
        key=f"csv_{rows}",
        label=f"{label} ({rows:,} rows)",
        target={"kind": "rows", "min": 20_000},
        median_ms=median,
        p99_ms=max(times),
        floor_median_ms=statistics.median(floor_times),
        floor_p99_ms=percentile(floor_times, 0.99),
        reps=reps,
        queries=len(captured.captured_queries),
        db_ms=timer.seconds * 1000,
        extra={"rows": rows, "rows_per_s": rows / (median / 1000), "peak_bytes": min(peaks)},
    )
    bench.figures.append(figure)
    log(
        f"  {figure.label}: median {median:.0f} ms, {figure.extra['rows_per_s']:,.0f} rows/s, "
        f"peak {figure.extra['peak_bytes'] / 2**20:.2f} MiB, {figure.queries} queries"
    )
    return figure


def query_scaling(
    bench: Bench, world: World, token: dict[str, str], key: dict[str, str]
) -> list[dict[str, Any]]:
    """Query counts of the same operation at two sizes: they should not differ."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = bench.client

    def count(call: Callable[[], Any]) -> int:
        call()  # steady state: e.g. an API key's last_used_at is written at most once a minute
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return len(captured.captured_queries)

    small, large = patch_bodies(world, 10), patch_bodies(world, 100)
    url = f"/api/v1/assessments/{world.patch_draft}/answers/"
    rows = [
        {
            "operation": "PATCH answers",
            "small": "10 answers",
            "small_queries": count(
                lambda: client.patch(url, small[1], content_type="application/json", headers=token)
            ),
            "large": "100 answers",
            "large_queries": count(
                lambda: client.patch(url, large[0], content_type="application/json", headers=token)
            ),
        },
        {
            "operation": "Scores feed page",
            "small": "10 rows",
            "small_queries": count(lambda: client.get("/api/v1/scores/?page_size=10", headers=key)),
            "large": "100 rows",
            "large_queries": count(lambda: client.get("/api/v1/scores/", headers=key)),
        },
        {
            "operation": "Questionnaire tree GET",
            "small": "22 questions (devops-maturity)",
            "small_queries": count(lambda: client.get("/api/v1/questionnaires/devops-maturity/")),
            "large": "200 questions",
            "large_queries": count(lambda: client.get("/api/v1/questionnaires/bench-200/")),
        },
    ]
    rows.append(portfolio_bench.scaling(world.user, token, count))
    return rows


def organisation_pages(bench: Bench, world: World, token: dict[str, str]) -> list[dict[str, Any]]:
    """A page of an organisation's members, units and invitations: the query count with 5
    rows and with 50 (they must be equal), then each page of 50 timed."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organisations import services as organisation_services
    from organisations.models import Membership, Organisation, Unit

    team = Organisation.objects.create(slug="bench-team", name="Team")
    Membership.objects.create(organisation=team, user=world.user, role=Membership.Role.OWNER)
    client = bench.client
    pages = {
        "members": "/api/v1/organisations/bench-team/members/?page_size=50",
        "units": "/api/v1/organisations/bench-team/units/?page_size=50",
        "invitations": "/api/v1/organisations/bench-team/invitations/?page_size=50",
    }

    def grow(start: int, stop: int) -> None:
        users = get_user_model().objects
        parent = Unit.objects.filter(organisation=team).order_by("-pk").first()
        for n in range(start, stop):
            member = users.create_user(f"bench-member-{n}", email=f"m{n}@example.com")
            Membership.objects.create(organisation=team, user=member, role="viewer")
            parent = Unit.objects.create(
                organisation=team, slug=f"unit-{n}", name=f"Unit {n}", parent=parent
            )
            organisation_services.invitation_create(
                organisation=team, invited_by=world.user, role="viewer", email=f"i{n}@example.com"
            )

    def get(url: str) -> Any:
        response = client.get(url, headers=token)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response

    def count(url: str) -> int:
        get(url)  # steady state: a token refresh writes once a minute
        with CaptureQueriesContext(connection) as captured:
            get(url)
        return len(captured.captured_queries)

    grow(0, 5)
    small = {name: count(url) for name, url in pages.items()}
    grow(5, 50)
    rows = [
        {
            "operation": f"Organisation's {name} page",
            "small": "5 rows",
            "small_queries": small[name],
            "large": "50 rows",
            "large_queries": count(url),
        }
        for name, url in pages.items()
    ]
    for name, url in pages.items():
        bench.measure(
            f"organisation_{name}",
            f"GET a page of 50 {name} of an organisation",
            lambda _, url=url: get(url),
            target=None,
        )
    return rows


def grow_and_export(bench: Bench, args: argparse.Namespace, key: dict[str, str]) -> Figure:
    from django.core.management import call_command

    more = args.results * 4
    log(f"generating {more:,} more results for the memory comparison")
    started = time.perf_counter()
    for part in range(4):  # one transaction each: a single huge one is slower than linear
        call_command(
            "generate_results",
            organisations=args.organisations,
            results=args.results,
            seed=args.seed + 1 + part,
            stdout=io.StringIO(),
        )
    log(f"  generated in {time.perf_counter() - started:.1f} s")
    analyze()
    return csv_export(bench, key, label="CSV export, 5x the data set")


def profile(world: World, names: list[str]) -> None:
    """cProfile a few operations (development aid: --profile feed,patch)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    token = {"Authorization": f"Token {world.token}"}
    key = {"Authorization": f"Api-Key {world.api_key}"}
    bodies = patch_bodies(world)
    calls: dict[str, Callable[[int], Any]] = {
        "tree": lambda i: client.get("/api/v1/questionnaires/bench-200/"),
        "feed": lambda i: client.get("/api/v1/scores/", headers=key),
        "feed_deep": lambda i: client.get(
            f"/api/v1/scores/?cursor={world.deep_cursor}", headers=key
        ),
        "patch": lambda i: client.patch(
            f"/api/v1/assessments/{world.patch_draft}/answers/",
            bodies[i % 2],
            content_type="application/json",
            headers=token,
        ),
        "result": lambda i: client.get(
            f"/api/v1/assessments/{world.seed_result}/result/", headers=token
        ),
        "floor": lambda i: client.get("/bench/floor/"),
    }
    if "portfolio" in names:
        portfolio_bench.build(world.user, "profile-portfolio", 50)
        calls["portfolio"] = lambda i: client.get(
            "/api/v1/organisations/profile-portfolio/portfolio/", headers=token
        )
    for name in names:
        if name == "submit":
            drafts = [prefilled_draft(world, "profile") for _ in range(10)]

            def call(i: int, drafts: list[int] = drafts) -> Any:
                return client.post(f"/api/v1/assessments/{drafts[i]}/submit/", headers=token)

        else:
            call = calls[name]
        call(0)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(1 if name == "submit" else 0, 10):
            call(i)
        profiler.disable()
        print(f"\n=== profile of {name} (9-10 calls) ===")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            int(os.environ.get("BENCH_PROFILE_LINES", "35"))
        )


# --- main ---------------------------------------------------------------------------------------


def machine(database: Database) -> dict[str, Any]:
    import django
    import rest_framework
    from django.db import connection

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if database.kind == "sqlite":
        import sqlite3

        db = f"SQLite {sqlite3.sqlite_version} (file in a temporary directory)"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]} on {urlsplit(database.url).hostname}"
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "django": django.get_version(),
        "drf": rest_framework.VERSION,
        "database": db,
        "load_average_at_start": load,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 organisations, 1,000 results")
    parser.add_argument("--organisations", type=int)
    parser.add_argument("--results", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, help="repetitions per operation (default 200)")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--submit-reps", type=int)
    parser.add_argument("--csv-reps", type=int)
    parser.add_argument(
        "--op-budget",
        type=float,
        default=30,
        help="seconds of measuring per operation at most; a slower operation gets fewer "
        f"repetitions (never fewer than {MIN_REPS}) and the table says how many",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the 5x data set export")
    parser.add_argument("--no-server", action="store_true", help="skip the gunicorn load runs")
    parser.add_argument(
        "--load-seconds", type=float, default=12, help="measured seconds per load run (max 30)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="load generator threads")
    parser.add_argument(
        "--server-configs",
        default="persistent,pool,reconnect",
        help="served configurations to load: persistent (CONN_MAX_AGE, the default), "
        "pool (DATABASE_POOL=true), reconnect (DATABASE_CONN_MAX_AGE=0)",
    )
    parser.add_argument("--write", action="store_true", help="save the results of a --quick run")
    parser.add_argument("--profile", help="cProfile these operations and stop, e.g. feed,patch")
    args = parser.parse_args(argv)
    quick = args.quick
    args.organisations = args.organisations or (20 if quick else 200)
    args.results = args.results or (1_000 if quick else 10_000)
    args.reps = args.reps or (30 if quick else 200)
    args.warmup = args.warmup if args.warmup is not None else (5 if quick else 20)
    args.submit_reps = args.submit_reps or args.reps
    args.csv_reps = args.csv_reps or (2 if quick else 5)
    args.load_seconds = min(args.load_seconds, 30.0)
    if quick:
        args.load_seconds = min(args.load_seconds, 4.0)
        args.op_budget = min(args.op_budget, 10.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database = Database(os.environ.get("DATABASE_URL", ""))

    def on_signal(signum: int, frame: Any) -> None:
        raise SystemExit(f"benchmarks: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        database.create()
        log(f"benchmark database: {database.kind} {database.name}")
        os.environ.update(bench_environment(database.url))
        os.environ.pop("DATABASE_POOL", None) if database.kind == "sqlite" else None
        import django

        django.setup()
        info = machine(database)
        world = build_world(args)
        if args.profile:
            profile(world, args.profile.split(","))
            return 0
        bench = Bench(args)
        extra = run_in_process(bench, world, args)
        server: dict[str, Any] = {}
        if database.kind == "postgresql" and not args.no_server:
            from benchmarks import server as served

            drafts = [prefilled_draft(world, f"Load {i}") for i in range(args.concurrency)]
            server = served.run(
                args=args,
                database=database,
                world=world,
                drafts=drafts,
                bodies=patch_bodies(world),
                env=bench_environment(database.url),
                log=log,
            )
        elif not args.no_server:
            server = {"skipped": "The load runs need PostgreSQL: SQLite is not served."}
        key = {"Authorization": f"Api-Key {world.api_key}"}
        if not args.no_memory:
            extra["csv_50k"] = grow_and_export(bench, args, key)
        run = {
            "database": database.kind,
            "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "duration_s": round(time.perf_counter() - STARTED),
            "machine": info,
            "parameters": {
                "organisations": args.organisations,
                "results": args.results,
                "seed": args.seed,
                "reps": args.reps,
                "warmup": args.warmup,
                "submit_reps": args.submit_reps,
                "csv_reps": args.csv_reps,
                "quick": args.quick,
            },
            "figures": [asdict(f) | {"ratio": f.ratio} for f in bench.figures],
            "query_scaling": extra.get("query_scaling", []),
            "memory": report.memory_comparison(extra.get("csv_10k"), extra.get("csv_50k")),
            "server": server,
        }
        print(report.section(run))
        if not args.quick or args.write:
            report.save(run, HERE)
            log(f"wrote {HERE / 'RESULTS.md'}")
        return 0
    finally:
        try:
            database.drop()
        except Exception as exc:
            log(f"could not drop the benchmark database {database.name}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
