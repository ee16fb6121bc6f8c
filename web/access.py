"""Who may see and change what on the web pages: the one place the pages ask.

The rules are the API's: an assessment is visible to the members of its organisation
(`selectors.assessments_for`), owners and editors change it, viewers read it, and anyone
else gets a 404 exactly like for a missing one. Views call these functions and nothing
else; when organisations get their own access mechanism, only the bodies here change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from assessments import selectors
from assessments.models import Assessment
from organisations.models import EDIT_ROLES, Membership, Organisation, Unit

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Access:
    assessment: Assessment
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES


def _role(user: Any, organisation: Any) -> Subquery:
    return Subquery(
        Membership.objects.filter(organisation=organisation, user=user).values("role")[:1]
    )


def assessments(user: User) -> QuerySet[Assessment]:
    """The assessments the user may read, each with `my_role` (one query when evaluated)."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return selectors.assessments_for(user).annotate(my_role=_role(user, OuterRef("organisation")))


def organisations(user: User) -> QuerySet[Organisation]:
    """The user's organisations, each with `my_role`."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return selectors.organisations_for(user).annotate(my_role=_role(user, OuterRef("pk")))


def assessment(user: User, pk: int, *, edit: bool = False, result: bool = False) -> Access:
    """The assessment `pk` as the user may use it, in one query.

    404 when the user may not see it (or it does not exist); 403 when `edit` is asked of a
    viewer. `result` loads the stored result along with it.
    """
    queryset = assessments(user)
    if result:
        queryset = queryset.select_related("result")
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("No such assessment.")
    access = Access(found, found.my_role)
    if edit and not access.can_edit:
        raise PermissionDenied("Viewers can read this assessment but not change it.")
    return access


def units_of(organisations: list[Organisation]) -> list[Unit]:
    """The units of these organisations, by organisation then name (one query)."""
    return list(
        Unit.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .order_by("organisation__name", "name", "slug")
    )


def editable_organisations(user: User) -> list[Organisation]:
    """Organisations where the user may start an assessment."""
    return [org for org in organisations(user) if org.my_role in EDIT_ROLES]
