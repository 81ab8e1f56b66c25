"""GeneratedField on MongoDB: values the server computes from the field's expression.

A stored generated field (db_persist=True) is a document key like any other, except that only
the server writes it: every insert and update through the ORM computes it from the expression
(compiled with the rest of the compiler, against the model's own fields), so it can be filtered,
sorted and indexed as it is. A virtual one (db_persist=False) is never stored: wherever its
column is read, the column compiles to the expression.

Documents written outside Django (pymongo, mongosh, another application) are not recomputed:
MongoDB has no generated columns of its own.
"""

from django.core.exceptions import FieldError
from django.db.models.expressions import Col
from django.db.models.functions import Cast
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode

from djongo_core.command import Command
from djongo_core.compiler.lookups import not_null
from djongo_core.compiler.tree import walk
from djongo_core.expression_indexes import expression_keys

# Stored BSON types that hold the same numbers: pymongo writes each integer in the narrowest
# width that holds it, so an int expression needs no conversion for a long column.
_SAME_STORAGE = {"long": "int"}


def is_generated(field):
    return getattr(field, "generated", False)


def is_virtual(field):
    """Return whether a field is a virtual generated field (computed when read, never stored)."""
    return is_generated(field) and not field.db_persist


def is_stored_column(expression):
    """Return whether an expression is a column read from its document key as stored."""
    return isinstance(expression, Col) and not is_virtual(expression.target)


def stored_generated_fields(opts):
    """Return the stored generated fields a model's own collection holds (a proxy model's
    collection is its concrete model's)."""
    return [field for field in opts.concrete_model._meta.local_concrete_fields
            if is_generated(field) and field.db_persist]


def computed_keys(opts):
    """Return what the server computes into a model's documents on every write: its stored
    generated fields, then the hidden keys of its indexes on expressions
    (expression_indexes.py), which may read those fields."""
    return [*stored_generated_fields(opts), *expression_keys(opts)]


def regenerated_fields(opts, written):
    """Return the computed keys (stored generated fields, expression index keys) to compute
    again after an update writes the given fields: those reading one of them, and, in
    declaration order, those reading these."""
    changed = set(written)
    result = []
    for field in computed_keys(opts):
        if referenced_fields(field) & changed:
            result.append(field)
            changed.add(field)
    return result


def resolved_expression(field, alias, model=None):
    """Return a generated field's expression resolved against its model, its columns under
    alias (the alias the query reading it gives the model's collection)."""
    model = model or field.model
    query = Query(model)
    expression = field.expression.resolve_expression(query, allow_joins=False)
    table = query.get_initial_alias()
    if alias != table:
        expression = expression.relabeled_clone({table: alias})
    return expression


def referenced_fields(field, model=None):
    """Return the fields a generated field's expression reads (through a virtual generated
    field, the fields that one reads: its value is computed from them)."""
    model = model or field.model
    expression = resolved_expression(field, model._meta.db_table, model)
    fields = {node.target for node in walk(expression) if isinstance(node, Col)}
    for read in [f for f in fields if is_virtual(f)]:
        fields |= referenced_fields(read, model)
    return fields


def generated_value(field, translator, alias, model=None):
    """Return the aggregation expression computing a generated field's value for the documents
    the translator reads under alias."""
    expression = resolved_expression(field, alias, model)
    if not isinstance(expression, WhereNode) and _needs_cast(expression, field,
                                                              translator.connection):
        # The column has the output field's type, as a SQL generated column converts the
        # expression's value to its declared type.
        expression = Cast(expression, field.output_field)
    value = _value(expression, translator)
    if getattr(field, "absent_when_null", False):
        # "$$REMOVE" as a $cond branch: the key is left out of the document where the value
        # is null or missing.
        value = {"$let": {"vars": {"indexed": value}, "in": {
            "$cond": [not_null("$$indexed"), "$$indexed", "$$REMOVE"]}}}
    return value


def _value(expression, translator):
    if isinstance(expression, WhereNode):
        # Q(...) as a value: true, false, or null where SQL's answer is unknown.
        return translator.value_of_condition(expression)
    return translator.expression(expression)


def write_stages(fields, translator, alias, model=None):
    """Return the `$set` stages computing stored generated fields in a pipeline.

    One stage holds them all, unless a field reads another one computed in the same stage:
    a `$set` sees the document as it was before the stage.
    """
    stages, current = [], {}
    for field in fields:
        if current and any(f.column in current for f in referenced_fields(field, model)):
            stages.append({"$set": current})
            current = {}
        current[field.column] = generated_value(field, translator, alias, model)
    if current:
        stages.append({"$set": current})
    return stages


def _needs_cast(expression, field, connection):
    if field.output_field is None:
        return False  # an expression index key holds the expression's own value
    try:
        source = expression.output_field
    except FieldError:
        return False  # mixed types with no output_field: MongoDB's own result stands
    source_type = source.db_type(connection)
    target_type = field.output_field.db_type(connection)
    if source_type is None or target_type is None:
        return False
    return _SAME_STORAGE.get(source_type, source_type) != _SAME_STORAGE.get(target_type,
                                                                             target_type)


# -- migrations ---------------------------------------------------------------------------------

def _model_translator(model, connection):
    # Imported here: model_expressions builds on the Translator, which imports this module.
    from djongo_core.compiler.model_expressions import model_translator

    return model_translator(connection, model)


def definition(field, model, connection):
    """Return the MQL of a generated field's expression in model's documents, before any
    conversion to its output type (raises FieldError when the expression names a field the
    model no longer has)."""
    translator = _model_translator(model, connection)
    table = model._meta.db_table
    return _value(resolved_expression(field, table, model), translator)


def fill_command(model, fields, connection, selector):
    """Return the update that computes stored generated fields (or expression index keys) in
    the documents matching selector (the values existing documents get when the field or the
    index is added, or a field they read is retyped)."""
    translator = _model_translator(model, connection)
    stages = write_stages(fields, translator, model._meta.db_table, model)
    return Command(model._meta.db_table, "update_many", (selector, stages))
