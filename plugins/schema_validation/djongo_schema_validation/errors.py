"""Writes the server refused (code 121, DocumentValidationFailure) as a SchemaViolation naming
the model, the document, the field and the reason, from MongoDB's errInfo."""

from django.apps import apps
from django.db import IntegrityError
from django.db.models import CheckConstraint
from pymongo.errors import BulkWriteError, OperationFailure

from djongo_schema_validation.evaluation import violations
from djongo_schema_validation.generator import collection_schema
from djongo_schema_validation.reasons import field_label, from_error_details
from djongo_schema_validation.settings import model_validation

DOCUMENT_VALIDATION_FAILURE = 121


class SchemaViolation(IntegrityError):
    """A document the collection's validator refused.

    - `model`: the model class (None when the collection is no model's);
    - `pk`: the refused document's _id as MongoDB reported it (None when it did not);
    - `violations`: (field name, message) pairs, the field None for the document as a whole;
    - `details`: MongoDB's errInfo, as it came.
    """

    def __init__(self, message, model=None, pk=None, violations=(), details=None):
        super().__init__(message)
        self.model, self.pk, self.violations, self.details = model, pk, list(violations), details


def failed_write(error):
    """Return the write error document of a 121, or None when the error is another."""
    if isinstance(error, BulkWriteError):
        for write_error in (error.details or {}).get("writeErrors", []):
            if write_error.get("code") == DOCUMENT_VALIDATION_FAILURE:
                return write_error
        return None
    if isinstance(error, OperationFailure) and error.code == DOCUMENT_VALIDATION_FAILURE:
        return error.details or {}
    return None


def schema_violation(connection, command, error):
    """Return the SchemaViolation standing for a pymongo error, or None if it is no 121."""
    write_error = failed_write(error)
    if write_error is None:
        return None
    model = command.model or _model_of(command.collection)
    info = write_error.get("errInfo") or {}
    pk = info.get("failingDocumentId")
    names = clause_names(connection, model) if model is not None else []
    found = []
    for violation in _violations(connection, command, model, write_error, info, names):
        if model is None:
            field, label = None, ".".join(map(str, violation.path)) or "the document"
        else:
            field, label = field_label(model, violation.path)
        found.append((field, f"{label} {violation.text}"))
    where = model._meta.label if model is not None else f"collection {command.collection!r}"
    subject = f"{where} {pk}" if pk is not None else where
    reasons = "; ".join(message for _field, message in found) or (
        write_error.get("errmsg") or "Document failed validation")
    bulk = ""
    if isinstance(error, BulkWriteError):
        refused = [e for e in error.details.get("writeErrors", [])
                   if e.get("code") == DOCUMENT_VALIDATION_FAILURE]
        if len(refused) > 1:
            bulk = f" (and {len(refused) - 1} more document(s) of the same {command.operation})"
    return SchemaViolation(
        f"{subject}: {reasons}{bulk}. The collection's validator refused the "
        f"{command.operation}; the rule comes from the model's fields (manage.py showschema "
        f"{model._meta.label if model is not None else '<app.Model>'} prints it).",
        model=model, pk=pk, violations=found, details=info)


def _violations(connection, command, model, write_error, info, names):
    """The server's reasons; where they are vague (the embedded engine names the property and a
    reason, not the value or the rule: deviation jsonschema-errinfo-generic), the plugin's
    reading of the schema over the refused document, when the command shows it."""
    reported = from_error_details(info.get("details"), names)
    if all(violation.rule != "$jsonSchema" for violation in reported):
        return reported
    validation = model_validation(connection, model) if model is not None else None
    document = _refused_document(connection, command, model, write_error, info.get(
        "failingDocumentId")) if validation is not None else None
    if document is not None:
        schema = collection_schema(connection, model, validation.additional_properties)
        local = violations(schema, document)
        if local:
            return local
    return reported


def _refused_document(connection, command, model, write_error, pk):
    """The document the refused write would have stored: an inserted one, or a stored one
    with a plain $set applied (None when neither is known)."""
    if command.operation == "insert_one" and command.args:
        return command.args[0]
    if command.operation == "insert_many" and command.args:
        documents = list(command.args[0])
        index = write_error.get("index", 0)
        return documents[index] if index < len(documents) else None
    if command.operation in ("update_one", "update_many") and len(command.args) >= 2:
        update = command.args[1]
        if pk is None or not isinstance(update, dict) or set(update) != {"$set"}:
            return None
        if any("." in key for key in update["$set"]):
            return None
        stored = connection.mongo_database[model._meta.db_table].find_one({"_id": pk})
        return None if stored is None else {**stored, **update["$set"]}
    return None


def clause_names(connection, model):
    """For each clause of the model's validator, the CheckConstraint it holds (None for the
    $jsonSchema): the order in which the core builds it (plugins' validator first)."""
    checks = [c.name for c in model._meta.constraints if isinstance(c, CheckConstraint)]
    schema = [None] if model_validation(connection, model) is not None else []
    return [*schema, *checks]


def _model_of(collection):
    for model in apps.get_models():
        if model._meta.db_table == collection:
            return model
    return None
