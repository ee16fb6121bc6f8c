"""Reads of an organisation's members, units and invitations, each in one query."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet

from organisations.models import Invitation, Membership, Organisation, Unit


def addressed_to(user: AbstractBaseUser) -> Q:
    """Invitations that name `user`: by username, or by the e-mail address of their account."""
    named = Q(username=user.get_username(), email="")
    email = getattr(user, "email", "")
    if email:
        named |= Q(email__iexact=email, username="")
    return named


def members(organisation: Organisation) -> QuerySet[Membership]:
    """Memberships with their users, ordered by username; `username` and `since` annotated so
    lists can sort by them."""
    return (
        organisation.memberships.select_related("user")
        .annotate(username=F("user__username"), since=F("created_at"))
        .order_by("user__username")
    )


def units(organisation: Organisation) -> QuerySet[Unit]:
    """Units with their parent (for its slug), ordered by name."""
    return organisation.units.select_related("parent").order_by("name", "slug")


def invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Every invitation of the organisation, newest first, with who sent and accepted it."""
    return organisation.invitations.select_related("invited_by", "accepted_by").order_by(
        "-created_at", "-id"
    )


def invitations_for(user: AbstractBaseUser) -> QuerySet[Invitation]:
    """Pending invitations that name `user` (by username or by their account's e-mail
    address), newest first, with the organisation and who sent them."""
    return (
        Invitation.objects.pending()
        .filter(addressed_to(user))
        .select_related("organisation", "invited_by")
        .order_by("-created_at", "-id")
    )
