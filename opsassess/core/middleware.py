"""Request and response rules every API endpoint shares, applied once for all of them."""

from collections.abc import Callable
from urllib.parse import unquote, unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

MAX_QUERY_VALUE_LENGTH = 1000


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _not_utf8(query_string: str) -> list[str]:
    """Names of the parameters whose bytes are not UTF-8 (Django would make them U+FFFD)."""
    names = []
    for piece in query_string.split("&"):
        try:
            unquote_to_bytes(piece.replace("+", " ")).decode("utf-8")
        except UnicodeDecodeError:
            names.append(unquote(piece.partition("=")[0], errors="replace"))
    return names


class QueryStringMiddleware:
    """Refuses query parameters no endpoint can use: bytes that are not UTF-8, NUL
    characters, and values so long they can only be an attack. Each is a 400 naming the
    parameter, before any view runs (a NUL reaching a PostgreSQL query is a server error)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_api(request):
            errors = [
                {"code": "invalid", "detail": "Not valid UTF-8 (percent-encoded).", "attr": name}
                for name in _not_utf8(request.META.get("QUERY_STRING", ""))
            ]
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    detail = "Query parameters may not contain NUL characters."
                elif len(name) > MAX_QUERY_VALUE_LENGTH or any(
                    len(value) > MAX_QUERY_VALUE_LENGTH for value in values
                ):
                    detail = f"At most {MAX_QUERY_VALUE_LENGTH} characters."
                else:
                    continue
                errors.append({"code": "invalid", "detail": detail, "attr": name})
            if errors:
                return JsonResponse({"type": "validation_error", "errors": errors}, status=400)
        return self.get_response(request)


class PrivateResponseMiddleware:
    """Keeps shared caches away from anything a credential was needed or used for.

    Every API response varies by Authorization and Cookie, so a cache never serves one
    caller's response to another. A response to a request that carries credentials (a
    token, an API key or a session), and every refusal (401, 403), is also
    `Cache-Control: private, no-store`: results, histories and the scores feed stay in the
    client that asked. The public catalogue, asked for anonymously, stays cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_api(request):
            return response
        patch_vary_headers(response, ["Authorization", "Cookie"])
        credentials = "HTTP_AUTHORIZATION" in request.META or (
            settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        if credentials or response.status_code in {401, 403}:
            patch_cache_control(response, private=True, no_store=True)
        return response
