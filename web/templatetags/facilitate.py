"""The facilitators' navigation: shown to the team that runs an assessment, as web.access says."""

from typing import Any

from django import template

from web import access

register = template.Library()


@register.simple_tag(takes_context=True)
def reads_team(context: Any) -> bool:
    """Whether the caller is of the team that runs the assessment the page shows."""
    request = context.get("request")
    return request is not None and access.reads_team(request)
