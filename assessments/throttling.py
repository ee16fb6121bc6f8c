from typing import Any

from rest_framework.throttling import AnonRateThrottle as BaseAnonRateThrottle
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.throttling import UserRateThrottle as BaseUserRateThrottle

from opsassess.core.client import client_ip
from organisations.authentication import api_key_of


class ClientAddressMixin:
    """Anonymous callers are told apart by the address django-axes uses too."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request)


class AnonRateThrottle(ClientAddressMixin, BaseAnonRateThrottle):
    pass


class APIKeyRateThrottle(SimpleRateThrottle):
    """Requests made with a machine key are counted per key, apart from users."""

    scope = "api_key"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = api_key_of(request)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.prefix}


class UserRateThrottle(ClientAddressMixin, BaseUserRateThrottle):
    """Per user; requests made with a machine key are left to APIKeyRateThrottle."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if api_key_of(request) is not None:
            return None
        return super().get_cache_key(request, view)
