"""The API's side of organisations.access: resolve the organisation before the view runs."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from organisations import access
from organisations.access import Need


class OrganisationPermission(BasePermission):
    """Views whose URL names an organisation (`slug`, or `organisation_slug` for nested
    routes) get `request.access`, `request.organisation` and `request.role` set before they
    run; the caller must be signed in (401) and a member (404), in a role that meets the
    action's need (403).

    A view declares what its actions need in `organisation_needs`, by action name or by
    "<action>:<METHOD>" for actions answering several methods; otherwise reads need
    Need.READ and writes Need.EDIT. A view may also name `organisation_refusals` (the same
    keys) to say why a role falls short in its own words.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        slug = view.kwargs.get("organisation_slug") or view.kwargs.get("slug")
        if slug is None:
            return True
        action = getattr(view, "action", None) or request.method.lower()
        needs: dict[str, Need] = getattr(view, "organisation_needs", {})
        refusals: dict[str, str] = getattr(view, "organisation_refusals", {})
        keys = (f"{action}:{request.method}", action)
        default = Need.READ if request.method in SAFE_METHODS else Need.EDIT
        need = next((needs[key] for key in keys if key in needs), default)
        message = next((refusals[key] for key in keys if key in refusals), None)
        access.organisation(request, slug, need, message=message)
        return True
