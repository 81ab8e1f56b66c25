"""The hook implementations of the schema_validation plugin (entry point "schema_validation").

- djongo_provide_collection_options: the model's $jsonSchema validator, validationLevel and
  validationAction (generator.py, settings.py), given at creation and re-asked by the core after
  every change to the model; a stricter validator over stored documents that break it is refused
  (migration.py).
- djongo_execute: a write the server refused with code 121 becomes a SchemaViolation naming the
  model, document, field and reason (errors.py); with check_references, a write naming a missing
  ForeignKey target is refused before it is sent (integrity.py).
- djongo_check_constraints: dangling ForeignKey values after loaddata (integrity.py).
"""

from djongo_core.plugins import hookimpl
from djongo_schema_validation.errors import schema_violation
from djongo_schema_validation.integrity import check_constraints, refuse_missing_targets
from djongo_schema_validation.migration import collection_options
from djongo_schema_validation.settings import model_validation

_WRITES = {"insert_one", "insert_many", "update_one", "update_many"}


@hookimpl
def djongo_provide_collection_options(schema_editor, model):
    return collection_options(schema_editor, model)


@hookimpl(wrapper=True)
def djongo_execute(connection, command):
    if (command.operation in _WRITES and command.model is not None
            and not connection.constraint_checking_disabled):
        validation = model_validation(connection, command.model)
        if validation is not None and validation.check_references:
            refuse_missing_targets(connection, command)
    try:
        return (yield)
    except Exception as error:
        violation = schema_violation(connection, command, error)
        if violation is None:
            raise
        raise violation from error


@hookimpl
def djongo_check_constraints(connection, table_names):
    check_constraints(connection, table_names)
