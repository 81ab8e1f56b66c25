"""Boolean conditions tested for true or for false: a BooleanField, `Exists()`, a conditional
expression (`filter(flag=False)`, `filter(ExpressionWrapper(F("flag"), BooleanField()))`,
`When(flag=True, ...)`).

SQL keeps a row where the condition is true, and `NOT flag` is NULL, not true, where the flag is
NULL: neither `filter(flag=True)` nor `filter(flag=False)` returns a NULL (or, on MongoDB, a
missing) flag. A stored boolean column is therefore matched by its value, `{"flag": false}`,
which is also what an index on it serves.

Under a negation SQL keeps the rows where the negated part is false, so the part itself must be
compiled as "true or unknown" (`lenient`): `NOT (flag = true)` keeps only false flags, which is
`{"$nor": [{"flag": {"$ne": false}}]}`. Lookups on plain values do not need this: Django adds an
`IS NOT NULL` test beside them under a negation, which makes them two-valued.
"""

from django.db.models import Exists, Lookup
from django.db.models.expressions import ExpressionWrapper, NegatedExpression
from django.db.models.sql.where import WhereNode

from djongo_core.compiler import lookups


def condition_match(condition, wanted, translator, lenient=False):
    """Return a query document for the rows where condition is wanted (True or False); with
    lenient, for the rows where it is not the opposite (it is wanted or unknown)."""
    condition = unwrapped(condition)
    if isinstance(condition, NegatedExpression):
        return condition_match(condition.expression, not wanted, translator, lenient)
    column = lookups.single_column(condition)
    if translator.is_path(column):
        path = translator.field_path(column)
        return {path: {"$ne": not wanted}} if lenient else {path: wanted}
    return {"$expr": condition_expression(condition, wanted, translator, lenient)}


def condition_expression(condition, wanted, translator, lenient=False):
    """Return condition_match() as a boolean aggregation expression."""
    condition = unwrapped(condition)
    if isinstance(condition, NegatedExpression):
        return condition_expression(condition.expression, not wanted, translator, lenient)
    value = translator.expression(condition)
    if lenient:
        return {"$ne": [value, not wanted]}
    # A null (unknown) value is neither true nor equal to false.
    return value if wanted else {"$eq": [value, False]}


def negated_value(condition, translator):
    """Return NOT condition as a value: null where the condition is null, as in SQL."""
    value = translator.expression(condition)
    if isinstance(unwrapped(condition), (Exists, Lookup, WhereNode)):
        return {"$not": [value]}  # never null: a lookup or Exists() is true or false
    return {"$cond": [lookups.is_null(value), None, {"$not": [value]}]}


def unwrapped(condition):
    """Return ExpressionWrapper(F("flag"), BooleanField()) as the column it wraps."""
    while (isinstance(condition, ExpressionWrapper)
           and not isinstance(condition, NegatedExpression)
           and getattr(condition.expression, "conditional", False)
           and not isinstance(condition.expression, WhereNode)):
        condition = condition.expression
    return condition
