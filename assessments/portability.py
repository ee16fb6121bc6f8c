"""One organisation's complete data as a single JSON document, and back.

The document carries everything its results depend on, so it imports into an empty
database: the catalogue rows (natural keys), the questionnaire versions used (in the
questionnaire format), members, tools in use, API keys (hashes only), assessments with
their answers, results, figures and targets, and the audit history (django-simple-history
rows: when, what kind of change, why and by whom, with the values of the time) of the
organisation, its memberships, tools in use, API keys, assessments, answers and results.
On import those rows replace the ones the import's own saves record, so the trail still
shows the original changes, not a "created" by the importer.

Rows refer to each other by slugs, keys, UUIDs, usernames and positions, never by database
ids (a result snapshot's `previous_assessment` id travels as that assessment's UUID and is
mapped to the new id on import), so export -> import -> export gives the same document, and
the imported results render the same reports and radars. Original authors and moments
(created, updated, submitted, published) are kept.

Units (teams, products, platforms) travel with their UUIDs, nesting, targets and audit
history, and every assessment names its unit by UUID. Invitations do not travel: a pending
one could not be accepted anywhere else (only a hash of its secret is stored, and its link
names this site), and the memberships that accepted ones made are in the members' history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import models, transaction
from django.utils.dateparse import parse_date, parse_datetime

from assessments import questionnaire_format, selectors, services
from assessments.models import (
    Answer,
    Assessment,
    QuestionnaireVersion,
    Respondent,
    RespondentAnswer,
    Result,
    ResultScore,
)
from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool
from organisations.models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationAPIKey,
    OrganisationTool,
    Unit,
)

FORMAT = "opsassess-organisation/4"
# Files of /3 were written before units and respondents travelled; they have neither and
# import as an organisation without them. (A release that reads only /3 refuses a /4 file
# instead of dropping its units and respondents unseen.)
READABLE_FORMATS = ("opsassess-organisation/3",)
# Files of /2 carry the history of assessments and answers only: importing one would record
# the rest as created by the import, so they are refused rather than read differently.
OLDER_FORMATS = ("opsassess-organisation/2",)
# Fields of the historical rows copied as they are (moments, decimals and UUIDs as text);
# foreign keys are mapped to stable identifiers by name below.
ORGANISATION_HISTORY = ("uuid", "slug", "name", "portfolio_roll_up", "created_at")
# Files written before the portfolio roll-up rule existed roll up by the mean, as they did.
DEFAULT_ROLL_UP = "mean"
MEMBERSHIP_HISTORY = ("role", "created_at")
TOOL_HISTORY = ("created_at",)
KEY_HISTORY = (
    "prefix",
    "hashed_key",
    "name",
    "scope",
    "created",
    "expiry_date",
    "revoked",
    "last_used_at",
)
ASSESSMENT_HISTORY = (
    "uuid",
    "title",
    "status",
    "revision",
    "targets",
    "due_on",
    "created_at",
    "updated_at",
    "submitted_at",
)
ANSWER_HISTORY = (
    *services.ANSWER_FIELDS,
    "notes_carried_over",
    "score",
    "source",
    "consensus_note",
    "updated_at",
)
RESPONDENT_HISTORY = ("uuid", "revision", "created_at")
RESPONDENT_ANSWER_HISTORY = (*services.ANSWER_FIELDS, "updated_at")
INVITATION_FIELDS = ("uuid", "email", "username", "role", "purpose", "secret_hash")
INVITATION_MOMENTS = ("created_at", "expires_at", "accepted_at", "revoked_at")
RESULT_HISTORY = (
    "engine_version",
    "overall",
    "overall_percent",
    "level_key",
    "level_name",
    "computed_at",
)
# What the organisation holds besides assessments, by document section: the model, the fields
# of its history copied as they are, and the foreign key its history names by identifier.
HELD = (
    ("members", Membership, MEMBERSHIP_HISTORY, "user"),
    ("tools_in_use", OrganisationTool, TOOL_HISTORY, "tool"),
    ("api_keys", OrganisationAPIKey, KEY_HISTORY, "created_by"),
)
CATALOGUE_MODELS = (Discipline, LifecyclePhase, Hindrance, Practice, Tool)
# A unit's fields as they travel (its parent and history's parent are named by UUID).
UNIT_FIELDS = ("uuid", "slug", "name", "kind", "targets", "created_at")


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

    uuid_of = {a.pk: str(a.uuid) for a in assessments}
    # Every unit the organisation ever had, by id: history rows name deleted ones too.
    unit_uuid = {
        pk: str(uuid)
        for pk, uuid in Unit.history.filter(organisation_id=organisation.pk).values_list(
            "id", "uuid"
        )
    } | {pk: str(uuid) for pk, uuid in organisation.units.values_list("pk", "uuid")}

    assessment_history = _history(
        Assessment.history.filter(id__in=uuid_of).select_related(
            "version__questionnaire", "created_by", "submitted_by"
        ),
        lambda row: row.id,
        ASSESSMENT_HISTORY,
        lambda row: {
            "questionnaire": row.version.questionnaire.slug,
            "version": row.version.number,
            "copied_from": uuid_of.get(row.copied_from_id),
            "created_by": user(row.created_by),
            "submitted_by": user(row.submitted_by),
            "unit": unit_uuid.get(row.unit_id),
        },
    )
    answer_history = _history(
        Answer.history.filter(assessment_id__in=uuid_of).select_related("question", "answered_by"),
        lambda row: row.assessment_id,
        ANSWER_HISTORY,
        lambda row: {"question": row.question.key, "answered_by": user(row.answered_by)},
    )
    result_history = _history(
        Result.history.filter(assessment_id__in=uuid_of),
        lambda row: row.assessment_id,
        RESULT_HISTORY,
        lambda row: {"snapshot": _snapshot(row.snapshot, uuid_of)},
    )

    def assessment_document(assessment: Assessment) -> dict[str, Any]:
        result = results.get(assessment.pk)
        return {
            "uuid": str(assessment.uuid),
            "title": assessment.title,
            "questionnaire": assessment.version.questionnaire.slug,
            "version": assessment.version.number,
            "unit": unit_uuid.get(assessment.unit_id),
            "status": assessment.status,
            "revision": assessment.revision,
            "targets": assessment.targets,
            "due_on": _value(assessment.due_on),
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
                    "score": _text(a.score),
                    "source": a.source,
                    "consensus_note": a.consensus_note,
                    "answered_by": user(a.answered_by),
                    "updated_at": _iso(a.updated_at),
                }
                for a in answers.get(assessment.pk, [])
            ],
            **respondents.document(assessment.pk),
            "result": None
            if result is None
            else {
                "engine_version": result.engine_version,
                "overall": _text(result.overall),
                "overall_percent": _text(result.overall_percent),
                "level_key": result.level_key,
                "level_name": result.level_name,
                "computed_at": _iso(result.computed_at),
                "snapshot": _snapshot(result.snapshot, uuid_of),
                "scores": [[s.axis, s.key, _text(s.percent)] for s in scores.get(result.pk, [])],
            },
            "history": assessment_history.get(assessment.pk, []),
            "answer_history": answer_history.get(assessment.pk, []),
            "result_history": result_history.get(assessment.pk, []),
        }

    respondents = _RespondentsExport(uuid_of)

    held_references: dict[str, Callable[[Any], dict[str, Any]]] = {
        "members": lambda row: {"username": user(row.user)},
        "tools_in_use": lambda row: {"tool": None if row.tool is None else row.tool.slug},
        "api_keys": lambda row: {"created_by": user(row.created_by)},
    }
    memberships = organisation.memberships.select_related("user").order_by("user__username")
    return {
        "format": FORMAT,
        "organisation": {
            "uuid": str(organisation.uuid),
            "slug": organisation.slug,
            "name": organisation.name,
            "created_at": _iso(organisation.created_at),
            "portfolio_roll_up": organisation.portfolio_roll_up,
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
        "units": [_unit_document(unit, unit_uuid) for unit in _parents_first(organisation)],
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
                "created_by": user(key.created_by),
            }
            for key in organisation.api_keys.select_related("created_by").order_by("prefix")
        ],
        "catalogue": catalogue,
        "questionnaires": [
            selectors.questionnaire_document(selectors.version_tree(version), version)
            for version in versions
        ],
        "published_at": [[v.questionnaire.slug, v.number, _iso(v.published_at)] for v in versions],
        "assessments": [assessment_document(a) for a in assessments],
        "history": {
            "organisation": _history(
                Organisation.history.filter(id=organisation.pk),
                lambda row: row.id,
                ORGANISATION_HISTORY,
                lambda row: {},
            ).get(organisation.pk, []),
            **{
                section: _history(
                    model.history.filter(organisation_id=organisation.pk).select_related(related),
                    lambda row: row.organisation_id,
                    fields,
                    held_references[section],
                ).get(organisation.pk, [])
                for section, model, fields, related in HELD
            },
            "units": _history(
                Unit.history.filter(organisation_id=organisation.pk),
                lambda row: row.organisation_id,
                UNIT_FIELDS,
                lambda row: {"parent": unit_uuid.get(row.parent_id)},
            ).get(organisation.pk, []),
        },
    }


def _parents_first(organisation: Organisation) -> list[Unit]:
    """The organisation's units, every parent before its children, then by slug."""
    units = list(organisation.units.order_by("slug"))
    parent_of = {unit.pk: unit.parent_id for unit in units}

    def depth(unit: Unit) -> int:
        found, current = 0, unit.parent_id
        while current is not None and found <= len(units):
            found, current = found + 1, parent_of.get(current)
        return found

    return sorted(units, key=lambda unit: (depth(unit), unit.slug))


def _unit_document(unit: Unit, unit_uuid: dict[int, str]) -> dict[str, Any]:
    return {
        **{name: _value(getattr(unit, name)) for name in UNIT_FIELDS},
        "parent": unit_uuid.get(unit.parent_id),
    }


def _when(value: str | None) -> Any:
    return None if value is None else parse_datetime(value)


def _value(value: Any) -> Any:
    """A historical field's value as JSON: moments, days, decimals and UUIDs as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _parsed(model: Any, name: str, value: Any) -> Any:
    """A historical field's value from JSON, back in the type of the model's field."""
    field = model._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return parse_datetime(value)
    if isinstance(field, models.DateField):
        return parse_date(value)
    if isinstance(field, models.DecimalField):
        return Decimal(value)
    if isinstance(field, models.UUIDField):
        return UUID(value)
    return value


def _history(
    rows: Any,
    owner: Callable[[Any], Any],
    fields: tuple[str, ...],
    references: Callable[[Any], dict[str, Any]],
) -> dict[Any, list[dict[str, Any]]]:
    """Historical rows by what they belong to, oldest first: the fields copied, the
    references (foreign keys) named by stable identifiers."""
    found: dict[Any, list[dict[str, Any]]] = {}
    for row in rows.select_related("history_user").order_by("history_date", "history_id"):
        found.setdefault(owner(row), []).append(
            {
                "history_date": row.history_date.isoformat(),
                "history_type": row.history_type,
                "history_change_reason": row.history_change_reason,
                "history_user": None if row.history_user is None else row.history_user.username,
                **{name: _value(getattr(row, name)) for name in fields},
                **references(row),
            }
        )
    return found


@transaction.atomic
def import_organisation(document: dict[str, Any]) -> Organisation:
    """Recreate an organisation from its export, in one transaction (all or nothing)."""
    if not isinstance(document, dict) or document.get("format") not in (FORMAT, *READABLE_FORMATS):
        found = document.get("format") if isinstance(document, dict) else None
        if found in OLDER_FORMATS:
            raise PortabilityError(
                f"format: '{found}' files lack the audit history of the organisation, its "
                f"members, keys, tools and results; import this file with the release that "
                f"wrote it and export the organisation again to get a '{FORMAT}' file"
            )
        raise PortabilityError(f"format: expected '{FORMAT}'")
    slug = document["organisation"]["slug"]
    if Organisation.objects.filter(slug=slug).exists():
        raise PortabilityError(f"organisation: '{slug}' already exists here")
    if Organisation.objects.filter(uuid=document["organisation"]["uuid"]).exists():
        raise PortabilityError("organisation: this organisation already exists here (its uuid)")
    if Assessment.objects.filter(uuid__in=[a["uuid"] for a in document["assessments"]]).exists():
        raise PortabilityError("assessments: some of these assessments already exist here")

    for obj in serializers.deserialize(
        "python", document["catalogue"], handle_forward_references=True
    ):
        obj.save()
    published = {(slug, number): _when(moment) for slug, number, moment in document["published_at"]}
    versions: dict[tuple[str, int], QuestionnaireVersion] = {}
    for questionnaire in document["questionnaires"]:
        wanted = (questionnaire["slug"], questionnaire["version"])
        exists = QuestionnaireVersion.objects.filter(
            questionnaire__slug=wanted[0], number=wanted[1]
        ).exists()
        draft = questionnaire.get("status") == QuestionnaireVersion.Status.PUBLISHED and not exists
        try:
            # A new version is published with its original moment (a published one is frozen).
            version = services.questionnaire_import(
                document={**questionnaire, "status": "draft"} if draft else questionnaire
            ).version
            if draft:
                version = services.questionnaire_publish(
                    version=version, published_at=published[wanted]
                )
        except questionnaire_format.FormatError as exc:
            raise PortabilityError("; ".join(exc.errors)) from None
        versions[wanted] = version

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

    roll_up = document["organisation"].get("portfolio_roll_up", DEFAULT_ROLL_UP)
    rules = [value for value, _ in Organisation._meta.get_field("portfolio_roll_up").choices]
    if roll_up not in rules:
        raise PortabilityError(
            f"organisation.portfolio_roll_up: '{roll_up}' is not one of {', '.join(rules)}"
        )
    organisation = Organisation.objects.create(
        uuid=UUID(document["organisation"]["uuid"]),
        slug=slug,
        name=document["organisation"]["name"],
        portfolio_roll_up=roll_up,
    )
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
            created_by=user_named(key["created_by"]),
        )
        OrganisationAPIKey.objects.filter(prefix=key["prefix"]).update(
            created=_when(key["created"])
        )

    units: dict[str, Unit] = {}
    for data in document.get("units", []):  # parents come first
        unit = Unit.objects.create(
            organisation=organisation,
            uuid=UUID(data["uuid"]),
            slug=data["slug"],
            name=data["name"],
            kind=data["kind"],
            targets=data["targets"],
            parent=units[data["parent"]] if data["parent"] is not None else None,
        )
        Unit.objects.filter(pk=unit.pk).update(created_at=_when(data["created_at"]))
        units[data["uuid"]] = unit

    made: list[Assessment] = []
    answer_ids: dict[tuple[int, str], int] = {}
    for data in document["assessments"]:
        version = versions[(data["questionnaire"], data["version"])]
        questions = {q.key: q for q in version.questions.all()}
        assessment = Assessment.objects.create(
            uuid=UUID(data["uuid"]),
            organisation=organisation,
            version=version,
            unit=units[data["unit"]] if data.get("unit") is not None else None,
            title=data["title"],
            status=data["status"],
            revision=data["revision"],
            targets=data["targets"],
            due_on=parse_date(data["due_on"]) if data.get("due_on") else None,
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
                score=None if answer.get("score") is None else Decimal(answer["score"]),
                source=answer.get("source", Answer.Source.DIRECT),
                consensus_note=answer.get("consensus_note", ""),
                answered_by=user_named(answer["answered_by"]),
            )
            Answer.objects.filter(pk=row.pk).update(updated_at=_when(answer["updated_at"]))
            answer_ids[(assessment.pk, answer["question"])] = row.pk
        _import_respondents(organisation, assessment, questions, data, user_named)
        made.append(assessment)

    # Results once every assessment has its new id: a snapshot names its previous assessment.
    new_id = {str(a.uuid): a.pk for a in made}

    result_ids: dict[int, int] = {}
    for assessment, data in zip(made, document["assessments"], strict=True):
        stored = data["result"]
        if stored is None:
            continue
        result = Result.objects.create(
            assessment=assessment,
            engine_version=stored["engine_version"],
            overall=stored["overall"],
            overall_percent=stored["overall_percent"],
            level_key=stored["level_key"],
            level_name=stored["level_name"],
            snapshot=_snapshot(stored["snapshot"], new_id),
            computed_at=_when(stored["computed_at"]),
        )
        result_ids[assessment.pk] = result.pk
        # Section levels are not in the file: they follow from the snapshot, as at submit.
        levels = services.section_levels(stored["snapshot"])
        ResultScore.objects.bulk_create(
            ResultScore(
                result=result,
                axis=axis,
                key=key,
                percent=percent,
                level=levels.get((axis, key), ""),
            )
            for axis, key, percent in stored["scores"]
        )

    _import_history(
        organisation, document, made, versions, answer_ids, result_ids, new_id, user_named
    )
    _import_respondent_history(made, document, user_named)

    # Timestamps last: saving rows above would otherwise stamp them with "now".
    for assessment, data in zip(made, document["assessments"], strict=True):
        Assessment.objects.filter(pk=assessment.pk).update(
            created_at=_when(data["created_at"]), updated_at=_when(data["updated_at"])
        )
    return organisation


def _import_history(
    organisation: Organisation,
    document: dict[str, Any],
    made: list[Assessment],
    versions: dict[tuple[str, int], QuestionnaireVersion],
    answer_ids: dict[tuple[int, str], int],
    result_ids: dict[int, int],
    new_id: dict[str, int],
    user_named: Callable[[str | None], Any],
) -> None:
    """The exported audit trail in place of the rows this import's own saves recorded. A row
    of something gone since (a removed member, an undeclared tool) keeps the id 0."""
    history = document["history"]
    _restore(
        Organisation.history.filter(id=organisation.pk),
        ORGANISATION_HISTORY,
        (
            ({"portfolio_roll_up": DEFAULT_ROLL_UP, **row}, {"id": organisation.pk})
            for row in history["organisation"]
        ),
        user_named,
    )
    in_organisation = {"organisation_id": organisation.pk}
    membership_ids = dict(organisation.memberships.values_list("user__username", "pk"))
    tool_ids = dict(organisation.tool_uses.values_list("tool__slug", "pk"))
    catalogue_tools = dict(Tool.objects.values_list("slug", "pk"))
    held_references: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "members": lambda row: {
            "id": membership_ids.get(row["username"], 0),
            "user": user_named(row["username"]),
        },
        "tools_in_use": lambda row: {
            "id": tool_ids.get(row["tool"], 0),
            "tool_id": catalogue_tools.get(row["tool"]),
        },
        "api_keys": lambda row: {
            "id": f"{row['prefix']}.{row['hashed_key']}",
            "created_by": user_named(row["created_by"]),
        },
    }
    for section, model, fields, _related in HELD:
        references = held_references[section]
        _restore(
            model.history.filter(**in_organisation),
            fields,
            ((row, {**in_organisation, **references(row)}) for row in history[section]),
            user_named,
        )
    unit_ids = {str(uuid): pk for uuid, pk in organisation.units.values_list("uuid", "pk")}
    # A unit deleted since gets an id of its own below 0 (no row has it), so its history rows
    # and its children's still name it, by its UUID, when exported again.
    for row in history.get("units", []):
        unit_ids.setdefault(row["uuid"], -1 - len([i for i in unit_ids.values() if i < 0]))
    _restore(
        Unit.history.filter(**in_organisation),
        UNIT_FIELDS,
        (
            (
                row,
                {
                    **in_organisation,
                    "id": unit_ids.get(row["uuid"], 0),
                    "parent_id": unit_ids.get(row["parent"]),
                },
            )
            for row in history.get("units", [])
        ),
        user_named,
    )
    assessments = list(zip(made, document["assessments"], strict=True))
    made_ids = [a.pk for a in made]

    def assessment_references(assessment: Assessment, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": assessment.pk,
            "organisation_id": organisation.pk,
            "version_id": versions[(row["questionnaire"], row["version"])].pk,
            "copied_from_id": new_id.get(row["copied_from"]) if row["copied_from"] else None,
            "created_by": user_named(row["created_by"]),
            "submitted_by": user_named(row["submitted_by"]),
            "unit_id": unit_ids.get(row.get("unit")),
        }

    _restore(
        Assessment.history.filter(id__in=made_ids),
        ASSESSMENT_HISTORY,
        (
            (row, assessment_references(assessment, row))
            for assessment, data in assessments
            for row in data["history"]
        ),
        user_named,
    )
    question_ids = {
        assessment.pk: {q.key: q.pk for q in assessment.version.questions.all()}
        for assessment in made
    }
    _restore(
        Answer.history.filter(assessment_id__in=made_ids),
        ANSWER_HISTORY,
        (
            (
                row,
                {
                    "id": answer_ids.get((assessment.pk, row["question"]), 0),
                    "assessment_id": assessment.pk,
                    "question_id": question_ids[assessment.pk][row["question"]],
                    "answered_by": user_named(row["answered_by"]),
                },
            )
            for assessment, data in assessments
            for row in data["answer_history"]
        ),
        user_named,
    )
    _restore(
        Result.history.filter(assessment_id__in=made_ids),
        RESULT_HISTORY,
        (
            (
                row,
                {
                    "id": result_ids.get(assessment.pk, 0),
                    "assessment_id": assessment.pk,
                    "snapshot": _snapshot(row["snapshot"], new_id),
                },
            )
            for assessment, data in assessments
            for row in data["result_history"]
        ),
        user_named,
    )


def _snapshot(snapshot: dict[str, Any], ids: dict[Any, Any]) -> dict[str, Any]:
    """A result snapshot with its previous assessment mapped: id to UUID, or back."""
    previous = snapshot.get("previous_assessment")
    return {**snapshot, "previous_assessment": ids.get(previous, previous)}


def _restore(
    recorded: Any,
    fields: tuple[str, ...],
    exported: Iterable[tuple[dict[str, Any], dict[str, Any]]],
    user_named: Callable[[str | None], Any],
) -> None:
    """Replace the historical rows the import recorded with the exported ones: each exported
    row with the references (ids in this database) it maps to."""
    model = recorded.model
    rows = [
        model(
            history_date=_when(row["history_date"]),
            history_type=row["history_type"],
            history_change_reason=row["history_change_reason"],
            history_user=user_named(row["history_user"]),
            **{name: _parsed(model, name, row[name]) for name in fields},
            **references,
        )
        for row, references in exported
    ]
    recorded.delete()
    model.objects.bulk_create(rows)


# --- respondents ------------------------------------------------------------------------------
#
# Each assessment carries its respondents (the person by username, or the invitation that asks
# them, with its hash only, like API keys), each respondent's own answers, and the audit
# history of both. Files written before respondents existed have none of these keys and import
# as before.


class _RespondentsExport:
    """The respondents of an organisation's assessments, loaded once for the whole export."""

    def __init__(self, uuid_of: dict[int, str]) -> None:
        ids = list(uuid_of)
        self.respondents: dict[int, list[Respondent]] = {}
        for respondent in (
            Respondent.objects.filter(assessment_id__in=ids)
            .select_related("user", "invitation__invited_by", "invitation__accepted_by")
            .order_by("created_at", "pk")
        ):
            self.respondents.setdefault(respondent.assessment_id, []).append(respondent)
        self.answers: dict[int, list[RespondentAnswer]] = {}
        for answer in (
            RespondentAnswer.objects.filter(respondent__assessment_id__in=ids)
            .select_related("question")
            .order_by("question__key")
        ):
            self.answers.setdefault(answer.respondent_id, []).append(answer)
        # Respondents removed since are known from their history only.
        self.uuids = dict(
            Respondent.history.filter(assessment_id__in=ids).values_list("id", "uuid").distinct()
        )
        self.history = _history(
            Respondent.history.filter(assessment_id__in=ids).select_related("user", "invitation"),
            lambda row: row.assessment_id,
            RESPONDENT_HISTORY,
            lambda row: {
                "user": None if row.user_id is None else row.user.get_username(),
                "invitation": None if row.invitation_id is None else str(row.invitation.uuid),
            },
        )
        respondent_of = dict(
            Respondent.history.filter(assessment_id__in=ids)
            .values_list("id", "assessment_id")
            .distinct()
        )
        answer_history = _history(
            RespondentAnswer.history.filter(respondent_id__in=list(self.uuids)).select_related(
                "question"
            ),
            lambda row: respondent_of[row.respondent_id],
            RESPONDENT_ANSWER_HISTORY,
            lambda row: {
                "respondent": str(self.uuids[row.respondent_id]),
                "question": row.question.key,
            },
        )
        self.answer_history = answer_history

    def document(self, assessment_id: int) -> dict[str, Any]:
        return {
            "respondents": [
                {
                    "uuid": str(respondent.uuid),
                    "user": None if respondent.user is None else respondent.user.get_username(),
                    "invitation": _invitation(respondent.invitation),
                    "revision": respondent.revision,
                    "created_at": _iso(respondent.created_at),
                    "answers": [
                        {
                            "question": answer.question.key,
                            "choices": answer.choices,
                            "number": _text(answer.number),
                            "not_applicable": answer.not_applicable,
                            "comment": answer.comment,
                            "evidence_url": answer.evidence_url,
                            "updated_at": _iso(answer.updated_at),
                        }
                        for answer in self.answers.get(respondent.pk, [])
                    ],
                }
                for respondent in self.respondents.get(assessment_id, [])
            ],
            "respondent_history": self.history.get(assessment_id, []),
            "respondent_answer_history": self.answer_history.get(assessment_id, []),
        }


def _invitation(invitation: Invitation | None) -> dict[str, Any] | None:
    if invitation is None:
        return None

    def name(user: Any) -> str | None:
        return None if user is None else user.get_username()

    return {
        **{field: _value(getattr(invitation, field)) for field in INVITATION_FIELDS},
        **{moment: _iso(getattr(invitation, moment)) for moment in INVITATION_MOMENTS},
        "invited_by": name(invitation.invited_by),
        "accepted_by": name(invitation.accepted_by),
    }


def _import_respondents(
    organisation: Organisation,
    assessment: Assessment,
    questions: dict[str, Any],
    data: dict[str, Any],
    user_named: Callable[[str | None], Any],
) -> None:
    for item in data.get("respondents", []):
        invitation = None
        if item["invitation"] is not None:
            invitation = _imported_invitation(organisation, item["invitation"], user_named)
        respondent = Respondent.objects.create(
            uuid=UUID(item["uuid"]),
            assessment=assessment,
            user=user_named(item["user"]),
            invitation=invitation,
            revision=item["revision"],
        )
        Respondent.objects.filter(pk=respondent.pk).update(created_at=_when(item["created_at"]))
        for answer in item["answers"]:
            row = RespondentAnswer.objects.create(
                respondent=respondent,
                question=questions[answer["question"]],
                choices=answer["choices"],
                number=None if answer["number"] is None else Decimal(answer["number"]),
                not_applicable=answer["not_applicable"],
                comment=answer["comment"],
                evidence_url=answer["evidence_url"],
            )
            RespondentAnswer.objects.filter(pk=row.pk).update(
                updated_at=_when(answer["updated_at"])
            )


def _imported_invitation(
    organisation: Organisation, data: dict[str, Any], user_named: Callable[[str | None], Any]
) -> Invitation:
    """The invitation a respondent was asked by: the one imported already (several
    respondents may share it), or made as exported (its hash only)."""
    found = Invitation.objects.filter(uuid=data["uuid"]).first()
    if found is not None:
        return found
    invitation = Invitation.objects.create(
        organisation=organisation,
        **{field: _parsed(Invitation, field, data[field]) for field in INVITATION_FIELDS},
        invited_by=user_named(data["invited_by"]),
        accepted_by=user_named(data["accepted_by"]),
        expires_at=_when(data["expires_at"]),
        accepted_at=_when(data["accepted_at"]),
        revoked_at=_when(data["revoked_at"]),
    )
    Invitation.objects.filter(pk=invitation.pk).update(created_at=_when(data["created_at"]))
    return invitation


def _import_respondent_history(
    made: list[Assessment], document: dict[str, Any], user_named: Callable[[str | None], Any]
) -> None:
    """The respondents' exported audit trail in place of the rows the import recorded; a row
    of a respondent (or answer) removed since keeps the id 0."""
    assessments = list(zip(made, document["assessments"], strict=True))
    made_ids = [a.pk for a in made]
    respondent_ids = dict(
        Respondent.objects.filter(assessment_id__in=made_ids).values_list("uuid", "pk")
    )
    respondent_ids = {str(uuid): pk for uuid, pk in respondent_ids.items()}
    invitation_ids = {
        str(uuid): pk
        for uuid, pk in Invitation.objects.filter(respondents__assessment_id__in=made_ids)
        .values_list("uuid", "pk")
        .distinct()
    }
    answer_ids = {
        (str(uuid), key): pk
        for uuid, key, pk in RespondentAnswer.objects.filter(
            respondent__assessment_id__in=made_ids
        ).values_list("respondent__uuid", "question__key", "pk")
    }
    question_ids = {
        assessment.pk: {q.key: q.pk for q in assessment.version.questions.all()}
        for assessment in made
    }
    _restore(
        Respondent.history.filter(assessment_id__in=made_ids),
        RESPONDENT_HISTORY,
        (
            (
                row,
                {
                    "id": respondent_ids.get(row["uuid"], 0),
                    "assessment_id": assessment.pk,
                    "user": user_named(row["user"]),
                    "invitation_id": invitation_ids.get(row["invitation"] or ""),
                },
            )
            for assessment, data in assessments
            for row in data.get("respondent_history", [])
        ),
        user_named,
    )
    _restore(
        RespondentAnswer.history.filter(respondent__assessment_id__in=made_ids),
        RESPONDENT_ANSWER_HISTORY,
        (
            (
                row,
                {
                    "id": answer_ids.get((row["respondent"], row["question"]), 0),
                    "respondent_id": respondent_ids.get(row["respondent"], 0),
                    "question_id": question_ids[assessment.pk][row["question"]],
                },
            )
            for assessment, data in assessments
            for row in data.get("respondent_answer_history", [])
        ),
        user_named,
    )
