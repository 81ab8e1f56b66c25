"""SchemaValidation: a model's validation settings, declared in Meta.constraints so that
makemigrations tracks them.

    class Product(models.Model):
        ...
        class Meta:
            constraints = [SchemaValidation(name="product_schema", level="moderate",
                                            additional_properties=False)]

The validator itself is not the constraint's: it follows from the model's fields, and the core
keeps it in step after every change (djongo_provide_collection_options, applied with collMod).
Adding, changing or removing the constraint changes the options the plugin gives, which the core
applies right after create_sql()/remove_sql(); these return no Command of their own, so that the
collMod is sent once and shown once by sqlmigrate.
"""

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import BaseConstraint

from djongo_schema_validation.settings import Validation, check_values

_FLAGS = tuple(Validation.__dataclass_fields__)


class SchemaValidation(BaseConstraint):
    """Per-model validation settings over the database's SCHEMA_VALIDATION (None: inherit)."""

    def __init__(self, *, name, level=None, action=None, additional_properties=None,
                 validate_on_save=None, check_references=None, enabled=True,
                 violation_error_code=None, violation_error_message=None):
        self.level = level
        self.action = action
        self.additional_properties = additional_properties
        self.validate_on_save = validate_on_save
        self.check_references = check_references
        self.enabled = enabled
        check_values(self.overrides(), f"SchemaValidation {name!r}", ValueError)
        if not isinstance(enabled, bool):
            raise ValueError(f"SchemaValidation {name!r}: enabled must be True or False.")
        super().__init__(name=name, violation_error_code=violation_error_code,
                         violation_error_message=violation_error_message)

    def overrides(self):
        """The settings this constraint sets (the others come from the database's)."""
        return {flag: getattr(self, flag) for flag in _FLAGS if getattr(self, flag) is not None}

    def create_sql(self, model, schema_editor):
        return None  # the core's collMod right after this applies the options (module docstring)

    def remove_sql(self, model, schema_editor):
        return None

    def constraint_sql(self, model, schema_editor):
        return None

    def validate(self, model, instance, exclude=None, using=None):
        """Check the document the instance would be stored as against the collection's
        $jsonSchema, as the server will: errors are keyed by field, for forms and the admin."""
        from djongo_schema_validation.evaluation import instance_violations
        from djongo_schema_validation.settings import is_enabled, model_validation

        connection = connections[using or "default"]
        if not self.enabled or not is_enabled(connection):
            return
        validation = model_validation(connection, model)
        if validation is None:
            return
        errors = {}
        for field, message in instance_violations(connection, model, instance, validation):
            if exclude and field in exclude:
                continue
            errors.setdefault(field or "__all__", []).append(
                ValidationError(message, code=self.violation_error_code or "schema"))
        if errors:
            raise ValidationError(errors)

    def __eq__(self, other):
        if isinstance(other, SchemaValidation):
            return (self.name == other.name and self.enabled == other.enabled
                    and self.overrides() == other.overrides()
                    and self.violation_error_code == other.violation_error_code
                    and self.violation_error_message == other.violation_error_message)
        return super().__eq__(other)

    def __hash__(self):
        return hash((self.name, self.enabled, tuple(sorted(self.overrides().items()))))

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        path = "djongo_schema_validation.SchemaValidation"
        kwargs.update(self.overrides())
        if not self.enabled:
            kwargs["enabled"] = False
        return path, args, kwargs

    def __repr__(self):
        parts = [f"name={self.name!r}", *(f"{k}={v!r}" for k, v in self.overrides().items())]
        if not self.enabled:
            parts.append("enabled=False")
        return f"<SchemaValidation: {' '.join(parts)}>"
