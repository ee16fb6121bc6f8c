from typing import Any

from django.apps import AppConfig
from django.db.models import Model


def published_questions_using(row: Model) -> list[str]:
    """Questions of published versions tagged with a catalogue row: they keep it alive."""
    from assessments.models import Question
    from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice

    axis = {
        Discipline: "disciplines",
        LifecyclePhase: "phases",
        Practice: "practices",
        Hindrance: "hindrances",
    }.get(type(row))
    if axis is None:
        return []
    questions = (
        Question.objects.filter(**{axis: row}, version__status="published")
        .select_related("version__questionnaire")
        .order_by("version__questionnaire__slug", "version__number", "key")
    )
    return [
        f"question '{q.key}' of {q.version.questionnaire.name} v{q.version.number} (published)"
        for q in questions
    ]


def _resend_feed_rows(organisation_id: int, **_: Any) -> None:
    """Feed rows carry the organisation's slug and name: a rename re-sends them."""
    from assessments.models import Assessment, feed_rows_changed

    feed_rows_changed(Assessment.objects.filter(organisation_id=organisation_id))


def _invitation_accepted(invitation: Any, user: Any, **_: Any) -> None:
    """Someone invited to answer an assessment accepted: they answer it from now on."""
    from assessments import services

    services.respondent_invitation_accepted(invitation=invitation, user=user)


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from assessments import schema  # noqa: F401  (registers the OpenAPI extension)
        from catalog import usage
        from organisations.signals import invitation_accepted, organisation_renamed

        usage.register(published_questions_using)
        organisation_renamed.connect(_resend_feed_rows, dispatch_uid="organisation-renamed-feed")
        invitation_accepted.connect(
            _invitation_accepted, dispatch_uid="invitation-accepted-respondents"
        )
