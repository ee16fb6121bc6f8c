"""People's API tokens (django-rest-knox): issued at login, revocable one by one or all at once.

A user holds at most REST_KNOX["TOKEN_LIMIT_PER_USER"] live tokens. A login beyond that
revokes the user's oldest tokens rather than refusing, so a script that forgets to log out
cannot lock its owner out for a token lifetime; expired tokens are deleted first and never
count.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken


@transaction.atomic
def token_create(*, user: AbstractBaseUser) -> tuple[AuthToken, str]:
    """A new token for `user` (the secret is returned once), within the per-user limit."""
    # Concurrent logins of one user queue on the user's row, so the count below holds.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    tokens = AuthToken.objects.filter(user=user)
    tokens.filter(expiry__lt=timezone.now()).delete()
    limit = settings.REST_KNOX.get("TOKEN_LIMIT_PER_USER")
    if limit is not None:
        keep = tokens.order_by("-created", "-pk").values_list("pk", flat=True)[: limit - 1]
        tokens.exclude(Q(pk__in=list(keep))).delete()
    instance: AuthToken
    secret: str
    instance, secret = AuthToken.objects.create(user)
    return instance, secret


def token_revoke(*, token: Any) -> None:
    """The token the request was made with stops working now."""
    token.delete()


def token_revoke_all(*, user: AbstractBaseUser) -> int:
    """Every token of `user` stops working now; the number revoked."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
