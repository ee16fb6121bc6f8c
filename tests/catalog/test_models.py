import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from catalog.models import Discipline, LifecyclePhase, Practice, Tool
from tests.factories import (
    DisciplineFactory,
    LifecyclePhaseFactory,
    PracticeFactory,
    ToolFactory,
)

pytestmark = pytest.mark.django_db


def test_slugs_are_unique_per_model() -> None:
    DisciplineFactory(slug="devops")
    with pytest.raises(IntegrityError), transaction.atomic():
        Discipline.objects.create(slug="devops", name="Another DevOps")


def test_two_phases_of_one_discipline_cannot_share_a_position() -> None:
    discipline = DisciplineFactory()
    LifecyclePhaseFactory(discipline=discipline, order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        LifecyclePhaseFactory(discipline=discipline, order=1)


def test_phases_of_different_disciplines_may_share_a_position() -> None:
    LifecyclePhaseFactory(order=1)
    LifecyclePhaseFactory(order=1)
    assert LifecyclePhase.objects.filter(order=1).count() == 2


def test_phase_position_zero_is_rejected_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LifecyclePhaseFactory(order=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("licence", "freeware"), ("delivery", "on_a_floppy"), ("ring", "maybe"), ("min_maturity", 6)],
)
def test_tool_values_outside_their_choices_are_rejected_by_the_database(
    field: str, value: object
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolFactory(**{field: value})


def test_full_clean_names_the_bad_tool_field() -> None:
    tool = ToolFactory.build(ring="maybe")
    with pytest.raises(ValidationError) as excinfo:
        tool.full_clean()
    assert "ring" in excinfo.value.message_dict


def test_deleting_a_discipline_that_still_has_phases_is_refused() -> None:
    phase = LifecyclePhaseFactory()
    with pytest.raises(ProtectedError):
        phase.discipline.delete()
    assert Discipline.objects.filter(pk=phase.discipline.pk).exists()


def test_rows_are_found_by_their_slug_as_natural_key() -> None:
    practice = PracticeFactory(slug="trunk-based-development")
    assert practice.natural_key() == ("trunk-based-development",)
    assert Practice.objects.get_by_natural_key("trunk-based-development") == practice


def test_a_practice_knows_its_discipline_through_its_phase() -> None:
    discipline = DisciplineFactory(name="MLOps")
    practice = PracticeFactory(phase=LifecyclePhaseFactory(discipline=discipline, name="Plan"))
    assert practice.discipline == discipline
    assert str(practice.phase) == "MLOps / Plan"


def test_practices_outside_the_tool_disciplines_are_named() -> None:
    devops, mlops = DisciplineFactory(), DisciplineFactory()
    inside = PracticeFactory(slug="inside", phase=LifecyclePhaseFactory(discipline=devops))
    outside = PracticeFactory(slug="outside", phase=LifecyclePhaseFactory(discipline=mlops))
    assert Tool.practices_outside_disciplines([inside, outside], [devops]) == ["outside"]
    assert Tool.practices_outside_disciplines([inside, outside], [devops, mlops]) == []
