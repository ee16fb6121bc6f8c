"""`make run` seeds the demo organisation with units, so the API shows units at once."""

from io import StringIO

from django.core.management import call_command

from organisations.models import Unit


def test_the_demo_organisation_has_its_units_nested_and_reseeding_keeps_them(db: None) -> None:
    quiet = {"stdout": StringIO()}
    call_command("ensure_demo_superuser", **quiet)
    for _ in range(2):
        call_command("ensure_demo_organisation", **quiet)

    units = {unit.slug: unit for unit in Unit.objects.filter(organisation__slug="demo")}
    assert sorted(units) == ["ml-platform", "payments", "product", "search"]
    assert units["payments"].parent == units["product"]
    assert units["search"].parent == units["product"]
    assert units["ml-platform"].parent is None
    assert units["ml-platform"].kind == "platform"
