"""benchmarks/RESULTS.md: one section per database, rebuilt from the saved runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ORDER = ("sqlite", "postgresql")
TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEMORY_TOLERANCE = 0.10


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def _target_text(target: dict[str, Any] | None) -> str:
    if not target:
        return "none set"
    if target["kind"] == "ratio":
        return f"<= {target['max']}x"
    if target["kind"] == "ms":
        return f"< {target['max']} ms"
    if target["kind"] == "rows":
        return f">= {target['min']:,} rows/s"
    return "-"


def verdict(figure: dict[str, Any]) -> tuple[bool | None, str]:
    """Whether a figure meets its target, and by how much it misses."""
    target = figure.get("target")
    if not target:
        return None, "-"
    if target["kind"] == "ratio":
        ratio = figure["ratio"]
        if ratio <= target["max"]:
            return True, "yes"
        return False, f"**no**: {ratio:.1f}x, {ratio / target['max'] - 1:.0%} over"
    if target["kind"] == "ms":
        median = figure["median_ms"]
        if median < target["max"]:
            return True, "yes"
        return False, f"**no**: {median:.2f} ms, {median / target['max'] - 1:.0%} over"
    if target["kind"] == "rows":
        rate = figure["extra"]["rows_per_s"]
        if rate >= target["min"]:
            return True, f"yes ({rate:,.0f} rows/s)"
        return False, f"**no**: {rate:,.0f} rows/s, {1 - rate / target['min']:.0%} short"
    return None, "-"


def memory_comparison(small: Any, large: Any) -> dict[str, Any] | None:
    if small is None or large is None:
        return None
    a, b = small.extra, large.extra
    change = b["peak_bytes"] / a["peak_bytes"] - 1
    return {
        "small_rows": a["rows"],
        "large_rows": b["rows"],
        "small_peak_bytes": a["peak_bytes"],
        "large_peak_bytes": b["peak_bytes"],
        "change": change,
        "met": abs(change) <= MEMORY_TOLERANCE,
    }


def _figures_table(run: dict[str, Any]) -> list[str]:
    lines = [
        "| operation | median ms | p99 ms | floor median ms | ratio to floor | target | met? "
        "| queries | DB ms per call | reps |",
        "|---|---:|---:|---:|---:|---|---|---:|---:|---:|",
    ]
    for figure in run["figures"]:
        _, met = verdict(figure)
        ratio = figure["ratio"]
        is_csv = figure["target"] and figure["target"]["kind"] == "rows"
        ratio_text = "-" if is_csv or ratio is None else f"{ratio:.1f}x"
        lines.append(
            f"| {figure['label']} | {_ms(figure['median_ms'])} | {_ms(figure['p99_ms'])} "
            f"| {_ms(figure['floor_median_ms'])} | {ratio_text} | {_target_text(figure['target'])} "
            f"| {met} | {figure['queries']} | {_ms(figure['db_ms'])} | {figure['reps']} |"
        )
    memory = run.get("memory")
    if memory:
        small = memory["small_peak_bytes"] / 2**20
        large = memory["large_peak_bytes"] / 2**20
        met = (
            f"yes ({memory['change']:+.1%})"
            if memory["met"]
            else f"**no**: {memory['change']:+.1%}, {abs(memory['change']) - MEMORY_TOLERANCE:.0%} "
            "beyond the tolerance"
        )
        lines.append(
            f"| CSV export peak memory (tracemalloc), {memory['small_rows']:,} vs "
            f"{memory['large_rows']:,} rows | {small:.2f} MiB vs {large:.2f} MiB | | | | "
            f"same within {MEMORY_TOLERANCE:.0%} | {met} | | | |"
        )
    return lines


def _scaling_table(run: dict[str, Any]) -> list[str]:
    rows = run.get("query_scaling") or []
    if not rows:
        return []
    lines = [
        "",
        "Query counts at two sizes (constant means no N+1):",
        "",
        "| operation | smaller | queries | larger | queries | constant? |",
        "|---|---|---:|---|---:|---|",
    ]
    for row in rows:
        same = row["small_queries"] == row["large_queries"]
        lines.append(
            f"| {row['operation']} | {row['small']} | {row['small_queries']} | {row['large']} "
            f"| {row['large_queries']} | {'yes' if same else '**no**'} |"
        )
    return lines


def _server_tables(run: dict[str, Any]) -> list[str]:
    server = run.get("server") or {}
    if not server:
        return []
    lines = ["", "### Under gunicorn", ""]
    if "skipped" in server:
        return [*lines, server["skipped"]]
    lines += [
        f"gunicorn {server['gunicorn']}, {server['workers']} workers x {server['threads']} "
        f"threads (gthread) on 127.0.0.1, DEBUG={server['debug']}; load: {server['concurrency']} "
        f"client threads (http.client, keep-alive) on the same machine, {server['warmup_s']:.0f} s "
        f"warm-up then {server['seconds']:.0f} s measured per endpoint.",
        "",
        "| configuration | endpoint | requests | req/s | p50 ms | p99 ms | errors "
        "| DB sessions opened while measured | backends at end |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for config in server["configs"]:
        if "error" in config:
            lines.append(f"| {config['name']} | failed: {config['error']} | | | | | | | |")
            continue
        for load in config["loads"]:
            lines.append(
                f"| {config['name']} ({config['description']}) | {load['label']} "
                f"| {load['requests']:,} | {load['rps']:,.0f} | {_ms(load['p50_ms'])} "
                f"| {_ms(load['p99_ms'])} | {load['errors']} | {load.get('sessions_opened', '-')} "
                f"| {load.get('backends', '-')} |"
            )
    lines += ["", *server.get("notes", [])]
    return lines


# Why a target is still missed, from cProfile runs (`run.py --profile NAME`) of this code: the
# causes, and what would close the gap. Shown under each section for the figures it misses.
WHY = {
    "engine": "Compiled once per model, integer arithmetic; with detail (every node and "
    "breakdown) most of the time is building and quantizing ~300 output figures. This is the "
    "only target in milliseconds rather than a ratio, so it moves with the machine's speed at "
    "the time: compare the ratio to the floor between runs (the same code gave 1.6 ms at 2.1x "
    "the floor in one run, 2.8 ms at 2.2x when the whole machine was slower).",
    "csv": "On SQLite the 10,000-row export met the target in both full runs on 2026-11-27 "
    "(24,128 and 22,949 rows/s) and the 50,000-row export in one of them (25,159, then "
    "18,272 rows/s in a run whose p99s show a busy machine): it sits close to the target, with "
    "the Python side (converting and writing rows) nearly all of the time. On PostgreSQL about "
    "a third of the time is the database (chunks of 500 results, then their ~25 figures each: "
    "13 queries for 10,000 rows), and that run's machine was slower too (see the engine's "
    "note). Closing it: fetch a chunk's figures aggregated with the chunk (json_agg) or "
    "through a covering index on ResultScore (result, axis, key, percent), and fewer "
    "conversions per cell.",
    "tree": "The body is rendered once per published version and kept with its ETag; what "
    "remains is DRF dispatch (throttling, content negotiation), one query for the published "
    "versions with their questionnaire (read each time so that a rename or a new version shows "
    "at once) and ~90 kB passing through the middleware. Closing it would take caching the "
    "lookup too, invalidated on publish and rename across processes.",
    "feed": "A page is 3 queries (key lookup, page, the page's figures) and is written "
    "straight to compact JSON from plain rows. Measured on a quiet machine, a page of about "
    "4.5-5 ms splits into the key lookup (~0.35 ms), the page query (~1 ms, half of it Django "
    "building the SQL), the figures query (~1 ms on SQLite, ~700 score rows), converting rows "
    "(~0.6 ms), writing JSON (~0.4 ms) and Django/DRF around the view (~1 ms). 4x needs one "
    "query fewer or a pre-rendered row per assessment refreshed at submit and rename. On "
    "PostgreSQL most of a page is the three round trips, each planned afresh (psycopg's "
    "server-side binding would allow prepared statements; untested).",
    "patch": "About 45% of the time is Django preparing two multi-row INSERTs value by value "
    "(the upsert of 100 answers and the 100 history rows django-simple-history keeps for the "
    "audit trail, ~2,000 values each), ~15% DRF validating the 100 answers, the rest the row "
    "lock, reading the 200 stored answers, the engine's answer checks and rendering 200 "
    "answers back; the floor does none of this. Closing it would need hand-written SQL for the "
    "upsert and the history rows and hand validation of the request: we kept the ORM, DRF and "
    "the audit trail. On SQLite the history insert is split in two batches above 71 rows "
    "(Django's 999-parameter limit), hence one query more at 100 answers than at 10.",
    "submit": "No single cause left: the recommender's what-if scores for ~60 practices "
    "(~20%) and the roadmap's cumulative what-ifs, reading the catalogue for the "
    "recommendations (7 queries with prerequisites and the hindrances' order, ~12%), the "
    "result row and its history row (the ~100 kB snapshot is encoded twice), ~100 "
    "ResultScore rows, the assessment and its history row, scoring, the previous figures and "
    "the response with 200 answers: 22 queries with authentication, most of them in one "
    "transaction. Reaching 10x "
    "would mean taking the recommendations out of the request (a job queue), so a result "
    "would be incomplete for a moment after submit; we kept it complete and immutable from "
    "the start.",
    "result": "The snapshot goes out as stored, never decoded. cProfile puts about half of "
    "what remains in the peer percentiles (2 queries, one with a window function over every "
    "result of the questionnaire, computed on each GET so they are never stale; with 200 "
    "organisations and 10,000 results that query alone is most of the DB time), the rest in "
    "token authentication (2 queries) and the assessment lookup (1). Closing it needs a peer "
    "distribution kept per questionnaire and refreshed by every submit, so a GET reads one "
    "row.",
}
WHY["result_seed"] = WHY["result"]
# Assessments answered by respondents (benchmarks/run.py, team_of_respondents).
WHY["team_patch"] = (
    "Everything the PATCH of 100 answers does (for the respondent's own answers), plus "
    "deriving the assessment's 100 answers again from all 20 respondents' answers: one query "
    "for their 2,000 answers, each scored exactly by the engine (fractions, ~40% of the "
    "extra time), then the upsert of the derived answers and their history rows. The count "
    "of queries does not grow with the respondents; the exact scoring grows with them."
)
WHY["team_disagreement"] = (
    "Six queries whatever the number of respondents. Each distinct answer to a question is "
    "now scored once (respondents mostly give the same few) and the standard deviation is "
    "worked out in whole hundredths (the same digits, a property test checks it against the "
    "fractions): the pure consensus work for 200 questions x 20 respondents went from ~50 ms "
    "to ~20 ms and this ratio from ~130x to ~80x (2026-12-07, --quick). What remains is "
    "reading the 4,000 answers into the engine's shape, the remaining exact percents, and "
    "rendering 200 questions with their distributions."
)
WHY["team_submit"] = (
    "The submit of a 200-question assessment (above) plus the disagreement at submit (as "
    "the disagreement GET) and a snapshot that keeps it, ~60 kB more encoded twice (the "
    "result and its history row)."
)


def _why(figures: list[dict[str, Any]]) -> list[str]:
    lines = []
    for figure in figures:
        text = WHY.get(figure["key"]) or WHY.get(figure["key"].split("_")[0])
        if text:
            lines.append(f"- {figure['label']}: {text}")
    return ["", "Why the misses remain:", "", *lines] if lines else []


def section(run: dict[str, Any]) -> str:
    machine = run["machine"]
    params = run["parameters"]
    title = TITLES.get(run["database"], run["database"])
    missed = [f for f in run["figures"] if verdict(f)[0] is False]
    memory = run.get("memory")
    lines = [
        f"## {title}" + (" (quick run)" if params.get("quick") else ""),
        "",
        f"Run {run['finished']} in {run['duration_s']} s. Machine: {machine['cpus']} CPUs "
        f"({machine['cpu_model']}), load average at start {machine['load_average_at_start']}; "
        f"Python {machine['python']}, Django {machine['django']}, DRF {machine['drf']}; "
        f"{machine['database']}.",
        "",
        f"Data set: {params['organisations']:,} organisations, {params['results']:,} submitted "
        f"results (`generate_results --seed {params['seed']}`). In process with Django's test "
        f"client; each operation interleaved with the floor in one loop, {params['warmup']} "
        f"warm-up then {params['reps']} repetitions ({params['submit_reps']} for submit, "
        f"{params['csv_reps']} for the CSV export, whose p99 column is its maximum).",
        "",
        *_figures_table(run),
        *_scaling_table(run),
        "",
        "Missed targets: "
        + (
            "; ".join(f"{f['label']} ({verdict(f)[1].replace('**no**: ', '')})" for f in missed)
            + ("; CSV peak memory" if memory and not memory["met"] else "")
            if missed or (memory and not memory["met"])
            else "none."
        ),
        *_why(missed),
        *_server_tables(run),
    ]
    return "\n".join(lines) + "\n"


HEADER = """# opsassess benchmark results

Regenerated by `make bench` (benchmarks/run.py; on PostgreSQL with
`DATABASE_URL=postgres://...`). Every time is also given as a ratio to the **floor**: a bare DRF
`APIView` returning `{"ok": true}` (no authentication, throttling or query, but the project's
whole middleware stack and renderers), mounted at `/bench/floor/` by the benchmark URLconf and
timed in the same loop as the operation, so the ratios hold on a busy machine where the
milliseconds do not. Targets are those of issue 7. "DB ms per call" is the time spent in the
database driver (an execute wrapper, mean of 2-5 calls); the rest of the median is Python.
"reps" is the number of timed repetitions: an operation that would take more than `--op-budget`
seconds (30 by default) stops early, after at least 20.
"""


def render(runs: list[dict[str, Any]]) -> str:
    parts = [HEADER]
    for run in sorted(
        runs, key=lambda r: ORDER.index(r["database"]) if r["database"] in ORDER else 9
    ):
        parts.append(section(run))
    return "\n".join(parts)


def save(run: dict[str, Any], here: Path) -> None:
    directory = here / "results"
    directory.mkdir(exist_ok=True)
    (directory / f"{run['database']}.json").write_text(
        json.dumps(run, indent=2, default=str) + "\n"
    )
    runs = [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]
    (here / "RESULTS.md").write_text(render(runs))
