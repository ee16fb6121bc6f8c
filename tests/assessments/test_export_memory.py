"""The CSV export streams: its peak memory does not grow with the number of rows."""

import tracemalloc
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from organisations.models import Organisation
from tests.assessments.conftest import SEED_DIR, import_file

pytestmark = pytest.mark.django_db


def peak_of_export(client: Client) -> tuple[int, int]:
    """Peak traced memory while streaming the CSV export, and the number of lines read."""
    tracemalloc.start()
    try:
        response = client.get("/api/v1/scores/?format=csv")
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, lines


def test_csv_export_memory_stays_flat_as_rows_grow(seeded_catalogue: None, client: Client) -> None:
    from django.contrib.auth.models import User

    for path in sorted(SEED_DIR.glob("*.yaml")):
        import_file(path)
    staff = User.objects.create_user("sam", password="x", is_staff=True)
    client.force_login(staff)

    def grow(results: int) -> None:
        call_command("generate_results", organisations=5, results=results, stdout=StringIO())
        for organisation in Organisation.objects.filter(slug__startswith="bench-"):
            organisation.memberships.get_or_create(user=staff, defaults={"role": "viewer"})

    grow(2500)
    client.get("/api/v1/scores/?format=csv")  # warm up imports and caches
    small_peak, small_lines = peak_of_export(client)
    grow(7500)
    large_peak, large_lines = peak_of_export(client)
    assert (small_lines, large_lines) == (2501, 10001)  # header + rows
    # 4x the rows, but the export holds one chunk (2,000 rows) at a time.
    assert large_peak < small_peak * 1.25, (small_peak, large_peak)


def test_generated_results_are_deterministic_for_a_seed(seeded_catalogue: None) -> None:
    from assessments.models import Result

    for path in sorted(SEED_DIR.glob("*.yaml")):
        import_file(path)
    call_command("generate_results", organisations=3, results=30, seed=7, stdout=StringIO())
    first = list(Result.objects.order_by("id").values_list("overall", flat=True))
    Result.objects.all().delete()
    call_command("generate_results", organisations=3, results=30, seed=7, stdout=StringIO())
    assert list(Result.objects.order_by("id").values_list("overall", flat=True)) == first
