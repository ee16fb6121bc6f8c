"""Reads of questionnaires and assessments shared by services, the API and the admin.

Each selector runs a fixed number of queries whatever the size of the questionnaire.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from assessments import scoring
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
    Section,
)
from assessments.questionnaire_format import FORMAT, TAG_AXES, number
from organisations.models import READ_ROLES, Membership, Organisation

TAG_FIELDS = {
    "disciplines": "discipline",
    "phases": "lifecyclephase",
    "practices": "practice",
    "hindrances": "hindrance",
}


@dataclass
class VersionTree:
    """One questionnaire version fully loaded: sections, questions and their parts."""

    version: QuestionnaireVersion
    sections: list[Section]
    questions: list[Question]
    levels: list[MaturityLevel]
    choices: dict[int, list[Choice]] = field(default_factory=dict)
    bands: dict[int, list[Band]] = field(default_factory=dict)
    # question id -> axis -> [(slug, name)]
    tags: dict[int, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)

    @property
    def root(self) -> Section:
        return next(section for section in self.sections if section.parent_id is None)

    def children(self, section: Section) -> list[Section | Question]:
        """A section's subsections and questions in their authored order."""
        return self._children.get(section.pk, [])

    @cached_property
    def _children(self) -> dict[int | None, list[Section | Question]]:
        kids: dict[int | None, list[Section | Question]] = defaultdict(list)
        for section in self.sections:
            kids[section.parent_id].append(section)
        for question in self.questions:
            kids[question.section_id].append(question)
        for nodes in kids.values():
            nodes.sort(key=lambda node: (node.position, isinstance(node, Question), node.pk))
        return dict(kids)

    @cached_property
    def model(self) -> scoring.Model:
        """The scoring rules of this version, built once per loaded tree."""
        return _build_scoring_model(self)

    @cached_property
    def required_count(self) -> int:
        """How many questions must be answered before a submit (or a respondent is done)."""
        return sum(1 for question in self.questions if question.required)

    def questions_in_order(self) -> list[Question]:
        """Questions in the order a form shows them: depth first through the tree."""
        return list(self._questions_in_order)

    @cached_property
    def _questions_in_order(self) -> tuple[Question, ...]:
        ordered: list[Question] = []

        def visit(section: Section) -> None:
            for child in self.children(section):
                if isinstance(child, Section):
                    visit(child)
                else:
                    ordered.append(child)

        visit(self.root)
        return tuple(ordered)

    def question_by_key(self) -> dict[str, Question]:
        return {question.key: question for question in self.questions}

    @cached_property
    def question_by_id(self) -> dict[int, Question]:
        return {question.pk: question for question in self.questions}

    @cached_property
    def form_order(self) -> dict[str, int]:
        """Question key -> position in the order a form shows them."""
        return {question.key: index for index, question in enumerate(self._questions_in_order)}

    def level_key(self, question: Question) -> str | None:
        if question.level_gate_id is None:
            return None
        return next(level.key for level in self.levels if level.pk == question.level_gate_id)

    def tag_slugs(self, question: Question, axis: str) -> tuple[str, ...]:
        return tuple(slug for slug, _ in self.tags.get(question.pk, {}).get(axis, []))

    def tag_names(self) -> dict[str, dict[str, str]]:
        """axis -> slug -> name, for labelling breakdowns in a result snapshot."""
        names: dict[str, dict[str, str]] = {axis: {} for axis in TAG_AXES}
        for by_axis in self.tags.values():
            for axis, pairs in by_axis.items():
                names[axis].update(pairs)
        return names


# Published versions never change, so their loaded trees are kept per process. The key
# includes published_at, so a reused primary key (a test database, a restore) never hits.
_PUBLISHED_TREES: dict[tuple[int, Any], VersionTree] = {}
_PUBLISHED_TREES_MAX = 64


def version_tree(version: QuestionnaireVersion) -> VersionTree:
    """A whole version: 9 queries (sections, questions, choices, bands, levels, 4 tag kinds),
    or none for a published version already loaded by this process.
    """
    if not version.is_published or version.published_at is None:
        return _load_version_tree(version)
    key = (version.pk, version.published_at)
    tree = _PUBLISHED_TREES.get(key)
    if tree is None:
        tree = _load_version_tree(version)
        if len(_PUBLISHED_TREES) >= _PUBLISHED_TREES_MAX:
            _PUBLISHED_TREES.clear()
        _PUBLISHED_TREES[key] = tree
    return tree


def _load_version_tree(version: QuestionnaireVersion) -> VersionTree:
    """Tags keep the order they were authored in (the order of their link rows)."""
    questions = list(Question.objects.filter(version=version).order_by("position", "id"))
    tree = VersionTree(
        version=version,
        sections=list(Section.objects.filter(version=version).order_by("position", "id")),
        questions=questions,
        levels=list(MaturityLevel.objects.filter(version=version).order_by("position", "id")),
    )
    for choice in Choice.objects.filter(question__version=version).order_by("position", "id"):
        tree.choices.setdefault(choice.question_id, []).append(choice)
    for band in Band.objects.filter(question__version=version).order_by("position", "id"):
        tree.bands.setdefault(band.question_id, []).append(band)
    tags: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(dict)
    for axis, model_name in TAG_FIELDS.items():
        through = getattr(Question, axis).through
        rows = (
            through.objects.filter(question__version=version)
            .order_by("id")
            .values_list("question_id", f"{model_name}__slug", f"{model_name}__name")
        )
        for question_id, slug, name in rows:
            tags[question_id].setdefault(axis, []).append((slug, name))
    tree.tags = dict(tags)
    return tree


def _engine_question(tree: VersionTree, question: Question) -> scoring.Question:
    linear = None
    if question.linear_from_value is not None and question.linear_to_value is not None:
        linear = scoring.LinearMapping(
            from_value=question.linear_from_value,
            to_value=question.linear_to_value,
            from_score=question.linear_from_score or Decimal(0),
            to_score=question.linear_to_score
            if question.linear_to_score is not None
            else Decimal(1),
        )
    return scoring.Question(
        key=question.key,
        type=scoring.QuestionType(question.type),
        weight=question.weight,
        choices=tuple(
            scoring.Choice(c.key, c.value, c.label) for c in tree.choices.get(question.pk, [])
        ),
        min_value=question.min_value,
        max_value=question.max_value,
        bands=tuple(
            scoring.Band(value=b.value, lower=b.lower, upper=b.upper)
            for b in tree.bands.get(question.pk, [])
        ),
        linear=linear,
        allow_not_applicable=question.allow_not_applicable,
        none_option=question.none_option,
        unanswered=scoring.Unanswered(question.unanswered) if question.unanswered else None,
        required=question.required,
        level_gate=tree.level_key(question),
        pass_score=question.pass_score,
        **{axis: tree.tag_slugs(question, axis) for axis in TAG_AXES},
    )


def scoring_model(tree: VersionTree) -> scoring.Model:
    return tree.model


def _build_scoring_model(tree: VersionTree) -> scoring.Model:
    def build(section: Section) -> scoring.Section:
        return scoring.Section(
            key=section.key,
            aggregation=scoring.Aggregation(section.aggregation),
            weight=section.weight,
            title=section.title,
            children=tuple(
                build(child) if isinstance(child, Section) else _engine_question(tree, child)
                for child in tree.children(section)
            ),
            unanswered=scoring.Unanswered(section.unanswered) if section.unanswered else None,
            informational=section.informational,
            levels=tuple(section_levels(section)),
        )

    return scoring.Model(
        root=build(tree.root),
        levels=tuple(
            scoring.Level(level.key, level.name, level.min_score, level.min_score_exclusive)
            for level in tree.levels
        ),
        level_mode=scoring.LevelMode(tree.version.level_mode),
    )


def section_levels(section: Section) -> list[scoring.Level]:
    """A section's own levels (stored as JSON on the row) for the engine."""
    return [
        scoring.Level(
            str(level["key"]),
            str(level["name"]),
            Decimal(str(level["min_score"])),
            bool(level.get("min_score_exclusive", False)),
        )
        for level in section.levels or []
    ]


def _drop_defaults(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in data.items()
        if value is not None and value != "" and defaults.get(key, object()) != value
    }


def _question_document(tree: VersionTree, question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "text": question.text,
        "help": question.help_text,
        "unit": question.unit,
        "weight": number(question.weight),
        "required": question.required,
        "allow_not_applicable": question.allow_not_applicable,
        "none_option": question.none_option,
        "unanswered": question.unanswered,
        "min": number(question.min_value),
        "max": number(question.max_value),
    }
    data = _drop_defaults(data, {"weight": 1, "required": True, "allow_not_applicable": False})
    if question.pk in tree.choices:
        data["choices"] = [
            {"key": c.key, "label": c.label, "value": number(c.value)}
            for c in tree.choices[question.pk]
        ]
    if question.pk in tree.bands:
        data["bands"] = [
            _drop_defaults(
                {
                    "lower": number(b.lower),
                    "upper": number(b.upper),
                    "value": number(b.value),
                    "label": b.label,
                },
                {},
            )
            for b in tree.bands[question.pk]
        ]
    if question.linear_from_value is not None:
        data["linear"] = {
            "from_value": number(question.linear_from_value),
            "to_value": number(question.linear_to_value),
            "from_score": number(question.linear_from_score),
            "to_score": number(question.linear_to_score),
        }
    gate = tree.level_key(question)
    if gate:
        data["level_gate"] = gate
    if question.pass_score is not None:
        data["pass_score"] = number(question.pass_score)
    tags = {axis: list(tree.tag_slugs(question, axis)) for axis in TAG_AXES}
    tags = {axis: slugs for axis, slugs in tags.items() if slugs}
    if tags:
        data["tags"] = tags
    return data


def questionnaire_document(
    tree: VersionTree, version: QuestionnaireVersion | None = None
) -> dict[str, Any]:
    """A version as a document in the questionnaire format (the inverse of an import).

    Pass the `version` row just read: the questionnaire's name and description are not
    versioned, and a published tree may have been loaded (and kept) before a rename.
    """
    version = version or tree.version
    questionnaire = version.questionnaire

    def section_document(section: Section) -> dict[str, Any]:
        data = _drop_defaults(
            {
                "key": section.key,
                "title": section.title,
                "description": section.description,
                "aggregation": section.aggregation,
                "weight": number(section.weight),
                "unanswered": section.unanswered,
                "informational": section.informational,
            },
            {"aggregation": "weighted_mean", "weight": 1, "informational": False},
        )
        if section.levels:
            data["levels"] = [
                {**level, "min_score": number(Decimal(str(level["min_score"])))}
                for level in section.levels
            ]
        data["children"] = [
            section_document(child)
            if isinstance(child, Section)
            else _question_document(tree, child)
            for child in tree.children(section)
        ]
        return data

    document: dict[str, Any] = {
        "format": FORMAT,
        "slug": questionnaire.slug,
        "name": questionnaire.name,
        "description": questionnaire.description,
        "version": version.number,
        "status": version.status,
        "changelog": version.changelog,
        "level_mode": version.level_mode,
        "derivation": version.derivation,
    }
    document = _drop_defaults(document, {"level_mode": "threshold", "derivation": "mean"})
    document["levels"] = [
        _drop_defaults(
            {
                "key": level.key,
                "name": level.name,
                "description": level.description,
                "min_score": number(level.min_score),
                "min_score_exclusive": level.min_score_exclusive,
            },
            {"min_score_exclusive": False},
        )
        for level in tree.levels
    ]
    document["root"] = section_document(tree.root)
    return document


def questionnaire_list() -> QuerySet[Questionnaire]:
    """Questionnaires that have a published version, each with its versions prefetched."""
    return (
        Questionnaire.objects.filter(versions__status=QuestionnaireVersion.Status.PUBLISHED)
        .distinct()
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=QuestionnaireVersion.objects.filter(
                    status=QuestionnaireVersion.Status.PUBLISHED
                ).order_by("-number"),
                to_attr="published_versions",
            )
        )
    )


def organisations_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user)


def responds(user: AbstractBaseUser | AnonymousUser) -> Exists:
    """Whether `user` answers the assessment (an OuterRef'd row) and still belongs to its
    organisation: removing someone from an organisation ends their access to what they were
    asked to answer, though their place and answers stay for the facilitator to see."""
    return Exists(
        Respondent.objects.filter(
            assessment=OuterRef("pk"),
            user=user,
            user__memberships__organisation=OuterRef("organisation"),
        )
    )


def assessments_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Assessment]:
    """The assessments the user may read, ready to serialise.

    Owners, editors and viewers read every assessment of their organisation; a respondent
    only those they answer, while they still belong to the organisation.
    """
    if not user.is_authenticated:
        return Assessment.objects.none()
    member = Membership.objects.filter(
        organisation=OuterRef("organisation"), user=user, role__in=READ_ROLES
    )
    return Assessment.objects.filter(Exists(member) | responds(user)).select_related(
        "organisation", "unit", "version__questionnaire", "created_by", "submitted_by"
    )


@dataclass(slots=True)
class StoredAnswer:
    """A stored answer as plain data: what reads need, without a model instance per row.

    It has the attributes of an `Answer` that forms, scores, snapshots and copies read.
    """

    pk: int
    question: Question  # the tree's row
    choices: list[str]
    number: Decimal | None
    not_applicable: bool
    comment: str
    evidence_url: str
    notes_carried_over: bool
    updated_at: Any
    score: Decimal | None = None
    source: str = Answer.Source.DIRECT
    consensus_note: str = ""

    def to_engine(self, question_key: str) -> scoring.Answer:
        return scoring.Answer(
            question=question_key,
            choices=tuple(self.choices),
            number=self.number,
            not_applicable=self.not_applicable,
            score=self.score,
        )


_STORED_FIELDS = (
    "pk",
    "question_id",
    "choices",
    "number",
    "not_applicable",
    "comment",
    "evidence_url",
    "notes_carried_over",
    "updated_at",
    "score",
    "source",
    "consensus_note",
)


def answers_by_key(
    assessment: Assessment, tree: VersionTree | None = None
) -> dict[str, StoredAnswer]:
    """The assessment's answers by question key, in the order a form shows them: one query
    of plain rows (a 200-answer assessment is read on every save and submit).
    """
    if tree is None:
        tree = version_tree(assessment.version)
    by_id, order = tree.question_by_id, tree.form_order
    found: list[tuple[int, str, StoredAnswer]] = []
    rows = Answer.objects.filter(assessment=assessment).order_by().values_list(*_STORED_FIELDS)
    for pk, question_id, *values in rows:
        question = by_id[question_id]
        found.append((order[question.key], question.key, StoredAnswer(pk, question, *values)))
    found.sort(key=lambda row: row[0])
    return {key: answer for _, key, answer in found}


def answers_of(assessments: list[Assessment]) -> dict[int, dict[str, StoredAnswer]]:
    """The answers of many assessments by assessment id, then question key: one query
    (plus each version's tree, kept per process once published)."""
    trees = {a.pk: version_tree(a.version) for a in assessments}
    found: dict[int, dict[str, StoredAnswer]] = {a.pk: {} for a in assessments}
    rows = (
        Answer.objects.filter(assessment__in=list(trees))
        .order_by()
        .values_list("assessment_id", *_STORED_FIELDS)
    )
    for assessment_id, pk, question_id, *values in rows:
        question = trees[assessment_id].question_by_id[question_id]
        found[assessment_id][question.key] = StoredAnswer(pk, question, *values)
    return found


def engine_answers(answers: dict[str, StoredAnswer]) -> dict[str, scoring.Answer]:
    return {key: answer.to_engine(key) for key, answer in answers.items()}


def progress(tree: VersionTree, answers: Mapping[str, StoredAnswer | Answer]) -> dict[str, Any]:
    """How far an assessment is: answered questions, required ones, and those still missing."""
    questions = tree.questions_in_order()
    answered = {q.key for q in questions if q.key in answers and _is_answered(answers[q.key])}
    required = [q.key for q in questions if q.required]
    missing = [key for key in required if key not in answered]
    return {
        "total": len(tree.questions),
        "answered": len(answered),
        "required": len(required),
        "missing_required": missing,
        "complete": not missing,
    }


def answered_keys(answers: Mapping[str, StoredAnswer | Answer]) -> set[str]:
    """The questions that count as answered (as `progress` counts them)."""
    return {key for key, answer in answers.items() if _is_answered(answer)}


def _is_answered(answer: StoredAnswer | Answer) -> bool:
    return bool(
        answer.not_applicable
        or answer.choices
        or answer.number is not None
        or answer.score is not None
    )


def recommendation_catalogue(
    tree: VersionTree, organisation: Organisation
) -> tuple[dict[str, Any], list[Any], set[str]]:
    """What the recommender needs from the catalogue, in 6 queries of plain rows.

    The practices tagged in the version (with their hindrances, prerequisites, effort and what
    doing them well looks like), the tools supporting them
    (with the practices they support) and the slugs of the tools the organisation uses.
    """
    from assessments import recommendations
    from catalog.models import Practice, Tool
    from organisations.models import OrganisationTool

    slugs = {slug for by_axis in tree.tags.values() for slug, _ in by_axis.get("practices", [])}
    # Plain rows rather than model instances and prefetches: this runs on every submit.
    hindrances: dict[str, list[str]] = defaultdict(list)
    for practice, hindrance in (
        Practice.hindrances.through.objects.filter(practice__slug__in=slugs)
        .order_by("hindrance__order", "hindrance__slug")
        .values_list("practice__slug", "hindrance__slug")
    ):
        hindrances[practice].append(hindrance)
    prerequisites: dict[str, list[str]] = defaultdict(list)
    for practice, required in (
        Practice.prerequisites.through.objects.filter(from_practice__slug__in=slugs)
        .order_by("to_practice__slug")
        .values_list("from_practice__slug", "to_practice__slug")
    ):
        prerequisites[practice].append(required)
    practices = {
        slug: recommendations.PracticeInfo(
            slug=slug,
            name=name,
            hindrances=tuple(hindrances.get(slug, ())),
            done_well=done_well,
            effort=effort,
            prerequisites=tuple(prerequisites.get(slug, ())),
        )
        for slug, name, done_well, effort in Practice.objects.filter(slug__in=slugs).values_list(
            "slug", "name", "done_well", "effort"
        )
    }
    supporting = Tool.objects.filter(practices__slug__in=slugs)
    supported: dict[int, list[str]] = defaultdict(list)
    for tool_id, practice in (
        Tool.practices.through.objects.filter(tool__in=supporting.values("pk"))
        .order_by("id")
        .values_list("tool_id", "practice__slug")
    ):
        supported[tool_id].append(practice)
    tools = [
        recommendations.ToolInfo(
            slug=slug,
            name=name,
            ring=ring,
            min_maturity=min_maturity,
            practices=tuple(supported.get(pk, ())),
        )
        for pk, slug, name, ring, min_maturity in supporting.distinct()
        .order_by("name", "slug")
        .values_list("pk", "slug", "name", "ring", "min_maturity")
    ]
    used = set(
        OrganisationTool.objects.filter(organisation=organisation).values_list(
            "tool__slug", flat=True
        )
    )
    return practices, tools, used


def question_infos(tree: VersionTree) -> dict[str, Any]:
    """How each question of the version reads (text, unit, band labels), for the recommender."""
    from assessments import recommendations

    return {
        question.key: recommendations.QuestionInfo(
            key=question.key,
            text=question.text,
            unit=question.unit,
            band_labels=tuple(band.label for band in tree.bands.get(question.pk, [])),
        )
        for question in tree.questions
    }


def hindrance_order() -> list[str]:
    """Hindrance slugs in catalogue order (the order the survey reported them): one query."""
    from catalog.models import Hindrance

    return list(Hindrance.objects.order_by("order", "slug").values_list("slug", flat=True))


def previous_figures(
    assessment: Assessment,
) -> tuple[int | None, dict[tuple[str, str], Decimal | None] | None]:
    """The latest result of the same subject (the same unit, or the organisation itself when
    the assessment is of no unit) and questionnaire submitted before this one: its assessment
    id and its figures by (axis, key), in one query (None, None without one).

    Read from the ResultScore rows, so the previous snapshot is never loaded and decoded.
    """
    from assessments.models import Result, ResultScore

    previous = (
        Result.objects.filter(
            assessment__organisation_id=assessment.organisation_id,
            # None matches the organisation's own assessments (IS NULL).
            assessment__unit_id=assessment.unit_id,
            assessment__version__questionnaire_id=assessment.version.questionnaire_id,
            assessment__status=Assessment.Status.SUBMITTED,
        )
        .exclude(assessment_id=assessment.pk)
        .order_by("-assessment__submitted_at", "-assessment_id")
        .values("pk")[:1]
    )
    rows = ResultScore.objects.filter(result__in=previous).values_list(
        "result__assessment_id", "axis", "key", "percent"
    )
    found = list(rows.order_by())
    if not found:
        return None, None
    return found[0][0], {(axis, key): percent for _, axis, key, percent in found}


PEER_MINIMUM = 5


def peer_percentiles(result: Any) -> dict[str, Any]:
    """Where a result stands among every organisation's latest result of its questionnaire.

    Two queries: this result's figures, then every organisation's latest overall and
    discipline figures (a window function picks the latest). A figure drawn from fewer than
    PEER_MINIMUM organisations is suppressed, so no single organisation's score can be
    worked out.
    """
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from assessments.models import Result, ResultScore

    questionnaire_id = result.assessment.version.questionnaire_id
    # One pass with a window function, not a correlated subquery per row: the newest result
    # of each organisation ranks 1 within its organisation.
    ranked = (
        Result.objects.filter(assessment__version__questionnaire_id=questionnaire_id)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("assessment__organisation_id")],
                order_by=[F("assessment__submitted_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values("pk")
    )
    mine = {
        (axis, key): percent
        for axis, key, percent in result.scores.filter(
            axis__in=["overall", "discipline"], percent__isnull=False
        ).values_list("axis", "key", "percent")
    }
    if not mine:
        return {"minimum_organisations": PEER_MINIMUM, "overall": None, "disciplines": {}}
    # Counted here from plain rows (a few per organisation): the same counts as a filtered
    # COUNT per figure in SQL, without building and compiling a query of 3 aggregates each.
    below: dict[tuple[str, str], int] = dict.fromkeys(mine, 0)
    equal, total = dict(below), dict(below)
    for axis, key, percent in ResultScore.objects.filter(
        result_id__in=ranked, axis__in=["overall", "discipline"], percent__isnull=False
    ).values_list("axis", "key", "percent"):
        pair = (axis, key)
        if pair in mine:
            total[pair] += 1
            if percent < mine[pair]:
                below[pair] += 1
            elif percent == mine[pair]:
                equal[pair] += 1

    def figure(pair: tuple[str, str]) -> dict[str, Any]:
        if total[pair] < PEER_MINIMUM:
            return {"organisations": total[pair], "percentile": None, "suppressed": True}
        rank = (Decimal(below[pair]) + Decimal(equal[pair]) / 2) / total[pair]
        return {
            "organisations": total[pair],
            "percentile": str((rank * 100).quantize(Decimal("0.1"))),
            "suppressed": False,
        }

    figures = {pair: figure(pair) for pair in sorted(mine)}
    return {
        "minimum_organisations": PEER_MINIMUM,
        "overall": figures.get(("overall", "overall")),
        "disciplines": {key: fig for (axis, key), fig in figures.items() if axis == "discipline"},
    }


def history(
    organisation: Organisation, questionnaire: Questionnaire, unit: Any = None
) -> QuerySet[Any]:
    """Submitted results of one subject and questionnaire, oldest first, figures attached.

    The subject is `unit` (a Unit of the organisation), or the organisation itself (its
    assessments of no unit) when `unit` is None: one history never mixes subjects.
    """
    from assessments.models import Result, ResultScore

    return (
        Result.objects.filter(
            assessment__organisation=organisation,
            assessment__unit=unit,
            assessment__version__questionnaire=questionnaire,
        )
        .select_related("assessment__version", "assessment__unit")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=ResultScore.objects.filter(axis__in=["discipline", "hindrance"]),
                to_attr="plotted",
            )
        )
        .order_by("assessment__submitted_at", "assessment_id")
    )


def compare(first: Any, second: Any) -> dict[str, Any]:
    """Per-node percentage deltas between two results, matching nodes by their stable keys.

    Whichever order they are given in, `first` is the earlier submitted result and `second`
    the later, so every delta is later minus earlier: positive means the score went up.
    """

    def submitted(result: Any) -> tuple[Any, int]:
        return (result.assessment.submitted_at, result.assessment_id)

    if submitted(second) < submitted(first):
        first, second = second, first
    a, b = first.snapshot["nodes"], second.snapshot["nodes"]

    def pct(node: dict[str, Any] | None) -> Decimal | None:
        value = node.get("percent") if node else None
        return None if value is None else Decimal(value)

    rows = []
    for key in [*a, *(k for k in b if k not in a)]:
        before, after = pct(a.get(key)), pct(b.get(key))
        node = a.get(key) or b.get(key)
        rows.append(
            {
                "key": key,
                "kind": node.get("kind"),
                "title": node.get("title"),
                "first": None if before is None else str(before),
                "second": None if after is None else str(after),
                "delta": None if before is None or after is None else str(after - before),
            }
        )

    def questions(nodes: dict[str, Any]) -> set[str]:
        return {key for key, node in nodes.items() if node.get("kind") == "question"}

    return {
        "first": first.assessment_id,
        "second": second.assessment_id,
        "same_version": first.assessment.version_id == second.assessment.version_id,
        "overall": {
            "first": first.snapshot.get("overall_percent"),
            "second": second.snapshot.get("overall_percent"),
            "delta": None
            if first.overall_percent is None or second.overall_percent is None
            else str(second.overall_percent - first.overall_percent),
        },
        "level": {
            "first": first.level_key or None,
            "first_name": first.level_name or None,
            "second": second.level_key or None,
            "second_name": second.level_name or None,
        },
        "nodes": rows,
        "unmatched_questions": {
            "only_in_first": sorted(questions(a) - questions(b)),
            "only_in_second": sorted(questions(b) - questions(a)),
        },
    }


_PLACES = Decimal("0.0001")


def _percent_of(value: Any, maximum: Any) -> str | None:
    if value is None or maximum in (None, "", "0", 0):
        return None
    share = Decimal(str(value)) / Decimal(str(maximum)) * 100
    return str(share.quantize(_PLACES))


def _recommendation_v1(item: Mapping[str, Any], snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A recommendation stored by recommender 1.0 in the shape 2.0 gives, every figure a
    percentage: its 0-1 expected_overall and the triggers' raw scores are converted."""
    expected = _percent_of(item.get("expected_overall"), snapshot.get("overall_max"))
    overall = snapshot.get("overall_percent")
    gain = None
    if expected is not None and overall is not None:
        gain = str(Decimal(expected) - Decimal(str(overall)))
    return {
        "rank": item.get("rank"),
        "kind": "practice",
        "key": item.get("practice"),
        "practice": item.get("practice"),
        "name": item.get("practice_name") or item.get("practice"),
        "done_well": None,
        "effort": None,
        "effort_points": None,
        "depends_on": [],
        "prerequisites": [],
        "current_percent": item.get("current_percent"),
        "expected_percent": expected,
        "expected_gain": gain,
        "gain_per_point": None,
        "expected_level": item.get("expected_level"),
        "labels": [],
        "hindrances": list(item.get("hindrances", [])),
        "triggers": [
            {
                "question": trigger.get("question"),
                "text": None,
                "answer": trigger.get("answer"),
                "percent": _percent_of(trigger.get("score"), trigger.get("max_score")),
                "next_answer": None,
                "next_percent": None,
            }
            for trigger in item.get("triggers", [])
        ],
        "tools": list(item.get("tools", [])),
        "already_using": list(item.get("already_using", [])),
    }


def stored_recommendations(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A result's recommendations in the current shape, whichever recommender stored them."""
    items = snapshot.get("recommendations", [])
    if snapshot.get("recommender_version") in (None, "1.0"):
        return [_recommendation_v1(item, snapshot) for item in items]
    return list(items)


ROADMAP_MISSING = (
    "This result was stored before roadmaps existed (recommender 1.0): its recommendations "
    "are kept as they were computed, without stages. Submit a re-assessment for a roadmap."
)


def stored_roadmap(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A result's roadmap as stored at submit, or an empty one with the reason."""
    stored = snapshot.get("roadmap")
    if stored is None:
        return {
            "available": False,
            "note": ROADMAP_MISSING,
            "overall_percent": snapshot.get("overall_percent"),
            "level": snapshot.get("level"),
            "stages": [],
            "steps": [],
            "hindrances": [],
        }
    return {"available": True, "note": "", **stored}


# --- respondents ------------------------------------------------------------------------------

_RESPONDENT_FIELDS = (
    "pk",
    "question_id",
    "choices",
    "number",
    "not_applicable",
    "comment",
    "evidence_url",
)


def respondent_answers_by_key(respondent: Respondent, tree: VersionTree) -> dict[str, StoredAnswer]:
    """One respondent's own answers by question key, in form order: one query."""
    from assessments.models import RespondentAnswer

    by_id, order = tree.question_by_id, tree.form_order
    found: list[tuple[int, str, StoredAnswer]] = []
    rows = (
        RespondentAnswer.objects.filter(respondent=respondent)
        .order_by()
        .values_list(*_RESPONDENT_FIELDS, "updated_at")
    )
    for pk, question_id, choices, value, not_applicable, comment, evidence, updated in rows:
        question = by_id[question_id]
        stored = StoredAnswer(
            pk, question, choices, value, not_applicable, comment, evidence, False, updated
        )
        found.append((order[question.key], question.key, stored))
    found.sort(key=lambda row: row[0])
    return {key: answer for _, key, answer in found}


def respondent_engine_answers(
    assessment: Assessment, tree: VersionTree, question_ids: set[int] | None = None
) -> dict[str, list[scoring.Answer]]:
    """Every respondent's answer to each question (all, or those of `question_ids`) for the
    engine, by question key, in the order the respondents were added: one query."""
    from assessments.models import RespondentAnswer

    rows = RespondentAnswer.objects.filter(respondent__assessment=assessment)
    if question_ids is not None:
        rows = rows.filter(question_id__in=question_ids)
    found: dict[str, list[scoring.Answer]] = defaultdict(list)
    for question_id, choices, value, not_applicable in rows.order_by(
        "respondent__created_at", "respondent_id"
    ).values_list("question_id", "choices", "number", "not_applicable"):
        key = tree.question_by_id[question_id].key
        found[key].append(scoring.Answer(key, tuple(choices), value, not_applicable))
    return dict(found)


def respondents_of(assessment: Assessment) -> QuerySet[Respondent]:
    """The assessment's respondents, first added first, each with `answered` (questions they
    answered), `answered_required` (required ones among them) and `last_saved` (their latest
    save, or None): one query whatever their number."""
    return _counted(
        Respondent.objects.filter(assessment=assessment).select_related("user", "invitation")
    ).order_by("created_at", "pk")


def places_of(user: AbstractBaseUser, assessments: list[int]) -> QuerySet[Respondent]:
    """The user's own places among `assessments` (ids), each with its assessment and the
    counts of `respondents_of`: one query whatever their number."""
    return _counted(Respondent.objects.filter(user=user, assessment_id__in=assessments)).order_by(
        "assessment_id"
    )


def invited_places(invitation: Any) -> list[Respondent]:
    """The places an accepted invitation gave its user, with their assessments: one query."""
    return list(
        Respondent.objects.filter(invitation=invitation, user_id=invitation.accepted_by_id)
        .select_related("assessment__version")
        .order_by("assessment_id")
    )


def _counted(respondents: QuerySet[Respondent]) -> QuerySet[Respondent]:
    from django.db.models import Count, Max, Q

    answered = Q(answers__not_applicable=True) | Q(answers__number__isnull=False)
    answered |= ~Q(answers__choices=[])
    return respondents.annotate(
        answered=Count("answers", filter=answered),
        answered_required=Count("answers", filter=answered & Q(answers__question__required=True)),
        last_saved=Max("answers__updated_at"),
    )


def respondent_status(respondent: Respondent, required: int) -> str:
    """invited: the invitation is not accepted yet; done: every required question answered;
    answering: in between."""
    if respondent.user_id is None:
        return "invited"
    return "done" if respondent.answered_required >= required else "answering"  # type: ignore[attr-defined]


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def answer_status(stored: StoredAnswer | None, derivation: str, respondents: int) -> str:
    """Where the assessment's answer to a question comes from: consensus, derived, direct,
    awaiting_facilitator (the facilitator rule, someone answered, no consensus yet) or
    unanswered."""
    if stored is not None:
        return str(stored.source)
    if derivation == "facilitator" and respondents:
        return "awaiting_facilitator"
    return "unanswered"


def disagreement_view(
    tree: VersionTree,
    given: Mapping[str, list[scoring.Answer]],
    respondents: int,
    answers: Mapping[str, StoredAnswer],
) -> dict[str, Any]:
    """How far the respondents' answers spread, per question (in form order) and per section
    (in tree order), the questions that most need a conversation, and where each of the
    assessment's answers comes from. No queries."""
    from assessments import consensus

    derivation = tree.version.derivation
    engine = {question.key: question for question in tree.model.questions()}
    section_keys = {section.pk: section.key for section in tree.sections}
    per_question: dict[str, consensus.QuestionDisagreement] = {}
    questions = []
    for question in tree.questions_in_order():
        key = question.key
        item = per_question[key] = consensus.disagreement(engine[key], given.get(key, []))
        stored = answers.get(key)
        questions.append(
            {
                "question": key,
                "text": question.text,
                "section": section_keys[question.section_id],
                "respondents": item.respondents,
                "not_applicable": item.not_applicable,
                "min_percent": _percent(item.min_percent),
                "max_percent": _percent(item.max_percent),
                "spread": _percent(item.spread),
                "stdev": _percent(item.stdev),
                "distribution": [
                    {"key": count.key, "label": count.label, "count": count.count}
                    for count in item.distribution
                ],
                "status": answer_status(stored, derivation, item.respondents),
            }
        )
    titles = {section.key: section.title or section.key for section in tree.sections}
    sections = [
        {
            "section": key,
            "title": titles[key],
            "questions": figure.questions,
            "respondents": figure.respondents,
            "mean_spread": _percent(figure.mean_spread),
            "max_spread": _percent(figure.max_spread),
        }
        for key, figure in consensus.section_disagreement(tree.model, per_question).items()
    ]
    texts = {question.key: question.text for question in tree.questions}
    return {
        "derivation": derivation,
        "respondents": respondents,
        "questions": questions,
        "sections": sections,
        "needs_conversation": [
            {
                "question": item.question,
                "text": texts[item.question],
                "spread": _percent(item.spread),
                "stdev": _percent(item.stdev),
            }
            for item in consensus.needs_conversation(per_question.values())
        ],
    }


def disagreement(
    assessment: Assessment, tree: VersionTree, answers: Mapping[str, StoredAnswer] | None = None
) -> dict[str, Any]:
    """`disagreement_view` of an assessment: two queries (its respondents' answers, their
    number), three without `answers` (the assessment's own answers)."""
    if answers is None:
        answers = answers_by_key(assessment, tree)
    given = respondent_engine_answers(assessment, tree)
    respondents = Respondent.objects.filter(assessment=assessment).count()
    return disagreement_view(tree, given, respondents, answers)
