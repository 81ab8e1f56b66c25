"""The microseconds of DateTimeField values, kept beside the BSON date.

A BSON date counts milliseconds. A DateTimeField value is stored as that date, its
microseconds cut to the millisecond (as the driver cuts them), and when the part cut off is
not zero, as a number of microseconds (1 to 999) under a hidden key beside it:

    {"created": ISODate("2024-05-01T13:42:07.123Z"), "__djongo_us__created": 456}

A document without the key (written before, or by another program) holds whole milliseconds.
Everything that compares, sorts or returns the column reads both: a stored value is read as
microseconds since the epoch, `$toLong` of the date times 1000 plus the key (an Int64 the
converter turns back into a datetime); a filter against a value compares the date and, on the
same millisecond, the key, in a form indexes serve; sorts order by the key after the date; an
index or unique constraint on the column includes the key. Date functions (Extract, Trunc)
read the date alone, which holds every part they return.

The server computes exactly, as microseconds since the epoch, what is made of such values:
Min()/Max(), Greatest()/Least()/Coalesce(), a datetime plus or minus a duration (stored as
microseconds), the difference of two datetimes, a subquery's column. Whatever else it computes
has whole milliseconds, as BSON dates do (`Now()`, window functions, group keys), and an
update that stores such a value removes the key. A primary key (`_id`), part of a composite
key, and a datetime inside an embedded document or an array keep milliseconds only.
"""

import datetime

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import Max, Min, Subquery
from django.db.models.expressions import (
    Col, CombinedExpression, ExpressionWrapper, Ref, Window,
)
from django.db.models.functions import (
    Coalesce, FirstValue, Greatest, Lag, LastValue, Lead, Least, NthValue,
)
from django.db.models.sql.query import Query

PREFIX = "__djongo_us__"
# What reading a date as microseconds multiplies its milliseconds by.
PER_MILLISECOND = 1000
EPOCH = datetime.datetime(1970, 1, 1)


def hidden_key(column):
    """Return the key holding a column's microseconds below the millisecond."""
    return PREFIX + column


def keeps_microseconds(field):
    """Return whether the backend keeps a model field's microseconds (a stored DateTimeField
    of the model's own document, not its key)."""
    return (isinstance(field, models.DateTimeField) and not field.primary_key
            and getattr(field, "model", None) is not None
            and not _in_composite_key(field) and not getattr(field, "generated", False))


def _in_composite_key(field):
    primary_key = field.model._meta.pk
    return primary_key is not None and field in getattr(primary_key, "fields", ())


def remainder(value):
    """Return the microseconds of a stored datetime below its millisecond (0 if none)."""
    return value.microsecond % PER_MILLISECOND if isinstance(value, datetime.datetime) else 0


def write_values(field, value):
    """Return {key: value} to $set and [key] to $unset for a value written to a field:
    the hidden key's part of a write."""
    key = hidden_key(field.column)
    rest = remainder(value)
    return ({key: rest}, []) if rest else ({}, [key])


def precise(path, hidden_path):
    """Return the aggregation expression reading a stored datetime as microseconds since the
    epoch (null stays null): its date's milliseconds times 1000 plus the hidden key."""
    return {"$add": [{"$multiply": [{"$toLong": path}, PER_MILLISECOND]},
                     {"$ifNull": [hidden_path, 0]}]}


def as_microseconds(value):
    """Return a naive datetime as microseconds since the epoch (exact, as an int)."""
    return (value - EPOCH) // datetime.timedelta(microseconds=1)


def from_microseconds(number):
    """Return microseconds since the epoch as a naive datetime."""
    return EPOCH + datetime.timedelta(microseconds=int(number))


# -- query documents: a column compared with a value ---------------------------------------------

def match(path, hidden_path, operator, value):
    """Return a query document comparing the datetime stored at path (and its hidden key)
    with value, for operator in $eq, $gt, $gte, $lt, $lte, exactly to the microsecond."""
    rest = remainder(value)
    date = value.replace(microsecond=value.microsecond - rest)
    if operator == "$eq":
        return {path: date, hidden_path: rest or None}
    if operator in ("$gt", "$lte") and rest == PER_MILLISECOND - 1:
        # Nothing is stored after the last microsecond of a millisecond.
        return {path: {operator: date}}
    if operator in ("$gte", "$lt") and not rest:
        return {path: {operator: date}}
    # The same millisecond decides by the hidden key; a missing key is 0 microseconds.
    same_millisecond = {
        "$gt": {"$gt": rest},
        "$gte": {"$gte": rest},
        "$lt": {"$not": {"$gte": rest}},
        "$lte": {"$not": {"$gt": rest}},
    }[operator]
    strictly = "$gt" if operator in ("$gt", "$gte") else "$lt"
    return {"$or": [{path: {strictly: date}}, {path: date, hidden_path: same_millisecond}]}


def match_in(path, hidden_path, values):
    """Return a query document for the stored datetime being one of values."""
    whole = sorted({value for value in values if not remainder(value)})
    parts = [{path: {"$in": whole}, hidden_path: None}] if whole else []
    parts += [match(path, hidden_path, "$eq", value) for value in values if remainder(value)]
    return parts[0] if len(parts) == 1 else {"$or": parts}


def reads_microseconds(node):
    """Return whether an expression's value is a stored datetime with its microseconds: a
    column that keeps them, Min() or Max() of one, a window function picking one of its rows'
    values of one (Lag(), FirstValue(), Max()...), or a subquery selecting one."""
    if isinstance(node, Ref):
        node = node.source
    if isinstance(node, Col):
        return keeps_microseconds(node.target)
    if isinstance(node, Window):
        return (isinstance(node.source_expression, PICKING_WINDOW_FUNCTIONS)
                and reads_microseconds(node.source_expression.get_source_expressions()[0]))
    if isinstance(node, (Min, Max)):
        return reads_microseconds(node.get_source_expressions()[0])
    if isinstance(node, Subquery):
        node = node.query
    if isinstance(node, Query):
        selected = [*node.select, *node.annotation_select.values()]
        return len(selected) == 1 and reads_microseconds(selected[0])
    return False


# Window functions whose value is one of the values their first argument has in the window's rows.
PICKING_WINDOW_FUNCTIONS = (FirstValue, LastValue, NthValue, Lag, Lead, Min, Max)

# Functions whose value is one of their arguments, as MQL operators on numbers.
CHOOSING_FUNCTIONS = (Greatest, Least, Coalesce)


def choosing_operator(node):
    """Return the MQL operator of Greatest(), Least() or Coalesce() on numbers."""
    return next(operator for kind, operator in (
        (Greatest, "$max"), (Least, "$min"), (Coalesce, "$ifNull")) if isinstance(node, kind))


def carries_microseconds(node):
    """Return whether a datetime expression's exact value has microseconds the server can
    compute exactly: one that reads them (reads_microseconds()), such a datetime plus or
    minus a duration, or Greatest(), Least() or Coalesce() of such datetimes."""
    if isinstance(node, ExpressionWrapper):
        node = node.expression
    if reads_microseconds(node):
        return True
    try:
        output = node._output_field_or_none
    except (AttributeError, FieldError):
        return False  # no datetime (a mix of types is refused where it is translated)
    if not isinstance(output, models.DateTimeField):
        return False
    if isinstance(node, CombinedExpression) and node.connector in ("+", "-"):
        return any(carries_microseconds(side) for side in (node.lhs, node.rhs))
    if isinstance(node, CHOOSING_FUNCTIONS):
        return any(carries_microseconds(source) for source in node.get_source_expressions())
    return False


def split(microseconds):
    """Return (date, hidden key value) expressions storing microseconds since the epoch: the
    date of the millisecond they fall in, and the microseconds after it ($$REMOVE for none, as
    a document holds no key then; null stays null)."""
    rest = {"$mod": [microseconds, PER_MILLISECOND]}
    # $mod keeps the dividend's sign: a datetime before 1970 has a negative one.
    rest = {"$cond": [{"$lt": [rest, 0]}, {"$add": [rest, PER_MILLISECOND]}, rest]}
    milliseconds = {"$divide": [{"$subtract": [microseconds, rest]}, PER_MILLISECOND]}
    # The division is exact, but done in doubles: rounding gives the whole number back.
    date = {"$toDate": {"$toLong": {"$round": [milliseconds, 0]}}}
    return date, {"$cond": [{"$gt": [rest, 0]}, rest, "$$REMOVE"]}


def with_microseconds(date, rest):
    """Return a stored date with the microseconds its hidden key holds (none: as it is)."""
    if rest and isinstance(date, datetime.datetime):
        return date + datetime.timedelta(microseconds=rest)
    return date


def as_datetime(value):
    """Return a stored datetime read with its microseconds as a datetime: a pipeline reads it
    as a number of microseconds since the epoch, a find as the date and its key put together."""
    return from_microseconds(value) if isinstance(value, int) else value


def stored_value(document, field):
    """Return a field's value as a stored document holds it, before the ORM's converters: a
    datetime with the microseconds its hidden key holds (public to plugins)."""
    value = document.get("_id" if field.primary_key else field.column)
    if keeps_microseconds(field):
        value = with_microseconds(value, document.get(hidden_key(field.column)))
    return value
