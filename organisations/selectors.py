"""Reads of an organisation's members, units and invitations, each in one query."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Q, QuerySet

from organisations.models import Invitation, Membership, Organisation, Unit, secret_hash


def addressed_to(user: AbstractBaseUser) -> Q:
    """Invitations that name `user`: by username, or by the e-mail address of their account."""
    named = Q(username=user.get_username(), email="")
    email = getattr(user, "email", "")
    if email:
        named |= Q(email__iexact=email, username="")
    return named


def invitation_names(invitation: Invitation, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the invitation is for `user` (addressed_to's rule, on one row)."""
    if not user.is_authenticated:
        return False
    if invitation.username:
        return invitation.username == user.get_username()
    email = getattr(user, "email", "")
    return bool(email) and invitation.email.casefold() == email.casefold()


def invitation_by_secret(secret: str) -> Invitation | None:
    """The invitation whose key this is, whatever its status, with its organisation and who
    sent it (one query); None for a key that names none."""
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(secret_hash=secret_hash(secret))
        .first()
    )


def has_account(email: str) -> bool:
    """Whether an account has this e-mail address (in any letter case)."""
    return bool(email) and get_user_model().objects.filter(email__iexact=email).exists()


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
