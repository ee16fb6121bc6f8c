"""Units through the API: read by owners, editors and viewers; changed by owners and editors."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments import services as assessment_services
from organisations.models import Organisation, Unit
from tests.assessments.conftest import client_for
from tests.organisations.conftest import codes, errors

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/organisations/acme/units/"


@pytest.fixture
def tree(acme: Organisation) -> dict[str, Unit]:
    """payments (product) > checkout (team) > checkout-web (team); search (team) at the top."""
    payments = Unit.objects.create(organisation=acme, slug="payments", name="Payments",
                                   kind="product")  # fmt: skip
    checkout = Unit.objects.create(organisation=acme, slug="checkout", name="Checkout",
                                   parent=payments)  # fmt: skip
    web = Unit.objects.create(organisation=acme, slug="checkout-web", name="Checkout web",
                              parent=checkout)  # fmt: skip
    search = Unit.objects.create(organisation=acme, slug="search", name="Search")
    return {"payments": payments, "checkout": checkout, "web": web, "search": search}


def create(user: User, **body: Any) -> Any:
    return client_for(user).post(UNITS, body, format="json")


def test_units_are_listed_with_uuid_parent_and_targets(tree: dict[str, Unit], vera: User) -> None:
    tree["search"].targets = {"devops-maturity": {"level": "managed"}}
    tree["search"].save()

    response = client_for(vera).get(UNITS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["slug"], r["parent"], r["kind"]) for r in rows] == [
        ("checkout", "payments", "team"),
        ("checkout-web", "checkout", "team"),
        ("payments", None, "product"),
        ("search", None, "team"),
    ]
    assert rows[3]["uuid"] == str(tree["search"].uuid)
    assert rows[3]["targets"] == {"devops-maturity": {"level": "managed"}}


def test_the_unit_list_filters_by_kind_and_parent_and_searches(
    tree: dict[str, Unit], vera: User
) -> None:
    api = client_for(vera)

    def slugs(query: dict[str, str]) -> list[str]:
        return [row["slug"] for row in api.get(UNITS, query).json()["results"]]

    assert slugs({"kind": "product"}) == ["payments"]
    assert slugs({"parent": "payments"}) == ["checkout"]
    assert slugs({"search": "web"}) == ["checkout-web"]
    assert slugs({"ordering": "-created_at"}) == ["search", "checkout-web", "checkout", "payments"]
    assert api.get(UNITS, {"kind": "tribe"}).status_code == 400
    assert api.get(UNITS, {"owner": "x"}).status_code == 400


def test_an_editor_creates_a_unit_inside_another_with_targets(
    tree: dict[str, Unit], eddie: User
) -> None:
    response = create(
        eddie,
        slug="fraud",
        name="Fraud",
        kind="team",
        parent="payments",
        targets={"devops-maturity": {"level": "managed", "sections": {"ci-cd": 80.5},
                                     "disciplines": {"devops": "75"}}},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    unit = Unit.objects.get(slug="fraud")
    assert response.json() == {
        "uuid": str(unit.uuid),
        "slug": "fraud",
        "name": "Fraud",
        "kind": "team",
        "parent": "payments",
        "targets": {
            "devops-maturity": {
                "level": "managed",
                "sections": {"ci-cd": "80.5"},
                "disciplines": {"devops": "75"},
            }
        },
        "created_at": unit.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert unit.parent == tree["payments"]
    assert unit.organisation.slug == "acme"


def test_a_unit_created_without_kind_parent_or_targets_is_a_top_level_team(
    acme: Organisation, olivia: User
) -> None:
    response = create(olivia, slug="platform", name="Platform")

    assert response.status_code == 201
    unit = Unit.objects.get(slug="platform")
    assert (unit.kind, unit.parent, unit.targets) == ("team", None, {})


@pytest.mark.parametrize(
    ("body", "attr", "detail"),
    [
        ({"name": "X"}, "slug", "This field is required."),
        ({"slug": "x", "name": ""}, "name", "This field may not be blank."),
        ({"slug": "not a slug", "name": "X"}, "slug",
         'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'),
        ({"slug": "x", "name": "X", "kind": "tribe"}, "kind", '"tribe" is not a valid choice.'),
        ({"slug": "x", "name": "X", "parent": "nowhere"}, "parent", "No unit 'nowhere' in acme."),
        ({"slug": "x", "name": "X", "parent": "billing"}, "parent", "No unit 'billing' in acme."),
        ({"slug": "search", "name": "X"}, "slug", "acme already has a unit 'search'."),
        ({"slug": "x", "name": "X", "targets": []}, "targets",
         "An object: questionnaire slug -> goals."),
        ({"slug": "x", "name": "X", "targets": {"devops": {"sections": {"ci": 101}}}},
         "targets.devops.sections.ci",
         "A percentage from 0 to 100 (a number, or ASCII digits in a string), with at most 4 "
         "decimal places."),
        ({"slug": "x", "name": "X", "targets": {"devops": {"colour": "red"}}},
         "targets.devops.colour", "Unknown field. Allowed: level, sections, disciplines."),
        ({"slug": "x", "name": "X", "targets": {"Dev Ops": {}}}, "targets.Dev Ops",
         "Not a questionnaire slug: lower-case letters, digits and dashes, at most 80 "
         "characters."),
        ({"slug": "x", "name": "X", "uuid": "0" * 32}, "uuid",
         "Unknown field. Allowed: kind, name, parent, slug, targets."),
    ],
)  # fmt: skip
def test_bad_units_are_a_400_naming_the_field_and_nothing_is_saved(
    tree: dict[str, Unit],
    globex: Organisation,
    eddie: User,
    body: dict[str, Any],
    attr: str,
    detail: str,
) -> None:
    Unit.objects.create(organisation=globex, slug="billing", name="Billing")  # another's unit
    before = Unit.objects.count()

    response = create(eddie, **body)

    assert response.status_code == 400
    assert errors(response) == {attr: detail}
    assert Unit.objects.count() == before


def test_a_viewer_reads_a_unit_but_does_not_change_it(tree: dict[str, Unit], vera: User) -> None:
    api = client_for(vera)

    read = api.get(UNITS + "search/")
    changed = api.patch(UNITS + "search/", {"name": "Find"}, format="json")
    created = api.post(UNITS, {"slug": "x", "name": "X"}, format="json")
    deleted = api.delete(UNITS + "search/")

    assert read.status_code == 200
    assert read.json()["name"] == "Search"
    assert [changed.status_code, created.status_code, deleted.status_code] == [403, 403, 403]
    assert errors(changed) == {None: "Viewers read the units; owners and editors change them."}
    assert Unit.objects.get(slug="search").name == "Search"
    assert not Unit.objects.filter(slug="x").exists()


def test_respondents_and_outsiders_do_not_see_units(
    tree: dict[str, Unit], rita: User, oscar: User
) -> None:
    assert client_for(rita).get(UNITS).status_code == 403
    assert client_for(rita).get(UNITS + "search/").status_code == 403
    assert client_for(oscar).get(UNITS + "search/").status_code == 404


def test_another_organisations_unit_slug_is_a_404(
    tree: dict[str, Unit], globex: Organisation, olivia: User
) -> None:
    Unit.objects.create(organisation=globex, slug="billing", name="Billing")

    assert client_for(olivia).get(UNITS + "billing/").status_code == 404


def test_renaming_a_slug_keeps_the_uuid(tree: dict[str, Unit], eddie: User) -> None:
    uuid = tree["search"].uuid

    response = client_for(eddie).patch(
        UNITS + "search/", {"slug": "discovery", "name": "Discovery"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["uuid"] == str(uuid)
    assert Unit.objects.get(uuid=uuid).slug == "discovery"
    assert client_for(eddie).get(UNITS + "search/").status_code == 404


def test_a_unit_moves_to_another_parent_or_to_the_top(tree: dict[str, Unit], eddie: User) -> None:
    api = client_for(eddie)

    moved = api.patch(UNITS + "checkout-web/", {"parent": "search"}, format="json")
    top = api.patch(UNITS + "checkout/", {"parent": None}, format="json")

    assert moved.json()["parent"] == "search"
    assert top.json()["parent"] is None
    assert Unit.objects.get(slug="checkout").parent is None
    assert Unit.objects.get(slug="checkout-web").parent == tree["search"]


@pytest.mark.parametrize("parent", ["payments", "checkout", "checkout-web"])
def test_a_unit_cannot_move_inside_itself_or_its_own_units(
    tree: dict[str, Unit], eddie: User, parent: str
) -> None:
    response = client_for(eddie).patch(UNITS + "payments/", {"parent": parent}, format="json")

    assert response.status_code == 400
    assert errors(response) == {"parent": "A unit cannot sit inside itself or its own children."}
    assert Unit.objects.get(slug="payments").parent is None


def test_a_patch_changes_only_what_it_names_and_validates_it(
    tree: dict[str, Unit], eddie: User
) -> None:
    api = client_for(eddie)

    taken = api.patch(UNITS + "checkout/", {"slug": "search"}, format="json")
    blank = api.patch(UNITS + "checkout/", {"name": ""}, format="json")
    targets = api.patch(
        UNITS + "checkout/", {"targets": {"devops-maturity": {"level": "managed"}}}, format="json"
    )

    assert errors(taken) == {"slug": "acme already has a unit 'search'."}
    assert "name" in errors(blank)
    assert targets.status_code == 200
    checkout = Unit.objects.get(pk=tree["checkout"].pk)
    assert (checkout.slug, checkout.name, checkout.parent, checkout.kind) == (
        "checkout",
        "Checkout",
        tree["payments"],
        "team",
    )
    assert checkout.targets == {"devops-maturity": {"level": "managed"}}
    # a field left out keeps its value, defaults included: the product stays a product
    renamed = api.patch(UNITS + "payments/", {"name": "Payments platform"}, format="json")
    assert (renamed.json()["kind"], renamed.json()["parent"]) == ("product", None)
    assert Unit.objects.get(slug="payments").kind == "product"


def test_a_unit_without_assessments_or_children_is_deleted(
    tree: dict[str, Unit], eddie: User
) -> None:
    response = client_for(eddie).delete(UNITS + "search/")

    assert response.status_code == 204
    assert not Unit.objects.filter(slug="search").exists()


def test_a_unit_with_children_or_assessments_is_kept_with_a_409_saying_which(
    tree: dict[str, Unit], rubric: Any, olivia: User
) -> None:
    for title in ("Spring", "Autumn"):
        assessment_services.assessment_create(
            organisation=tree["checkout"].organisation,
            version=rubric,
            user=olivia,
            title=title,
            unit=tree["checkout"],
        )
    assessment_services.assessment_create(
        organisation=tree["search"].organisation, version=rubric, user=olivia, unit=tree["search"]
    )
    api = client_for(olivia)

    both = api.delete(UNITS + "checkout/")
    children = api.delete(UNITS + "payments/")
    one = api.delete(UNITS + "search/")

    assert [both.status_code, children.status_code, one.status_code] == [409, 409, 409]
    assert codes(both) == ["unit_in_use"]
    assert errors(both) == {
        None: "Unit 'checkout' still has 2 assessments and 1 unit inside it (checkout-web): "
        "delete or move them first."
    }
    assert errors(children) == {
        None: "Unit 'payments' still has 1 unit inside it (checkout): delete or move them first."
    }
    assert errors(one) == {None: "Unit 'search' still has 1 assessment: delete or move them first."}
    assert Unit.objects.count() == 4


def test_unit_changes_are_audited_with_the_user_of_the_token(
    acme: Organisation, eddie: User, olivia: User
) -> None:
    create(eddie, slug="ops", name="Ops")
    client_for(olivia).patch(UNITS + "ops/", {"name": "Operations"}, format="json")
    client_for(eddie).delete(UNITS + "ops/")

    trail = Unit.history.filter(slug="ops").order_by("history_date")
    assert [(h.history_type, h.name, h.history_user.username) for h in trail] == [
        ("+", "Ops", "eddie"),
        ("~", "Operations", "olivia"),
        ("-", "Operations", "eddie"),
    ]
