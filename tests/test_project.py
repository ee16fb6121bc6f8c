"""Settings, error pages, the OpenAPI contract and the demo user."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "opsassess.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_default_settings_use_sqlite_with_debug_off() -> None:
    result = load_settings()
    assert result.returncode == 0, result.stderr
    debug, engine, name = result.stdout.split()
    assert (debug, engine) == ("False", "django.db.backends.sqlite3")
    assert name.endswith("db.sqlite3")


def test_a_postgres_url_selects_postgresql() -> None:
    result = load_settings(DATABASE_URL="postgres://u:p@db.internal:5432/ops")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:] == ["django.db.backends.postgresql", "ops"]


def test_production_without_a_secret_key_refuses_to_start() -> None:
    result = load_settings(DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="ops.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_debug() -> None:
    result = load_settings(DJANGO_ENV="production", DJANGO_SECRET_KEY="x" * 50, DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


def test_a_misspelt_boolean_is_a_start_up_error() -> None:
    result = load_settings(DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


@pytest.mark.django_db
def test_openapi_schema_validates_without_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/tools/{slug}/" in schema.json()["paths"]
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404(api_client: APIClient) -> None:
    response = api_client.get("/api/v2/nothing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_demo_superuser_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSASSESS_DEMO_PASSWORD", "correct-horse-battery")
    call_command("ensure_demo_superuser")
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.check_password("correct-horse-battery")
    assert "correct-horse-battery" not in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_superuser_password_is_generated_and_printed_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPSASSESS_DEMO_PASSWORD", raising=False)
    call_command("ensure_demo_superuser")
    first = capsys.readouterr().out
    password = first.split("password: ")[1].split()[0]
    assert User.objects.get(username="admin").check_password(password)
    call_command("ensure_demo_superuser")
    second = capsys.readouterr().out
    assert password not in second
    assert "already exists" in second
    assert User.objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_out_with_a_json_429(
    api_client: APIClient, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    User.objects.create_user("mallory-target", password="right-password-123")
    body = {"username": "mallory-target", "password": "wrong"}
    statuses = [api_client.post("/api/v1/auth/token/", body).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    right = {"username": "mallory-target", "password": "right-password-123"}
    locked = api_client.post("/api/v1/auth/token/", right)
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["code"] == "locked_out"
    assert int(locked["Retry-After"]) > 0


@pytest.mark.django_db
def test_admin_login_is_locked_out_too(client: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    User.objects.create_superuser("boss", password="right-password-123")
    for _ in range(2):
        client.post("/admin/login/", {"username": "boss", "password": "nope"})
    response = client.post("/admin/login/", {"username": "boss", "password": "right-password-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_anonymous_clients_are_throttled_with_retry_after(
    api_client: APIClient, settings: Any
) -> None:
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [api_client.get("/api/v1/hindrances/").status_code for _ in range(4)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert statuses == [200, 200, 200, 429]


def deploy_check(**extra: str) -> subprocess.CompletedProcess[str]:
    """The README's `check --deploy` step, with the README's production environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "OPSASSESS_"))
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k" * 20 + "-a-long-random-secret-for-this-test-only-0123456789",
        DJANGO_ALLOWED_HOSTS="ops.example.com",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = deploy_check(CACHE_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("cache_url", [None, "locmemcache://x", "dummycache://"])
def test_production_refuses_throttle_counters_kept_per_process(cache_url: str | None) -> None:
    result = deploy_check(**({"CACHE_URL": cache_url} if cache_url else {}))
    assert result.returncode != 0
    assert "opsassess.E001" in result.stderr
    assert "limits multiply by the number of workers" in result.stderr
    assert "Set CACHE_URL" in result.stderr


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_bad_proxy_count_is_a_start_up_error(value: str) -> None:
    result = load_settings(OPSASSESS_NUM_PROXIES=value)
    assert result.returncode != 0
    assert "OPSASSESS_NUM_PROXIES must be a whole number" in result.stderr


def test_the_proxy_count_configures_throttles_and_lockout_alike() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.OPSASSESS_NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'], "
            "s.AXES_CLIENT_IP_CALLABLE)",
        ],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("OPSASSESS_")},
            "DJANGO_SETTINGS_MODULE": "opsassess.settings",
            "OPSASSESS_NUM_PROXIES": "2",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == ["2", "2", "opsassess.core.client.client_ip"], result.stderr


def test_development_keeps_the_local_memory_cache() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_"))},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
