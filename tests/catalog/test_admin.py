from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from catalog.models import Tool
from tests.factories import (
    DisciplineFactory,
    HindranceFactory,
    LifecyclePhaseFactory,
    PracticeFactory,
    ToolFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["discipline", "lifecyclephase", "hindrance", "practice", "tool"]


@pytest.fixture
def manager(client: Client) -> Client:
    user = User.objects.create_superuser("manager", password="a-long-password-1")
    client.force_login(user)
    return client


@pytest.fixture
def catalogue() -> dict[str, Any]:
    devops = DisciplineFactory(slug="devops", name="DevOps")
    mlops = DisciplineFactory(slug="mlops", name="MLOps")
    build = LifecyclePhaseFactory(slug="devops-build", discipline=devops)
    train = LifecyclePhaseFactory(slug="mlops-train", discipline=mlops)
    hindrance = HindranceFactory(slug="skills-gap")
    vcs = PracticeFactory(slug="version-control", phase=build, hindrances=[hindrance])
    tracking = PracticeFactory(slug="experiment-tracking", phase=train)
    git = ToolFactory(slug="git", name="Git", disciplines=[devops], practices=[vcs])
    return {
        "discipline": devops,
        "lifecyclephase": build,
        "hindrance": hindrance,
        "practice": vcs,
        "tool": git,
        "mlops": mlops,
        "tracking": tracking,
    }


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_catalogue_admin_pages_render_for_a_superuser(
    manager: Client, catalogue: dict[str, Any], model: str, view: str
) -> None:
    response = manager.get(reverse(f"admin:catalog_{model}_{view}"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_catalogue_change_pages_render_with_their_inlines(
    manager: Client, catalogue: dict[str, Any], model: str
) -> None:
    response = manager.get(reverse(f"admin:catalog_{model}_change", args=[catalogue[model].pk]))
    assert response.status_code == 200


def test_changelist_search_and_filters_narrow_the_list(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    ToolFactory(slug="mlflow", name="MLflow", disciplines=[catalogue["mlops"]])
    url = reverse("admin:catalog_tool_changelist")
    assert "MLflow" not in manager.get(url, {"q": "git"}).content.decode()
    response = manager.get(url, {"disciplines__id__exact": catalogue["mlops"].pk})
    assert "MLflow" in response.content.decode()
    assert ">Git<" not in response.content.decode()


def test_tool_and_practice_links_use_autocomplete(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    response = manager.get(
        reverse("admin:autocomplete"),
        {
            "term": "version",
            "app_label": "catalog",
            "model_name": "tool",
            "field_name": "practices",
        },
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == [str(catalogue["practice"])]


def test_admin_refuses_a_tool_practice_outside_the_tool_disciplines(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    response = manager.post(
        reverse("admin:catalog_tool_add"),
        {
            "name": "Notebook",
            "slug": "notebook",
            "licence": "open_source",
            "delivery": "self_hosted",
            "ring": "adopt",
            "min_maturity": 1,
            "disciplines": [catalogue["discipline"].pk],
            "practices": [catalogue["tracking"].pk],
        },
    )
    assert response.status_code == 200
    assert "belong to a discipline the tool is not linked to" in response.content.decode()
    assert not Tool.objects.filter(slug="notebook").exists()


TOOL_HEADER = (
    "slug,name,vendor,homepage,licence,delivery,ring,min_maturity,description,disciplines,practices"
)


def import_csv(manager: Client, model: str, csv_text: str) -> Any:
    """Upload a CSV file on the admin import page of a catalogue model (the preview step)."""
    upload = SimpleUploadedFile(f"{model}s.csv", csv_text.encode(), content_type="text/csv")
    return manager.post(
        reverse(f"admin:catalog_{model}_import"),
        {"resource": 0, "format": 0, "import_file": upload},
    )


def import_tools(manager: Client, csv_text: str) -> Any:
    return import_csv(manager, "tool", csv_text)


def test_tool_import_of_a_good_file_asks_for_confirmation_then_saves(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    csv_text = (
        f"{TOOL_HEADER}\n"
        "gitlab,GitLab,GitLab Inc.,https://about.gitlab.com/,commercial,saas,adopt,1,"
        "All-in-one DevOps platform,devops,version-control\n"
    )
    preview = import_tools(manager, csv_text)
    assert preview.status_code == 200
    assert not Tool.objects.filter(slug="gitlab").exists()
    confirm = preview.context["confirm_form"]
    response = manager.post(
        reverse("admin:catalog_tool_process_import"), confirm.initial, follow=True
    )
    assert response.status_code == 200
    gitlab = Tool.objects.get(slug="gitlab")
    assert list(gitlab.practices.values_list("slug", flat=True)) == ["version-control"]


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (
            "bad-ring,Bad,,https://x.example/,open_source,saas,sometimes,1,,devops,",
            "is not a valid choice",
        ),
        (
            "bad-discipline,Bad,,https://x.example/,open_source,saas,adopt,1,,astrology,",
            "unknown discipline slug: astrology",
        ),
        (
            "bad-practice,Bad,,https://x.example/,open_source,saas,adopt,1,,devops,experiment-tracking",
            "not in the tool&#x27;s disciplines: experiment-tracking",
        ),
    ],
)
def test_tool_import_with_a_bad_row_reports_line_and_reason_and_imports_nothing(
    manager: Client, catalogue: dict[str, Any], bad_row: str, reason: str
) -> None:
    csv_text = (
        f"{TOOL_HEADER}\n"
        "good-one,Good,,https://good.example/,open_source,saas,adopt,1,,devops,\n"
        f"{bad_row}\n"
    )
    before = Tool.objects.count()
    response = import_tools(manager, csv_text)
    body = response.content.decode()
    assert response.status_code == 200
    assert reason in body
    result = response.context["result"]
    failed = [row.number for row in result.invalid_rows] + [n for n, _ in result.row_errors()]
    assert failed == [2]  # the second data row
    assert "confirm_form" not in response.context
    assert Tool.objects.count() == before


def test_tool_resource_rolls_back_every_row_when_one_is_bad(catalogue: dict[str, Any]) -> None:
    import tablib

    from catalog.resources import ToolResource

    dataset = tablib.Dataset(headers=TOOL_HEADER.split(","))
    dataset.append(
        ["ok", "OK", "", "https://ok.example/", "open_source", "saas", "adopt", 1, "", "devops", ""]
    )
    dataset.append(
        ["broken", "Broken", "", "not a url", "open_source", "saas", "adopt", 1, "", "devops", ""]
    )
    result = ToolResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    invalid = result.invalid_rows[0]
    assert invalid.number == 2
    assert "homepage" in invalid.error_dict
    assert not Tool.objects.filter(slug__in=["ok", "broken"]).exists()


def test_practice_import_with_an_unknown_phase_imports_nothing(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    csv_text = (
        "slug,name,phase,order,description,done_well,hindrances\n"
        "pairing,Pairing,devops-build,2,Two people one keyboard,Always,skills-gap\n"
        "mystery,Mystery,devops-nowhere,1,,,\n"
    )
    response = import_csv(manager, "practice", csv_text)
    assert "unknown lifecycle phase slug: devops-nowhere" in response.content.decode()
    assert not catalogue["practice"].__class__.objects.filter(slug="pairing").exists()


@pytest.mark.parametrize(("fmt", "marker"), [(0, "slug,name,vendor"), (1, '"slug": "git"')])
def test_tools_export_as_csv_and_json(
    manager: Client, catalogue: dict[str, Any], fmt: int, marker: str
) -> None:
    response = manager.post(
        reverse("admin:catalog_tool_export"),
        {
            "resource": 0,
            "format": fmt,
            "export_items": [catalogue["tool"].pk],
            **{f"toolresource_{field}": "on" for field in TOOL_HEADER.split(",")},
        },
    )
    assert response.status_code == 200
    assert marker in response.content.decode()


def test_a_practice_tagged_on_a_published_question_cannot_be_deleted(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    from django.db.models import ProtectedError

    from assessments import services

    document = {
        "format": "opsassess-questionnaire/1",
        "slug": "tagged",
        "name": "Tagged",
        "levels": [{"key": "low", "name": "Low", "min_score": 0}],
        "root": {
            "key": "root",
            "children": [
                {
                    "key": "q1",
                    "type": "yes_no",
                    "text": "Versioned?",
                    "tags": {"practices": ["version-control"]},
                }
            ],
        },
    }
    services.questionnaire_import(document=document)
    practice = catalogue["practice"]
    url = reverse("admin:catalog_practice_delete", args=[practice.pk])
    page = manager.get(url).content.decode()
    assert "question &#x27;q1&#x27; of Tagged v1 (published)" in page
    response = manager.post(url, {"post": "yes"})
    assert response.status_code == 200  # the refusal page again, not a redirect
    with pytest.raises(ProtectedError, match="used by question 'q1' of Tagged v1"):
        practice.delete()
    assert practice.__class__.objects.filter(pk=practice.pk).exists()


def test_an_unused_hindrance_can_be_deleted(manager: Client, catalogue: dict[str, Any]) -> None:
    hindrance = HindranceFactory(slug="unused")
    response = manager.post(
        reverse("admin:catalog_hindrance_delete", args=[hindrance.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not hindrance.__class__.objects.filter(slug="unused").exists()


def test_tool_import_reports_every_problem_of_every_row_at_once(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    csv_text = (
        f"{TOOL_HEADER}\n"
        'a,A,,https://a.example/,open_source,saas,adopt,1,,devops-x,"nope-1,nope-2"\n'
        "b,B,,https://b.example/,open_source,saas,adopt,1,,devops,\n"
        "c,C,,not a url,weird,saas,adopt,1,,devops,\n"
        'd,D,,https://d.example/,open_source,saas,adopt,1,,"devops,mlops-x","version-control,x"\n'
    )
    before = Tool.objects.count()
    response = import_tools(manager, csv_text)
    result = response.context["result"]
    assert not result.has_errors()  # no crash report hiding the other rows
    assert {row.number: row.error_dict for row in result.invalid_rows} == {
        1: {
            "disciplines": ["unknown discipline slug: devops-x"],
            "practices": ["unknown practice slugs: nope-1, nope-2"],
        },
        3: {
            "homepage": ["Enter a valid URL."],
            "licence": ["Value 'weird' is not a valid choice."],
        },
        4: {
            "disciplines": ["unknown discipline slug: mlops-x"],
            "practices": ["unknown practice slug: x"],
        },
    }
    body = response.content.decode()
    for shown in ["nope-1, nope-2", "Enter a valid URL.", "mlops-x", "unknown practice slug: x"]:
        assert shown in body
    assert "confirm_form" not in response.context
    assert Tool.objects.count() == before


def test_practice_import_reports_an_unknown_phase_and_unknown_hindrances_together(
    manager: Client, catalogue: dict[str, Any]
) -> None:
    csv_text = (
        "slug,name,phase,order,description,done_well,hindrances\n"
        'mystery,Mystery,devops-nowhere,1,,,"skills-gap,luck,money"\n'
    )
    response = import_csv(manager, "practice", csv_text)
    (row,) = response.context["result"].invalid_rows
    assert row.error_dict == {
        "phase": ["unknown lifecycle phase slug: devops-nowhere"],
        "hindrances": ["unknown hindrance slugs: luck, money"],
    }
    assert not catalogue["practice"].__class__.objects.filter(slug="mystery").exists()
