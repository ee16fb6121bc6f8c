"""Who may do what: the organisation a request is about and the caller's role in it.

Resolved once per request by one query, then kept on the request (`request.access`, with
`request.organisation` and `request.role` beside it), so every API view, web page, report and
check that asks again pays nothing. Views never look memberships up themselves.

Roles, strongest first: an owner does everything, members, invitations and keys included; an
editor changes assessments, units and the tools in use; a viewer reads everything of the
organisation; a respondent answers, and reads, only the assessments they are asked to answer.
Being staff gives no role here: staff work in the admin.

Unknown organisations and organisations the caller does not belong to answer 404 alike, so
slugs and ids do not leak; a member whose role is too weak gets a 403 that says why.

Other apps resolve their own objects to an organisation and hand the answer over with
`grant()` (assessments find the organisation of an assessment and whether the caller answers
it); the rules of what each need admits live here only.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest

from organisations.models import EDIT_ROLES, READ_ROLES, Membership, Organisation

User = AbstractBaseUser | AnonymousUser


class Need(enum.StrEnum):
    MEMBER = "member"  # any role: see the organisation's name; leave it
    READ = "read"  # owners, editors, viewers; respondents for what they answer
    EDIT = "edit"  # owners, editors
    OWN = "own"  # owners
    ANSWER = "answer"  # respondents of the assessment, whatever their role


_ROLES: dict[Need, frozenset[str]] = {
    Need.MEMBER: frozenset(Membership.Role.values),
    Need.READ: READ_ROLES,
    Need.EDIT: EDIT_ROLES,
    Need.OWN: frozenset({Membership.Role.OWNER}),
    Need.ANSWER: frozenset(),
}

_REFUSALS: dict[Need, str] = {
    Need.MEMBER: "You are not a member of this organisation.",
    Need.READ: "Respondents answer the assessments they are asked to; the organisation's "
    "results and settings are for its owners, editors and viewers.",
    Need.EDIT: "Viewers can read this but not change it; owners and editors change it.",
    Need.OWN: "Only the organisation's owners may do this.",
    Need.ANSWER: "Only the respondents of this assessment save answers of their own to it.",
}


@dataclass(frozen=True, slots=True)
class Access:
    """What the caller may do in one organisation (and, for an assessment, whether they
    answer it)."""

    organisation: Organisation
    role: str | None  # None: no membership
    respondent: bool = False

    def allows(self, need: Need) -> bool:
        if need is Need.ANSWER:
            return self.respondent
        if need is Need.READ and self.respondent:
            return True
        return self.role in _ROLES[need]

    def require(self, need: Need, message: str | None = None) -> Access:
        """This access, or a 403 naming why `need` is not met."""
        if not self.allows(need):
            raise PermissionDenied(message or _REFUSALS[need])
        return self

    def as_member(self) -> Access:
        """What the role alone allows, without the respondent's place: the team that runs an
        assessment (owners, editors, viewers) reads its respondents' answers; someone who
        only answers it does not."""
        return dataclasses.replace(self, respondent=False)

    @property
    def can_edit(self) -> bool:
        return self.allows(Need.EDIT)

    @property
    def is_owner(self) -> bool:
        return self.allows(Need.OWN)


def role_of(user: User, organisation: Any) -> Subquery:
    """The user's role in `organisation` (an OuterRef or a row), as a subquery to annotate."""
    return Subquery(
        Membership.objects.filter(organisation=organisation, user=user).values("role")[:1]
    )


def member_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations the user belongs to in any role, each with `my_role`."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user).annotate(
        my_role=role_of(user, OuterRef("pk"))
    )


def grant(request: HttpRequest | Any, access: Access) -> Access:
    """Keep `access` on the request: later questions about the same organisation are free."""
    request.access = access
    request.organisation = access.organisation
    request.role = access.role
    return access


def _kept(request: HttpRequest | Any, slug: str) -> Access | None:
    kept: Access | None = getattr(request, "access", None)
    if kept is not None and kept.organisation.slug == slug and not kept.respondent:
        return kept
    return None


def organisation(
    request: HttpRequest | Any, slug: str, need: Need = Need.READ, *, message: str | None = None
) -> Access:
    """The caller's access to the organisation `slug`, meeting `need`.

    404 when the organisation does not exist or the caller is not a member; 403 (with
    `message`, or the rule's own reason) when the role does not meet `need`. One query the
    first time in a request, none after.
    """
    access = _kept(request, slug)
    if access is None:
        found = member_organisations(request.user).filter(slug=slug).first()
        if found is None:
            raise Http404("No such organisation.")
        access = grant(request, Access(found, found.my_role))
    return access.require(need, message)


def editable_organisations(user: User) -> list[Organisation]:
    """The organisations where the user may start and change assessments."""
    return [org for org in member_organisations(user) if org.my_role in EDIT_ROLES]
