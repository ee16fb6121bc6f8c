"""The served configuration under a bounded load: gunicorn on 127.0.0.1, PostgreSQL only.

gunicorn runs the project's WSGI application with the benchmark settings (the project's own,
plus the floor URL) passed through the environment. A small load generator (threads and
http.client with keep-alive, no dependency) drives each endpoint for a fixed time; PostgreSQL's
statistics say whether database connections are reused between requests.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
THREADS = 4
WARMUP_S = 3.0
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0

CONFIGS = {
    "persistent": (
        "CONN_MAX_AGE=60, the settings' default",
        {},
        {"conn_max_age": 60, "pool": None},
    ),
    "pool": (
        "DATABASE_POOL=true: Django's psycopg pool, 2-4 per worker",
        {"DATABASE_POOL": "true"},
        {"conn_max_age": 0, "pool": {"min_size": 2, "max_size": 4}},
    ),
    "reconnect": (
        "DATABASE_CONN_MAX_AGE=0: a new connection per request, for comparison",
        {"DATABASE_CONN_MAX_AGE": "0"},
        {"conn_max_age": 0, "pool": None},
    ),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(port: int, path: str, timeout: float = 5) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return json.loads(body)
    finally:
        conn.close()


class Gunicorn:
    """gunicorn in its own process group, stopped (TERM, then KILL) whatever happens."""

    def __init__(self, env: dict[str, str], logdir: str) -> None:
        self.port = free_port()
        self.env = env
        self.log_path = Path(logdir) / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "opsassess.wsgi:application",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(ROOT),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
        ]
        with open(self.log_path, "wb") as log_file:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start: {self.log_tail()}")
            try:
                self.config = get_json(self.port, "/bench/config/")
                return self
            except (OSError, RuntimeError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer: {self.log_tail()}") from None
                time.sleep(0.2)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return "(no log)"

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own group: only what we started
            process.wait(timeout=STOP_TIMEOUT_S)


Plan = list[tuple[str, str, bytes | None, dict[str, str]]]


class Monitor:
    """One connection to the benchmark database reading PostgreSQL's statistics."""

    def __init__(self, conninfo: str, dbname: str) -> None:
        import psycopg

        self.dbname = dbname
        self.conn = psycopg.connect(conninfo, autocommit=True)

    def now(self) -> Any:
        return self.conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]

    def sessions(self) -> int:
        row = self.conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", (self.dbname,)
        ).fetchone()
        return int(row[0]) if row else 0

    def backends(self, since: Any) -> tuple[int, int]:
        """Client connections to the database now, and how many of them opened after `since`."""
        row = self.conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE backend_start > %s) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            (since, self.dbname),
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def close(self) -> None:
        self.conn.close()


def load(
    port: int,
    plans: list[Plan],
    *,
    seconds: float,
    warmup: float,
    at_window_start: Callable[[], None],
) -> dict[str, Any]:
    """Each thread cycles through its plan until the deadline; only the window after the
    warm-up is recorded."""
    begin = time.monotonic()
    window_start = begin + warmup
    deadline = window_start + seconds
    latencies: list[list[float]] = [[] for _ in plans]
    errors: list[Counter[str]] = [Counter() for _ in plans]

    def worker(index: int) -> None:
        plan = plans[index]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        step = 0
        while True:
            started = time.monotonic()
            if started >= deadline:
                break
            method, path, body, headers = plan[step % len(plan)]
            step += 1
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except (OSError, http.client.HTTPException) as exc:
                status = -1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                if started >= window_start:
                    errors[index][type(exc).__name__] += 1
                continue
            ended = time.monotonic()
            if started < window_start:
                continue
            if status == 200:
                latencies[index].append((ended - started) * 1000)
            else:
                errors[index][str(status)] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(plans))]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window_start - time.monotonic()))
    at_window_start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 15)
    elapsed = min(time.monotonic(), deadline + 10) - window_start
    done = sorted(x for per_thread in latencies for x in per_thread)
    failed: Counter[str] = Counter()
    for counter in errors:
        failed.update(counter)
    return {
        "requests": len(done) + sum(failed.values()),
        "rps": len(done) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": statistics.median(done) if done else None,
        "p99_ms": done[max(0, -(-len(done) * 99 // 100) - 1)] if done else None,
        "errors": sum(failed.values()),
        "error_kinds": dict(failed),
    }


def run(
    *,
    args: Any,
    database: Any,
    world: Any,
    drafts: list[int],
    bodies: list[str],
    env: dict[str, str],
    log: Callable[[str], None],
) -> dict[str, Any]:
    import gunicorn
    from django.db import connections

    connections.close_all()  # the benchmark's own connection must not count as a backend
    token = {"Authorization": f"Token {world.token}", "Content-Type": "application/json"}
    key = {"Authorization": f"Api-Key {world.api_key}"}
    encoded = [body.encode() for body in bodies]
    endpoints: list[tuple[str, list[Plan]]] = [
        ("floor: GET /bench/floor/", [[("GET", "/bench/floor/", None, {})]] * args.concurrency),
        (
            "scores feed, page of 100 rows (API key)",
            [[("GET", "/api/v1/scores/", None, key)]] * args.concurrency,
        ),
        (
            "PATCH of 100 answers (one draft per client thread)",
            [
                [
                    ("PATCH", f"/api/v1/assessments/{draft}/answers/", encoded[variant], token)
                    for variant in (0, 1)
                ]
                for draft in drafts
            ],
        ),
    ]
    summary: dict[str, Any] = {
        "gunicorn": gunicorn.__version__,
        "workers": WORKERS,
        "threads": THREADS,
        "concurrency": args.concurrency,
        "seconds": args.load_seconds,
        "warmup_s": WARMUP_S,
        "debug": None,
        "configs": [],
        "notes": [],
    }
    monitor = Monitor(database.conninfo(), database.name)
    logdir = tempfile.mkdtemp(prefix="opsassess-bench-gunicorn-")
    try:
        for name in [n.strip() for n in args.server_configs.split(",") if n.strip()]:
            description, overrides, expected = CONFIGS[name]
            served_env = {
                k: v
                for k, v in os.environ.items()
                if k not in {"DATABASE_POOL", "DATABASE_CONN_MAX_AGE"}
            }
            served_env |= env | overrides
            config: dict[str, Any] = {"name": name, "description": description, "loads": []}
            summary["configs"].append(config)
            log(f"gunicorn, {name} connections: {description}")
            try:
                with Gunicorn(served_env, logdir) as server:
                    served = server.config
                    config["served"] = served
                    summary["debug"] = served["debug"]
                    if served["debug"] or "127.0.0.1" not in served["allowed_hosts"]:
                        raise RuntimeError(f"unexpected served settings: {served}")
                    if served["conn_max_age"] != expected["conn_max_age"] or (
                        (served["pool"] is None) != (expected["pool"] is None)
                    ):
                        raise RuntimeError(f"served settings are not {name}: {served}")
                    for label, plans in endpoints:
                        marks: dict[str, Any] = {}

                        def window_start(marks: dict[str, Any] = marks) -> None:
                            marks["since"] = monitor.now()
                            marks["sessions"] = monitor.sessions()

                        figures = load(
                            server.port,
                            plans,
                            seconds=args.load_seconds,
                            warmup=min(WARMUP_S, args.load_seconds),
                            at_window_start=window_start,
                        )
                        time.sleep(1.0)  # backends flush their statistics about once a second
                        backends, new = monitor.backends(marks["since"])
                        figures |= {
                            "label": label,
                            "sessions_opened": monitor.sessions() - marks["sessions"],
                            "backends": f"{backends} ({new} opened while measured)",
                        }
                        config["loads"].append(figures)
                        p99 = figures["p99_ms"] or 0
                        log(
                            f"  {label}: {figures['rps']:,.0f} req/s, p50 "
                            f"{figures['p50_ms'] or 0:.1f} ms, p99 {p99:.1f} ms, "
                            f"{figures['errors']} errors, {figures['sessions_opened']} DB sessions "
                            f"opened, backends {figures['backends']}"
                        )
            except Exception as exc:
                config["error"] = str(exc)[:500]
                log(f"  failed: {exc}")
    finally:
        monitor.close()
        shutil.rmtree(logdir, ignore_errors=True)  # a failure already quoted the log's tail
    summary["notes"] = notes(summary)
    return summary


def notes(summary: dict[str, Any]) -> list[str]:
    out = [
        'Connections: "DB sessions opened while measured" is the growth of '
        'pg_stat_database.sessions during the measured window; "backends at end" counts the '
        "client connections open to the benchmark database when it ended. A configuration "
        "reuses connections when it opens none (or a handful) while serving thousands of "
        "requests.",
        "",
    ]
    by_name = {c["name"]: c for c in summary["configs"] if c.get("loads")}
    for name, config in by_name.items():
        db_loads = [load for load in config["loads"] if not load["label"].startswith("floor")]
        opened = sum(load["sessions_opened"] for load in db_loads)
        served = sum(load["requests"] for load in db_loads)
        reused = opened <= WORKERS * THREADS
        out.append(
            f"- {name}: {opened:,} sessions opened for {served:,} database-backed requests: "
            + ("connections are reused." if reused else "a connection per request.")
        )
    return out
