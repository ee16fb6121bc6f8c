"""Error pages: JSON under /api/ (clients parse it), Django's HTML pages elsewhere."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(status: int, error_type: str, code: str, detail: str) -> JsonResponse:
    body = {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}
    return JsonResponse(body, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _error(404, "client_error", "not_found", f"No API endpoint at {request.path}.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _error(500, "server_error", "error", "A server error occurred.")
    return defaults.server_error(request)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out login: JSON with Retry-After under /api/."""
    from axes.helpers import get_cool_off, get_lockout_message

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    if not _is_api(request):
        context = {"message": get_lockout_message(), "seconds": seconds}
        response = render(request, "registration/locked_out.html", context, status=429)
    else:
        response = _error(
            429,
            "client_error",
            "locked_out",
            "Too many failed logins for this username from this address; "
            + (f"try again in {seconds} seconds." if seconds else "ask an administrator."),
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
