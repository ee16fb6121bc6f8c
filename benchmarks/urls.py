"""The project's URLs plus the floor: a bare DRF endpoint every figure is compared with."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.urls import path
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opsassess.urls import handler404, handler500
from opsassess.urls import urlpatterns as project_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


class FloorView(APIView):
    """The cheapest DRF response the project can give: no authentication, throttling or query.

    It still runs the whole middleware stack, DRF's dispatch, content negotiation and the
    JSON renderer, so a ratio to it is the cost an endpoint adds on top of the framework.
    """

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class ConfigView(APIView):
    """What the served process runs with (only in the benchmark URLconf, never deployed)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        database = settings.DATABASES["default"]
        return Response(
            {
                "debug": settings.DEBUG,
                "allowed_hosts": settings.ALLOWED_HOSTS,
                "engine": database["ENGINE"],
                "conn_max_age": database.get("CONN_MAX_AGE"),
                "pool": database.get("OPTIONS", {}).get("pool"),
                "vendor": connection.vendor,
            }
        )


urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("bench/config/", ConfigView.as_view(), name="bench-config"),
    *project_urlpatterns,
]
