"""CheckConstraint conditions as clauses of a collection's validator.

MongoDB checks every inserted and updated document against the collection's `validator`, a
query document; `$expr` lets it hold any aggregation expression. SQL's CHECK rejects a row only
when its condition is false: unknown (a NULL somewhere) passes. So each constraint becomes
`{"$expr": {"$ne": [<condition read with three-valued logic>, false]}}`, and a collection's
validator is the `$and` of its constraints' clauses.

Column checks, the CHECK a SQL database adds to a column's definition (Django's db_check():
`"x" >= 0` for the Positive*Fields), are clauses of the same validator, named as PostgreSQL
names them (`<table>_<column>_check`), so that expressions the server computes
(`F("stock") - 1`) are held to them too, not only the values a write sends
(compiler/column_rules.py).
"""

from django.db.backends.utils import truncate_name

from djongo_core.compiler.column_rules import NON_NEGATIVE_FIELDS
from djongo_core.compiler.model_expressions import model_condition
from djongo_core.documents import stored_name


def check_clause(connection, model, constraint):
    """Return the validator clause of a CheckConstraint on model's own fields."""
    where, translator = model_condition(connection, model, constraint.condition)
    return {"$expr": {"$ne": [translator.value_of_condition(where), False]}}


def validator(clauses):
    """Return the validator holding every clause, or {} (no validation) when there is none."""
    clauses = [clause for clause in clauses if clause]
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def is_column_checked(field):
    """Return whether a field's column carries a check (Django's db_check() on SQL): the
    Positive*Fields' `>= 0`. A generated field is computed by the server, and not checked."""
    return (field.concrete and not field.generated and field.column is not None
            and field.get_internal_type() in NON_NEGATIVE_FIELDS)


def column_checked_fields(model):
    return [field for field in model._meta.local_concrete_fields if is_column_checked(field)]


def column_check_clause(field):
    """Return the validator clause of a field's column check: not negative. A missing or null
    value passes, as NULL passes a SQL CHECK."""
    name = stored_name(field)
    return {"$or": [{name: None}, {name: {"$gte": 0}}]}


def column_check_name(connection, model, field):
    return truncate_name(f"{model._meta.db_table}_{field.column}_check",
                         connection.ops.max_name_length())


def column_checks(connection, model):
    """Return {name: [column]} of model's column checks, as introspection reports them."""
    return {column_check_name(connection, model, field): [field.column]
            for field in column_checked_fields(model)}
