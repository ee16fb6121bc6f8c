"""Import/export definitions for the catalogue (CSV, JSON, ... via django-import-export).

Rows are matched by slug; related rows are named by slug, several separated by commas.
An import runs in one transaction: a single bad row rolls the whole file back. Every problem
of every row is reported in the preview at once: each bad field of a row, every unknown slug
of a list, and the rules tying a row's links together.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from import_export import fields, resources, widgets

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool
from catalog.prerequisites import describe_cycle


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Like ManyToManyWidget, but an unknown slug is an error instead of being dropped."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if not value:
            return self.model.objects.none()
        wanted = [item.strip() for item in str(value).split(self.separator) if item.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": wanted})
        missing = sorted(set(wanted) - {getattr(obj, self.field) for obj in found})
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise ValueError(
                f"unknown {self.model._meta.verbose_name} slug{plural}: {', '.join(missing)}"
            )
        return found


class StrictForeignKeyWidget(widgets.ForeignKeyWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if not value:
            return None
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"unknown {self.model._meta.verbose_name} slug: {value}") from None


def _slug_list(model: type[Model], column: str) -> fields.Field:
    return fields.Field(
        attribute=column, column_name=column, widget=StrictManyToManyWidget(model, field="slug")
    )


class AllOrNothingResource(resources.ModelResource):
    """A resource whose import keeps nothing when any row is invalid or fails.

    django-import-export rolls back on row errors, but keeps valid rows beside rows that
    fail validation unless asked not to; catalogue managers expect all or nothing.
    """

    def import_data(self, dataset: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("rollback_on_validation_errors", True)
        kwargs.setdefault("use_transactions", True)
        return super().import_data(dataset, **kwargs)

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        # django-import-export checks many-to-many columns only while saving, one failure per
        # row, and an error there hides the other rows' validation errors in the preview;
        # here they are checked with the other fields, so the preview lists every problem.
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        links: dict[str, Any] = {}
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            if field.column_name not in row:
                continue
            try:
                links[field.attribute] = field.clean(row)
            except ValueError as exc:
                errors.setdefault(field.attribute, []).append(str(exc))
        if not errors:
            try:
                self.validate_links(links, instance)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def validate_links(self, links: dict[str, Any], instance: Any) -> None:
        """Rules across a row's related rows, given the rows each column names."""


class PracticeResource(AllOrNothingResource):
    phase = fields.Field(
        attribute="phase",
        column_name="phase",
        widget=StrictForeignKeyWidget(LifecyclePhase, field="slug"),
    )
    hindrances = _slug_list(Hindrance, "hindrances")
    prerequisites = _slug_list(Practice, "prerequisites")

    class Meta:
        model = Practice
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "phase",
            "order",
            "description",
            "done_well",
            "effort",
            "prerequisites",
            "hindrances",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True

    def validate_links(self, links: dict[str, Any], instance: Any) -> None:
        # Rows earlier in the file are already saved (in the import's transaction), so a
        # cycle spread over several rows is found at the row that closes it.
        prerequisites = links.get("prerequisites")
        if prerequisites is None:
            return
        cycle = Practice.prerequisite_cycle(instance.slug, prerequisites)
        if cycle:
            raise ValidationError({"prerequisites": describe_cycle(cycle)})


class ToolResource(AllOrNothingResource):
    disciplines = _slug_list(Discipline, "disciplines")
    practices = _slug_list(Practice, "practices")

    class Meta:
        model = Tool
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "vendor",
            "homepage",
            "licence",
            "delivery",
            "ring",
            "min_maturity",
            "description",
            "disciplines",
            "practices",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True

    def validate_links(self, links: dict[str, Any], instance: Any) -> None:
        disciplines = links.get("disciplines")
        practices = links.get("practices")
        if disciplines is not None and not disciplines:
            raise ValidationError({"disciplines": "a tool supports at least one discipline"})
        if disciplines is None or practices is None:
            return
        outside = Tool.practices_outside_disciplines(practices.select_related("phase"), disciplines)
        if outside:
            raise ValidationError(
                {"practices": f"not in the tool's disciplines: {', '.join(outside)}"}
            )
