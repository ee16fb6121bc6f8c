"""What a submitted result looks like to people: its charts, the printable report, the admin view.

Everything is read from the stored result (never rescored) and from the frozen questionnaire
version it was computed on, which orders the sections, disciplines, phases and hindrances as
their questions are authored; so the same result always renders the same bytes, on SQLite and
PostgreSQL alike (PostgreSQL's jsonb does not keep the snapshot's key order). The history
chart stops at the assessment itself: a later result does not change an earlier report.

Reading a result takes a fixed number of queries whatever the size of the questionnaire or
the history: the version tree (9) and the subject's history up to this result (2); the
report adds the answers' comments and evidence (1) and the peer percentiles (2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.db.models import Q
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from assessments import charts, recommendations, scoring, selectors
from assessments.models import Assessment, Result, Section

REPORT_RECOMMENDATIONS = 5
AXES = ("disciplines", "phases", "hindrances")
AXIS_TITLES = {"disciplines": "Discipline", "phases": "Lifecycle phase", "hindrances": "Hindrance"}
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _float(value: Any) -> float | None:
    number = _decimal(value)
    return None if number is None else float(number)


def percent_text(value: Any) -> str:
    """A stored percentage as people read it: one decimal and a % sign, or an en dash."""
    number = _decimal(value)
    return "\u2013" if number is None else f"{number.quantize(Decimal('0.1'))}%"


def _points_text(value: Any) -> str:
    """A signed difference in percentage points, one decimal, or "" when there is none."""
    number = _decimal(value)
    return "" if number is None else f"{number.quantize(Decimal('0.1')):+}"


def _number_text(value: Any) -> str:
    """A score as people write it: 0.5, not 0.5000."""
    number = _decimal(value)
    return "\u2013" if number is None else f"{number.normalize():f}"


def day(moment: Any) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    percent: Decimal | None
    answered: int
    applicable: int
    total: int

    @property
    def percent_text(self) -> str:
        return percent_text(self.percent)

    @property
    def bar(self) -> str:
        """The percentage as a CSS width, clamped to 0-100."""
        return (
            "0" if self.percent is None else str(min(max(self.percent, Decimal(0)), Decimal(100)))
        )


@dataclass(frozen=True)
class Row:
    """One node of the result tree, depth first, as a table row."""

    key: str
    kind: str
    title: str
    depth: int
    figure: Figure
    answer: str
    note: tuple[str, str] = ("", "")
    # Sections only: the section's own level, and whether it counts in its parent.
    level_name: str = ""
    informational: bool = False

    @property
    def comment(self) -> str:
        return self.note[0]

    @property
    def evidence_url(self) -> str:
        return self.note[1]

    @property
    def indent(self) -> str:
        return f"calc(6pt + {self.depth * 1.25:.2f}em)"


def _ordered(keys: Iterable[str], preferred: list[str]) -> list[str]:
    """`keys` in the order of `preferred`; any others after them, sorted."""
    wanted = set(keys)
    first = [key for key in preferred if key in wanted]
    return first + sorted(wanted - set(first))


RULE_TEXT = {
    "mean": "the mean of their scores",
    "median": "the median of their scores",
    "minimum": "the lowest of their scores",
    "facilitator": "the answer a facilitator recorded",
}


class ResultView:
    """A stored result with everything needed to show it, loaded in fixed queries."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment = assessment
        self.result: Result = assessment.result
        self.snapshot: Mapping[str, Any] = self.result.snapshot
        self.tree = selectors.version_tree(assessment.version)
        self.model = selectors.scoring_model(self.tree)
        self.history = self._history()
        self.overall_max = _decimal(self.snapshot.get("overall_max"))
        self._order: dict[str, list[str]] = {}
        self._questions = self.tree.question_by_key()
        self._engine_questions = {question.key: question for question in self.model.questions()}

    # --- reading the snapshot --------------------------------------------------------------

    @cached_property
    def notes(self) -> dict[str, tuple[str, str]]:
        """Comment and evidence link per question key (answers are frozen once submitted)."""
        rows = (
            self.assessment.answers.exclude(comment="", evidence_url="")
            .order_by()
            .values_list("question__key", "comment", "evidence_url")
        )
        return {key: (comment, evidence) for key, comment, evidence in rows}

    def _history(self) -> list[Any]:
        assessment = self.assessment
        up_to_this = Q(assessment__submitted_at__lt=assessment.submitted_at) | Q(
            assessment__submitted_at=assessment.submitted_at, assessment_id__lte=assessment.pk
        )
        return list(
            selectors.history(
                assessment.organisation, assessment.version.questionnaire, assessment.unit_id
            )
            .filter(up_to_this)
            .defer("snapshot")
        )

    def _first_seen(self, axis: str) -> list[str]:
        if axis not in self._order:
            order: dict[str, None] = {}
            for question in self.tree.questions_in_order():
                order.update(dict.fromkeys(self.tree.tag_slugs(question, axis)))
            self._order[axis] = list(order)
        return self._order[axis]

    def figures(self, axis: str) -> list[Figure]:
        scores = self.snapshot.get("breakdowns", {}).get(axis, {})
        return [
            Figure(
                key=key,
                name=str(scores[key].get("name") or key),
                percent=_decimal(scores[key].get("percent")),
                answered=int(scores[key].get("answered", 0)),
                applicable=int(scores[key].get("applicable", 0)),
                total=int(scores[key].get("total", 0)),
            )
            for key in _ordered(scores, self._first_seen(axis))
        ]

    def names(self, axis: str) -> dict[str, str]:
        return {figure.key: figure.name for figure in self.figures(axis)}

    @property
    def level_name(self) -> str:
        return str(
            self.snapshot.get("level_name") or self.result.level_name or self.result.level_key
        )

    @property
    def level_description(self) -> str:
        return str(self.snapshot.get("level_description") or "")

    def levels(self) -> list[dict[str, Any]]:
        """The questionnaire's levels, each with its threshold as a percentage of the maximum."""
        reached = self.snapshot.get("level")
        rows = []
        for level in self.tree.levels:
            threshold = None
            if level.min_score is not None and self.overall_max:
                threshold = level.min_score / self.overall_max * 100
            rows.append(
                {
                    "key": level.key,
                    "name": level.name,
                    "from": percent_text(threshold) if threshold is not None else "",
                    "reached": level.key == reached,
                }
            )
        return rows

    def _overall_percent(self, overall: Any) -> Decimal | None:
        value = _decimal(overall)
        if value is None or not self.overall_max:
            return None
        return value / self.overall_max * 100

    def rows(self, *, questions: bool) -> list[Row]:
        """The tree of sections (and, if asked, questions) depth first, under the root."""
        nodes = self.snapshot.get("nodes", {})
        rows: list[Row] = []

        def figure(key: str) -> Figure:
            node = nodes.get(key, {})
            return Figure(
                key=key,
                name=str(node.get("title") or key),
                percent=_decimal(node.get("percent")),
                answered=int(node.get("answered", 0)),
                applicable=int(node.get("applicable", 0)),
                total=int(node.get("total", 0)),
            )

        def visit(section: Any, depth: int) -> None:
            for child in self.tree.children(section):
                if isinstance(child, Section):
                    node = nodes.get(child.key, {})
                    rows.append(
                        Row(
                            child.key,
                            "section",
                            child.title or child.key,
                            depth,
                            figure(child.key),
                            "",
                            level_name=str(node.get("level_name") or ""),
                            informational=bool(node.get("informational")),
                        )
                    )
                    visit(child, depth + 1)
                elif questions:
                    rows.append(
                        Row(
                            child.key,
                            "question",
                            child.text,
                            depth,
                            figure(child.key),
                            self.answer_text(child.key),
                            self.notes.get(child.key, ("", "")),
                        )
                    )

        if self.tree.sections:
            visit(self.tree.root, 0)
        return rows

    def answer_text(self, key: str) -> str:
        """The stored answer to question `key` in words."""
        stored = self.snapshot.get("answers", {}).get(key)
        answer = None
        if stored is not None:
            answer = scoring.Answer(
                question=key,
                choices=tuple(stored.get("choices") or ()),
                number=stored.get("number"),
                not_applicable=bool(stored.get("not_applicable")),
                score=stored.get("score"),
            )
        question = self._engine_questions.get(key)
        if question is None:
            return "unanswered" if answer is None else ", ".join(answer.choices)
        return self.tidy_answer(key, recommendations.render_answer(question, answer))

    def gates(self) -> dict[str, Any] | None:
        """Why a gated result stopped below the level its score reaches: each level whose gate
        questions failed, the questions with their answer and the score they needed."""
        failed = self.snapshot.get("failed_gates") or {}
        if not failed:
            return None
        nodes = self.snapshot.get("nodes", {})
        level_names = {level.key: level.name for level in self.tree.levels}
        without = self.snapshot.get("level_without_gates")
        if "level_without_gates" not in self.snapshot:  # results stored before it was kept
            without = scoring.level_without_gates(
                self.model, _decimal(self.snapshot.get("overall"))
            )
        levels = []
        for level_key, keys in failed.items():
            questions = []
            for key in keys:
                node = nodes.get(key, {})
                question = self._engine_questions.get(key)
                needed = _decimal(node.get("max_score"))
                if question is not None and question.pass_score is not None:
                    needed = question.pass_score
                questions.append(
                    {
                        "question": node.get("title") or key,
                        "answer": self.answer_text(key),
                        "score": _number_text(node.get("score")),
                        "needed": _number_text(needed),
                    }
                )
            levels.append({"level": level_names.get(level_key, level_key), "questions": questions})
        return {
            "levels": levels,
            "without": level_names.get(without or "", ""),
            "reached": self.level_name if self.snapshot.get("level") else "",
        }

    def recommendations_note(self) -> str:
        """Why there are no recommendations, in the words of the actual reason."""
        if self.snapshot.get("recommender_version") not in (None, "1.0"):
            # Since 2.0 every question below full marks is recommended, tagged or not.
            return "No recommendations: every question is at full marks or not applicable."
        nodes = self.snapshot.get("nodes", {})
        tagged = [q for q in self.model.questions() if q.practices]
        below = [
            key
            for key, node in nodes.items()
            if node.get("kind") == "question"
            and node.get("score") is not None
            and _decimal(node.get("score")) != _decimal(node.get("max_score"))
        ]
        if not tagged:
            return (
                "No recommendations: the questions of this questionnaire are not linked to any "
                f"practice, so there is nothing to rank ({len(below)} question(s) are below "
                "full marks)."
            )
        tagged_keys = {question.key for question in tagged}
        untagged_below = [key for key in below if key not in tagged_keys]
        note = (
            "No recommendations: every question linked to a practice is at full marks or "
            "not applicable."
        )
        if untagged_below:
            note += (
                f" {len(untagged_below)} question(s) below full marks are not linked to a "
                "practice, so they cannot be recommended."
            )
        return note

    def peers(self) -> dict[str, Any] | None:
        """Peer percentiles as the result endpoint gives them, with names, for people."""
        peers = selectors.peer_percentiles(self.result)
        names = self.names("disciplines")
        rows = []
        if peers.get("overall"):
            rows.append({"what": "Overall", **peers["overall"]})
        rows += [
            {"what": names.get(slug, slug), **figure}
            for slug, figure in peers.get("disciplines", {}).items()
        ]
        return {"minimum": peers["minimum_organisations"], "rows": rows} if rows else None

    def tidy_answer(self, question_key: str, text: str) -> str:
        """A number answer as people write it ("720 hours", not "720.0000")."""
        number = _decimal(text)
        if number is None:
            return text
        question = self._questions.get(question_key)
        unit = question.unit if question is not None else ""
        shown = f"{number.normalize():f}"
        if not unit:
            return shown
        return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}"

    def recommendations(self, limit: int | None = None) -> list[dict[str, Any]]:
        hindrances = self.names("hindrances")
        level_names = {level.key: level.name for level in self.tree.levels}
        items = selectors.stored_recommendations(self.snapshot)
        return [
            self._step(item, hindrances, level_names)
            for item in (items[:limit] if limit else items)
        ]

    def _step(
        self, item: Mapping[str, Any], hindrances: Mapping[str, str], level_names: Mapping[str, str]
    ) -> dict[str, Any]:
        """A recommendation or roadmap step as the templates show it."""
        nodes = self.snapshot.get("nodes", {})
        return {
            "rank": item.get("priority", item.get("rank")),
            "practice": item.get("name") or item.get("key"),
            "kind": item.get("kind"),
            "done_well": item.get("done_well") or "",
            "effort": item.get("effort") or "",
            "current": percent_text(item.get("current_percent")),
            "expected": percent_text(item.get("expected_percent")),
            "gain": _points_text(item.get("gain", item.get("expected_gain"))),
            "after": percent_text(item.get("overall_after")),
            "expected_level": level_names.get(item.get("expected_level") or "", ""),
            "depends_on": [self._step_names.get(key, key) for key in item.get("depends_on") or []],
            "hindrances": [hindrances.get(slug, slug) for slug in item.get("hindrances", [])],
            "triggers": [
                {
                    "question": nodes.get(trigger.get("question"), {}).get("title")
                    or trigger.get("question"),
                    "answer": self.tidy_answer(
                        trigger.get("question", ""), str(trigger.get("answer", ""))
                    ),
                    "next_answer": trigger.get("next_answer") or "",
                }
                for trigger in item.get("triggers", [])
            ],
            "tools": [
                {"name": tool.get("name") or tool.get("slug"), "ring": tool.get("ring")}
                for tool in item.get("tools", [])
            ],
            "already_using": list(item.get("already_using", [])),
        }

    @cached_property
    def _step_names(self) -> dict[str, str]:
        """Step id -> the name people read (a practice's name, a question's text)."""
        steps = selectors.stored_roadmap(self.snapshot)["steps"]
        return {step["id"]: step.get("name") or step["id"] for step in steps}

    def roadmap(self) -> dict[str, Any]:
        """The stored roadmap by stage, and its hindrance view, for people."""
        stored = selectors.stored_roadmap(self.snapshot)
        level_names = {level.key: level.name for level in self.tree.levels}
        hindrances = self.names("hindrances")
        steps = {step["id"]: self._step(step, hindrances, level_names) for step in stored["steps"]}
        titles = {
            "next-level": "To the next level",
            "target": "To the target",
            "later": "Then",
        }
        stages = []
        for stage in stored["stages"]:
            title = titles.get(stage["key"], stage["key"])
            goal = level_names.get(stage.get("goal") or "")
            if goal:
                title = f"{title}: {goal}"
            stages.append(
                {
                    "title": title,
                    "reached": stage.get("reached", True),
                    "after": percent_text(stage.get("overall_after")),
                    "level_after": level_names.get(stage.get("level_after") or "", ""),
                    "steps": [steps[key] for key in stage["steps"] if key in steps],
                }
            )
        names = {key: step["practice"] for key, step in steps.items()}
        return {
            "available": stored["available"],
            "note": stored["note"],
            "stages": stages,
            "hindrances": [
                {
                    "name": focus.get("name") or focus.get("hindrance"),
                    "percent": percent_text(focus.get("percent")),
                    "at_stake": _points_text(focus.get("at_stake")),
                    "steps": [names.get(key, key) for key in focus.get("steps", [])],
                }
                for focus in stored["hindrances"]
            ],
        }

    def targets(self) -> list[dict[str, Any]]:
        nodes = self.snapshot.get("nodes", {})
        disciplines = self.names("disciplines")
        rows = []
        for target in self.snapshot.get("targets", []):
            axis, key = target.get("axis"), target.get("key")
            if axis == "overall":
                what = "Overall"
                if target.get("level_name"):
                    what = f"Overall: level {target['level_name']}"
            elif axis == "section":
                what = f"Section: {nodes.get(key, {}).get('title') or key}"
            else:
                what = f"Discipline: {disciplines.get(key, key)}"
            if target.get("from_answers"):
                what += " (from the target answers)"
            progress = _decimal(target.get("progress"))
            rows.append(
                {
                    "what": what,
                    "target": percent_text(target.get("target")),
                    "actual": percent_text(target.get("actual")),
                    "met": bool(target.get("met")),
                    "distance": percent_text(target.get("distance")),
                    "change": _points_text(target.get("change")),
                    "progress": "" if progress is None else percent_text(progress),
                }
            )
        return rows

    # --- charts ------------------------------------------------------------------------------

    def _previous(self) -> Any:
        wanted = self.snapshot.get("previous_assessment")
        return next((r for r in self.history if r.assessment_id == wanted), None)

    def radar_svg(self) -> str:
        disciplines, hindrances = self.figures("disciplines"), self.figures("hindrances")
        axes = [*disciplines, *hindrances]
        series = [charts.Series("This assessment", tuple(_float(f.percent) for f in axes))]
        targets = {
            row.get("key"): _float(row.get("target"))
            for row in self.snapshot.get("targets", [])
            if row.get("axis") == "discipline"
        }
        if targets:
            values = [targets.get(f.key) for f in disciplines] + [None] * len(hindrances)
            series.append(charts.Series("Target", tuple(values)))
        previous = self._previous()
        if previous is not None:
            plotted = {(score.axis, score.key): _float(score.percent) for score in previous.plotted}
            label = f"Previous ({day(previous.assessment.submitted_at)})"
            series.append(
                charts.Series(
                    label,
                    (
                        *(plotted.get(("discipline", f.key)) for f in disciplines),
                        *(plotted.get(("hindrance", f.key)) for f in hindrances),
                    ),
                )
            )
        return charts.radar(
            [f.name for f in axes],
            series,
            title="Scores by discipline and hindrance",
            description="Percent of the maximum score, per discipline and per hindrance (the "
            "questions tagged with it: the higher, the less it holds the organisation back).",
        )

    def heatmap_svg(self) -> str:
        nodes = self.snapshot.get("nodes", {})
        per_phase: dict[str, list[int]] = {}
        for question in self.tree.questions_in_order():
            percent = _float(nodes.get(question.key, {}).get("percent"))
            if percent is None:
                continue
            for slug in self.tree.tag_slugs(question, "phases"):
                counts = per_phase.setdefault(slug, [0] * len(charts.SCORE_BANDS))
                counts[charts.score_band(percent)] += 1
        rows = [
            charts.HeatRow(
                figure.name,
                tuple(per_phase.get(figure.key, [0] * len(charts.SCORE_BANDS))),
                _float(figure.percent),
            )
            for figure in self.figures("phases")
        ]
        return charts.heatmap(
            rows,
            title="Lifecycle phases by question score",
            description="For each lifecycle phase, how many of its questions scored in each "
            "band, and the phase's score.",
        )

    def history_svg(self) -> str:
        order = [f.key for f in self.figures("disciplines")]
        names = self.names("disciplines")
        seen = {s.key for r in self.history for s in r.plotted if s.axis == "discipline"}
        keys = _ordered(seen, order)
        values: list[dict[str, float | None]] = []
        for result in self.history:
            plotted = {s.key: _float(s.percent) for s in result.plotted if s.axis == "discipline"}
            values.append({"overall": _float(result.overall_percent), **plotted})
        series = [charts.Series("Overall", tuple(v.get("overall") for v in values))]
        series += [
            charts.Series(names.get(key, key), tuple(v.get(key) for v in values)) for key in keys
        ]
        labels = [day(result.assessment.submitted_at) for result in self.history]
        if len(set(labels)) < len(labels):  # several on one day: tell them apart by the time
            labels = [
                f"{label} {timezone.localtime(result.assessment.submitted_at):%H:%M}"
                for label, result in zip(labels, self.history, strict=True)
            ]
        return charts.line_chart(
            labels,
            series,
            title="History: overall and per discipline",
            description=f"Submitted results of {self.subject_in_full} for this "
            "questionnaire up to this one, oldest first, as a percent of the maximum score.",
        )

    def disagreement(self) -> dict[str, Any] | None:
        """The respondents' disagreement as stored at submit (None: no respondents): the
        questions that most need a conversation, each with its answers' distribution and the
        answer the assessment kept."""
        stored = self.snapshot.get("disagreement")
        if not stored:
            return None
        rows = {row["question"]: row for row in stored.get("questions", [])}
        answers = self.snapshot.get("answers", {})
        questions = []
        for item in stored.get("needs_conversation", []):
            key = item["question"]
            row = rows.get(key, {})
            kept = answers.get(key, {})
            questions.append(
                {
                    "question": key,
                    "text": item.get("text") or key,
                    "spread": _number_text(item.get("spread")),
                    "min_percent": _number_text(row.get("min_percent")),
                    "max_percent": _number_text(row.get("max_percent")),
                    "distribution": [c for c in row.get("distribution", []) if c.get("count")],
                    "answer": self.answer_text(key),
                    "source": kept.get("source", "direct"),
                    "note": self.notes_of_consensus.get(key, ""),
                }
            )
        rule = RULE_TEXT.get(str(stored.get("derivation")), str(stored.get("derivation")))
        consensus = sum(1 for answer in answers.values() if answer.get("source") == "consensus")
        return {
            "respondents": stored.get("respondents", 0),
            "rule": rule,
            "consensus": consensus,
            "questions": questions,
        }

    @cached_property
    def notes_of_consensus(self) -> dict[str, str]:
        """The note of each consensus answer, by question key (answers are frozen once
        submitted)."""
        rows = (
            self.assessment.answers.filter(source="consensus")
            .order_by()
            .values_list("question__key", "consensus_note")
        )
        return dict(rows)

    @property
    def subject(self) -> str:
        """Who was assessed: the unit, or the organisation when the assessment is of no unit."""
        unit = self.assessment.unit if self.assessment.unit_id else None
        return self.assessment.organisation.name if unit is None else unit.name

    @property
    def subject_in_full(self) -> str:
        if self.assessment.unit_id is None:
            return self.subject
        return f"{self.subject} ({self.assessment.organisation.name})"

    # --- pages -------------------------------------------------------------------------------

    def context(self, *, full: bool) -> dict[str, Any]:
        assessment = self.assessment
        snapshot = self.snapshot
        context: dict[str, Any] = {
            "assessment": assessment,
            "organisation": assessment.organisation,
            "questionnaire": assessment.version.questionnaire,
            "version": assessment.version,
            "result": self.result,
            "overall_percent": percent_text(snapshot.get("overall_percent")),
            "overall": snapshot.get("overall"),
            "overall_max": snapshot.get("overall_max"),
            "level_name": self.level_name,
            "level_description": self.level_description,
            "levels": self.levels(),
            "breakdowns": [
                (AXIS_TITLES[axis], figures) for axis in AXES if (figures := self.figures(axis))
            ],
            "rows": self.rows(questions=full),
            "recommendations": self.recommendations(REPORT_RECOMMENDATIONS if full else None),
            "recommendation_count": len(snapshot.get("recommendations", [])),
            "roadmap": self.roadmap(),
            "recommendations_note": self.recommendations_note(),
            "gates": self.gates(),
            "peers": self.peers(),
            "targets": self.targets(),
            "radar": _safe_svg(self.radar_svg()),
            "disagreement": self.disagreement(),
        }
        if full:
            context["heatmap"] = _safe_svg(self.heatmap_svg())
            context["history"] = _safe_svg(self.history_svg())
            context["history_count"] = len(self.history)
            context["subject"] = self.subject
        return context


def _safe_svg(svg: str) -> SafeString:
    # charts.py escapes every label it draws: its output is markup, not text.
    return mark_safe(svg)


def render_report(assessment: Assessment) -> str:
    return render_to_string("assessments/report.html", ResultView(assessment).context(full=True))


def render_admin_result(assessment: Assessment, report_url: str) -> str:
    context = ResultView(assessment).context(full=False) | {"report_url": report_url}
    return render_to_string("assessments/admin_result.html", context)


def render_radar(assessment: Assessment) -> str:
    return ResultView(assessment).radar_svg()


def document_response(body: str, *, content_type: str, csp: str) -> HttpResponse:
    """A rendered document with a strong ETag from its bytes (ConditionalGetMiddleware
    answers a matching If-None-Match with 304) that every client must revalidate."""
    content = body.encode()
    response = HttpResponse(content, content_type=content_type)
    response["ETag"] = f'"{hashlib.sha256(content).hexdigest()}"'
    response["Content-Security-Policy"] = csp
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


# --- a team's disagreement before submit, in words -------------------------------------


def answer_text(
    tree: selectors.VersionTree,
    engine: dict[str, scoring.Question],
    key: str,
    stored: selectors.StoredAnswer | None,
) -> str:
    """The assessment's answer in words: labels, a number with its unit, or a score."""
    if stored is None:
        return "no answer yet"
    unit = tree.question_by_key()[key].unit
    text = recommendations.render_answer(engine[key], stored.to_engine(key), unit)
    if stored.number is not None and not stored.not_applicable:
        shown = f"{Decimal(stored.number).normalize():f}"
        text = shown + (f" {unit}" if unit else "")
    return text


STATUS_TEXT = {
    "consensus": "agreed by the team",
    "derived": "derived from the respondents' answers",
    "awaiting_facilitator": "waiting for a consensus",
    "unanswered": "nobody answered yet",
    "direct": "answered directly",
}


def disagreement_in_words(
    assessment: Assessment,
    tree: selectors.VersionTree | None = None,
    answers: dict[str, selectors.StoredAnswer] | None = None,
) -> dict[str, Any]:
    """selectors.disagreement of a draft (or submitted) assessment for people: each question's
    answer and where it comes from in words, the questions grouped by section (tree order),
    the ones waiting for a consensus and the required ones nobody answered. The facilitators'
    pages and the admin show it."""
    tree = tree or selectors.version_tree(assessment.version)
    if answers is None:
        answers = selectors.answers_by_key(assessment, tree)
    view = selectors.disagreement(assessment, tree, answers)
    view["answers"] = answers
    view["rule_text"] = RULE_TEXT.get(str(view["derivation"]), str(view["derivation"]))
    engine = {question.key: question for question in tree.model.questions()}
    required = {question.key for question in tree.questions if question.required}
    for row in view["questions"]:
        key = row["question"]
        stored = answers.get(key)
        given = max(row["respondents"] + row["not_applicable"], 1)
        row["answer"] = answer_text(tree, engine, key, stored)
        row["status_text"] = STATUS_TEXT.get(row["status"], row["status"])
        row["note"] = stored.consensus_note if stored is not None else ""
        row["required"] = key in required
        for count in row["distribution"]:
            count["share"] = round(100 * count["count"] / given)
        row["given"] = [count for count in row["distribution"] if count["count"]]
    by_section: dict[str, list[dict[str, Any]]] = {}
    for row in view["questions"]:
        by_section.setdefault(row["section"], []).append(row)
    rows = {row["question"]: row for row in view["questions"]}
    view["needs_conversation"] = [
        rows[item["question"]] | {"spread": item["spread"]} for item in view["needs_conversation"]
    ]
    view["groups"] = [
        {**section, "rows": by_section[section["section"]]}
        for section in view["sections"]
        if section["section"] in by_section
    ]
    view["awaiting"] = [row for row in view["questions"] if row["status"] == "awaiting_facilitator"]
    answered = selectors.answered_keys(answers)
    view["unanswered"] = [
        row
        for row in view["questions"]
        if row["required"]
        and row["question"] not in answered
        and row["status"] != "awaiting_facilitator"
    ]
    view["left"] = len(view["awaiting"]) + len(view["unanswered"])
    return view
