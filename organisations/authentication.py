"""Machine credentials: `Authorization: Api-Key <key>` for internal systems.

A key only reads scores: only the scores feed and the portfolio (with its printable page)
list this authentication class, so anywhere else a key counts for nothing (401 where a login
is needed, the public catalogue stays public), and the admin (session based) never looks at
it. A wrong key, a
revoked key and an expired key each get a 401 that says which, but only a caller holding the
full, correct secret learns that a key is revoked or expired: a wrong secret is just invalid.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from organisations.models import OrganisationAPIKey

KEYWORD = "Api-Key"
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class MachineUser:
    """The `request.user` of a request made with an API key."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False
    pk = None
    id = None

    def __init__(self, key: OrganisationAPIKey) -> None:
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key.prefix} ({self.key.name})"

    def get_username(self) -> str:
        return str(self)


class APIKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[MachineUser, OrganisationAPIKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected 'Api-Key <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        prefix, _, _ = key.partition(".")
        # The prefix is unique: get() spares first()'s ORDER BY, and the scores feed needs only
        # organisation_id, not the organisation.
        try:
            api_key: OrganisationAPIKey | None = OrganisationAPIKey.objects.get(prefix=prefix)
        except OrganisationAPIKey.DoesNotExist:
            api_key = None
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed("Invalid API key.", code="invalid_api_key")
        if api_key.revoked:
            raise exceptions.AuthenticationFailed(
                "This API key has been revoked.", code="revoked_api_key"
            )
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(
                "This API key has expired.", code="expired_api_key"
            )
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            OrganisationAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return MachineUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def api_key_of(request: Any) -> OrganisationAPIKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, OrganisationAPIKey) else None
