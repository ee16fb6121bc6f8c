"""A world for the web pages: the DevOps seed questionnaire (every question type), one
organisation with an owner, an editor, a viewer and a respondent (asked to answer nothing
yet), an outsider, staff, a draft and two submitted assessments."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from assessments import selectors, services
from assessments.management.commands.ensure_demo_assessment import sample_answer
from assessments.models import Assessment, QuestionnaireVersion
from assessments.questionnaire_format import TAG_AXES
from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice
from organisations.models import Membership, Organisation
from tests.assessments.conftest import MODELS_DIR, SEED_DIR, import_file, load

PASSWORD = "a-long-password-1"


@pytest.fixture
def devops(db: None) -> QuestionnaireVersion:
    """The DevOps seed questionnaire, on a catalogue of just the rows its questions name
    (the whole seed catalogue takes a second and a half per test to load)."""
    path = SEED_DIR / "devops-maturity.yaml"
    document = load(path)
    slugs: dict[str, set[str]] = {axis: set() for axis in TAG_AXES}

    def walk(node: dict[str, Any]) -> None:
        for child in node.get("children", []):
            walk(child)
        for axis, values in node.get("tags", {}).items():
            slugs[axis] |= set(values)

    walk(document["root"])
    disciplines = Discipline.objects.bulk_create(
        Discipline(slug=slug, name=slug.title(), order=i + 1)
        for i, slug in enumerate(sorted(slugs["disciplines"]))
    )
    phases = LifecyclePhase.objects.bulk_create(
        LifecyclePhase(slug=slug, name=slug, discipline=disciplines[0], order=i + 1)
        for i, slug in enumerate(sorted(slugs["phases"]))
    )
    Hindrance.objects.bulk_create(
        Hindrance(slug=slug, name=slug, order=i + 1)
        for i, slug in enumerate(sorted(slugs["hindrances"]))
    )
    Practice.objects.bulk_create(
        Practice(slug=slug, name=slug.replace("-", " "), phase=phases[0])
        for slug in sorted(slugs["practices"])
    )
    return services.questionnaire_import(document=document).version


def answer_sample(assessment: Assessment, user: User) -> None:
    """Every question answered as the demo's sample assessment is."""
    model = selectors.scoring_model(selectors.version_tree(assessment.version))
    services.assessment_save_answers(
        assessment=assessment,
        answers=[sample_answer(i, q) for i, q in enumerate(model.questions())],
        user=user,
    )


def submitted_sample(organisation: Organisation, version: Any, user: User, title: str) -> Any:
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )
    answer_sample(assessment, user)
    return services.assessment_submit(assessment=assessment, user=user)


@pytest.fixture
def world(devops: QuestionnaireVersion) -> dict[str, Any]:
    return build_world(devops)


@pytest.fixture
def small_world(db: None) -> dict[str, Any]:
    """The same people and assessments on the six-question rubric (pages "automation" and
    "environments"): cheap enough for a test per role and page."""
    return build_world(import_file(MODELS_DIR / "rubric.yaml"))


def build_world(version: QuestionnaireVersion) -> dict[str, Any]:
    devops = version
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users: dict[str, User] = {}
    for name, organisation, role in [
        ("owner", acme, "owner"),
        ("editor", acme, "editor"),
        ("viewer", acme, "viewer"),
        ("respondent", acme, "respondent"),
        ("outsider", globex, "owner"),
    ]:
        users[name] = User.objects.create_user(name, email=f"{name}@example.com", password=PASSWORD)
        Membership.objects.create(organisation=organisation, user=users[name], role=role)
    users["staff"] = User.objects.create_user("staff", password=PASSWORD, is_staff=True)
    owner = users["owner"]
    earlier = submitted_sample(acme, devops, owner, "Spring review")
    later = submitted_sample(acme, devops, owner, "Autumn review")
    draft = services.assessment_create(
        organisation=acme, version=devops, user=owner, title="Next review"
    )
    return {
        "version": devops,
        "acme": acme,
        "users": users,
        "draft": draft,
        "earlier": earlier,
        "submitted": later,
    }


def signed_in(world: dict[str, Any], role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.fixture
def portfolio(db: None) -> dict[str, Any]:
    """Acme of the portfolio's API tests (tests/assessments/test_portfolio.py): Engineering, a
    department, with the teams Payments and Search; "Zebra DevOps" (plan, build) and "Alpha
    MLOps" (data, models, serve). Percents:

        DevOps       plan  build  overall      MLOps        data  models  serve  overall
        Payments     100    50     75          Payments     100    100     25     75
        Search        25    75     50          Search         0      0      0      0
        Engineering  (rolled up)               Engineering  100      0     50     50
        Acme itself   50    50     50          Acme itself  (none)

    Members: an owner, a viewer and a respondent.
    """
    from tests.assessments import portfolio_world as pw

    pw.disciplines()
    devops = pw.questionnaire(
        "zebra-devops", "Zebra DevOps", "devops", [("plan", "Plan"), ("build", "Build")]
    )
    mlops = pw.questionnaire(
        "alpha-mlops",
        "Alpha MLOps",
        "mlops",
        [("data", "Data"), ("models", "Models"), ("serve", "Serving")],
    )
    acme = Organisation.objects.create(slug="acme", name="Acme")
    users = {}
    for role in ("owner", "viewer", "respondent"):
        users[role] = User.objects.create_user(role, email=f"{role}@example.com")
        Membership.objects.create(organisation=acme, user=users[role], role=role)
    owner = users["owner"]
    engineering = pw.unit(acme, "engineering", "Engineering", kind="department")
    payments = pw.unit(acme, "payments", "Payments", parent=engineering)
    search = pw.unit(acme, "search", "Search", parent=engineering)
    results = {
        "payments-devops": pw.result(
            acme, devops, owner, {"plan": 4, "build": 2}, payments, "Payments Q1"
        ),
        "search-devops": pw.result(acme, devops, owner, {"plan": 1, "build": 3}, search),
        "acme-devops": pw.result(acme, devops, owner, {"plan": 2, "build": 2}),
        "payments-mlops": pw.result(
            acme, mlops, owner, {"data": 4, "models": 4, "serve": 1}, payments
        ),
        "search-mlops": pw.result(acme, mlops, owner, {"data": 0, "models": 0, "serve": 0}, search),
        "engineering-mlops": pw.result(
            acme, mlops, owner, {"data": 4, "models": 0, "serve": 2}, engineering
        ),
    }
    return {
        "acme": acme,
        "users": users,
        "devops": devops,
        "mlops": mlops,
        "units": {"engineering": engineering, "payments": payments, "search": search},
        "results": results,
    }
