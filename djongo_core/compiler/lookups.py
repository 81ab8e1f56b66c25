"""Lookups as MQL: the index-friendly query form where it applies, `$expr` otherwise.

The query form (`{"year": {"$gt": 1999}}`) can use indexes and is used whenever the left side is a
plain field and the right side a value. Everything else (transforms, F() on the right side) goes
to an aggregation expression under `$expr`. Both keep SQL's NULL semantics: a comparison never
matches NULL unless the lookup asks for NULL.
"""

import datetime
import functools

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import NotSupportedError
from django.db.models import expressions
from django.db.models.expressions import Col, ColPairs, Value
from django.db.models.lookups import IntegerFieldOverflow, IsNull, YearLookup
from django.db.models.sql.query import Query
from django.db.models.sql.where import OR, WhereNode

from djongo_core.compiler import conditions, date_ranges, json_null, json_paths, regex, tuples
from djongo_core.compiler.tree import internal_type, is_correlated
from djongo_core import sub_milliseconds
from djongo_core.sub_milliseconds import keeps_microseconds


BUILTIN_LOOKUPS = "django.db.models.lookups"
RANGE_OPERATORS = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}
PATTERN_LOOKUPS = {
    "contains": ("contains", ""),
    "icontains": ("contains", "i"),
    "startswith": ("startswith", ""),
    "istartswith": ("startswith", "i"),
    "endswith": ("endswith", ""),
    "iendswith": ("endswith", "i"),
    "iexact": ("exact", "i"),
}
SUPPORTED = {"exact", "in", "range", "isnull", "regex", "iregex", *RANGE_OPERATORS,
             *PATTERN_LOOKUPS}
# Values that need `$eq` to be compared as a whole: a dict could be read as an operator
# document and a list as an array match.
_OPERATOR_LIKE = (dict, list, tuple)


@functools.cache
def _builtin_name(lookup_class):
    # Only a subclass that keeps Django's SQL for the lookup means the same thing: one that
    # writes its own as_sql() may mean anything, and is left to the plugins.
    sql_owner = next((k for k in lookup_class.__mro__ if "as_sql" in vars(k)), None)
    if sql_owner is not None and not sql_owner.__module__.startswith("django."):
        # A project's or plugin's own lookup: even under a built-in's name (a geo plugin's
        # "contains"), it is not the built-in.
        return None
    if sql_owner is None:
        return lookup_class.lookup_name
    for klass in lookup_class.__mro__:
        if klass.__module__ == BUILTIN_LOOKUPS and getattr(klass, "lookup_name", None):
            return klass.lookup_name
    return lookup_class.lookup_name


def lookup_name(lookup):
    """Return the name of the built-in lookup a lookup extends: a project's subclass of IsNull
    registered as "isnull_none_rhs" (keeping IsNull's SQL) is translated as isnull."""
    return _builtin_name(type(lookup))


TEXT_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField",
               "FilePathField", "GenericIPAddressField", "IPAddressField"}


def is_text(expression):
    """Return whether an expression's values are stored as strings (regexes apply directly)."""
    field = getattr(expression, "output_field", None)
    return field is not None and field.get_internal_type() in TEXT_FIELDS


def not_null(expression):
    """Return an aggregation test that expression is neither null nor missing."""
    return {"$ne": [{"$ifNull": [expression, None]}, None]}


def is_null(expression):
    return {"$eq": [{"$ifNull": [expression, None]}, None]}


def is_computed(mql):
    """Return whether an aggregation expression depends on the document (a field path or an
    operator), so that it may be null; a constant is known when the query is compiled."""
    return isinstance(mql, (dict, str)) and (not isinstance(mql, str) or mql.startswith("$"))


def literal(value):
    """Return a constant as an aggregation expression ($-strings, dicts and lists are quoted)."""
    if isinstance(value, (str, dict, list, tuple)) and (
        not isinstance(value, str) or value.startswith("$")
    ):
        return {"$literal": value}
    return value


def _check_integer_range(lookup, connection):
    """Apply Django's IntegerFieldOverflow rule: a value outside the field's range decides the
    lookup without a query (EmptyResultSet, or FullResultSet for `> below-minimum`)."""
    if not isinstance(lookup, IntegerFieldOverflow) or not isinstance(lookup.rhs, int):
        return
    internal_type = lookup.lhs.output_field.get_internal_type()
    minimum, maximum = connection.ops.integer_field_range(internal_type)
    if minimum is not None and lookup.rhs < minimum:
        raise lookup.underflow_exception
    if maximum is not None and lookup.rhs > maximum:
        raise lookup.overflow_exception


def _db_values(lookup, translator):
    """Return the right side's database values (a list for in/range, else one value)."""
    rhs = lookup.rhs
    name = lookup_name(lookup)
    _check_integer_range(lookup, translator.connection)
    if isinstance(rhs, Query):
        database = getattr(rhs, "_db", None)
        if database is not None and database != translator.connection.alias:
            raise ValueError(
                "Subqueries aren't allowed across different databases. Force the inner query "
                "to be evaluated using `list(inner_query)`."
            )
        values = translator.subquery_values(rhs)
        if not values and lookup_name(lookup) == "in":
            # As an empty list: IN () matches nothing, with no query sent.
            raise EmptyResultSet
        return values
    if name == "in":
        values = [value for value in rhs if value is not None]
        if not values:
            raise EmptyResultSet
        return lookup.get_db_prep_lookup(values, translator.connection)[1]
    if name in ("isnull", "regex", "iregex") or name in PATTERN_LOOKUPS:
        if name == "isnull" and not isinstance(rhs, bool):
            raise ValueError("The QuerySet value for an isnull lookup must be True or False.")
        return rhs
    params = lookup.get_db_prep_lookup(rhs, translator.connection)[1]
    return params if name == "range" else params[0]


def is_condition_test(lookup):
    """Return whether a lookup tests a condition for true or false (filter(flag=False),
    filter(Exists(...)) as Exact(Exists(...), True))."""
    return (lookup_name(lookup) == "exact" and isinstance(lookup.rhs, bool)
            and getattr(lookup.lhs, "conditional", False))


def is_direct(lookup):
    """Return whether the right side is values known before the query runs.

    An uncorrelated `__in=queryset` counts: its values are fetched first and sent as a list.
    """
    if isinstance(lookup.rhs, Query):
        return lookup_name(lookup) == "in" and not is_correlated(lookup.rhs)
    return lookup.rhs_is_direct_value()


def single_column(expression):
    """Return a one-column ColPairs (Django's form for some key lookups) as its Col."""
    if isinstance(expression, ColPairs) and len(expression) == 1:
        return expression.get_cols()[0]
    return expression


def _refuse_composite_value(lookup):
    """A one-column lookup cannot compare with several columns (text__gt=F("pk")): Django's
    own error."""
    if isinstance(lookup.rhs, ColPairs) and len(lookup.rhs) > 1:
        raise ValueError("CompositePrimaryKey cannot be used as a lookup value.")


def lookup_match(lookup, translator, lenient=False):
    """Return the lookup as a query document for `find` or `$match`; lenient: under a
    negation, where an unknown condition must count as true (compiler/conditions.py)."""
    if tuples.is_tuple_lookup(lookup):
        condition = tuples.tuple_condition(lookup, translator)
        if isinstance(condition, dict):
            return {"$expr": condition}
        return translator.match(condition)
    _refuse_composite_value(lookup)
    name = lookup_name(lookup)
    if name not in SUPPORTED:
        return translator.plugin_node(lookup, "match")
    if name == "range" and _has_null_bound(lookup):
        return translator.match(_null_bound_range(lookup, lenient))
    lhs = single_column(lookup.lhs)
    if is_condition_test(lookup):
        return conditions.condition_match(lhs, lookup.rhs, translator, lenient)
    if isinstance(lookup, YearLookup) and _plain_year_lookup(lookup, translator):
        return _year_range(lookup, translator)
    if date_ranges.applies(lookup, name, translator):
        return date_ranges.date_range(lookup, name, translator)
    textual = name not in PATTERN_LOOKUPS and name not in ("regex", "iregex") or is_text(lhs)
    local_column = translator.is_path(lhs)
    if not (local_column and is_direct(lookup) and textual) or getattr(
        lookup, "bilateral_transforms", None
    ):
        return {"$expr": lookup_expression(lookup, translator)}
    if isinstance(lhs, Col) and keeps_microseconds(lhs.target) and name in _PRECISE_LOOKUPS:
        return _precise_match(lookup, lhs, translator)
    return path_match(lookup, translator.field_path(lhs), translator)


# Lookups of a datetime column that compare its value, to the microsecond (sub_milliseconds.py).
_PRECISE_LOOKUPS = {"exact", "in", "range", *RANGE_OPERATORS}


def _precise_match(lookup, column, translator):
    name = lookup_name(lookup)
    value = _db_values(lookup, translator)
    path, hidden = translator.field_path(column), translator.hidden_path(column)
    if name == "exact":
        return {path: None} if value is None else sub_milliseconds.match(
            path, hidden, "$eq", value)
    if name == "in":
        return sub_milliseconds.match_in(path, hidden, list(value))
    if name == "range":
        return {"$and": [sub_milliseconds.match(path, hidden, "$gte", value[0]),
                         sub_milliseconds.match(path, hidden, "$lte", value[1])]}
    return sub_milliseconds.match(path, hidden, RANGE_OPERATORS[name], value)


def _has_null_bound(lookup):
    """Whether a range lookup is given None as a bound (range=(None, 5), or (None, None),
    which django-filter's range filters send for an empty bound)."""
    return isinstance(lookup.rhs, (list, tuple)) and any(bound is None for bound in lookup.rhs)


def _null_bound_range(lookup, lenient):
    """Return the where-tree a range lookup with a None bound stands for.

    SQL's `x BETWEEN NULL AND 5` is unknown where x <= 5 and false where x > 5: never true, so
    it matches nothing (MongoDB's {"$gte": null} would match the nulls instead). Lenient (under
    a negation, true or unknown) it holds where the bound given holds or x is null, and
    everywhere when no bound is given.
    """
    if not lenient:
        raise EmptyResultSet
    low, high = lookup.rhs
    given = [lookup.lhs.get_lookup(name)(lookup.lhs, bound)
             for name, bound in (("gte", low), ("lte", high)) if bound is not None]
    if not given:
        raise FullResultSet
    return WhereNode([*given, IsNull(lookup.lhs, True)], connector=OR)


def path_match(lookup, path, translator):
    """Return a lookup with a direct right side on a document path as a query document."""
    name = lookup_name(lookup)
    value = _db_values(lookup, translator)
    if isinstance(value, list) and name != "range":
        # A one-column ColPairs compares 1-tuples.
        value = [item[0] if isinstance(item, tuple) and len(item) == 1 else item for item in value]
    if name == "exact":
        if value is None:
            return {path: None}
        return {path: {"$eq": value} if isinstance(value, _OPERATOR_LIKE) else value}
    if name in RANGE_OPERATORS:
        return {path: {RANGE_OPERATORS[name]: value}}
    if name == "in":
        return {path: {"$in": list(value)}}
    if name == "range":
        return {path: {"$gte": value[0], "$lte": value[1]}}
    if name == "isnull":
        return {path: None} if value else {path: {"$ne": None}}
    if name in ("regex", "iregex"):
        return {path: _regex(value, "i" if name == "iregex" else "")}
    kind, options = PATTERN_LOOKUPS[name]
    return {path: _regex(regex.pattern(kind, str(value)), options)}


def _plain_year_lookup(lookup, translator):
    source = lookup.lhs.lhs
    return (lookup.rhs_is_direct_value() and translator.is_path(source)
            and lookup_name(lookup) in ("exact", *RANGE_OPERATORS))


def _year_range(lookup, translator):
    """year=2005 on a date column as a range of the column (Django's own optimization), so
    that an index on the column applies."""
    path = translator.field_path(lookup.lhs.lhs)
    start, finish = lookup.year_lookup_bounds(translator.connection, lookup.rhs)
    name = lookup_name(lookup)
    if name == "exact":
        return {path: {"$gte": start, "$lte": finish}}
    bound = {"gt": ("$gt", finish), "gte": ("$gte", start), "lt": ("$lt", start),
             "lte": ("$lte", finish)}[name]
    return {path: {bound[0]: bound[1]}}


def _regex(pattern, options):
    return {"$regex": pattern, "$options": options} if options else {"$regex": pattern}


def lookup_expression(lookup, translator, lenient=False):
    """Return the lookup as a boolean aggregation expression (lenient: as lookup_match)."""
    if tuples.is_tuple_lookup(lookup):
        condition = tuples.tuple_condition(lookup, translator)
        return condition if isinstance(condition, dict) else translator.expression(condition)
    _refuse_composite_value(lookup)
    name = lookup_name(lookup)
    if name not in SUPPORTED:
        return translator.plugin_node(lookup, "expression")
    if name == "range" and _has_null_bound(lookup):
        return translator.expression(_null_bound_range(lookup, lenient))
    if is_condition_test(lookup):
        return conditions.condition_expression(lookup.lhs, lookup.rhs, translator, lenient)
    # Datetimes compared to the microsecond when a side reads them (sub_milliseconds.py).
    precise = _compares_precisely(lookup)
    lhs = (translator.precise if precise else translator.expression)(lookup.lhs)
    if getattr(lookup, "bilateral_transforms", None):
        rhs = _bilateral_rhs(lookup, translator)
    elif is_direct(lookup):
        value = _db_values(lookup, translator)
        if precise:
            value = _as_microseconds(value)
        if name in JSON_NULL_AWARE and internal_type(lookup.lhs) == "JSONField":
            constant = value if name == "isnull" else (
                [literal(v) for v in value] if name == "in" else literal(value))
            return _json_expression(name, lookup, lhs, constant, translator)
        return _direct_expression(name, lhs, value, lookup, translator)
    else:
        rhs = _expression_rhs(lookup, translator, precise)
    if name in ("exact", "in") and internal_type(lookup.lhs) == "JSONField":
        return _json_expression(name, lookup, lhs, rhs, translator)
    if name == "in":
        return {"$and": [{"$in": [lhs, rhs]}, not_null(lhs)]}
    if name == "range":
        low, high = rhs
        return {"$and": [{"$gte": [lhs, low]}, {"$lte": [lhs, high]}, not_null(lhs),
                         not_null(low), not_null(high)]}
    if name in ("regex", "iregex"):
        text = translator.as_text(lhs, lookup.lhs)
        return {"$and": [not_null(rhs), _regex_match(text, rhs, "i" if name == "iregex" else "")]}
    if name == "exact":
        return {"$and": [{"$eq": [lhs, rhs]}, not_null(lhs)]}
    if name == "iexact":
        return {"$and": [{"$eq": [{"$toLower": lhs}, {"$toLower": rhs}]}, not_null(lhs),
                         not_null(rhs)]}
    if name in RANGE_OPERATORS:
        return {"$and": [{RANGE_OPERATORS[name]: [lhs, rhs]}, not_null(lhs), not_null(rhs)]}
    if name in PATTERN_LOOKUPS:
        # As with a value on the right: a column that is not text (a UUID, a number) is
        # matched in its text form, as SQL's LIKE reads it.
        text = translator.as_text(lhs, lookup.lhs)
        if hasattr(lookup.rhs, "resolve_expression"):
            rhs = translator.as_text(rhs, lookup.rhs)
        return _expression_pattern(name, text, rhs)
    raise NotSupportedError(f"The {name!r} lookup with an expression on its right is not supported.")


def _expression_rhs(lookup, translator, precise=False):
    """Translate a right side holding expressions: one expression, or a list mixing
    expressions and values (in, range); precise: datetimes as microseconds."""
    rhs = lookup.rhs
    translate = translator.precise if precise else translator.expression
    if lookup_name(lookup) == "in" and isinstance(rhs, Query):
        # A correlated subquery: all of its rows' values, not the first one.
        return translator.subquery_column(rhs, precise)
    if isinstance(rhs, expressions.ExpressionList):
        # range's two bounds given as expressions.
        return [translate(bound) for bound in rhs.get_source_expressions()]
    if lookup_name(lookup) == "in" and not isinstance(rhs, (list, tuple)):
        # One expression (notes__in=OuterRef("pk")): SQL's `IN (expression)` is a list of
        # that one value.
        return [translate(rhs)]
    if not isinstance(rhs, (list, tuple)):
        return translate(rhs)
    items = []
    for item in rhs:
        if hasattr(item, "resolve_expression"):
            items.append(translate(item))
        else:
            prepared = lookup.lhs.output_field.get_db_prep_value(
                item, translator.connection, prepared=True)
            items.append(_as_microseconds(prepared) if precise else literal(prepared))
    return items


def _compares_precisely(lookup):
    """Return whether a lookup compares datetimes where a side reads a stored datetime with
    its microseconds (sub_milliseconds.py)."""
    if lookup_name(lookup) not in _PRECISE_LOOKUPS or internal_type(lookup.lhs) != "DateTimeField":
        return False
    rhs = lookup.rhs
    if isinstance(rhs, expressions.ExpressionList):
        rhs = rhs.get_source_expressions()
    sides = [lookup.lhs, *(rhs if isinstance(rhs, (list, tuple)) else [rhs])]
    return any(sub_milliseconds.carries_microseconds(side) for side in sides)


def _as_microseconds(value):
    """Return datetime values (one, a list, or None) as microseconds since the epoch."""
    if isinstance(value, (list, tuple)):
        return [_as_microseconds(item) for item in value]
    if isinstance(value, datetime.datetime):
        return sub_milliseconds.as_microseconds(value)
    return value


def _bilateral_rhs(lookup, translator):
    """Return the right side with the left side's bilateral transforms applied to it, as
    Django's Lookup.process_rhs does (name__upper="x" compares UPPER(name) with UPPER("x"))."""
    if isinstance(lookup.rhs, Query):
        raise NotSupportedError(
            f"A bilateral transform with a subquery on the right ({lookup_name(lookup)}) is not "
            "supported; evaluate the subquery first (list(queryset))."
        )

    def transformed(value):
        if not hasattr(value, "resolve_expression"):
            value = Value(value, output_field=lookup.lhs.output_field)
        return translator.expression(lookup.apply_bilateral_transforms(value))

    if lookup_name(lookup) in ("in", "range"):
        return [transformed(value) for value in lookup.rhs]
    return transformed(lookup.rhs)


JSON_NULL_AWARE = ("exact", "in", "isnull")


def _json_expression(name, lookup, lhs, rhs, translator):
    """exact, in and isnull on a JSON value, where null is JSON null (a value like any other)
    and SQL NULL a missing value or key (compiler/json_null.py). Where the right side may be
    null, the value must also be present: aggregation reads a missing key as null."""
    if isinstance(lookup.lhs, Col):
        json_null.warn_if_none_means_json_null(lookup, translator)
    if lhs is None and not json_null.is_json_null(lookup.lhs):
        # A constant None on the left (Q.check() gives a model's None as Value(None)) is SQL
        # NULL, as SQL compiles it (only JSON null itself is not): null for isnull, unknown
        # (false) for comparisons.
        return bool(rhs) if name == "isnull" else False
    present = json_paths.present(lookup.lhs, lhs, translator)
    if name == "isnull":
        return {"$not": [present]} if rhs else present
    test = {"$in" if name == "in" else "$eq": [lhs, rhs]}
    may_be_null = is_computed(rhs) or rhs is None or (isinstance(rhs, list) and (
        any(value is None or is_computed(value) for value in rhs)))
    return {"$and": [test, present]} if may_be_null else test


def _direct_expression(name, lhs, value, lookup, translator):
    if name == "exact":
        return is_null(lhs) if value is None else {"$eq": [lhs, literal(value)]}
    if name in RANGE_OPERATORS:
        # In aggregation order null sorts below every value, so "< x" would match it.
        return {"$and": [{RANGE_OPERATORS[name]: [lhs, literal(value)]}, not_null(lhs)]}
    if name == "in":
        return {"$in": [lhs, [literal(v) for v in value]]}
    if name == "range":
        return {"$and": [{"$gte": [lhs, literal(value[0])]}, {"$lte": [lhs, literal(value[1])]},
                         not_null(lhs)]}
    if name == "isnull":
        return is_null(lhs) if value else not_null(lhs)
    text = translator.as_text(lhs, lookup.lhs)
    if name in ("regex", "iregex"):
        return _regex_match(text, value, "i" if name == "iregex" else "")
    kind, options = PATTERN_LOOKUPS[name]
    return _regex_match(text, regex.pattern(kind, str(value)), options)


def _regex_match(text, pattern, options):
    match = {"input": text, "regex": pattern}
    if options:
        match["options"] = options
    # $regexMatch is false for a null input, which is SQL's answer for LIKE on NULL.
    return {"$regexMatch": match}


def _expression_pattern(name, lhs, rhs):
    kind, options = PATTERN_LOOKUPS[name]
    if options:
        lhs, rhs = {"$toLower": lhs}, {"$toLower": rhs}
    position = {"$indexOfCP": [lhs, rhs]}
    if kind == "contains":
        test = {"$gte": [position, 0]}
    elif kind == "startswith":
        test = {"$eq": [position, 0]}
    elif kind == "endswith":
        test = {"$eq": [
            {"$substrCP": [lhs, {"$max": [0, {"$subtract": [{"$strLenCP": lhs}, {"$strLenCP": rhs}]}]},
                           {"$strLenCP": rhs}]},
            rhs,
        ]}
    else:
        test = {"$eq": [lhs, rhs]}
    return {"$and": [not_null(lhs), not_null(rhs), test]}
