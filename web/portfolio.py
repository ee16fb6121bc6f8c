"""The portfolio of an organisation for people: a page, and the printable page as a PDF.

Both read assessments.portfolio_selectors.portfolio_of, as the API does, and lay it out with
the printable page's own arrangement (assessments.api.portfolio.report_context), so every
figure, rounding and rolled-up department is the API's. The PDF is WeasyPrint over exactly
the HTML the API serves at /api/v1/organisations/{slug}/portfolio/report/.

Who reads it is organisations.access' READ need: owners, editors and viewers; respondents
get 403 with the API's reason, anyone else 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from assessments import portfolio_selectors
from assessments.api.portfolio import REFUSAL, RULE_TEXT, report_context
from organisations.access import Need
from web import access
from web.forms import PortfolioForm
from web.pdf import report_pdf
from web.views import signed_in

PRINTABLE = "assessments/portfolio_report.html"


def only(body: dict[str, Any], questionnaire: str) -> dict[str, Any]:
    """The portfolio narrowed to one questionnaire (blank: all of them), as portfolio_of
    gives it for that questionnaire alone: roll-ups and percentiles are per questionnaire."""
    if not questionnaire:
        return body
    units = [
        unit | {"results": {questionnaire: unit["results"].get(questionnaire)}}
        for unit in body["units"]
    ]
    return body | {
        "questionnaires": [q for q in body["questionnaires"] if q["slug"] == questionnaire],
        "organisation_results": {questionnaire: body["organisation_results"].get(questionnaire)},
        "units": units,
    }


def arrange(body: dict[str, Any]) -> dict[str, Any]:
    """The printable page's blocks (their cells shaded as printed); and the overview: each
    subject's row of the blocks side by side (the organisation's own first, when it has a
    result of any questionnaire; then every unit)."""
    printable = report_context(body)
    blocks, count = printable["blocks"], len(body["units"])
    # A block's rows are the organisation's own (only when it has a result) and then the units.
    own = [block["rows"][0] if len(block["rows"]) > count else None for block in blocks]
    overview = []
    if any(own):
        overview.append(
            {"name": body["organisation"]["name"], "kind": "organisation", "cells": own}
        )
    for index, unit in enumerate(body["units"]):
        cells = [block["rows"][len(block["rows"]) - count + index] for block in blocks]
        overview.append(
            {
                "name": unit["name"],
                "kind": unit["kind"],
                "indent": cells[0]["indent"] if cells else "",
                "cells": cells,
            }
        )
    return printable | {"overview": overview}


def _portfolio(request: HttpRequest, slug: str) -> tuple[Any, PortfolioForm, dict[str, Any]]:
    """The organisation (as the caller may read it), the filter form and the portfolio it
    asks for; a form with errors when the filter names no published questionnaire."""
    found = access.organisation(request, slug, Need.READ, message=REFUSAL)
    body = portfolio_selectors.portfolio_of(found.organisation)
    form = PortfolioForm(
        request.GET if "questionnaire" in request.GET else None,
        questionnaires=[(q["slug"], q["name"]) for q in body["questionnaires"]],
    )
    chosen = form.cleaned_data["questionnaire"] if form.is_valid() else ""
    return found.organisation, form, only(body, chosen)


def _refused(request: HttpRequest, organisation: Any, form: PortfolioForm) -> HttpResponse:
    context = {"organisation": organisation, "form": form, "blocks": None}
    return render(request, "web/portfolio.html", context, status=400)


@require_GET
@signed_in
def portfolio(request: HttpRequest, slug: str) -> HttpResponse:
    """/organisations/<slug>/portfolio/: every unit's latest results side by side."""
    organisation, form, body = _portfolio(request, slug)
    if form.errors:
        return _refused(request, organisation, form)
    chosen = form.cleaned_data["questionnaire"] if form.is_bound else ""
    context = arrange(body) | {
        "form": form,
        "chosen": chosen,
        "rule_text": RULE_TEXT[body["roll_up_rule"]],
    }
    return render(request, "web/portfolio.html", context)


@require_GET
@signed_in
def portfolio_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """/organisations/<slug>/portfolio.pdf: the printable page as a file."""
    organisation, form, body = _portfolio(request, slug)
    if form.errors:
        return _refused(request, organisation, form)
    html = render_to_string(PRINTABLE, report_context(body))
    response = HttpResponse(report_pdf(html), content_type="application/pdf")
    chosen = form.cleaned_data["questionnaire"] if form.is_bound else ""
    name = "-".join(part for part in ("opsassess-portfolio", organisation.slug, chosen) if part)
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
