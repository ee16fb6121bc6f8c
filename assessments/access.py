"""The caller's access to one assessment: organisations.access, found through the assessment.

One query finds the assessment (from the queryset the caller passes, so a view's joins and
deferrals come along), the caller's role in its organisation and whether they answer it. An
assessment the caller may not read answers 404 like a missing one; a need the caller does
not meet answers 403 with the reason (organisations.access holds the rules).
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet
from django.http import Http404, HttpRequest

from assessments import selectors
from assessments.models import Assessment
from organisations.access import Access, Need, grant, role_of

# An id longer than this names nothing and would overflow a bigint comparison.
_MAX_ID_DIGITS = 18


def annotated(user: Any, queryset: QuerySet[Assessment] | None = None) -> QuerySet[Assessment]:
    """`queryset` (by default: every assessment the user may read) with `my_role` (the
    user's role in the organisation, or None) and `responds` (the user answers it)."""
    if queryset is None:
        queryset = selectors.assessments_for(user)
    return queryset.annotate(
        my_role=role_of(user, OuterRef("organisation")),
        responds=selectors.responds(user),
    )


def access_of(assessment: Assessment) -> Access:
    """The access of an assessment read through `annotated()`."""
    return Access(assessment.organisation, assessment.my_role, bool(assessment.responds))


def assessment(
    request: HttpRequest | Any,
    pk: Any,
    need: Need = Need.READ,
    *,
    queryset: QuerySet[Assessment] | None = None,
    message: str | None = None,
) -> Assessment:
    """The assessment `pk` as the caller may use it, in one query, with `request.access` set.

    404 when the caller may not read it (or it does not exist, or `pk` is no id); 403 with
    the reason when the caller's role does not meet `need`.
    """
    text = str(pk)
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS):
        raise Http404("No such assessment.")
    found = annotated(request.user, queryset).filter(pk=int(text)).first()
    if found is None:
        raise Http404("No such assessment.")
    access = access_of(found)
    if not access.allows(Need.READ):
        raise Http404("No such assessment.")
    grant(request, access).require(need, message)
    return found


TEAM_ONLY = (
    "The respondents of an assessment, their disagreement and their consensus are for the "
    "organisation's owners, editors and viewers."
)


def team_assessment(
    request: HttpRequest | Any,
    pk: Any,
    need: Need = Need.READ,
    *,
    queryset: QuerySet[Assessment] | None = None,
    message: str = TEAM_ONLY,
) -> Assessment:
    """`assessment()` for its organisation's owners, editors and viewers (the team that runs
    it): answering an assessment gives no access to the others' answers, so a respondent who
    reads it gets 403 with `message` here."""
    found = assessment(request, pk, need, queryset=queryset, message=message)
    request.access.as_member().require(need, message)
    return found
