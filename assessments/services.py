"""Writes that carry the rules of questionnaires and assessments.

Admin actions, API views and management commands all call these functions; each runs in
one transaction, so a refused request leaves nothing half-done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.http import parse_etags
from simple_history.utils import bulk_create_with_history

from assessments import questionnaire_format, scoring, selectors
from assessments import targets as target_rules
from assessments.models import (
    Answer,
    Assessment,
    Band,
    Choice,
    MaturityLevel,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)
from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice
from opsassess.core.exceptions import Conflict, StaleVersion
from organisations.models import Membership, Organisation, Unit

TAG_MODELS = {
    "disciplines": Discipline,
    "phases": LifecyclePhase,
    "practices": Practice,
    "hindrances": Hindrance,
}


ANSWER_FIELDS = ("choices", "number", "not_applicable", "comment", "evidence_url")


# --- questionnaires ---------------------------------------------------------------------------


def _known_tags() -> dict[str, set[str]]:
    return {
        axis: set(model.objects.values_list("slug", flat=True))
        for axis, model in TAG_MODELS.items()
    }


def _d(value: Any) -> Decimal | None:
    return questionnaire_format.to_decimal(value)


@dataclass(frozen=True)
class ImportOutcome:
    version: QuestionnaireVersion
    created: bool


@transaction.atomic
def questionnaire_import(*, document: Any) -> ImportOutcome:
    """Create a questionnaire version from a document in the questionnaire format.

    Idempotent: a document whose version exists with identical content changes nothing.
    """
    questionnaire_format.check(document, known_tags=_known_tags())
    questionnaire, _ = Questionnaire.objects.get_or_create(
        slug=document["slug"],
        defaults={"name": document["name"], "description": document.get("description", "")},
    )
    number = document.get("version")
    if number is not None:
        existing = questionnaire.versions.filter(number=number).first()
        if existing is not None:
            current = selectors.questionnaire_document(selectors.version_tree(existing), existing)

            # The questionnaire's name and description are not versioned: a renamed
            # questionnaire still matches the files of its earlier versions.
            def content(doc: Mapping[str, Any]) -> Any:
                reduced = {k: v for k, v in doc.items() if k not in {"name", "description"}}
                return questionnaire_format.canonical(reduced)

            if content(current) == content(document):
                return ImportOutcome(existing, created=False)
            raise questionnaire_format.FormatError(
                [
                    f"version: version {number} of '{questionnaire.slug}' already exists with "
                    "different content; give a new version number or leave it out"
                ]
            )
    else:
        latest = questionnaire.versions.order_by("-number").first()
        number = (latest.number + 1) if latest else 1
    status = document.get("status", QuestionnaireVersion.Status.PUBLISHED)
    if (
        status == QuestionnaireVersion.Status.DRAFT
        and questionnaire.versions.filter(status=QuestionnaireVersion.Status.DRAFT).exists()
    ):
        raise questionnaire_format.FormatError(
            [f"status: '{questionnaire.slug}' already has a draft; publish or delete it first"]
        )
    fields = {"name": document["name"], "description": document.get("description", "")}
    if any(getattr(questionnaire, k) != v for k, v in fields.items()):
        Questionnaire.objects.filter(pk=questionnaire.pk).update(**fields)
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=number,
        level_mode=document.get("level_mode", scoring.LevelMode.THRESHOLD.value),
        changelog=document.get("changelog", ""),
    )
    _create_tree(version, document)
    if status == QuestionnaireVersion.Status.PUBLISHED:
        version = questionnaire_publish(version=version)
    return ImportOutcome(version, created=True)


def _section_level(data: Mapping[str, Any]) -> dict[str, Any]:
    """A section level as stored in `Section.levels` (the number as an exact decimal string)."""
    stored: dict[str, Any] = {"key": data["key"], "name": data["name"]}
    if data.get("description"):
        stored["description"] = data["description"]
    stored["min_score"] = str(_d(data["min_score"]))
    if data.get("min_score_exclusive"):
        stored["min_score_exclusive"] = True
    return stored


def _create_tree(version: QuestionnaireVersion, document: Mapping[str, Any]) -> None:
    levels = {}
    for position, data in enumerate(document["levels"]):
        levels[data["key"]] = MaturityLevel.objects.create(
            version=version,
            key=data["key"],
            name=data["name"],
            description=data.get("description", ""),
            position=position,
            min_score=_d(data.get("min_score")),
            min_score_exclusive=data.get("min_score_exclusive", False),
        )
    slugs = {
        axis: dict(model.objects.values_list("slug", "pk")) for axis, model in TAG_MODELS.items()
    }
    tag_rows: dict[str, list[Any]] = {axis: [] for axis in TAG_MODELS}

    def create_section(data: Mapping[str, Any], parent: Section | None, position: int) -> None:
        section = Section.objects.create(
            version=version,
            parent=parent,
            key=data["key"],
            title=data.get("title", ""),
            description=data.get("description", ""),
            aggregation=data.get("aggregation", scoring.Aggregation.WEIGHTED_MEAN.value),
            weight=_d(data.get("weight", 1)),
            position=position,
            unanswered=data.get("unanswered", ""),
            informational=data.get("informational", False),
            levels=[_section_level(level) for level in data.get("levels", [])],
        )
        for child_position, child in enumerate(data["children"]):
            if "children" in child:
                create_section(child, section, child_position)
            else:
                create_question(child, section, child_position)

    def create_question(data: Mapping[str, Any], section: Section, position: int) -> None:
        linear = data.get("linear") or {}
        question = Question.objects.create(
            version=version,
            section=section,
            key=data["key"],
            type=data["type"],
            text=data["text"],
            help_text=data.get("help", ""),
            unit=data.get("unit", ""),
            weight=_d(data.get("weight", 1)),
            position=position,
            required=data.get("required", True),
            allow_not_applicable=data.get("allow_not_applicable", False),
            none_option=data.get("none_option", ""),
            unanswered=data.get("unanswered", ""),
            min_value=_d(data.get("min")),
            max_value=_d(data.get("max")),
            linear_from_value=_d(linear.get("from_value")),
            linear_to_value=_d(linear.get("to_value")),
            linear_from_score=_d(linear.get("from_score", 0)) if linear else None,
            linear_to_score=_d(linear.get("to_score", 1)) if linear else None,
            level_gate=levels.get(data.get("level_gate", "")),
            pass_score=_d(data.get("pass_score")),
        )
        bulk_create_with_history(
            [
                Choice(
                    question=question,
                    key=c["key"],
                    label=c["label"],
                    value=_d(c["value"]),
                    position=i,
                )
                for i, c in enumerate(data.get("choices", []))
            ],
            Choice,
        )
        bulk_create_with_history(
            [
                Band(
                    question=question,
                    lower=_d(b.get("lower")),
                    upper=_d(b.get("upper")),
                    value=_d(b["value"]),
                    label=b.get("label", ""),
                    position=i,
                )
                for i, b in enumerate(data.get("bands", []))
            ],
            Band,
        )
        for axis, values in data.get("tags", {}).items():
            through = getattr(Question, axis).through
            column = f"{TAG_MODELS[axis]._meta.model_name}_id"
            tag_rows[axis] += [
                through(question_id=question.pk, **{column: slugs[axis][slug]}) for slug in values
            ]

    create_section(document["root"], None, 0)
    for axis, rows in tag_rows.items():
        getattr(Question, axis).through.objects.bulk_create(rows)


@transaction.atomic
def questionnaire_publish(
    *, version: QuestionnaireVersion, published_at: datetime | None = None
) -> QuestionnaireVersion:
    """Freeze a draft after checking that its rules can be scored.

    `published_at` keeps the original moment when an organisation's export is imported.
    """
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise Conflict(f"Version {version.number} is already published.", code="published")
    problems = scoring.validate_model(selectors.scoring_model(selectors.version_tree(version)))
    if problems:
        raise ValidationError({"questions": problems})
    version.status = QuestionnaireVersion.Status.PUBLISHED
    version.published_at = published_at or timezone.now()
    version.save(update_fields=["status", "published_at"])
    return version


@transaction.atomic
def questionnaire_new_version(*, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """Start a draft as a copy of the latest version."""
    Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
    if questionnaire.versions.filter(status=QuestionnaireVersion.Status.DRAFT).exists():
        raise Conflict(
            f"'{questionnaire.slug}' already has a draft version; edit or publish that one.",
            code="draft_exists",
        )
    latest = questionnaire.versions.order_by("-number").first()
    if latest is None:
        raise Conflict(f"'{questionnaire.slug}' has no version to copy.", code="no_version")
    document = selectors.questionnaire_document(selectors.version_tree(latest), latest)
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=latest.number + 1,
        level_mode=latest.level_mode,
        changelog="",
    )
    _create_tree(version, document)
    return version


# --- organisations and assessments ------------------------------------------------------------


@transaction.atomic
def organisation_create(*, name: str, slug: str, owner: AbstractBaseUser) -> Organisation:
    organisation = Organisation.objects.create(name=name, slug=slug)
    Membership.objects.create(organisation=organisation, user=owner, role=Membership.Role.OWNER)
    return organisation


@transaction.atomic
def organisation_set_tools(*, organisation: Organisation, tool_slugs: Sequence[str]) -> None:
    """Replace the tools an organisation declares it uses; unknown slugs refuse the lot."""
    from catalog.models import Tool
    from organisations.models import OrganisationTool

    wanted = set(tool_slugs)
    tools = {tool.slug: tool for tool in Tool.objects.filter(slug__in=wanted)}
    unknown = sorted(wanted - set(tools))
    if unknown:
        raise ValidationError({"tools": f"Unknown tool slug(s): {', '.join(unknown)}."})
    OrganisationTool.objects.filter(organisation=organisation).exclude(
        tool__slug__in=wanted
    ).delete()
    existing = set(
        OrganisationTool.objects.filter(organisation=organisation).values_list(
            "tool__slug", flat=True
        )
    )
    bulk_create_with_history(
        [
            OrganisationTool(organisation=organisation, tool=tools[slug])
            for slug in sorted(wanted - existing)
        ],
        OrganisationTool,
    )


@transaction.atomic
def api_key_create(
    *,
    name: str,
    created_by: AbstractBaseUser,
    organisation: Organisation | None = None,
    expiry_date: Any = None,
) -> tuple[Any, str]:
    """A read-only scores key for one organisation, or for all when organisation is None.

    Returns the stored key and the secret, which is shown this once and never again.
    """
    from organisations.models import OrganisationAPIKey

    if organisation is None and not getattr(created_by, "is_staff", False):
        raise ValidationError({"scope": "Only staff can create keys for all organisations."})
    if expiry_date is not None and expiry_date <= timezone.now():
        raise ValidationError({"expiry_date": "An expiry date must lie in the future."})
    scope = (
        OrganisationAPIKey.Scope.ORGANISATION
        if organisation is not None
        else OrganisationAPIKey.Scope.ALL_ORGANISATIONS
    )
    return OrganisationAPIKey.objects.create_key(
        name=name,
        organisation=organisation,
        scope=scope,
        created_by=created_by,
        expiry_date=expiry_date,
    )


@transaction.atomic
def api_key_revoke(*, key: Any) -> None:
    """Revoke a key for good (revocation cannot be undone)."""
    if not key.revoked:
        key.revoked = True
        key.save(update_fields=["revoked"])


@transaction.atomic
def assessment_create(
    *,
    organisation: Organisation,
    version: QuestionnaireVersion,
    user: AbstractBaseUser,
    title: str = "",
    unit: Unit | None = None,
) -> Assessment:
    """Start a draft; of `unit` (which starts it with its targets for the questionnaire)."""
    if not version.is_published:
        raise ValidationError({"version": "Only published questionnaire versions can be answered."})
    targets: dict[str, Any] = {}
    if unit is not None:
        if unit.organisation_id != organisation.pk:
            raise ValidationError({"unit": f"No unit '{unit.slug}' in {organisation.slug}."})
        preset = (unit.targets or {}).get(version.questionnaire.slug)
        if preset:
            try:
                targets = assessment_targets_validate(targets=preset, version=version)
            except ValidationError as error:
                raise ValidationError(
                    {
                        "unit": f"The targets of unit '{unit.slug}' for this questionnaire do "
                        f"not fit version {version.number}: {'; '.join(error.messages)}"
                    }
                ) from None
    return Assessment.objects.create(
        organisation=organisation,
        unit=unit,
        version=version,
        title=title,
        targets=targets,
        created_by=user,
    )


@dataclass(frozen=True)
class AnswerInput:
    question: str
    choices: tuple[str, ...] = ()
    number: Decimal | None = None
    not_applicable: bool = False
    comment: str = ""
    evidence_url: str = ""
    fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SavedAnswers:
    assessment: Assessment  # as locked and bumped by the save: its ETag is the new one
    answers: dict[str, selectors.StoredAnswer]  # every stored answer, in form order


def _bump(assessment: Assessment) -> None:
    """Record that the assessment changed: a new revision, hence a new ETag."""
    Assessment.objects.filter(pk=assessment.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    assessment.refresh_from_db(fields=["revision", "updated_at"])


def _check_revision(assessment: Assessment, expected_etag: str | None) -> None:
    """`expected_etag` is an If-Match value (None: not sent): `*` matches the assessment as
    it is, otherwise one of the listed tags must equal its ETag (RFC 9110 13.1.1: strong
    comparison, so weak tags never match). An empty value lists nothing, so matches nothing."""
    if expected_etag is None:
        return
    tags = parse_etags(expected_etag)
    if tags != ["*"] and assessment.etag not in tags:
        raise StaleVersion()


def _lock_draft(assessment: Assessment, expected_etag: str | None = None) -> Assessment:
    # The assessment row alone is locked; its version and organisation come in the same query.
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("version", "organisation")
        .get(pk=assessment.pk)
    )
    _check_revision(locked, expected_etag)
    if locked.is_submitted:
        raise Conflict(
            "This assessment has been submitted; its answers can no longer change. "
            "Copy it to start a re-assessment.",
            code="submitted",
        )
    return locked


def _notes_still_carried_over(
    item: AnswerInput, previous: selectors.StoredAnswer | None, values: dict[str, Any]
) -> bool:
    """Whether an answer's copied comment and evidence stay flagged as carried over; `values`
    loses them when the answer changes, since they explained the earlier answer.

    Sending a comment or evidence confirms the notes; resending the same answer keeps the flag.
    """
    if previous is None or not previous.notes_carried_over:
        return False
    if item.fields & {"comment", "evidence_url"}:
        return False
    unchanged = (
        values["choices"] == list(previous.choices)
        and values["number"] == previous.number
        and values["not_applicable"] == previous.not_applicable
    )
    if unchanged:
        return True
    values["comment"], values["evidence_url"] = "", ""
    return False


@transaction.atomic
def assessment_save_answers(
    *,
    assessment: Assessment,
    answers: Sequence[AnswerInput],
    user: AbstractBaseUser,
    expected_etag: str | None = None,
) -> SavedAnswers:
    """Upsert many answers at once: all of them are saved, or none when any is invalid.

    Fields a client leaves out of an answer keep their stored value, so a comment can be
    added without resending the answer.
    """
    assessment = _lock_draft(assessment, expected_etag)
    tree = selectors.version_tree(assessment.version)
    questions = tree.question_by_key()
    model = selectors.scoring_model(tree)
    engine_questions = {question.key: question for question in model.questions()}
    stored = selectors.answers_by_key(assessment, tree)

    errors: dict[str, Any] = {}
    seen: set[str] = set()
    merged: list[tuple[AnswerInput, dict[str, Any]]] = []
    for index, item in enumerate(answers):
        if item.question not in questions:
            errors[f"answers.{index}.question"] = (
                f"No question '{item.question}' in this questionnaire version."
            )
            continue
        if item.question in seen:
            errors[f"answers.{index}.question"] = (
                f"Question '{item.question}' is answered twice in this request."
            )
            continue
        seen.add(item.question)
        previous = stored.get(item.question)
        values = {
            name: getattr(item, name)
            if name in item.fields or previous is None
            else getattr(previous, name)
            for name in ANSWER_FIELDS
        }
        values["choices"] = list(values["choices"])
        values["notes_carried_over"] = _notes_still_carried_over(item, previous, values)
        problems = scoring.validate_answer(
            engine_questions[item.question],
            scoring.Answer(
                question=item.question,
                choices=tuple(values["choices"]),
                number=values["number"],
                not_applicable=values["not_applicable"],
            ),
        )
        if problems:
            errors[f"answers.{index}"] = [f"{item.question}: {problem}" for problem in problems]
            continue
        if previous is not None and all(
            values[name] == getattr(previous, name) for name in ANSWER_FIELDS
        ):
            continue  # as stored already: no write, no history row, no new revision
        merged.append((item, values))
    if errors:
        raise ValidationError(errors)
    order = tree.form_order
    if not merged:
        return SavedAnswers(
            assessment=assessment,
            answers=dict(sorted(stored.items(), key=lambda item: order[item[0]])),
        )

    # One upsert (an INSERT ... ON CONFLICT DO UPDATE that returns every row's id) and one
    # history insert per kind of change, whatever the number of answers; the assessment row
    # lock taken above keeps concurrent savers of the same assessment in line.
    now = timezone.now()
    rows: list[Answer] = []
    changed: list[Answer] = []
    created: list[Answer] = []
    for item, values in merged:
        row = Answer(
            assessment=assessment,
            question=questions[item.question],
            answered_by=user,
            updated_at=now,
            **values,
        )
        rows.append(row)
        (changed if item.question in stored else created).append(row)
    Answer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["assessment", "question"],
        update_fields=[*ANSWER_FIELDS, "notes_carried_over", "answered_by", "updated_at"],
    )
    Answer.history.bulk_history_create(created, default_user=user, default_date=now)
    Answer.history.bulk_history_create(changed, update=True, default_user=user, default_date=now)
    _bump(assessment)
    saved = dict(stored)
    for row in rows:
        key = row.question.key
        saved[key] = selectors.StoredAnswer(
            row.pk,
            row.question,
            row.choices,
            row.number,
            row.not_applicable,
            row.comment,
            row.evidence_url,
            row.notes_carried_over,
            now,
        )
    return SavedAnswers(
        assessment=assessment,
        answers=dict(sorted(saved.items(), key=lambda item: order[item[0]])),
    )


def result_snapshot(
    tree: selectors.VersionTree,
    result: scoring.Result,
    answers: Mapping[str, selectors.StoredAnswer],
) -> dict[str, Any]:
    """Everything needed to show (and re-check) a result without the live catalogue."""
    names = tree.tag_names()
    data = result.to_dict()
    for axis, scores in data["breakdowns"].items():  # type: ignore[union-attr]
        for slug, score in scores.items():
            score["name"] = names.get(axis, {}).get(slug, slug)
    section_keys = {section.pk: section.key for section in tree.sections}
    described: dict[str, tuple[str, str, str | None]] = {
        section.key: ("section", section.title or section.key, section_keys.get(section.parent_id))
        for section in tree.sections
    }
    described |= {
        question.key: ("question", question.text, section_keys[question.section_id])
        for question in tree.questions
    }
    level_names = {
        section.key: {level["key"]: level["name"] for level in section.levels}
        for section in tree.sections
        if section.levels
    }
    for key, node in data["nodes"].items():  # type: ignore[union-attr]
        node["kind"], node["title"], node["parent"] = described[key]
        if "level" in node:
            node["level_name"] = level_names[key].get(node["level"])
    level = next((lvl for lvl in tree.levels if lvl.key == result.level), None)
    data["level_name"] = level.name if level else None
    data["level_description"] = level.description if level else None
    data["answers"] = {
        key: {
            "choices": list(answer.choices),
            "number": None if answer.number is None else str(answer.number),
            "not_applicable": answer.not_applicable,
        }
        for key, answer in sorted(answers.items())
    }
    return data


def section_levels(snapshot: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """The level each section with levels of its own reached, keyed like `result_figures`."""
    return {
        ("section", key): node["level"]
        for key, node in snapshot.get("nodes", {}).items()
        if node.get("kind") == "section" and node.get("level")
    }


def result_figures(snapshot: Mapping[str, Any]) -> dict[tuple[str, str], Decimal | None]:
    """Every percentage of a result snapshot, keyed by (axis, key)."""

    def dec(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    figures: dict[tuple[str, str], Decimal | None] = {
        ("overall", "overall"): dec(snapshot.get("overall_percent"))
    }
    for key, node in snapshot.get("nodes", {}).items():
        if node.get("kind") == "section":
            figures[("section", key)] = dec(node.get("percent"))
    axes = {"disciplines": "discipline", "phases": "phase", "hindrances": "hindrance"}
    for plural, axis in axes.items():
        for key, score in snapshot.get("breakdowns", {}).get(plural, {}).items():
            figures[(axis, key)] = dec(score.get("percent"))
    return figures


def _target_nodes(
    targets: Mapping[str, Any], tree: selectors.VersionTree, overall_max: Fraction | None
) -> dict[tuple[str, str], Fraction | Decimal]:
    """An assessment's targets as percentages per node; a level becomes its exact share of the
    overall maximum (which "not applicable" answers may lower)."""
    nodes: dict[tuple[str, str], Fraction | Decimal] = {}
    level = _target_level(targets, tree)
    if level is not None and level.min_score is not None and overall_max:
        nodes[("overall", "overall")] = Fraction(level.min_score) / overall_max * 100
    for key, percent in targets.get("sections", {}).items():
        nodes[("section", key)] = Decimal(str(percent))
    for slug, percent in targets.get("disciplines", {}).items():
        nodes[("discipline", slug)] = Decimal(str(percent))
    return nodes


def _target_answers(targets: Mapping[str, Any]) -> dict[str, scoring.Answer]:
    """An assessment's target answers (as stored in `targets["answers"]`) for the engine."""
    return {
        key: scoring.Answer(
            key,
            tuple(answer.get("choices", ())),
            None if answer.get("number") is None else Decimal(str(answer["number"])),
        )
        for key, answer in targets.get("answers", {}).items()
    }


def _targets_from_answers(
    targets: Mapping[str, Any],
    model: scoring.Model,
    current: Mapping[str, scoring.Answer],
) -> target_rules.AnswerTargets | None:
    if not targets.get("answers"):
        return None
    return target_rules.from_answers(model, current, _target_answers(targets))


def _target_level(targets: Mapping[str, Any], tree: selectors.VersionTree) -> Any:
    key = targets.get("level")
    return next((level for level in tree.levels if level.key == key), None) if key else None


def _exact_figures(
    exact: scoring.ExactPercents, root_key: str
) -> dict[tuple[str, str], Fraction | None]:
    """The exact percentages of the nodes a target may name."""
    figures: dict[tuple[str, str], Fraction | None] = {
        ("overall", "overall"): exact.nodes.get(root_key)
    }
    figures |= {("section", key): percent for key, percent in exact.nodes.items()}
    figures |= {
        ("discipline", slug): percent
        for slug, percent in exact.breakdowns.get("disciplines", {}).items()
    }
    return figures


def targets_view(
    targets: Mapping[str, Any],
    tree: selectors.VersionTree,
    answers: Mapping[str, selectors.StoredAnswer] | None = None,
) -> dict[str, Any]:
    """An assessment's targets as set, with the level's name, percentages to 4 places; with
    target answers also the targets that follow from them and the current `answers`."""
    level = _target_level(targets, tree)
    places = Decimal("0.0001")
    view = {
        "level": level.key if level else None,
        "level_name": level.name if level else None,
        "sections": {
            key: str(Decimal(str(value)).quantize(places))
            for key, value in targets.get("sections", {}).items()
        },
        "disciplines": {
            slug: str(Decimal(str(value)).quantize(places))
            for slug, value in targets.get("disciplines", {}).items()
        },
    }
    derived = _targets_from_answers(
        targets, selectors.scoring_model(tree), selectors.engine_answers(dict(answers or {}))
    )
    if derived is not None:
        reached = next((lvl for lvl in tree.levels if lvl.key == derived.level), None)

        def text(value: Fraction | None) -> str | None:
            return None if value is None else str(target_rules.quantize(value))

        view["answers"] = dict(targets["answers"])
        view["from_answers"] = {
            "overall": text(derived.overall),
            "level": derived.level,
            "level_name": reached.name if reached else None,
            "sections": {key: text(value) for key, value in derived.sections.items()},
        }
    return view


def assessment_targets_validate(
    *, targets: Mapping[str, Any], version: QuestionnaireVersion
) -> dict[str, Any]:
    """Check targets against the questionnaire version; the rule for API and admin alike."""
    tree = selectors.version_tree(version)
    errors: dict[str, str] = {}
    level = targets.get("level")
    if level is not None and level not in {lvl.key for lvl in tree.levels}:
        errors["targets.level"] = f"No level '{level}' in this questionnaire."
    for key, problems in target_rules.answer_problems(
        selectors.scoring_model(tree), _target_answers(targets)
    ).items():
        errors[f"targets.answers.{key}"] = "; ".join(problems)
    sections = {section.key for section in tree.sections}
    disciplines = set(tree.tag_names()["disciplines"])
    for group, known in (("sections", sections), ("disciplines", disciplines)):
        for key, percent in targets.get(group, {}).items():
            if key not in known:
                errors[f"targets.{group}.{key}"] = (
                    f"'{key}' is not one of this questionnaire's {group}."
                )
            elif not Decimal(0) <= Decimal(str(percent)) <= Decimal(100):
                errors[f"targets.{group}.{key}"] = "A target is a percentage from 0 to 100."
    if errors:
        raise ValidationError(errors)
    return dict(targets)


@transaction.atomic
def assessment_update(
    *,
    assessment: Assessment,
    expected_etag: str | None,
    title: str | None = None,
    targets: Mapping[str, Any] | None = None,
) -> Assessment:
    """Retitle an assessment (even once submitted) or set a draft's targets.

    `expected_etag` is the ETag the client last read: a concurrent change makes it stale.
    """
    if targets is not None:
        assessment = _lock_draft(assessment, expected_etag)
    else:
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        _check_revision(assessment, expected_etag)
    before = (assessment.title, assessment.targets)
    if targets is not None:
        assessment.targets = assessment_targets_validate(
            targets=targets, version=assessment.version
        )
    if title is not None:
        assessment.title = title
    if (assessment.title, assessment.targets) == before:
        return assessment  # nothing changed: the revision, and so the ETag, stay
    assessment.revision += 1
    assessment.save(update_fields=["title", "targets", "revision", "updated_at"])
    return assessment


# The recommendations endpoint shows the first ten steps of the roadmap; the roadmap has all.
RECOMMENDATIONS_STORED = 10


def _goal(targets: Mapping[str, Any]) -> Any:
    """An assessment's targets as the roadmap's goal (percentages as Decimals)."""
    from assessments import roadmap

    return roadmap.Goal(
        level=targets.get("level"),
        sections={key: Decimal(str(value)) for key, value in targets.get("sections", {}).items()},
        disciplines={
            slug: Decimal(str(value)) for slug, value in targets.get("disciplines", {}).items()
        },
    )


def assessment_submit(
    *, assessment: Assessment, user: AbstractBaseUser, expected_etag: str | None = None
) -> Assessment:
    """Score the answers once and freeze them, with recommendations and targets, in a snapshot."""
    return assessment_submit_with_answers(
        assessment=assessment, user=user, expected_etag=expected_etag
    ).assessment


@transaction.atomic
def assessment_submit_with_answers(
    *, assessment: Assessment, user: AbstractBaseUser, expected_etag: str | None = None
) -> SavedAnswers:
    """assessment_submit, also returning the answers it froze (so a response needs no re-read)."""
    from assessments import recommendations, roadmap, targets
    from assessments.models import Result, ResultScore

    assessment = _lock_draft(assessment, expected_etag)
    tree = selectors.version_tree(assessment.version)
    answers = selectors.answers_by_key(assessment, tree)
    progress = selectors.progress(tree, answers)
    if progress["missing_required"]:
        raise Conflict(
            f"{len(progress['missing_required'])} required question(s) are not answered yet.",
            code="incomplete",
            extra={"missing_required": progress["missing_required"]},
        )
    model = selectors.scoring_model(tree)
    engine_answers = selectors.engine_answers(answers)
    result = scoring.score(model, engine_answers)
    snapshot = result_snapshot(tree, result, answers)

    practices, tools, used = selectors.recommendation_catalogue(tree, assessment.organisation)
    advice = recommendations.recommend(
        model=model,
        answers=engine_answers,
        result=result,
        practices=practices,
        tools=tools,
        used_tools=used,
        questions=selectors.question_infos(tree),
        limit=None,
    )
    snapshot["recommender_version"] = recommendations.RECOMMENDER_VERSION
    snapshot["recommendations"] = [item.to_dict() for item in advice[:RECOMMENDATIONS_STORED]]
    snapshot["roadmap"] = roadmap.build(
        model=model,
        answers=engine_answers,
        result=result,
        recommendations=advice,
        goal=_goal(assessment.targets),
        hindrance_names=tree.tag_names()["hindrances"],
        hindrance_order=selectors.hindrance_order(),
    ).to_dict()

    previous_id, previous_figures = selectors.previous_figures(assessment)
    figures = result_figures(snapshot)
    snapshot["previous_assessment"] = previous_id
    exact = scoring.exact_percents(model, engine_answers)
    if result.failed_gates:
        snapshot["level_without_gates"] = scoring.level_without_gates(model, exact.overall)
    target_level = _target_level(assessment.targets, tree)
    set_nodes = _target_nodes(assessment.targets, tree, exact.overall_max)
    derived = _targets_from_answers(assessment.targets, model, engine_answers)
    # Targets from the target answers first (overall, then the sections in tree order); a
    # level or section target set explicitly wins for its node.
    from_answers = derived.nodes() if derived is not None else {}
    nodes = {**from_answers, **set_nodes}
    snapshot["targets"] = []
    for row in targets.evaluate(nodes, _exact_figures(exact, tree.root.key), previous_figures):
        shown = row.to_dict()
        node = (row.axis, row.key)
        if row.axis == "overall" and target_level is not None:
            shown["level"], shown["level_name"] = target_level.key, target_level.name
        elif node not in set_nodes and derived is not None:
            shown["from_answers"] = True
            if row.axis == "overall":
                reached = next((lvl for lvl in tree.levels if lvl.key == derived.level), None)
                shown["level"] = derived.level
                shown["level_name"] = reached.name if reached else None
        snapshot["targets"].append(shown)

    now = timezone.now()
    stored = Result.objects.create(
        assessment=assessment,
        engine_version=result.engine_version,
        overall=result.overall,
        overall_percent=result.overall_percent,
        level_key=result.level or "",
        level_name=next((lvl.name for lvl in tree.levels if lvl.key == result.level), ""),
        snapshot=snapshot,
        computed_at=now,
    )
    ResultScore.objects.bulk_create(
        ResultScore(
            result=stored, axis=axis, key=key, percent=percent, level=levels.get((axis, key), "")
        )
        for levels in [section_levels(snapshot)]
        for (axis, key), percent in figures.items()
    )
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by = user
    assessment.revision += 1
    assessment.save(
        update_fields=["status", "submitted_at", "submitted_by", "revision", "updated_at"]
    )
    return SavedAnswers(assessment=assessment, answers=answers)


def assessment_recompute(*, assessment: Assessment) -> scoring.Result:
    """Score a submitted assessment's stored answers again (for checking a snapshot)."""
    tree = selectors.version_tree(assessment.version)
    answers = selectors.answers_by_key(assessment, tree)
    return scoring.score(selectors.scoring_model(tree), selectors.engine_answers(answers))


@dataclass(frozen=True)
class CopyOutcome:
    assessment: Assessment
    dropped: list[dict[str, str]]


@transaction.atomic
def assessment_copy(*, assessment: Assessment, user: AbstractBaseUser) -> CopyOutcome:
    """Start a re-assessment: a draft on the latest published version, answers pre-filled.

    Answers are matched by question key; an answer that no longer fits its question (the
    question is gone, or its choices or range changed) is left out and reported. Comments and
    evidence are copied flagged `notes_carried_over`: changing the answer later clears them,
    unless the same save sends a comment or evidence (which confirms them).
    """
    if not assessment.is_submitted:
        raise Conflict("Only a submitted assessment can be copied.", code="not_submitted")
    version = assessment.version.questionnaire.latest_published() or assessment.version
    copy = Assessment.objects.create(
        organisation=assessment.organisation,
        version=version,
        title=assessment.title,
        copied_from=assessment,
        created_by=user,
    )
    tree = selectors.version_tree(version)
    questions = tree.question_by_key()
    engine_questions = {q.key: q for q in selectors.scoring_model(tree).questions()}
    dropped = []
    rows = []
    for key, answer in selectors.answers_by_key(assessment).items():
        if key not in questions:
            dropped.append({"question": key, "reason": "not in the new questionnaire version"})
            continue
        problems = scoring.validate_answer(engine_questions[key], answer.to_engine(key))
        if problems:
            dropped.append({"question": key, "reason": "; ".join(problems)})
            continue
        rows.append(
            Answer(
                assessment=copy,
                question=questions[key],
                choices=answer.choices,
                number=answer.number,
                not_applicable=answer.not_applicable,
                comment=answer.comment,
                evidence_url=answer.evidence_url,
                notes_carried_over=bool(answer.comment or answer.evidence_url),
                answered_by=user,
            )
        )
    bulk_create_with_history(rows, Answer, default_user=user, default_change_reason="copied")
    return CopyOutcome(copy, dropped)


# --- the organisation's own settings (issue 15: portfolio) ---------------------------------


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, name: str | None = None, portfolio_roll_up: str | None = None
) -> Organisation:
    """Rename the organisation or change how its portfolio rolls up its units' scores.

    Values left out (None) or equal to the current ones write nothing, so the audit trail
    holds only real changes; a rename re-sends the organisation's feed rows (Organisation.save).
    """
    wanted = {"name": name, "portfolio_roll_up": portfolio_roll_up}
    changed = [
        field
        for field, value in wanted.items()
        if value is not None and getattr(organisation, field) != value
    ]
    if not changed:
        return organisation
    for field in changed:
        setattr(organisation, field, wanted[field])
    organisation.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    organisation.save(update_fields=changed)
    return organisation
