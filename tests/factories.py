import factory

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool


class DisciplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"discipline-{n}")
    name = factory.Sequence(lambda n: f"Discipline {n}")
    description = "A way of working."
    order = factory.Sequence(lambda n: n + 1)


class LifecyclePhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifecyclePhase

    discipline = factory.SubFactory(DisciplineFactory)
    slug = factory.Sequence(lambda n: f"phase-{n}")
    name = factory.Sequence(lambda n: f"Phase {n}")
    order = factory.Sequence(lambda n: n + 1)


class HindranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hindrance

    slug = factory.Sequence(lambda n: f"hindrance-{n}")
    name = factory.Sequence(lambda n: f"Hindrance {n}")
    order = factory.Sequence(lambda n: n + 1)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice
        skip_postgeneration_save = True

    phase = factory.SubFactory(LifecyclePhaseFactory)
    slug = factory.Sequence(lambda n: f"practice-{n}")
    name = factory.Sequence(lambda n: f"Practice {n}")
    description = "Something teams do."
    done_well = "Everybody does it, every time."

    @factory.post_generation
    def hindrances(self, create: bool, extracted: list[Hindrance] | None, **kwargs: object) -> None:
        if create and extracted:
            self.hindrances.set(extracted)

    @factory.post_generation
    def prerequisites(
        self, create: bool, extracted: list[Practice] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            self.prerequisites.set(extracted)


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"tool-{n}")
    name = factory.Sequence(lambda n: f"Tool {n}")
    vendor = "Acme"
    homepage = factory.Sequence(lambda n: f"https://tool-{n}.example.com/")
    licence = Tool.Licence.OPEN_SOURCE
    delivery = Tool.Delivery.SELF_HOSTED
    ring = Tool.Ring.ADOPT
    min_maturity = 1

    @factory.post_generation
    def disciplines(
        self, create: bool, extracted: list[Discipline] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            self.disciplines.set(extracted)

    @factory.post_generation
    def practices(self, create: bool, extracted: list[Practice] | None, **kwargs: object) -> None:
        if create and extracted:
            self.practices.set(extracted)
