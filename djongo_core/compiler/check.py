"""CheckConstraint conditions as clauses of a collection's validator.

MongoDB checks every inserted and updated document against the collection's `validator`, a
query document; `$expr` lets it hold any aggregation expression. SQL's CHECK rejects a row only
when its condition is false: unknown (a NULL somewhere) passes. So each constraint becomes
`{"$expr": {"$ne": [<condition read with three-valued logic>, false]}}`, and a collection's
validator is the `$and` of its constraints' clauses.
"""

from djongo_core.compiler.model_expressions import model_condition


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
