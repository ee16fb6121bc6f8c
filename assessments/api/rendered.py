"""Pre-rendered JSON bodies for the hot read endpoints (issue 7).

A published questionnaire version and a submitted result never change, so rendering them
again on every GET (loading JSON, building dicts, encoding them) is wasted work:

- `questionnaire_tree` keeps each published version's rendered document and its ETag per
  process, keyed by everything the body shows, so a renamed questionnaire is never served
  stale.
- `spliced` writes a body around a JSON object the database already holds as text (a result
  snapshot), without decoding it.

Both answer only when the negotiated renderer is JSON; the browsable API gets the same data
through DRF as before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from assessments import selectors
from assessments.models import Questionnaire, QuestionnaireVersion

_JSON = JSONRenderer()
_TREES: dict[tuple[Any, ...], tuple[bytes, str]] = {}
_TREES_MAX = 64


def wants_json(request: Request) -> bool:
    """Compact JSON was negotiated (not the browsable API, not `; indent=` pretty printing),
    so a view may write the body itself."""
    renderer = getattr(request, "accepted_renderer", None)
    return (
        type(renderer) is JSONRenderer
        and renderer.get_indent(request.accepted_media_type, {}) is None
    )


def json_response(body: bytes, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    if etag is not None:
        response["ETag"] = etag
    return response


def tree_document(version: QuestionnaireVersion) -> dict[str, Any]:
    document = selectors.questionnaire_document(selectors.version_tree(version), version)
    document["published_at"] = version.published_at
    return document


def questionnaire_tree(questionnaire: Questionnaire, version: QuestionnaireVersion) -> HttpResponse:
    """The rendered tree of a published version, with a strong ETag of its bytes."""
    key = (
        version.pk,
        version.published_at,
        questionnaire.pk,
        questionnaire.slug,
        questionnaire.name,
        questionnaire.description,
    )
    found = _TREES.get(key)
    if found is None:
        body = _JSON.render(tree_document(version))
        found = (body, f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"')
        if len(_TREES) >= _TREES_MAX:
            _TREES.clear()
        _TREES[key] = found
    return json_response(*found)


def spliced(head: dict[str, Any], object_text: str, tail: dict[str, Any]) -> HttpResponse:
    """A JSON object made of `head`'s members, then those of the JSON object `object_text`
    (not decoded), then `tail`'s: {**head, **json.loads(object_text), **tail} when their
    keys are distinct, which the caller ensures.
    """
    inner = object_text.strip()
    if not (inner.startswith("{") and inner.endswith("}")):
        raise ValueError("object_text is not a JSON object")
    inner = inner[1:-1].strip()
    parts = [_JSON.render(head)[1:-1], inner.encode(), _JSON.render(tail)[1:-1]]
    return json_response(b"{" + b",".join(part for part in parts if part) + b"}")
