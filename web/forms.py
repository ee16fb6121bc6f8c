"""Django forms of the web pages. They shape input; the rules of an answer (which choices
fit, ranges, "none of these", "not applicable") are checked by the service that saves it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UsernameField
from django.core.validators import RegexValidator

from assessments import scoring, selectors, services
from assessments.models import Question
from organisations.models import Organisation, Unit

CHOICE_TYPES = {
    scoring.QuestionType.SINGLE_CHOICE,
    scoring.QuestionType.MULTIPLE_CHOICE,
    scoring.QuestionType.YES_NO,
}
# The API's limits for a number (14 digits, 4 after the point), in ASCII digits only.
NUMBER = RegexValidator(
    r"^-?[0-9]{1,10}(\.[0-9]{1,4})?$",
    "Enter a number in digits, such as 12 or 12.5 (at most 4 digits after the point).",
)


def number_text(value: Decimal | None) -> str:
    """A stored number as people type it: 36, not 36.0000."""
    return "" if value is None else f"{value.normalize():f}"


def _initial(stored: selectors.StoredAnswer | None, multiple: bool) -> dict[str, Any]:
    if stored is None:
        return {}
    return {
        "choices": list(stored.choices) if multiple else next(iter(stored.choices), ""),
        "number": number_text(stored.number),
        "not_applicable": stored.not_applicable,
        "comment": stored.comment,
        "evidence_url": stored.evidence_url,
    }


class AnswerForm(forms.Form):
    """One question's answer; its fields are named after the question (`q-<key>-...`)."""

    comment = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="Evidence link",
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        question: Question,
        engine: scoring.Question,
        stored: selectors.StoredAnswer | None = None,
    ) -> None:
        self.question, self.engine, self.stored = question, engine, stored
        multiple = engine.type is scoring.QuestionType.MULTIPLE_CHOICE
        super().__init__(data, prefix=f"q-{question.key}", initial=_initial(stored, multiple))
        described = f"q-{question.key}-help"
        fields: dict[str, forms.Field] = {}
        if engine.type in CHOICE_TYPES:
            options = [(c.key, c.label) for c in scoring.answer_choices(engine)]
            if engine.type is scoring.QuestionType.MULTIPLE_CHOICE:
                fields["choices"] = forms.MultipleChoiceField(
                    required=False,
                    choices=options,
                    widget=forms.CheckboxSelectMultiple,
                    label="Answer",
                )
            else:
                fields["choices"] = forms.ChoiceField(
                    required=False, choices=options, widget=forms.RadioSelect, label="Answer"
                )
        else:
            fields["number"] = forms.CharField(
                required=False,
                max_length=16,
                validators=[NUMBER],
                label="Answer" + (f" ({question.unit})" if question.unit else ""),
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "aria-describedby": described, "size": 12}
                ),
            )
        if engine.allow_not_applicable:
            fields["not_applicable"] = forms.BooleanField(
                required=False, label="Not applicable to us"
            )
        self.fields = {**fields, **self.fields}

    @property
    def hint(self) -> str:
        """How to answer, in a few words."""
        kind, question = self.engine.type, self.question
        if kind is scoring.QuestionType.MULTIPLE_CHOICE:
            return "Choose all that apply."
        if kind in CHOICE_TYPES:
            return "Choose one."
        low, high = question.min_value, question.max_value
        if kind is scoring.QuestionType.PERCENTAGE:
            low = Decimal(0) if low is None else low
            high = Decimal(100) if high is None else high
        unit = f" {question.unit}" if question.unit else ""
        if low is not None and high is not None:
            return f"A number from {number_text(low)} to {number_text(high)}{unit}."
        if low is not None:
            return f"A number of at least {number_text(low)}{unit}."
        if high is not None:
            return f"A number of at most {number_text(high)}{unit}."
        return "A number" + (f" in {question.unit}" if unit else "") + "."

    def to_input(self) -> services.AnswerInput | None:
        """The answer to save, or None when there is nothing to save for this question.

        The comment and evidence are sent only when they differ from the stored ones, so
        notes carried over from a previous assessment keep their flag until edited.
        """
        data = self.cleaned_data
        raw = data.get("choices") or ()
        choices = (raw,) if isinstance(raw, str) else tuple(raw)
        number = Decimal(data["number"]) if data.get("number") else None
        not_applicable = bool(data.get("not_applicable"))
        comment, evidence = data.get("comment", ""), data.get("evidence_url", "")
        stored = self.stored
        given = choices or number is not None or not_applicable or comment or evidence
        if stored is None and not given:
            return None
        fields = {"choices", "number", "not_applicable"}
        if stored is None or (comment, evidence) != (stored.comment, stored.evidence_url):
            fields |= {"comment", "evidence_url"}
        return services.AnswerInput(
            question=self.question.key,
            choices=choices,
            number=number,
            not_applicable=not_applicable,
            comment=comment,
            evidence_url=evidence,
            fields=frozenset(fields),
        )


class StartForm(forms.Form):
    """Start a draft: which organisation, which of its units (or all of it), which
    questionnaire, a title."""

    organisation = forms.ChoiceField()
    unit = forms.ChoiceField(
        label="Unit assessed",
        required=False,
        help_text="The team, product or platform assessed; leave it at the first choice to "
        "assess the organisation as a whole.",
    )
    questionnaire = forms.ChoiceField()
    title = forms.CharField(max_length=200, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        organisations: list[Organisation],
        questionnaires: list[Any],
        units: Sequence[Unit] = (),
    ) -> None:
        super().__init__(data)
        self.organisations = {org.slug: org for org in organisations}
        self.questionnaires = {q.slug: q for q in questionnaires}
        # Unit slugs are unique per organisation only: a choice names both.
        self.units = {f"{unit.organisation.slug}/{unit.slug}": unit for unit in units}
        self.fields["organisation"].choices = [(org.slug, org.name) for org in organisations]
        self.fields["questionnaire"].choices = [(q.slug, q.name) for q in questionnaires]
        grouped: dict[str, list[tuple[str, str]]] = {}
        for value, unit in self.units.items():
            label = f"{unit.name} ({unit.get_kind_display().lower()})"
            grouped.setdefault(unit.organisation.name, []).append((value, label))
        self.fields["unit"].choices = [("", "The whole organisation"), *grouped.items()]
        self.fields["unit"].widget.attrs["aria-describedby"] = "id_unit-help"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        value = cleaned.get("unit")
        organisation = cleaned.get("organisation")
        unit = self.units.get(value) if value else None
        if unit is not None and organisation and unit.organisation.slug != organisation:
            self.add_error(
                "unit",
                f"{unit.name} belongs to {unit.organisation.name}, not to "
                f"{self.organisations[organisation].name}.",
            )
        cleaned["unit_object"] = unit
        return cleaned


class AccountForm(forms.Form):
    """The account an invitation by e-mail creates: a username and a password, twice. Whether
    the username is free and the password strong enough is the service's to say
    (organisations.services.invitation_accept_new_account)."""

    username = UsernameField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only; at most 150 characters.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        # The rules themselves are AUTH_PASSWORD_VALIDATORS', said in their own words.
        self.fields["password"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, again = cleaned.get("password"), cleaned.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", "The two passwords differ: type the same one twice.")
        return cleaned


class PortfolioForm(forms.Form):
    """Which questionnaire the portfolio shows: all of them (blank) or one."""

    questionnaire = forms.ChoiceField(required=False)

    def __init__(self, data: Any = None, *, questionnaires: Sequence[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["questionnaire"].choices = [("", "All questionnaires"), *questionnaires]
