"""The demo organisation's people and team results, so the portfolio and the disagreement view
show something real straight after `make run`.

Facilitator `fran` (editor) and respondents `ada`, `ben` and `chen` join `demo`. Every unit but
the department gets a submitted baseline of the DevOps questionnaire (the ML platform also of
the MLOps one), each answered a little differently, and the payments team has a draft review
that the three respondents have answered and disagree on. Safe to rerun: what exists is kept.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments import scoring, selectors, services
from assessments.management.commands.ensure_demo_assessment import sample_answer
from assessments.models import Assessment, Questionnaire, QuestionnaireVersion
from organisations.models import Membership, Organisation, Unit

PEOPLE = [
    ("fran", "Fran", "Facilitator", Membership.Role.EDITOR),
    ("ada", "Ada", "Respondent", Membership.Role.RESPONDENT),
    ("ben", "Ben", "Respondent", Membership.Role.RESPONDENT),
    ("chen", "Chen", "Respondent", Membership.Role.RESPONDENT),
]
# (unit slug, questionnaire slug, how many answers in a row of three are weak: 0 to 3).
BASELINES = [
    ("payments", "devops-maturity", 1),
    ("search", "devops-maturity", 2),
    ("ml-platform", "devops-maturity", 0),
    ("ml-platform", "mlops-maturity", 1),
]
REVIEW = "Payments team review"
# Each respondent's view of the payments team, as in BASELINES: ada is the optimist.
RESPONDENTS = [("ada", 0), ("ben", 1), ("chen", 2)]


def answers_for(model: scoring.Model, weak: int) -> list[services.AnswerInput]:
    """Every question answered like `sample_answer`, with `weak` of every three answers weak."""
    pick: Callable[[int, scoring.Question], services.AnswerInput] = sample_answer
    made = []
    for index, question in enumerate(model.questions()):
        strong = pick(1, question)  # sample_answer is weak at multiples of three only
        made.append(pick(0, question) if index % 3 < weak else strong)
    return made


class Command(BaseCommand):
    help = (
        "Add the demo organisation's facilitator and respondents, baseline results of its "
        "units and a team review with three respondents who disagree. The people's password "
        "comes from OPSASSESS_DEMO_PASSWORD, or is generated and printed once. Safe to rerun."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisation", default="demo")

    @transaction.atomic
    def handle(self, *args: Any, organisation: str, **options: Any) -> None:
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation '{organisation}'; run ensure_demo_organisation.")
        owner = org.memberships.filter(role=Membership.Role.OWNER).select_related("user").first()
        if owner is None:
            raise CommandError(f"Organisation '{organisation}' has no owner.")
        people = self._people(org)
        versions = self._versions()
        units = {unit.slug: unit for unit in org.units.all()}
        made = 0
        for unit_slug, questionnaire, weak in BASELINES:
            unit = units.get(unit_slug)
            if unit is None or questionnaire not in versions:
                continue
            version = versions[questionnaire]
            title = f"{unit.name}: {version.questionnaire.name} baseline"
            if Assessment.objects.filter(organisation=org, unit=unit, title=title).exists():
                continue
            model = selectors.scoring_model(selectors.version_tree(version))
            assessment = services.assessment_create(
                organisation=org, version=version, user=owner.user, title=title, unit=unit
            )
            services.assessment_save_answers(
                assessment=assessment, answers=answers_for(model, weak), user=owner.user
            )
            services.assessment_submit(assessment=assessment, user=owner.user)
            made += 1
        review = self._review(org, units.get("payments"), versions, people)
        self.stdout.write(
            f"Demo team: {made} baseline result(s) added; review "
            + (f"{review.pk} “{REVIEW}”." if review else "not seeded (no payments unit).")
        )

    def _people(self, org: Organisation) -> dict[str, Any]:
        users = get_user_model().objects
        given = os.environ.get("OPSASSESS_DEMO_PASSWORD", "")
        password = given or secrets.token_urlsafe(12)
        people, created = {}, []
        for username, first, last, role in PEOPLE:
            user = users.filter(username=username).first()
            if user is None:
                user = users.create_user(
                    username,
                    email=f"{username}@example.com",
                    password=password,
                    first_name=first,
                    last_name=last,
                )
                created.append(username)
            elif given:
                user.set_password(given)
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(organisation=org, user=user, defaults={"role": role})
            people[username] = user
        if created and not given:
            self.stdout.write(
                self.style.WARNING(
                    f"Created {', '.join(created)} with password: {password}\n"
                    "It is shown only this once; set OPSASSESS_DEMO_PASSWORD and run "
                    "`make run` again to change it."
                )
            )
        return people

    def _versions(self) -> dict[str, QuestionnaireVersion]:
        versions = {}
        for questionnaire in Questionnaire.objects.filter(
            slug__in={slug for _, slug, _ in BASELINES}
        ):
            version = questionnaire.latest_published()
            if version is not None:
                versions[questionnaire.slug] = version
        return versions

    def _review(
        self,
        org: Organisation,
        unit: Unit | None,
        versions: dict[str, QuestionnaireVersion],
        people: dict[str, Any],
    ) -> Assessment | None:
        if unit is None or "devops-maturity" not in versions:
            return None
        review = Assessment.objects.filter(organisation=org, title=REVIEW).first()
        if review is not None:
            return review
        version = versions["devops-maturity"]
        model = selectors.scoring_model(selectors.version_tree(version))
        review = services.assessment_create(
            organisation=org, version=version, user=people["fran"], title=REVIEW, unit=unit
        )
        review = services.assessment_update(
            assessment=review,
            expected_etag=review.etag,
            due_on=timezone.localdate() + timedelta(days=14),
        )
        for username, weak in RESPONDENTS:
            added = services.respondent_add(
                assessment=review, added_by=people["fran"], username=username
            )
            services.respondent_save_answers(
                respondent=added.respondent,
                answers=answers_for(model, weak),
                user=people[username],
            )
        return review
