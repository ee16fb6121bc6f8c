"""Writes that carry the rules of questionnaires and assessments.

Admin actions, API views and management commands all call these functions; each runs in
one transaction, so a refused request leaves nothing half-done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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

from assessments import consensus, questionnaire_format, scoring, selectors
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
    Respondent,
    RespondentAnswer,
    Section,
)
from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice
from opsassess.core.exceptions import Conflict, StaleVersion
from organisations.models import Organisation, Unit

TAG_MODELS = {
    "disciplines": Discipline,
    "phases": LifecyclePhase,
    "practices": Practice,
    "hindrances": Hindrance,
}


ANSWER_FIELDS = ("choices", "number", "not_applicable", "comment", "evidence_url")
# A keyword argument left out (where None means something: clear the value).
NOT_GIVEN: Any = object()


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
        derivation=document.get("derivation", consensus.Rule.MEAN.value),
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
        derivation=latest.derivation,
        changelog="",
    )
    _create_tree(version, document)
    return version


# --- assessments ------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *,
    organisation: Organisation,
    version: QuestionnaireVersion,
    user: AbstractBaseUser,
    title: str = "",
    unit: Unit | None = None,
    due_on: date | None = None,
) -> Assessment:
    """Start a draft; of `unit` (which starts it with its targets for the questionnaire)."""
    if not version.is_published:
        raise ValidationError({"version": "Only published questionnaire versions can be answered."})
    _check_due_on(due_on)
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
        due_on=due_on,
        created_by=user,
    )


# How far ahead a deadline for the respondents may lie (a typo such as 2206 is refused).
DUE_ON_HORIZON = timedelta(days=5 * 366)


def _check_due_on(due_on: date | None, stored: date | None = None) -> None:
    """A new deadline lies between today and DUE_ON_HORIZON from now; the stored one may stay."""
    if due_on is None or due_on == stored:
        return
    today = timezone.localdate()
    if due_on < today:
        raise ValidationError({"due_on": f"A deadline lies today ({today}) or later."})
    if due_on > today + DUE_ON_HORIZON:
        raise ValidationError({"due_on": "A deadline lies at most five years ahead."})


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


def _has_respondents(assessment: Assessment) -> bool:
    """Whether a locked assessment has respondents. A query of its own, after the lock: the
    statement that waited for the lock reads other tables as they were when it started, so
    it could miss a respondent added by the transaction it waited for."""
    return Respondent.objects.filter(assessment_id=assessment.pk).exists()


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


def _merged_answers(
    answers: Sequence[AnswerInput],
    tree: selectors.VersionTree,
    stored: Mapping[str, selectors.StoredAnswer],
) -> list[tuple[AnswerInput, dict[str, Any]]]:
    """Each answer of a batch merged with its stored values (fields left out keep theirs) and
    checked against its question, leaving out those that would change nothing.

    Raises ValidationError naming every bad answer (`answers.<index>...`) at once.
    """
    questions = tree.question_by_key()
    engine_questions = {question.key: question for question in tree.model.questions()}
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
        if (
            previous is not None
            and previous.source == Answer.Source.DIRECT
            and previous.score is None
            and all(values[name] == getattr(previous, name) for name in ANSWER_FIELDS)
        ):
            continue  # as stored already: no write, no history row, no new revision
        merged.append((item, values))
    if errors:
        raise ValidationError(errors)
    return merged


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
    if _has_respondents(assessment):
        raise Conflict(
            "This assessment is answered by its respondents: each saves their own answers "
            f"with PATCH /api/v1/assessments/{assessment.pk}/my-answers/, and owners and "
            "editors record agreed answers with PUT "
            f"/api/v1/assessments/{assessment.pk}/consensus/<question key>/.",
            code="has_respondents",
        )
    tree = selectors.version_tree(assessment.version)
    questions = tree.question_by_key()
    stored = selectors.answers_by_key(assessment, tree)
    merged = _merged_answers(answers, tree, stored)
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
        # A direct answer replaces whatever was there, a derived or consensus one included.
        update_fields=[
            *ANSWER_FIELDS,
            "notes_carried_over",
            "score",
            "source",
            "consensus_note",
            "answered_by",
            "updated_at",
        ],
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
    data["answers"] = {key: _snapshot_answer(answer) for key, answer in sorted(answers.items())}
    return data


def _snapshot_answer(answer: selectors.StoredAnswer) -> dict[str, Any]:
    """An answer as a snapshot keeps it; a score (derived or agreed) and where the answer came
    from are kept only when there is one, so results of directly answered assessments keep
    their shape."""
    stored: dict[str, Any] = {
        "choices": list(answer.choices),
        "number": None if answer.number is None else str(answer.number),
        "not_applicable": answer.not_applicable,
    }
    if answer.score is not None:
        stored["score"] = str(answer.score)
    if answer.source != Answer.Source.DIRECT:
        stored["source"] = str(answer.source)
    return stored


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
    due_on: date | Any | None = NOT_GIVEN,
) -> Assessment:
    """Retitle an assessment (even once submitted), or set a draft's targets or deadline
    (`due_on`; None clears it).

    `expected_etag` is the ETag the client last read: a concurrent change makes it stale.
    """
    if targets is not None or due_on is not NOT_GIVEN:
        assessment = _lock_draft(assessment, expected_etag)
    else:
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        _check_revision(assessment, expected_etag)
    before = (assessment.title, assessment.targets, assessment.due_on)
    if targets is not None:
        assessment.targets = assessment_targets_validate(
            targets=targets, version=assessment.version
        )
    if title is not None:
        assessment.title = title
    if due_on is not NOT_GIVEN:
        _check_due_on(due_on, assessment.due_on)
        assessment.due_on = due_on
    if (assessment.title, assessment.targets, assessment.due_on) == before:
        return assessment  # nothing changed: the revision, and so the ETag, stay
    assessment.revision += 1
    assessment.save(update_fields=["title", "targets", "due_on", "revision", "updated_at"])
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
    disagreement = _disagreement_at_submit(assessment, tree, answers)
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
    snapshot["disagreement"] = disagreement

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


def _carried_targets(assessment: Assessment, version: QuestionnaireVersion) -> dict[str, Any]:
    """The targets a re-assessment starts with: the previous ones where they still fit the
    version, else the unit's own for the questionnaire where those fit, else none."""
    preset = (assessment.unit.targets or {}) if assessment.unit_id else {}
    for targets in (assessment.targets, preset.get(version.questionnaire.slug)):
        if targets:
            try:
                return assessment_targets_validate(targets=targets, version=version)
            except ValidationError:
                continue
    return {}


@transaction.atomic
def assessment_copy(*, assessment: Assessment, user: AbstractBaseUser) -> CopyOutcome:
    """Start a re-assessment: a draft of the same subject (the organisation or its unit) on
    the latest published version, with its targets and answers pre-filled.

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
        unit=assessment.unit,
        version=version,
        title=assessment.title,
        targets=_carried_targets(assessment, version),
        copied_from=assessment,
        created_by=user,
    )
    tree = selectors.version_tree(version)
    if assessment.respondents.exists():
        return CopyOutcome(copy, _copy_respondents(assessment, copy, tree, user))
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


# --- respondents, their answers and the answers derived from them -----------------------------
#
# An assessment with respondents is answered by each of them separately (RespondentAnswer);
# its own answer to a question (Answer) is then derived from theirs by the questionnaire
# version's rule (`derivation`), unless an owner or editor recorded a consensus answer, which
# wins until it is cleared. Every write below locks the assessment row first, so saves,
# removals, consensus and submit of one assessment take turns and each derivation sees every
# respondent's latest answers.

DERIVED_REASON = "derived from the respondents' answers"
CONVERTED_REASON = "answers given before the assessment had respondents"


@dataclass(frozen=True)
class SavedRespondentAnswers:
    respondent: Respondent  # as locked and bumped by the save: its ETag is the new one
    assessment: Assessment
    answers: dict[str, selectors.StoredAnswer]  # the respondent's answers, in form order


def _derive(
    assessment: Assessment,
    tree: selectors.VersionTree,
    question_ids: set[int],
    user: AbstractBaseUser,
    now: datetime,
) -> bool:
    """Bring the derived answers to `question_ids` up to date with the respondents' answers
    (the caller holds the assessment's lock); True when any changed. Consensus answers are
    left alone; a question nothing can be derived for loses its derived answer. Two queries,
    plus one write of each kind that is needed, whatever the number of questions."""
    if not question_ids:
        return False
    rule = consensus.Rule(assessment.version.derivation)
    engine = {question.key: question for question in tree.model.questions()}
    given = selectors.respondent_engine_answers(assessment, tree, question_ids)
    rows = (
        Answer.objects.filter(assessment=assessment, question_id__in=question_ids)
        .order_by()
        .values_list("question_id", "pk", "source", "choices", "number", "not_applicable", "score")
    )
    stored = {question_id: (pk, *values) for question_id, pk, *values in rows}
    upserts: list[Answer] = []
    created: list[Answer] = []
    changed: list[Answer] = []
    gone: list[int] = []
    for question_id in sorted(question_ids):
        question = tree.question_by_id[question_id]
        previous = stored.get(question_id)
        if previous is not None and previous[1] == Answer.Source.CONSENSUS:
            continue
        derived = consensus.derive(rule, engine[question.key], given.get(question.key, [])).answer
        if derived is None:
            if previous is not None:
                gone.append(previous[0])
            continue
        values = (
            Answer.Source.DERIVED,
            list(derived.choices),
            derived.number,
            derived.not_applicable,
            derived.score,
        )
        if previous is not None and previous[1:] == values:
            continue
        row = Answer(
            assessment=assessment,
            question=question,
            source=Answer.Source.DERIVED,
            choices=list(derived.choices),
            number=derived.number,
            not_applicable=derived.not_applicable,
            score=derived.score,
            answered_by=user,
            updated_at=now,
        )
        upserts.append(row)
        (created if previous is None else changed).append(row)
    if gone:
        # One by one through the ORM, so each removal leaves its row in the audit history.
        for answer in Answer.objects.filter(pk__in=gone):
            answer._change_reason = DERIVED_REASON  # type: ignore[attr-defined]
            answer.delete()
    if upserts:
        Answer.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["assessment", "question"],
            update_fields=[
                *ANSWER_FIELDS,
                "notes_carried_over",
                "score",
                "source",
                "consensus_note",
                "answered_by",
                "updated_at",
            ],
        )
        history = {
            "default_user": user,
            "default_date": now,
            "default_change_reason": DERIVED_REASON,
        }
        Answer.history.bulk_history_create(created, **history)
        Answer.history.bulk_history_create(changed, update=True, **history)
    return bool(gone or upserts)


def _convert_direct_answers(
    assessment: Assessment, tree: selectors.VersionTree, user: AbstractBaseUser, now: datetime
) -> dict[int, Respondent]:
    """The direct answers of an assessment getting its first respondent become the answers
    of the people who gave them (`answered_by`), each a respondent from now on, so nothing
    is lost; the assessment's answers are then derived from theirs. Returns the respondents
    made, by user id."""
    direct = list(
        Answer.objects.filter(assessment=assessment, source=Answer.Source.DIRECT)
        .select_related("answered_by")
        .order_by("updated_at", "pk")
    )
    made: dict[int, Respondent] = {}
    for answer in direct:
        if answer.answered_by_id not in made:
            respondent = Respondent(assessment=assessment, user=answer.answered_by)
            respondent._change_reason = CONVERTED_REASON  # type: ignore[attr-defined]
            respondent.save()
            made[answer.answered_by_id] = respondent
    bulk_create_with_history(
        [
            RespondentAnswer(
                respondent=made[answer.answered_by_id],
                question_id=answer.question_id,
                choices=answer.choices,
                number=answer.number,
                not_applicable=answer.not_applicable,
                comment=answer.comment,
                evidence_url=answer.evidence_url,
                updated_at=answer.updated_at,
            )
            for answer in direct
        ],
        RespondentAnswer,
        default_user=user,
        default_date=now,
        default_change_reason=CONVERTED_REASON,
    )
    _derive(assessment, tree, {answer.question_id for answer in direct}, user, now)
    return made


@dataclass(frozen=True)
class AddedRespondent:
    respondent: Respondent
    invitation: Any = None  # the invitation sent, for someone who is not a member yet
    secret: str = ""  # its key: only a hash is stored, so it is shown to the caller this once


@transaction.atomic
def respondent_add(
    *,
    assessment: Assessment,
    added_by: AbstractBaseUser,
    username: str = "",
    email: str = "",
    accept_url: Callable[[str], str] | None = None,
) -> AddedRespondent:
    """Ask someone to answer a draft assessment.

    A member of its organisation (any role), named by `username`, becomes a respondent at
    once. Anyone else, named by the username of their account or by an e-mail address, gets
    an invitation to the organisation in the respondent role that names the assessment
    (organisations.services.invitation_create, which mails the link built by `accept_url`);
    the respondent is theirs once they accept it (`respondent_invitation_accepted`).

    The first respondent of an assessment that has answers already turns those answers into
    the answers of the people who gave them (see `_convert_direct_answers`).
    """
    from django.contrib.auth import get_user_model

    from organisations import services as organisation_services

    assessment = _lock_draft(assessment)
    organisation = assessment.organisation
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None and Respondent.objects.filter(assessment=assessment, user=user).exists():
        raise Conflict(f"'{username}' already answers this assessment.", code="already_respondent")
    invited = Respondent.objects.filter(
        assessment=assessment,
        user__isnull=True,
        invitation__accepted_at__isnull=True,
        invitation__revoked_at__isnull=True,
        invitation__expires_at__gt=timezone.now(),
    )
    already = invited.filter(invitation__username=username) if username else invited.none()
    if email:
        already = already | invited.filter(invitation__email__iexact=email)
    if already.exists():
        raise Conflict(
            f"{username or email} is invited to answer this assessment already.",
            code="already_respondent",
        )
    member = user is not None and organisation.memberships.filter(user=user).exists()
    invitation, secret = None, ""
    if not member:
        title = assessment.title or f"{assessment.version.questionnaire.name} of {organisation}"
        invitation, secret = organisation_services.invitation_create(
            organisation=organisation,
            invited_by=added_by,
            role="respondent",
            email=email,
            username=username,
            purpose=f"You are asked to answer \u201c{title}\u201d.",
            accept_url=accept_url,
        )
    now = timezone.now()
    made: dict[int, Respondent] = {}
    if not _has_respondents(assessment):
        made = _convert_direct_answers(
            assessment, selectors.version_tree(assessment.version), added_by, now
        )
    respondent = made.get(user.pk) if member and user is not None else None
    if respondent is None:
        respondent = Respondent.objects.create(
            assessment=assessment, user=user if member else None, invitation=invitation
        )
    _bump(assessment)
    return AddedRespondent(respondent, invitation, secret)


@transaction.atomic
def respondent_remove(*, respondent: Respondent, user: AbstractBaseUser) -> None:
    """Take a respondent off a draft assessment: their answers go with them and the answers
    they took part in are derived again from the others' (or removed when none is left)."""
    from organisations import services as organisation_services

    assessment = _lock_draft(respondent.assessment)
    respondent = Respondent.objects.select_related("invitation").get(pk=respondent.pk)
    touched = set(respondent.answers.values_list("question_id", flat=True))
    invitation = respondent.invitation
    respondent.delete()  # its answers go too, each leaving an audit row
    if (
        respondent.user_id is None
        and invitation is not None
        and invitation.status == "pending"
        and not invitation.respondents.exists()
    ):
        # Nobody is asked to answer by it any more: its key can no longer be used.
        organisation_services.invitation_revoke(invitation=invitation)
    _derive(assessment, selectors.version_tree(assessment.version), touched, user, timezone.now())
    _bump(assessment)


def _locked_respondent(respondent: Respondent, expected_etag: str | None) -> Respondent:
    locked = Respondent.objects.select_for_update().filter(pk=respondent.pk).first()
    if locked is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("You no longer answer this assessment.")
    if expected_etag is not None:
        tags = parse_etags(expected_etag)
        if tags != ["*"] and locked.etag not in tags:
            raise StaleVersion()
    return locked


@transaction.atomic
def respondent_save_answers(
    *,
    respondent: Respondent,
    answers: Sequence[AnswerInput],
    user: AbstractBaseUser,
    expected_etag: str | None = None,
) -> SavedRespondentAnswers:
    """Upsert a respondent's own answers, all of them or none, with the rules of
    `assessment_save_answers`; then derive the assessment's answers to the questions touched.

    `expected_etag` is the respondent's ETag as last read. A save that changes nothing keeps
    both the respondent's and the assessment's revision.
    """
    assessment = _lock_draft(respondent.assessment)
    respondent = _locked_respondent(respondent, expected_etag)
    tree = selectors.version_tree(assessment.version)
    stored = selectors.respondent_answers_by_key(respondent, tree)
    merged = _merged_answers(answers, tree, stored)
    order = tree.form_order
    if not merged:
        return SavedRespondentAnswers(respondent, assessment, stored)
    now = timezone.now()
    questions = tree.question_by_key()
    rows: list[RespondentAnswer] = []
    created: list[RespondentAnswer] = []
    changed: list[RespondentAnswer] = []
    for item, values in merged:
        values.pop("notes_carried_over")
        row = RespondentAnswer(
            respondent=respondent, question=questions[item.question], updated_at=now, **values
        )
        rows.append(row)
        (changed if item.question in stored else created).append(row)
    RespondentAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["respondent", "question"],
        update_fields=[*ANSWER_FIELDS, "updated_at"],
    )
    RespondentAnswer.history.bulk_history_create(created, default_user=user, default_date=now)
    RespondentAnswer.history.bulk_history_create(
        changed, update=True, default_user=user, default_date=now
    )
    Respondent.objects.filter(pk=respondent.pk).update(revision=F("revision") + 1)
    respondent.refresh_from_db(fields=["revision"])
    _derive(assessment, tree, {row.question.pk for row in rows}, user, now)
    _bump(assessment)
    saved = dict(stored)
    for row in rows:
        saved[row.question.key] = selectors.StoredAnswer(
            row.pk,
            row.question,
            row.choices,
            row.number,
            row.not_applicable,
            row.comment,
            row.evidence_url,
            False,
            now,
        )
    return SavedRespondentAnswers(
        respondent, assessment, dict(sorted(saved.items(), key=lambda item: order[item[0]]))
    )


@dataclass(frozen=True)
class ConsensusInput:
    choices: tuple[str, ...] = ()
    number: Decimal | None = None
    not_applicable: bool = False
    score: Decimal | None = None
    comment: str = ""
    evidence_url: str = ""


def _lock_with_respondents(assessment: Assessment, expected_etag: str | None = None) -> Assessment:
    assessment = _lock_draft(assessment, expected_etag)
    if not _has_respondents(assessment):
        raise Conflict(
            "This assessment has no respondents, so there is nothing to agree on: save its "
            f"answers with PATCH /api/v1/assessments/{assessment.pk}/answers/.",
            code="no_respondents",
        )
    return assessment


@transaction.atomic
def consensus_set(
    *,
    assessment: Assessment,
    question_key: str,
    answer: ConsensusInput,
    note: str,
    user: AbstractBaseUser,
    expected_etag: str | None = None,
) -> Answer:
    """Record the answer the respondents agreed on for one question, with why (`note`): it
    replaces the derived answer until cleared. Every call leaves a row in the audit history,
    also one that agrees with the derived answer or repeats the consensus already recorded.
    With `expected_etag` (an If-Match value), a change to the assessment since that ETag was
    read (another facilitator's consensus, a respondent's save) refuses it: StaleVersion.
    The answer returned carries the assessment as it now is (its new ETag)."""
    assessment = _lock_with_respondents(assessment, expected_etag)
    tree = selectors.version_tree(assessment.version)
    question = tree.question_by_key().get(question_key)
    if question is None:
        raise ValidationError({"question": f"No question '{question_key}' in this version."})
    if not note.strip():
        raise ValidationError({"note": "Say why the respondents agreed on this answer."})
    engine_answer = scoring.Answer(
        question=question_key,
        choices=answer.choices,
        number=answer.number,
        not_applicable=answer.not_applicable,
        score=answer.score,
    )
    engine_question = next(q for q in tree.model.questions() if q.key == question_key)
    problems = scoring.validate_answer(engine_question, engine_answer)
    if engine_answer.is_empty:
        problems = ["give choices, a number, a score or not_applicable"]
    if problems:
        # The engine judges the answer as a whole; the error names the field the caller used.
        given = [
            name
            for name, value in (
                ("score", answer.score),
                ("number", answer.number),
                ("choices", answer.choices),
                ("not_applicable", answer.not_applicable),
            )
            if value not in (None, (), False)
        ]
        field = given[0] if given else "choices"
        raise ValidationError({field: [f"{question_key}: {problem}" for problem in problems]})
    now = timezone.now()
    previous = Answer.objects.filter(assessment=assessment, question=question).first()
    row = previous or Answer(assessment=assessment)
    row.assessment = assessment  # the locked row: its ETag is the assessment's current one
    row.question = question  # the tree's row: reading its key later costs no query
    before = None if previous is None else _consensus_values(previous)
    row.source = Answer.Source.CONSENSUS
    row.choices = list(answer.choices)
    row.number = answer.number
    row.not_applicable = answer.not_applicable
    row.score = answer.score
    row.comment = answer.comment
    row.evidence_url = answer.evidence_url
    row.notes_carried_over = False
    row.consensus_note = note
    row.answered_by = user
    if before is not None and before == _consensus_values(row):
        # The same consensus again: the record of it being confirmed, nothing else changes.
        Answer.history.bulk_history_create(
            [row],
            update=True,
            default_user=user,
            default_date=now,
            default_change_reason="consensus confirmed",
        )
        return row
    row._change_reason = "consensus recorded"  # type: ignore[attr-defined]
    row.save()
    _bump(assessment)
    return row


def _consensus_values(answer: Answer) -> tuple[Any, ...]:
    return (
        answer.source,
        list(answer.choices),
        answer.number,
        answer.not_applicable,
        answer.score,
        answer.comment,
        answer.evidence_url,
        answer.consensus_note,
        answer.answered_by_id,
    )


@transaction.atomic
def consensus_clear(
    *,
    assessment: Assessment,
    question_key: str,
    user: AbstractBaseUser,
    expected_etag: str | None = None,
) -> Answer | None:
    """Drop the consensus answer to a question: its answer is derived from the respondents'
    again. Returns the derived answer now in place (None: nothing to derive).
    `expected_etag` as for consensus_set."""
    assessment = _lock_with_respondents(assessment, expected_etag)
    tree = selectors.version_tree(assessment.version)
    question = tree.question_by_key().get(question_key)
    if question is None:
        raise ValidationError({"question": f"No question '{question_key}' in this version."})
    found = Answer.objects.filter(
        assessment=assessment, question=question, source=Answer.Source.CONSENSUS
    ).first()
    if found is None:
        raise Answer.DoesNotExist(f"Question '{question_key}' has no consensus answer to clear.")
    found._change_reason = "consensus cleared"  # type: ignore[attr-defined]
    found.delete()
    _derive(assessment, tree, {question.pk}, user, timezone.now())
    _bump(assessment)
    return (
        Answer.objects.filter(assessment=assessment, question=question)
        .select_related("question")
        .first()
    )


def _disagreement_at_submit(
    assessment: Assessment,
    tree: selectors.VersionTree,
    answers: Mapping[str, selectors.StoredAnswer],
) -> dict[str, Any] | None:
    """The disagreement block a result keeps (None without respondents), after checking that
    no question still waits for the facilitator (409 `consensus_needed` naming them)."""
    # Counted after the lock, in a query of its own (see _has_respondents).
    respondents = Respondent.objects.filter(assessment=assessment).count()
    if not respondents:
        return None
    given = selectors.respondent_engine_answers(assessment, tree)
    view = selectors.disagreement_view(tree, given, respondents, answers)
    awaiting = [
        row["question"] for row in view["questions"] if row["status"] == "awaiting_facilitator"
    ]
    if awaiting:
        raise Conflict(
            f"{len(awaiting)} question(s) answered by the respondents need a consensus answer "
            "first: this questionnaire leaves the decision to a facilitator.",
            code="consensus_needed",
            extra={"awaiting_consensus": awaiting},
        )
    return view


def _copy_respondents(
    assessment: Assessment, copy: Assessment, tree: selectors.VersionTree, user: AbstractBaseUser
) -> list[dict[str, str]]:
    """A re-assessment of an assessment with respondents asks the same people again: each
    respondent who answered (not pending invitations) starts from their own earlier answers
    (matched by question key; one that no longer fits is left out and reported with their
    username), without comments or evidence, which explained the earlier answers. The new
    answers are derived from theirs under the new version's rule; consensus answers are not
    carried over, since a consensus settles one round of answers."""
    questions = tree.question_by_key()
    engine = {question.key: question for question in tree.model.questions()}
    old_tree = selectors.version_tree(assessment.version)
    dropped: list[dict[str, str]] = []
    rows: list[RespondentAnswer] = []
    for respondent in assessment.respondents.filter(user__isnull=False).select_related("user"):
        again = Respondent(assessment=copy, user=respondent.user)
        again._change_reason = "copied"  # type: ignore[attr-defined]
        again.save()
        name = respondent.user.get_username()
        for key, answer in selectors.respondent_answers_by_key(respondent, old_tree).items():
            reason = None
            if key not in questions:
                reason = "not in the new questionnaire version"
            elif problems := scoring.validate_answer(engine[key], answer.to_engine(key)):
                reason = "; ".join(problems)
            if reason is not None:
                dropped.append({"question": key, "respondent": name, "reason": reason})
                continue
            rows.append(
                RespondentAnswer(
                    respondent=again,
                    question=questions[key],
                    choices=answer.choices,
                    number=answer.number,
                    not_applicable=answer.not_applicable,
                )
            )
    bulk_create_with_history(
        rows, RespondentAnswer, default_user=user, default_change_reason="copied"
    )
    _derive(copy, tree, {row.question.pk for row in rows}, user, timezone.now())
    return dropped


def respondent_invitation_accepted(*, invitation: Any, user: AbstractBaseUser) -> None:
    """An invitation naming assessments to answer was accepted by `user`: its respondents
    get their user (in the accepting transaction). Where the user answers an assessment
    already, the invited place is dropped instead (one person, one set of answers)."""
    for respondent in Respondent.objects.filter(invitation=invitation, user__isnull=True):
        if Respondent.objects.filter(assessment_id=respondent.assessment_id, user=user).exists():
            respondent._change_reason = "invitation accepted by a respondent already"  # type: ignore[attr-defined]
            respondent.delete()
            continue
        respondent.user = user
        respondent._change_reason = "invitation accepted"  # type: ignore[attr-defined]
        respondent.save(update_fields=["user"])


@transaction.atomic
def assessment_rederive(*, assessment: Assessment, user: AbstractBaseUser) -> Assessment:
    """Derive every answer of a draft again from its respondents' answers (consensus answers
    stay): for answers written in bulk, outside `respondent_save_answers` (imports, the
    benchmark). Changes nothing when the derived answers are up to date."""
    assessment = _lock_draft(assessment)
    tree = selectors.version_tree(assessment.version)
    questions = {question.pk for question in tree.questions}
    if _derive(assessment, tree, questions, user, timezone.now()):
        _bump(assessment)
    return assessment
