"""Writes that carry the rules of an organisation: the organisation itself, its members,
units and invitations, the tools it uses and its API keys.

API views, admin actions and other apps call these functions; each runs in one transaction,
so a refused request leaves nothing half-done, and each saves through the model (never a
queryset `.update()`), so django-simple-history records every change with the user behind it.

Rules kept here:

- An organisation always keeps at least one owner. Every write to memberships first locks the
  organisation's row (SELECT ... FOR UPDATE), so two owners demoting or removing each other
  at the same moment are served one after the other, and the second is refused (409
  `last_owner`).
- Units nest without cycles, have slugs unique within their organisation, and are deleted only
  when nothing hangs off them (409 `unit_in_use`). Unit writes lock the organisation's row too,
  so two concurrent moves cannot close a loop.
- An invitation's secret is random, shown once and stored as a SHA-256 hash; an invitation is
  accepted once, before it expires, by the person it names. Accepting never weakens a role.
  Without the key, only an invitation naming the signed-in user by username is accepted: an
  account's e-mail address is not verified, so a matching address alone proves nothing. The
  key of an invitation by e-mail to an address without an account may create that account,
  in the transaction that accepts.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from opsassess.core.exceptions import Conflict
from organisations import selectors, signals, targets
from organisations.models import (
    ROLE_STRENGTH,
    Invitation,
    Membership,
    Organisation,
    Unit,
    secret_hash,
    stronger_role,
)

ROLES = tuple(Membership.Role.values)
ACCEPT_PATH = "/invitations/accept/{secret}/"
ACCEPT_API_PATH = "/api/v1/invitations/accept/"
MAX_PURPOSE = 300


class InvitationNotYours(PermissionDenied):
    """The invitation names another username or e-mail address than the caller's."""


class InvitationNeedsKey(PermissionDenied):
    """An invitation by e-mail address is accepted with its key only, never by a match of
    the account's (unverified) address."""


def _locked(organisation: Organisation) -> Organisation:
    """The organisation's row, locked until the transaction ends: membership and unit writes
    of one organisation happen one at a time (SQLite locks the whole database anyway)."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _check_role(role: str, field: str = "role") -> None:
    if role not in ROLES:
        raise ValidationError({field: f"'{role}' is not a role. Roles: {', '.join(ROLES)}."})


def _owners(organisation: Organisation) -> int:
    return organisation.memberships.filter(role=Membership.Role.OWNER).count()


# --- members -----------------------------------------------------------------------------------


@transaction.atomic
def membership_add(
    *, organisation: Organisation, user: AbstractBaseUser, role: str = Membership.Role.VIEWER
) -> Membership:
    """Make an existing user a member at once (an owner's decision; no invitation)."""
    _check_role(role)
    _locked(organisation)
    existing = organisation.memberships.filter(user=user).first()
    if existing is not None:
        raise Conflict(
            f"{user.get_username()} is already a member of {organisation.slug} "
            f"({existing.role}); change their role instead.",
            code="already_member",
        )
    return Membership.objects.create(organisation=organisation, user=user, role=role)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    """Give a member another role; the last owner cannot stop being one."""
    _check_role(role)
    _locked(membership.organisation)
    # Read again under the lock: a concurrent change may have committed meanwhile.
    current = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    if current.role == role:
        return current
    if current.role == Membership.Role.OWNER and _owners(current.organisation) == 1:
        raise Conflict(
            f"{current.user.get_username()} is the last owner of {current.organisation.slug}: "
            "make someone else an owner first.",
            code="last_owner",
        )
    current.role = role
    current.save(update_fields=["role"])
    return current


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member (or let them leave); the last owner cannot go."""
    _locked(membership.organisation)
    current = (
        Membership.objects.select_related("user", "organisation").filter(pk=membership.pk).first()
    )
    if current is None:
        return  # removed meanwhile: the outcome asked for
    if current.role == Membership.Role.OWNER and _owners(current.organisation) == 1:
        raise Conflict(
            f"{current.user.get_username()} is the last owner of {current.organisation.slug}: "
            "make someone else an owner first.",
            code="last_owner",
        )
    current.delete()


# --- units -------------------------------------------------------------------------------------

_UNSET: Any = object()


def _parent(organisation: Organisation, slug: str | None) -> Unit | None:
    if slug is None:
        return None
    parent = organisation.units.filter(slug=slug).first()
    if parent is None:
        raise ValidationError({"parent": f"No unit '{slug}' in {organisation.slug}."})
    return parent


def _check_targets(value: Any) -> dict[str, Any]:
    problems = targets.problems(value)
    if problems:
        raise ValidationError(problems)
    return targets.normalised(value)


def _check_slug(organisation: Organisation, slug: str, unit: Unit | None = None) -> None:
    taken = organisation.units.filter(slug=slug)
    if unit is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        raise ValidationError({"slug": f"{organisation.slug} already has a unit '{slug}'."})


@transaction.atomic
def unit_create(
    *,
    organisation: Organisation,
    slug: str,
    name: str,
    kind: str = Unit.Kind.TEAM,
    parent: str | None = None,
    targets: Mapping[str, Any] | None = None,
) -> Unit:
    """A new unit of `organisation`, inside the unit whose slug is `parent` (None: at the top)."""
    checked = _check_targets(targets or {})
    _locked(organisation)
    _check_slug(organisation, slug)
    unit = Unit(
        organisation=organisation,
        slug=slug,
        name=name,
        kind=kind,
        parent=_parent(organisation, parent),
        targets=checked,
    )
    unit.full_clean(validate_unique=False, validate_constraints=False)
    unit.save()
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    slug: str = _UNSET,
    name: str = _UNSET,
    kind: str = _UNSET,
    parent: str | None = _UNSET,
    targets: Mapping[str, Any] = _UNSET,
) -> Unit:
    """Change what is given; the UUID never changes, so a new slug keeps every link working.

    Moving a unit under itself or one of its own units is refused (400 on `parent`).
    """
    organisation = _locked(unit.organisation)
    current = Unit.objects.select_related("parent").get(pk=unit.pk)
    changed: list[str] = []
    if targets is not _UNSET:
        checked = _check_targets(targets)
        if checked != current.targets:
            current.targets = checked
            changed.append("targets")
    if slug is not _UNSET and slug != current.slug:
        _check_slug(organisation, slug, current)
        current.slug = slug
        changed.append("slug")
    for field, value in (("name", name), ("kind", kind)):
        if value is not _UNSET and value != getattr(current, field):
            setattr(current, field, value)
            changed.append(field)
    if parent is not _UNSET:
        new_parent = _parent(organisation, parent)
        if (new_parent and new_parent.pk) != current.parent_id:
            current.parent = new_parent
            changed.append("parent")
    if not changed:
        return current
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save(update_fields=changed)
    return current


def _in_use(protected: set[Any]) -> str:
    """What keeps a unit from being deleted, in words: "2 assessments and 1 unit inside it
    (checkout)"."""
    counts = Counter(type(obj) for obj in protected if not isinstance(obj, Unit))
    parts = [
        f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
        for model, count in sorted(counts.items(), key=lambda item: item[0]._meta.label)
    ]
    units = sorted(obj.slug for obj in protected if isinstance(obj, Unit))
    if units:
        plural = "s" if len(units) != 1 else ""
        parts.append(f"{len(units)} unit{plural} inside it ({', '.join(units)})")
    return " and ".join(parts)


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    """Delete a unit nothing refers to: assessed units and units with units inside are kept."""
    _locked(unit.organisation)
    try:
        with transaction.atomic():
            Unit.objects.get(pk=unit.pk).delete()
    except Unit.DoesNotExist:
        return
    except ProtectedError as error:
        raise Conflict(
            f"Unit '{unit.slug}' still has {_in_use(set(error.protected_objects))}: delete or "
            "move them first.",
            code="unit_in_use",
        ) from None


# --- invitations -------------------------------------------------------------------------------


def invitation_recipient(invitation: Invitation) -> str:
    """Where the invitation e-mail goes: its address, or the invited user's ("" for none)."""
    if invitation.email:
        return invitation.email
    invitee = get_user_model().objects.filter(username=invitation.username).first()
    return getattr(invitee, "email", "") if invitee is not None else ""


def _api_url(link: str) -> str:
    """The accept endpoint of the API, on the same site as the accept link when it is absolute."""
    parts = urlsplit(link)
    if parts.scheme and parts.netloc:
        return urlunsplit((parts.scheme, parts.netloc, ACCEPT_API_PATH, "", ""))
    return ACCEPT_API_PATH


def _letter(invitation: Invitation, link: str, secret: str) -> tuple[str, str]:
    """Subject and text of the invitation e-mail."""
    organisation = invitation.organisation
    by = invitation.invited_by
    who = (by.get_full_name() or by.get_username()) if by is not None else "An owner"
    lines = [
        f"{who} invites you to {organisation.name} on opsassess, as {invitation.role}.",
    ]
    if invitation.purpose:
        lines.append(invitation.purpose)
    lines += [
        "",
        "To accept, sign in and open this link:",
        link,
        "",
        "Or accept through the API, with your API token:",
        f"  POST {_api_url(link)}",
        f"  {json.dumps({'key': secret})}",
        "",
        f"The invitation can be used once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC. "
        "If you did not expect it, ignore this e-mail.",
    ]
    return f"Invitation to {organisation.name} on opsassess", "\n".join(lines) + "\n"


def _send(subject: str, text: str, address: str) -> None:
    send_mail(subject, text, None, [address])


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    invited_by: AbstractBaseUser,
    role: str,
    email: str = "",
    username: str = "",
    purpose: str = "",
    accept_url: Callable[[str], str] | None = None,
) -> tuple[Invitation, str]:
    """Invite someone, by e-mail address or by username (exactly one), into a role.

    Returns the invitation and its secret, which is not stored: show it to the caller this
    once. After the transaction commits, an e-mail with the accept link (`accept_url(secret)`,
    by default the site-relative /invitations/accept/<secret>/) and the API way to accept goes
    to the address, or to the invited user's address when they have one.

    An invitation to join (blank `purpose`) is refused with 409 `already_member` when the
    person already holds this role or a stronger one (a username, or a member whose account
    has the e-mail address), and with 409 `already_invited` while an earlier invitation to
    join is pending for them: revoke that one to send a new secret. An invitation with a
    `purpose` (one sentence the e-mail adds, e.g. to answer an assessment) stands for that task
    and is created whatever the person already holds; accepting it keeps the stronger role.
    """
    _check_role(role)
    email, username, purpose = email.strip(), username.strip(), " ".join(purpose.split())
    if email and username:
        raise ValidationError({"username": "Invite by e-mail address or by username, not both."})
    if not (email or username):
        raise ValidationError(
            {
                "email": "Give the e-mail address or the username of the person to invite.",
                "username": "Give the e-mail address or the username of the person to invite.",
            }
        )
    if len(purpose) > MAX_PURPOSE:
        raise ValidationError({"purpose": f"At most {MAX_PURPOSE} characters."})
    invitee = None
    if username:
        invitee = get_user_model().objects.filter(username=username).first()
        if invitee is None:
            raise ValidationError({"username": f"No user '{username}'."})
    else:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "Enter a valid e-mail address."}) from None
        email = BaseUserManager.normalize_email(email)
    _locked(organisation)
    if not purpose:
        members = organisation.memberships.select_related("user")
        members = (
            members.filter(user=invitee)
            if invitee is not None
            else members.filter(user__email__iexact=email)
        )
        for member in members:
            if ROLE_STRENGTH[member.role] >= ROLE_STRENGTH[role]:
                raise Conflict(
                    f"{username or email} is already a member of {organisation.slug} "
                    f"({member.role}).",
                    code="already_member",
                )
        address = Q(username=username) if username else Q(email__iexact=email)
        earlier = organisation.invitations.pending().filter(address, purpose="").first()
        if earlier is not None:
            raise Conflict(
                f"{username or email} already has a pending invitation to {organisation.slug} "
                f"(invitation {earlier.uuid}, until {earlier.expires_at:%Y-%m-%d}): revoke it "
                "to send a new one.",
                code="already_invited",
            )
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        username=username,
        role=role,
        purpose=purpose,
        secret_hash=secret_hash(secret),
        invited_by=invited_by,
    )
    link = accept_url(secret) if accept_url is not None else ACCEPT_PATH.format(secret=secret)
    recipient = email or getattr(invitee, "email", "")
    if recipient:
        subject, text = _letter(invitation, link, secret)
        # Only once the invitation is committed; a mail server that fails logs and keeps it.
        transaction.on_commit(partial(_send, subject, text, recipient), robust=True)
    return invitation, secret


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Withdraw an invitation; the row stays (who was invited, when, by whom)."""
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if current.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", code="invitation_used")
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
    return current


def _locked_invitation(**lookup: Any) -> Invitation | None:
    """The invitation matching `lookup`, locked until the transaction ends, with its
    organisation."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(**lookup)
        .first()
    )


def _check_usable(invitation: Invitation) -> None:
    """Conflict `invitation_used`, `invitation_revoked` or `invitation_expired`, or nothing."""
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", code="invitation_used")
    if invitation.revoked_at is not None:
        raise Conflict("This invitation was revoked.", code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise Conflict(
            f"This invitation expired on {invitation.expires_at:%Y-%m-%d}: ask for a new one.",
            code="invitation_expired",
        )


def _not_yours(invitation: Invitation) -> InvitationNotYours:
    return InvitationNotYours(
        "This invitation is for another "
        + ("user." if invitation.username else "e-mail address than your account's.")
    )


def _join(invitation: Invitation, user: AbstractBaseUser) -> Invitation:
    """Accept the locked, usable `invitation` as `user` (whom it names)."""
    organisation = _locked(invitation.organisation)
    membership = organisation.memberships.filter(user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            organisation=organisation, user=user, role=invitation.role
        )
    elif stronger_role(membership.role, invitation.role) != membership.role:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    invitation.membership = membership  # type: ignore[attr-defined]
    signals.invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    return invitation


@transaction.atomic
def invitation_accept(*, secret: str, user: AbstractBaseUser) -> Invitation:
    """Accept the invitation whose secret this is, as `user`.

    Raises Invitation.DoesNotExist for an unknown secret, InvitationNotYours (a
    PermissionDenied) when it names someone else, and Conflict `invitation_used`,
    `invitation_revoked` or `invitation_expired`. The user becomes a member in the invited role,
    or keeps the role they hold when it is stronger; `invitation.membership` is what they now
    hold. `signals.invitation_accepted` is sent inside this transaction, so what listeners
    attach is committed with the acceptance or not at all.
    """
    invitation = _locked_invitation(secret_hash=secret_hash(secret))
    if invitation is None:
        raise Invitation.DoesNotExist("No invitation with this key.")
    if not selectors.invitation_names(invitation, user):
        raise _not_yours(invitation)
    _check_usable(invitation)
    return _join(invitation, user)


@transaction.atomic
def invitation_accept_named(*, uuid: Any, user: AbstractBaseUser) -> Invitation:
    """Accept, without its key, an invitation that names `user` by username.

    For the list of one's own invitations (the web's home page), where the signed-in user
    is the proof. An invitation by e-mail address is refused with InvitationNeedsKey even
    when the address is the account's: addresses on accounts are not verified, so only the
    key mailed to the address proves it. Otherwise as invitation_accept: DoesNotExist for an
    unknown uuid, InvitationNotYours when it names someone else, the same Conflicts.
    """
    invitation = _locked_invitation(uuid=uuid)
    if invitation is None:
        raise Invitation.DoesNotExist("No such invitation.")
    if not selectors.invitation_names(invitation, user):
        raise _not_yours(invitation)
    if not invitation.username:
        raise InvitationNeedsKey(
            "An invitation by e-mail address is accepted with the link in its e-mail."
        )
    _check_usable(invitation)
    return _join(invitation, user)


def _username_taken() -> ValidationError:
    return ValidationError("This username is taken: choose another.", code="taken")


@transaction.atomic
def invitation_accept_new_account(
    *, secret: str, username: str, password: str
) -> tuple[AbstractBaseUser, Invitation]:
    """Create the account an invitation by e-mail asks for, and accept the invitation as it.

    For someone who has no account yet: the new account takes the invitation's address (the
    key mailed there proves it), the username and the password given. One transaction: an
    invitation that cannot be accepted, or a refused username or password, creates no
    account.

    Raises Invitation.DoesNotExist for an unknown secret; Conflict `invitation_for_account`
    when the invitation names a username, or its address already belongs to an account (sign
    in as that account and accept instead); the Conflicts of invitation_accept; and
    ValidationError on `username` (malformed, or taken, in any letter case) or `password`
    (AUTH_PASSWORD_VALIDATORS, with the new account's username and address in view).
    """
    invitation = _locked_invitation(secret_hash=secret_hash(secret))
    if invitation is None:
        raise Invitation.DoesNotExist("No invitation with this key.")
    _check_usable(invitation)
    model = get_user_model()
    if not invitation.email or selectors.has_account(invitation.email):
        raise Conflict(
            "This invitation is for an existing account: sign in as it to accept.",
            code="invitation_for_account",
        )
    user = model(email=invitation.email)
    setattr(user, model.USERNAME_FIELD, model.normalize_username(username.strip()))
    errors: dict[str, list[ValidationError]] = {}
    try:
        others = [f.name for f in model._meta.fields if f.name != model.USERNAME_FIELD]
        user.clean_fields(exclude=others)
    except ValidationError as error:
        errors.update(error.error_dict)
    if (
        "username" not in errors
        and model.objects.filter(username__iexact=user.get_username()).exists()
    ):
        errors["username"] = [_username_taken()]
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        errors["password"] = error.error_list
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Taken meanwhile by a concurrent sign-up: the same answer as above.
        raise ValidationError({"username": _username_taken()}) from None
    return user, _join(invitation, user)


# --- the organisation itself, its tools in use and its API keys ---


@transaction.atomic
def organisation_create(*, name: str, slug: str, owner: AbstractBaseUser) -> Organisation:
    organisation = Organisation.objects.create(name=name, slug=slug)
    Membership.objects.create(organisation=organisation, user=owner, role=Membership.Role.OWNER)
    return organisation


@transaction.atomic
def organisation_set_tools(*, organisation: Organisation, tool_slugs: Sequence[str]) -> None:
    """Replace the tools an organisation declares it uses; unknown slugs refuse the lot."""
    from catalog.models import Tool
    from organisations.models import OrganisationTool

    wanted = set(tool_slugs)
    tools = {tool.slug: tool for tool in Tool.objects.filter(slug__in=wanted)}
    unknown = sorted(wanted - set(tools))
    if unknown:
        raise ValidationError({"tools": f"Unknown tool slug(s): {', '.join(unknown)}."})
    OrganisationTool.objects.filter(organisation=organisation).exclude(
        tool__slug__in=wanted
    ).delete()
    existing = set(
        OrganisationTool.objects.filter(organisation=organisation).values_list(
            "tool__slug", flat=True
        )
    )
    bulk_create_with_history(
        [
            OrganisationTool(organisation=organisation, tool=tools[slug])
            for slug in sorted(wanted - existing)
        ],
        OrganisationTool,
    )


@transaction.atomic
def api_key_create(
    *,
    name: str,
    created_by: AbstractBaseUser,
    organisation: Organisation | None = None,
    expiry_date: Any = None,
) -> tuple[Any, str]:
    """A read-only scores key for one organisation, or for all when organisation is None.

    Returns the stored key and the secret, which is shown this once and never again.
    """
    from organisations.models import OrganisationAPIKey

    if organisation is None and not getattr(created_by, "is_staff", False):
        raise ValidationError({"scope": "Only staff can create keys for all organisations."})
    if expiry_date is not None and expiry_date <= timezone.now():
        raise ValidationError({"expiry_date": "An expiry date must lie in the future."})
    scope = (
        OrganisationAPIKey.Scope.ORGANISATION
        if organisation is not None
        else OrganisationAPIKey.Scope.ALL_ORGANISATIONS
    )
    return OrganisationAPIKey.objects.create_key(
        name=name,
        organisation=organisation,
        scope=scope,
        created_by=created_by,
        expiry_date=expiry_date,
    )


@transaction.atomic
def api_key_revoke(*, key: Any) -> None:
    """Revoke a key for good (revocation cannot be undone)."""
    if not key.revoked:
        key.revoked = True
        key.save(update_fields=["revoked"])


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, name: str | None = None, portfolio_roll_up: str | None = None
) -> Organisation:
    """Rename the organisation or change how its portfolio rolls up its units' scores.

    Values left out (None) or equal to the current ones write nothing, so the audit trail
    holds only real changes; a rename re-sends the organisation's feed rows (Organisation.save).
    """
    wanted = {"name": name, "portfolio_roll_up": portfolio_roll_up}
    changed = [
        field
        for field, value in wanted.items()
        if value is not None and getattr(organisation, field) != value
    ]
    if not changed:
        return organisation
    for field in changed:
        setattr(organisation, field, wanted[field])
    organisation.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    organisation.save(update_fields=changed)
    return organisation
