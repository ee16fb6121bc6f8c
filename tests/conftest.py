from collections.abc import Iterator
from io import StringIO

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def seeded_catalogue(db: None) -> None:
    """The real seed catalogue from fixtures/, seeded the way `make run` seeds it."""
    from django.core.management import call_command

    call_command("seed_catalog", stdout=StringIO())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def fresh_throttle_counters() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def flushable(transactional_db: None) -> Iterator[None]:
    """Lets the flush after a transactional test empty the frozen questionnaire tables.

    On SQLite the flush is a DELETE per table, which the immutability triggers on published
    questionnaire versions refuse; they are dropped for the flush and put back after it.
    (PostgreSQL truncates, which row triggers do not see.)
    """
    import importlib

    from django.core.management import call_command
    from django.db import connection

    yield
    freeze = importlib.import_module("assessments.migrations.0002_freeze_published_versions")
    with connection.schema_editor() as editor:
        freeze.backwards(None, editor)
    try:
        call_command("flush", verbosity=0, interactive=False)
    finally:
        with connection.schema_editor() as editor:
            freeze.forwards(None, editor)
