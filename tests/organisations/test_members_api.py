"""Members through the API: owners add, re-role and remove; anyone may leave; one owner stays."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from organisations.models import Membership, Organisation
from tests.assessments.conftest import client_for
from tests.organisations.conftest import codes, errors, join, person

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/organisations/acme/members/"


def roles(organisation: Organisation) -> dict[str, str]:
    return dict(organisation.memberships.values_list("user__username", "role"))


@pytest.fixture
def team(acme: Organisation, olivia: User, eddie: User, vera: User, rita: User) -> Organisation:
    return acme


def test_members_are_listed_with_name_role_and_since_and_owners_see_addresses(
    team: Organisation,
) -> None:
    owner_view = client_for(User.objects.get(username="olivia")).get(MEMBERS).json()
    viewer_view = client_for(User.objects.get(username="vera")).get(MEMBERS).json()

    assert owner_view["count"] == 4
    assert [(m["username"], m["role"]) for m in owner_view["results"]] == [
        ("eddie", "editor"),
        ("olivia", "owner"),
        ("rita", "respondent"),
        ("vera", "viewer"),
    ]
    olivia = owner_view["results"][1]
    assert olivia["name"] == "Olivia"
    assert olivia["email"] == "olivia@acme.example"
    since = Membership.objects.get(user__username="olivia").created_at
    assert olivia["since"] == since.isoformat().replace("+00:00", "Z")
    # Everyone else reads the same list without anyone's e-mail address.
    assert [m["email"] for m in viewer_view["results"]] == [None] * 4
    assert [m["username"] for m in viewer_view["results"]] == [
        m["username"] for m in owner_view["results"]
    ]


def test_the_member_list_filters_by_role_searches_sorts_and_pages(team: Organisation) -> None:
    api = client_for(User.objects.get(username="eddie"))

    assert [m["username"] for m in api.get(MEMBERS, {"role": "viewer"}).json()["results"]] == [
        "vera"
    ]
    assert [m["username"] for m in api.get(MEMBERS, {"search": "LIV"}).json()["results"]] == [
        "olivia"
    ]
    newest = api.get(MEMBERS, {"ordering": "-since"}).json()["results"]
    assert [m["username"] for m in newest] == ["rita", "vera", "eddie", "olivia"]
    page = api.get(MEMBERS, {"page_size": 3, "page": 2}).json()
    assert (page["count"], [m["username"] for m in page["results"]]) == (4, ["vera"])


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"colour": "red"}, "colour"),
        ({"role": "boss"}, "role"),
        ({"role": ""}, "role"),
        ({"ordering": "email"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_query_parameters_of_the_member_list_are_a_400_naming_them(
    team: Organisation, query: dict[str, str], attr: str
) -> None:
    response = client_for(User.objects.get(username="olivia")).get(MEMBERS, query)

    assert response.status_code == 400
    assert attr in errors(response)


def test_a_query_parameter_on_a_member_is_a_400_not_ignored(team: Organisation) -> None:
    api = client_for(User.objects.get(username="olivia"))

    response = api.delete(MEMBERS + "vera/?force=1")

    assert response.status_code == 400
    assert errors(response) == {"force": "Unknown query parameter: this operation takes none."}
    assert "vera" in roles(team)


def test_respondents_outsiders_and_anonymous_callers_do_not_read_the_members(
    team: Organisation, oscar: User
) -> None:
    refused = client_for(User.objects.get(username="rita")).get(MEMBERS)
    assert refused.status_code == 403
    assert "for owners, editors and viewers" in errors(refused)[None]
    assert client_for(oscar).get(MEMBERS).status_code == 404
    assert client_for(None).get(MEMBERS).status_code == 401


def test_an_owner_adds_an_existing_user_in_a_role_at_once(team: Organisation) -> None:
    person("priya", "priya@example.com", first_name="Priya", last_name="Patel")

    response = client_for(User.objects.get(username="olivia")).post(
        MEMBERS, {"username": "priya", "role": "editor"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("username", "name", "email", "role")} == {
        "username": "priya",
        "name": "Priya Patel",
        "email": "priya@example.com",
        "role": "editor",
    }
    assert roles(team)["priya"] == "editor"


def test_a_member_added_without_a_role_is_a_viewer(team: Organisation) -> None:
    person("priya")

    response = client_for(User.objects.get(username="olivia")).post(
        MEMBERS, {"username": "priya"}, format="json"
    )

    assert response.status_code == 201
    assert roles(team)["priya"] == "viewer"


@pytest.mark.parametrize(
    ("body", "attr", "detail"),
    [
        ({"username": "nobody"}, "username", "No user 'nobody'."),
        ({"username": ""}, "username", "This field may not be blank."),
        ({}, "username", "This field is required."),
        ({"username": "priya", "role": "boss"}, "role", '"boss" is not a valid choice.'),
        ({"username": "priya", "role": None}, "role", "This field may not be null."),
        ({"username": 7}, "username", "Not a valid string: send a JSON string."),
        (
            {"username": "priya", "admin": True},
            "admin",
            "Unknown field. Allowed: role, username.",
        ),
    ],
)
def test_bad_additions_are_a_400_naming_the_field_and_add_no_one(
    team: Organisation, body: dict[str, Any], attr: str, detail: str
) -> None:
    person("priya")

    response = client_for(User.objects.get(username="olivia")).post(MEMBERS, body, format="json")

    assert response.status_code == 400
    assert errors(response) == {attr: detail}
    assert "priya" not in roles(team)


def test_adding_a_member_again_is_a_409_already_member(team: Organisation) -> None:
    response = client_for(User.objects.get(username="olivia")).post(
        MEMBERS, {"username": "vera", "role": "owner"}, format="json"
    )

    assert response.status_code == 409
    assert codes(response) == ["already_member"]
    assert "already a member of acme (viewer)" in errors(response)[None]
    assert roles(team)["vera"] == "viewer"


@pytest.mark.parametrize("who", ["eddie", "vera", "rita"])
def test_only_owners_add_members(team: Organisation, who: str) -> None:
    person("priya")

    response = client_for(User.objects.get(username=who)).post(
        MEMBERS, {"username": "priya"}, format="json"
    )

    assert response.status_code == 403
    assert errors(response) == {
        None: "Only the organisation's owners add members and change their roles."
    }
    assert "priya" not in roles(team)


def test_one_member_is_read_by_username(team: Organisation, oscar: User) -> None:
    api = client_for(User.objects.get(username="vera"))

    response = api.get(MEMBERS + "eddie/")

    assert response.status_code == 200
    assert response.json()["role"] == "editor"
    # not a member of acme, or no such user at all: the same 404
    assert api.get(MEMBERS + "oscar/").status_code == 404
    assert api.get(MEMBERS + "nobody/").status_code == 404


def test_a_username_with_dots_at_and_plus_is_addressable(team: Organisation) -> None:
    join(team, person("j.doe+ops@acme"), "viewer")

    response = client_for(User.objects.get(username="olivia")).get(MEMBERS + "j.doe+ops@acme/")

    assert response.status_code == 200
    assert response.json()["username"] == "j.doe+ops@acme"


def test_an_owner_changes_a_role(team: Organisation) -> None:
    response = client_for(User.objects.get(username="olivia")).patch(
        MEMBERS + "vera/", {"role": "editor"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["role"] == "editor"
    assert roles(team)["vera"] == "editor"


@pytest.mark.parametrize(
    ("body", "attr"),
    [({"role": "admin"}, "role"), ({}, "role"), ({"role": "viewer", "username": "x"}, "username")],
)
def test_a_bad_role_change_is_a_400_and_changes_nothing(
    team: Organisation, body: dict[str, Any], attr: str
) -> None:
    response = client_for(User.objects.get(username="olivia")).patch(
        MEMBERS + "vera/", body, format="json"
    )

    assert response.status_code == 400
    assert attr in errors(response)
    assert roles(team)["vera"] == "viewer"


@pytest.mark.parametrize("who", ["eddie", "vera", "rita"])
def test_only_owners_change_roles_even_their_own(team: Organisation, who: str) -> None:
    response = client_for(User.objects.get(username=who)).patch(
        MEMBERS + f"{who}/", {"role": "owner"}, format="json"
    )

    assert response.status_code == 403
    assert roles(team)[who] != "owner"


def test_the_last_owner_cannot_step_down(team: Organisation) -> None:
    response = client_for(User.objects.get(username="olivia")).patch(
        MEMBERS + "olivia/", {"role": "editor"}, format="json"
    )

    assert response.status_code == 409
    assert codes(response) == ["last_owner"]
    assert errors(response) == {
        None: "olivia is the last owner of acme: make someone else an owner first."
    }
    assert roles(team)["olivia"] == "owner"


def test_with_a_second_owner_the_first_may_step_down_but_not_the_second_after(
    team: Organisation,
) -> None:
    olivia = client_for(User.objects.get(username="olivia"))
    olivia.patch(MEMBERS + "eddie/", {"role": "owner"}, format="json")

    stepped_down = olivia.patch(MEMBERS + "olivia/", {"role": "viewer"}, format="json")
    eddie = client_for(User.objects.get(username="eddie"))
    refused = eddie.patch(MEMBERS + "eddie/", {"role": "viewer"}, format="json")

    assert stepped_down.status_code == 200
    assert refused.status_code == 409
    assert roles(team) == {
        "olivia": "viewer",
        "eddie": "owner",
        "vera": "viewer",
        "rita": "respondent",
    }


def test_an_owner_removes_a_member(team: Organisation) -> None:
    response = client_for(User.objects.get(username="olivia")).delete(MEMBERS + "eddie/")

    assert response.status_code == 204
    assert "eddie" not in roles(team)
    assert User.objects.filter(username="eddie").exists()  # the account stays


@pytest.mark.parametrize("who", ["eddie", "vera", "rita"])
def test_every_member_may_leave(team: Organisation, who: str) -> None:
    response = client_for(User.objects.get(username=who)).delete(MEMBERS + f"{who}/")

    assert response.status_code == 204
    assert who not in roles(team)


@pytest.mark.parametrize("who", ["eddie", "vera", "rita"])
def test_only_owners_remove_someone_else(team: Organisation, who: str) -> None:
    response = client_for(User.objects.get(username=who)).delete(MEMBERS + "olivia/")

    assert response.status_code == 403
    assert errors(response) == {
        None: "Only the organisation's owners remove other members; you may remove yourself "
        "(leave)."
    }
    assert roles(team)["olivia"] == "owner"


def test_the_last_owner_cannot_leave_until_another_owner_exists(team: Organisation) -> None:
    olivia = client_for(User.objects.get(username="olivia"))

    refused = olivia.delete(MEMBERS + "olivia/")
    olivia.patch(MEMBERS + "vera/", {"role": "owner"}, format="json")
    left = olivia.delete(MEMBERS + "olivia/")

    assert refused.status_code == 409
    assert codes(refused) == ["last_owner"]
    assert left.status_code == 204
    assert roles(team) == {"eddie": "editor", "vera": "owner", "rita": "respondent"}


def test_removing_someone_who_is_not_a_member_is_a_404(team: Organisation, oscar: User) -> None:
    response = client_for(User.objects.get(username="olivia")).delete(MEMBERS + "oscar/")

    assert response.status_code == 404
    assert Membership.objects.filter(user=oscar).exists()


def test_member_changes_are_audited_with_the_user_of_the_token(team: Organisation) -> None:
    person("priya")
    olivia = client_for(User.objects.get(username="olivia"))

    olivia.post(MEMBERS, {"username": "priya", "role": "viewer"}, format="json")
    olivia.patch(MEMBERS + "priya/", {"role": "editor"}, format="json")
    client_for(User.objects.get(username="priya")).delete(MEMBERS + "priya/")

    trail = Membership.history.filter(user__username="priya").order_by("history_date")
    assert [(h.history_type, h.role, h.history_user.username) for h in trail] == [
        ("+", "viewer", "olivia"),
        ("~", "editor", "olivia"),
        ("-", "editor", "priya"),
    ]


def test_an_unchanged_role_records_no_change(team: Organisation) -> None:
    client_for(User.objects.get(username="olivia")).patch(
        MEMBERS + "vera/", {"role": "viewer"}, format="json"
    )

    assert Membership.history.filter(user__username="vera").count() == 1  # the "+" only
