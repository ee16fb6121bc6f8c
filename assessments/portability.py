"""One organisation's complete data as a single JSON document, and back.

The document carries everything its results depend on, so it imports into an empty
database: the catalogue rows (natural keys), the questionnaire versions used (in the
questionnaire format), members, tools in use, API keys (hashes only), assessments with
their answers, results, figures and targets. Rows refer to each other by slugs, keys and
positions, never by database ids, so export -> import -> export gives the same document.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import transaction
from django.utils.dateparse import parse_datetime

from assessments import questionnaire_format, selectors, services
from assessments.models import (
    Answer,
    Assessment,
    Membership,
    Organisation,
    OrganisationAPIKey,
    OrganisationTool,
    QuestionnaireVersion,
    Result,
    ResultScore,
)
from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool

FORMAT = "opsassess-organisation/1"
CATALOGUE_MODELS = (Discipline, LifecyclePhase, Hindrance, Practice, Tool)


class PortabilityError(ValueError):
    pass


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def export_organisation(organisation: Organisation) -> dict[str, Any]:
    catalogue = []
    for model in CATALOGUE_MODELS:
        catalogue += serializers.serialize(
            "python",
            model.objects.order_by("pk"),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
    assessments = list(
        organisation.assessments.select_related(
            "version__questionnaire", "created_by", "submitted_by", "copied_from"
        ).order_by("created_at", "pk")
    )
    versions = sorted(
        {a.version for a in assessments}, key=lambda v: (v.questionnaire.slug, v.number)
    )
    position = {assessment.pk: index for index, assessment in enumerate(assessments)}
    answers: dict[int, list[Answer]] = {}
    for answer in (
        Answer.objects.filter(assessment__organisation=organisation)
        .select_related("question", "answered_by")
        .order_by("question__key")
    ):
        answers.setdefault(answer.assessment_id, []).append(answer)
    results = {
        result.assessment_id: result
        for result in Result.objects.filter(assessment__organisation=organisation)
    }
    scores: dict[int, list[ResultScore]] = {}
    for score in ResultScore.objects.filter(result__assessment__organisation=organisation).order_by(
        "axis", "key"
    ):
        scores.setdefault(score.result_id, []).append(score)

    def user(value: Any) -> str | None:
        return None if value is None else value.get_username()

    def assessment_document(assessment: Assessment) -> dict[str, Any]:
        result = results.get(assessment.pk)
        return {
            "title": assessment.title,
            "questionnaire": assessment.version.questionnaire.slug,
            "version": assessment.version.number,
            "status": assessment.status,
            "revision": assessment.revision,
            "targets": assessment.targets,
            "copied_from": position.get(assessment.copied_from_id),
            "created_by": user(assessment.created_by),
            "created_at": _iso(assessment.created_at),
            "updated_at": _iso(assessment.updated_at),
            "submitted_by": user(assessment.submitted_by),
            "submitted_at": _iso(assessment.submitted_at),
            "answers": [
                {
                    "question": a.question.key,
                    "choices": a.choices,
                    "number": _text(a.number),
                    "not_applicable": a.not_applicable,
                    "comment": a.comment,
                    "evidence_url": a.evidence_url,
                    "notes_carried_over": a.notes_carried_over,
                    "answered_by": user(a.answered_by),
                    "updated_at": _iso(a.updated_at),
                }
                for a in answers.get(assessment.pk, [])
            ],
            "result": None
            if result is None
            else {
                "engine_version": result.engine_version,
                "overall": _text(result.overall),
                "overall_percent": _text(result.overall_percent),
                "level_key": result.level_key,
                "level_name": result.level_name,
                "computed_at": _iso(result.computed_at),
                "snapshot": result.snapshot,
                "scores": [[s.axis, s.key, _text(s.percent)] for s in scores.get(result.pk, [])],
            },
        }

    memberships = organisation.memberships.select_related("user").order_by("user__username")
    return {
        "format": FORMAT,
        "organisation": {
            "slug": organisation.slug,
            "name": organisation.name,
            "created_at": _iso(organisation.created_at),
        },
        "members": [
            {
                "username": m.user.get_username(),
                "email": m.user.email,
                "first_name": m.user.first_name,
                "last_name": m.user.last_name,
                "role": m.role,
            }
            for m in memberships
        ],
        "tools_in_use": sorted(organisation.tool_uses.values_list("tool__slug", flat=True)),
        "api_keys": [
            {
                "prefix": key.prefix,
                "hashed_key": key.hashed_key,
                "name": key.name,
                "created": _iso(key.created),
                "expiry_date": _iso(key.expiry_date),
                "revoked": key.revoked,
                "last_used_at": _iso(key.last_used_at),
            }
            for key in organisation.api_keys.order_by("prefix")
        ],
        "catalogue": catalogue,
        "questionnaires": [
            selectors.questionnaire_document(selectors.version_tree(version), version)
            for version in versions
        ],
        "assessments": [assessment_document(a) for a in assessments],
    }


def _when(value: str | None) -> Any:
    return None if value is None else parse_datetime(value)


@transaction.atomic
def import_organisation(document: dict[str, Any]) -> Organisation:
    """Recreate an organisation from its export, in one transaction (all or nothing)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PortabilityError(f"format: expected '{FORMAT}'")
    slug = document["organisation"]["slug"]
    if Organisation.objects.filter(slug=slug).exists():
        raise PortabilityError(f"organisation: '{slug}' already exists here")

    for obj in serializers.deserialize(
        "python", document["catalogue"], handle_forward_references=True
    ):
        obj.save()
    versions: dict[tuple[str, int], QuestionnaireVersion] = {}
    for questionnaire in document["questionnaires"]:
        try:
            outcome = services.questionnaire_import(document=questionnaire)
        except questionnaire_format.FormatError as exc:
            raise PortabilityError("; ".join(exc.errors)) from None
        versions[(questionnaire["slug"], questionnaire["version"])] = outcome.version

    user_model = get_user_model()
    users = {}
    for member in document["members"]:
        user, created = user_model.objects.get_or_create(
            username=member["username"],
            defaults={k: member[k] for k in ("email", "first_name", "last_name")},
        )
        if created:
            user.set_unusable_password()  # people set a new password; none travels in a file
            user.save(update_fields=["password"])
        users[member["username"]] = (user, member["role"])

    def user_named(name: str | None) -> Any:
        if name is None:
            return None
        if name not in users:
            user, created = user_model.objects.get_or_create(username=name)
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            users[name] = (user, None)
        return users[name][0]

    organisation = Organisation.objects.create(slug=slug, name=document["organisation"]["name"])
    Organisation.objects.filter(pk=organisation.pk).update(
        created_at=_when(document["organisation"]["created_at"])
    )
    for user, role in list(users.values()):
        if role is not None:
            Membership.objects.create(organisation=organisation, user=user, role=role)
    for tool_slug in document["tools_in_use"]:
        OrganisationTool.objects.create(
            organisation=organisation, tool=Tool.objects.get(slug=tool_slug)
        )
    for key in document["api_keys"]:
        OrganisationAPIKey.objects.create(
            id=f"{key['prefix']}.{key['hashed_key']}",
            prefix=key["prefix"],
            hashed_key=key["hashed_key"],
            name=key["name"],
            expiry_date=_when(key["expiry_date"]),
            revoked=key["revoked"],
            last_used_at=_when(key["last_used_at"]),
            organisation=organisation,
            scope=OrganisationAPIKey.Scope.ORGANISATION,
        )
        OrganisationAPIKey.objects.filter(prefix=key["prefix"]).update(
            created=_when(key["created"])
        )

    made: list[Assessment] = []
    for data in document["assessments"]:
        version = versions[(data["questionnaire"], data["version"])]
        questions = {q.key: q for q in version.questions.all()}
        assessment = Assessment.objects.create(
            organisation=organisation,
            version=version,
            title=data["title"],
            status=data["status"],
            revision=data["revision"],
            targets=data["targets"],
            copied_from=made[data["copied_from"]] if data["copied_from"] is not None else None,
            created_by=user_named(data["created_by"]),
            submitted_by=user_named(data["submitted_by"]),
            submitted_at=_when(data["submitted_at"]),
        )
        for answer in data["answers"]:
            row = Answer.objects.create(
                assessment=assessment,
                question=questions[answer["question"]],
                choices=answer["choices"],
                number=None if answer["number"] is None else Decimal(answer["number"]),
                not_applicable=answer["not_applicable"],
                comment=answer["comment"],
                evidence_url=answer["evidence_url"],
                notes_carried_over=answer.get("notes_carried_over", False),
                answered_by=user_named(answer["answered_by"]),
            )
            Answer.objects.filter(pk=row.pk).update(updated_at=_when(answer["updated_at"]))
        stored = data["result"]
        if stored is not None:
            result = Result.objects.create(
                assessment=assessment,
                engine_version=stored["engine_version"],
                overall=stored["overall"],
                overall_percent=stored["overall_percent"],
                level_key=stored["level_key"],
                level_name=stored["level_name"],
                snapshot=stored["snapshot"],
                computed_at=_when(stored["computed_at"]),
            )
            ResultScore.objects.bulk_create(
                ResultScore(result=result, axis=axis, key=key, percent=percent)
                for axis, key, percent in stored["scores"]
            )
        # Timestamps last: saving rows above would otherwise stamp them with "now".
        Assessment.objects.filter(pk=assessment.pk).update(
            created_at=_when(data["created_at"]), updated_at=_when(data["updated_at"])
        )
        made.append(assessment)
    return organisation
