"""The seed catalogue (fixtures/catalog.json) applied to a database that may already be in use.

`seed_missing` only adds the seed rows a database lacks, matched by slug, and never touches a
row that exists (nor its links), so edits made in the admin survive every `make run`.
`reset_to_seed` is the deliberate opposite: seed rows get their seed values and links back.
Both save row by row, so the audit trail records each change with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.serializers.base import DeserializedObject
from django.db import models, transaction

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "catalog.json"
SEEDED = "added from the seed catalogue"
RESET = "reset to the seed catalogue"


@dataclass
class SeedOutcome:
    created: Counter[type[models.Model]] = field(default_factory=Counter)
    reset: Counter[type[models.Model]] = field(default_factory=Counter)
    kept: Counter[type[models.Model]] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [
            f"{verb} {_count(counter)}"
            for verb, counter in (
                ("created", self.created),
                ("reset", self.reset),
                ("kept", self.kept),
            )
            if counter
        ]
        return "Seed catalogue: " + ("; ".join(parts) or "nothing to do") + "."


def _count(counter: Counter[type[models.Model]]) -> str:
    rows = sum(counter.values())
    detail = ", ".join(
        f"{number} {model._meta.verbose_name if number == 1 else model._meta.verbose_name_plural}"
        for model, number in counter.items()
    )
    return f"{rows} row{'s' if rows != 1 else ''} ({detail})"


def _seed_rows(path: Path) -> Iterator[DeserializedObject]:
    # Lazily: a row's natural keys are looked up when it is reached, so a phase created a
    # few rows earlier is found by the practices that follow it in the file.
    with path.open(encoding="utf-8") as stream:
        yield from serializers.deserialize("json", stream)


def _save(row: DeserializedObject, reason: str) -> None:
    instance = row.object
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()
    for name, values in (row.m2m_data or {}).items():
        instance._change_reason = reason  # type: ignore[attr-defined]
        getattr(instance, name).set(values)


def _differs(row: DeserializedObject) -> bool:
    instance = row.object
    model = type(instance)
    stored = model._default_manager.get(pk=instance.pk)
    for model_field in model._meta.concrete_fields:
        if getattr(stored, model_field.attname) != getattr(instance, model_field.attname):
            return True
    for name, values in (row.m2m_data or {}).items():
        linked = set(getattr(stored, name).values_list("pk", flat=True))
        if linked != {int(value) for value in values}:
            return True
    return False


@transaction.atomic
def seed_missing(*, path: Path = SEED_FILE) -> SeedOutcome:
    """Create the seed rows whose slug is not in the database; leave every other row alone."""
    outcome = SeedOutcome()
    for row in _seed_rows(path):
        label = type(row.object)
        if row.object.pk is not None:
            outcome.kept[label] += 1
            continue
        _save(row, SEEDED)
        outcome.created[label] += 1
    return outcome


@transaction.atomic
def reset_to_seed(*, path: Path = SEED_FILE) -> SeedOutcome:
    """Give every seed row its seed values and links; rows the seed does not have stay."""
    outcome = SeedOutcome()
    for row in _seed_rows(path):
        label = type(row.object)
        if row.object.pk is None:
            _save(row, SEEDED)
            outcome.created[label] += 1
        elif _differs(row):
            _save(row, RESET)
            outcome.reset[label] += 1
        else:
            outcome.kept[label] += 1
    return outcome
