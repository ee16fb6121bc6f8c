"""What the pages ask about access, answered by the API's own mechanism.

organisations.access holds the rules and resolves the organisation and the caller's role once
per request; assessments.access finds an assessment with them. The pages add only their own
shape: an assessment paired with what the caller may do to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from assessments import access as assessment_access
from assessments import selectors
from assessments.models import Assessment, Respondent
from organisations import access
from organisations.access import Need
from organisations.models import EDIT_ROLES, Organisation, Unit

User = AbstractBaseUser | AnonymousUser

__all__ = [
    "EDIT_ROLES",
    "Access",
    "assessment",
    "assessments",
    "organisation",
    "organisations",
    "reads_results",
    "reads_team",
    "team_assessment",
    "units_of",
]


@dataclass(frozen=True)
class Access:
    assessment: Assessment
    access: access.Access

    @property
    def can_edit(self) -> bool:
        return self.access.can_edit

    @property
    def role(self) -> str | None:
        return self.access.role

    @property
    def responds(self) -> bool:
        """Whether the caller holds a respondent's place on the assessment (in any role)."""
        return self.access.respondent

    @property
    def reads_team(self) -> bool:
        """Whether the caller reads the assessment as its organisation's team (owners,
        editors, viewers), not only as someone answering it."""
        return self.access.as_member().allows(Need.READ)

    def require_edit(self) -> None:
        """403 unless the caller may change the assessment's own answers."""
        self.access.require(Need.EDIT, VIEWERS_READ_ONLY)


VIEWERS_READ_ONLY = "Viewers can read this assessment but not change it."


def assessments(user: User) -> QuerySet[Assessment]:
    """The assessments the user may read, each with `my_role` and `responds`."""
    return assessment_access.annotated(user)


def organisations(user: User) -> QuerySet[Organisation]:
    """The user's organisations, each with `my_role`."""
    return access.member_organisations(user)


def organisation(
    request: HttpRequest, slug: str, need: Need = Need.READ, *, message: str | None = None
) -> access.Access:
    """The caller's access to the organisation `slug`, meeting `need`: 404 for an unknown
    organisation or one the caller is not a member of, 403 (with `message`) for a role that
    falls short."""
    return access.organisation(request, slug, need, message=message)


def reads_results(organisation: Organisation) -> bool:
    """Whether the caller (whose role `organisation.my_role` holds, as organisations() gives
    it) reads all of the organisation's results: its portfolio, for one."""
    return access.Access(organisation, organisation.my_role).allows(Need.READ)


def assessment(
    request: HttpRequest,
    pk: int,
    *,
    edit: bool = False,
    result: bool = False,
    respondents: bool = False,
) -> Access:
    """The assessment `pk` as the caller may use it, in one query.

    404 when the caller may not see it (or it does not exist); 403 when `edit` is asked of
    someone who may only read it. `result` loads the stored result along with it;
    `respondents` tells whether it has respondents (`has_respondents`).
    """
    queryset = selectors.assessments_for(request.user)
    if result:
        queryset = queryset.select_related("result")
    if respondents:
        queryset = queryset.annotate(
            has_respondents=Exists(Respondent.objects.filter(assessment=OuterRef("pk")))
        )
    found = assessment_access.assessment(
        request,
        pk,
        Need.EDIT if edit else Need.READ,
        queryset=queryset,
        message=VIEWERS_READ_ONLY,
    )
    return Access(found, request.access)


def units_of(organisations: list[Organisation]) -> list[Unit]:
    """The units of these organisations, by organisation then name (one query)."""
    return list(
        Unit.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .order_by("organisation__name", "name", "slug")
    )


def editable_organisations(user: User) -> list[Organisation]:
    """Organisations where the user may start an assessment."""
    return access.editable_organisations(user)


def team_assessment(request: HttpRequest, pk: int, *, edit: bool = False) -> Access:
    """The assessment `pk` for the team that runs it (its organisation's owners, editors and
    viewers), as the API's respondents, disagreement and consensus are: 404 as for
    assessment(); 403 for a respondent, and for a viewer when `edit` is asked."""
    found = assessment_access.team_assessment(
        request,
        pk,
        Need.EDIT if edit else Need.READ,
        queryset=selectors.assessments_for(request.user),
        message=VIEWERS_READ_ONLY if edit else assessment_access.TEAM_ONLY,
    )
    return Access(found, request.access)


def reads_team(request: HttpRequest) -> bool:
    """Whether the caller, whose access to an assessment is resolved on this request, is of
    the team that runs it (team_assessment() would let them read)."""
    kept = getattr(request, "access", None)
    return kept is not None and kept.as_member().allows(Need.READ)
