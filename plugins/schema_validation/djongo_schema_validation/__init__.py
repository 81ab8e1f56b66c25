"""MongoDB $jsonSchema validators generated from Django models, errors naming the field, and
referential integrity checks, for djongo-core.

Enabled per database with "schema_validation" in PLUGINS; add "djongo_schema_validation" to
INSTALLED_APPS for its commands (showschema, validatedb, checkintegrity), system checks and
validate_on_save. See this distribution's README.md.

- SchemaValidation (constraints.py): a model's validation settings in Meta.constraints.
- SchemaViolation (errors.py): the IntegrityError of a write the validator refused.
- collection_schema (generator.py): a model's $jsonSchema.
"""

from djongo_schema_validation.constraints import SchemaValidation
from djongo_schema_validation.errors import SchemaViolation
from djongo_schema_validation.generator import collection_schema

__all__ = ["SchemaValidation", "SchemaViolation", "collection_schema"]
