"""Accepting an invitation in a browser: the page its e-mail links to, and the Accept buttons
of the home page's "Waiting for you".

Every rule is organisations.services' (who an invitation names, when it can be used, what
accepting does to a membership); the pages choose what to show and where to go next.

The key of an invitation is in the path of its page, so the page keeps it to itself: it is
sent with `Referrer-Policy: strict-origin`, so what the browser reports of it to the next page
(ours or anyone's) is the site's origin, never the path; it loads nothing from other sites (a
Content-Security-Policy of 'self' says so to the browser); and our logs print the path with
the key replaced (opsassess.core.logging). Not `no-referrer`: under it browsers send
`Origin: null` with the page's own forms, which CSRF protection must refuse. Whether a key
names an invitation, and whether a username is taken, are answered at the pace sign-in allows
(web.throttle).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors as assessment_selectors
from opsassess.core.exceptions import Conflict
from organisations import selectors, services
from organisations.models import Invitation
from web import respond, throttle
from web.forms import AccountForm
from web.views import signed_in

# Longer than any key we hand out (43 characters) by far; anything longer names nothing.
MAX_KEY = 200
# The backend that signs in an account created here (django-axes' backend only counts).
BACKEND = "django.contrib.auth.backends.ModelBackend"
KEY_PAGE_CSP = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)


def after_accept(request: HttpRequest, invitation: Invitation) -> str:
    """Where someone goes once they have accepted `invitation`: the one place that decides.

    An invitation to answer one assessment leads to its first page; otherwise (several, or
    none because the person answered it already) My assessments, whose "To answer" lists them.
    """
    places = assessment_selectors.invited_places(invitation)
    if len(places) != 1:
        return reverse("web:home")
    assessment = places[0].assessment
    messages.info(
        request,
        f"You are asked to answer “{assessment}”. This is its first page: each answer is "
        "saved as you give it, and you can come back to it from My assessments until the "
        "assessment is submitted.",
    )
    return respond.first_page_url(assessment)


def _keep_key(response: HttpResponse) -> HttpResponse:
    """Headers of every answer of the key's page: the key in its address goes nowhere."""
    response["Referrer-Policy"] = "strict-origin"
    response["Content-Security-Policy"] = KEY_PAGE_CSP
    return response


def _joined(request: HttpRequest, invitation: Invitation) -> None:
    organisation, role = invitation.organisation.name, invitation.membership.role  # type: ignore[attr-defined]
    if role == invitation.role:
        messages.success(request, f"You are now a member of {organisation} as {role}.")
    else:
        messages.success(
            request,
            f"Invitation accepted. You stay {role} of {organisation}: a stronger role than "
            f"{invitation.role}, the one it offered.",
        )


def _refused(
    request: HttpRequest,
    state: str,
    status: int,
    invitation: Invitation | None = None,
    **extra: Any,
) -> HttpResponse:
    """The page that says why an invitation cannot be accepted, and what to do instead."""
    context = {"state": state, "invitation": invitation, **extra}
    return render(request, "web/invitation_refused.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
def accept(request: HttpRequest, key: str) -> HttpResponse:
    """/invitations/accept/<key>/: what the invitation is, and the way to accept it."""
    return _keep_key(_accept(request, key))


def _accept(request: HttpRequest, key: str) -> HttpResponse:
    wait = throttle.retry_after(request)
    if wait is not None:
        response = _refused(request, "paused", 429, minutes=(wait + 59) // 60)
        response["Retry-After"] = str(wait)
        return response
    invitation = selectors.invitation_by_secret(key) if len(key) <= MAX_KEY else None
    if invitation is None:
        throttle.failed(request)
        return _refused(request, "unknown", 404)
    if invitation.status != "pending":
        mine = invitation.accepted_by_id is not None and invitation.accepted_by_id == getattr(
            request.user, "pk", None
        )
        return _refused(request, invitation.status, 410, invitation, mine=mine)
    if request.user.is_authenticated:
        return _signed_in(request, key, invitation)
    return _signed_out(request, key, invitation)


def _signed_in(request: HttpRequest, key: str, invitation: Invitation) -> HttpResponse:
    if not selectors.invitation_names(invitation, request.user):
        return _refused(request, "not_yours", 403, invitation, path=request.path)
    if request.method == "GET":
        return render(request, "web/invitation.html", {"invitation": invitation})
    try:
        accepted = services.invitation_accept(secret=key, user=request.user)
    except Conflict as conflict:  # used, revoked or expired since the page was opened
        return _refused(request, "conflict", 409, invitation, detail=conflict.detail)
    _joined(request, accepted)
    return redirect(after_accept(request, accepted))


def _signed_out(request: HttpRequest, key: str, invitation: Invitation) -> HttpResponse:
    """Sign in to accept; or, for an address without an account, create it here."""
    creates = bool(invitation.email) and not selectors.has_account(invitation.email)
    form = AccountForm(request.POST if request.method == "POST" else None)
    context = {"invitation": invitation, "creates": creates, "form": form, "path": request.path}
    if request.method == "GET":
        return render(request, "web/invitation.html", context)
    if not creates:
        # Only the account the invitation names accepts it: sign in as that account first.
        return redirect_to_login(request.path)
    if form.is_valid():
        try:
            with transaction.atomic():
                user, accepted = services.invitation_accept_new_account(
                    secret=key,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
                login(request, user, backend=BACKEND)
        except Conflict as conflict:
            return _refused(request, "conflict", 409, invitation, detail=conflict.detail)
        except ValidationError as error:
            for field, problems in error.error_dict.items():
                if field == "username" and any(p.code == "taken" for p in problems):
                    throttle.failed(request)
                form.add_error(field if field in form.fields else None, problems)
        else:
            _joined(request, accepted)
            return redirect(after_accept(request, accepted))
    return render(request, "web/invitation.html", context, status=400)


@require_POST
@signed_in
def accept_named(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The Accept button of an invitation on the home page: for invitations by username."""
    try:
        accepted = services.invitation_accept_named(uuid=uuid, user=request.user)
    except (Invitation.DoesNotExist, services.InvitationNotYours):
        return _refused(request, "unknown_here", 404)
    except services.InvitationNeedsKey:
        return _refused(request, "needs_key", 403)
    except Conflict as conflict:
        return _refused(request, "conflict", 409, detail=conflict.detail)
    _joined(request, accepted)
    return redirect(after_accept(request, accepted))
