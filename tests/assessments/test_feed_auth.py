"""A machine key reading the feed: each read costs one key lookup, and rarely a write."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from organisations import services as organisation_services
from organisations.authentication import LAST_USED_RESOLUTION
from organisations.models import OrganisationAPIKey

pytestmark = pytest.mark.django_db


def key_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@pytest.fixture
def secret(organisation: Any, owner: User) -> str:
    return organisation_services.api_key_create(
        name="BI", created_by=owner, organisation=organisation
    )[1]


def test_reads_within_a_minute_do_not_write_last_used_at_again(
    secret: str, django_assert_num_queries: Any
) -> None:
    api = key_client(secret)
    assert api.get("/api/v1/scores/").status_code == 200
    first = OrganisationAPIKey.objects.get().last_used_at
    # the key lookup and the (empty) page of rows: no UPDATE
    with django_assert_num_queries(2):
        assert api.get("/api/v1/scores/").status_code == 200
    assert OrganisationAPIKey.objects.get().last_used_at == first


def test_a_read_after_the_resolution_records_the_use_again(secret: str) -> None:
    api = key_client(secret)
    assert api.get("/api/v1/scores/").status_code == 200
    stale = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    OrganisationAPIKey.objects.update(last_used_at=stale)
    assert api.get("/api/v1/scores/").status_code == 200
    assert OrganisationAPIKey.objects.get().last_used_at > stale
