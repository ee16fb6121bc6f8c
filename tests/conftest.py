import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def seeded_catalogue(db: None) -> None:
    """The real seed catalogue from fixtures/, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("loaddata", "catalog", verbosity=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def fresh_throttle_counters() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
