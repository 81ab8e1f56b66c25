"""GROUP BY and aggregates as one `$group` stage.

Group keys go under `_id` (`_id.g0`, `_id.g1`...); each aggregate becomes one or two accumulators
(`a0`, `a0_n`...). Afterwards the Translator is told which MQL now holds each grouped expression,
so the select list, HAVING and ORDER BY read the grouped values instead of recomputing them.
"""

from django.db import NotSupportedError
from django.db.models import aggregates
from django.db.models.expressions import Col, ColPairs, Func, OrderBy, Ref, Subquery, Window
from django.db.models.lookups import IsNull
from django.db.models import Aggregate, Avg, Count, Max, Min, StdDev, Sum, Variance

from djongo_core import sub_milliseconds
from djongo_core.sub_milliseconds import keeps_microseconds, reads_microseconds, split
from djongo_core.compiler import vendor
from djongo_core.compiler.lookups import not_null
from djongo_core.django_compat import django_class

# Aggregates newer than Django 5.2 (AnyValue and StringAgg came in 6.0, the bit aggregates in
# 6.1): where Django lacks one, no query can hold it, and isinstance() never matches it.
AnyValue = django_class(aggregates, "AnyValue")
StringAgg = django_class(aggregates, "StringAgg")
BitAggregate = django_class(aggregates, "BitAggregate")
# From 6.0 on, an aggregate's filter= is an AggregateFilter holding the condition; before, the
# condition itself.
AggregateFilter = django_class(aggregates, "AggregateFilter")

# Bit aggregates: the MQL operator and the value that leaves the first operand unchanged.
_BIT_OPERATORS = {
    getattr(aggregates, name): operator
    for name, operator in (("BitAnd", ("$bitAnd", -1)), ("BitOr", ("$bitOr", 0)),
                           ("BitXor", ("$bitXor", 0)))
    if hasattr(aggregates, name)
}
# The SQL aggregate functions a raw Func(function=...) may name (is_sql_aggregate()), by the
# Django aggregate that computes the same.
_SQL_AGGREGATES = {"COUNT": Count, "SUM": Sum, "MIN": Min, "MAX": Max, "AVG": Avg}
# What each accumulator gives over no documents.
_EMPTY_ACCUMULATOR = {"$sum": 0, "$push": [], "$addToSet": []}


def literal_document(document):
    """Return a document of constants as an aggregation expression."""
    return {key: {"$literal": value} for key, value in document.items()}


def _non_null(value):
    """The value, or nothing at all (for $push/$addToSet) where it is null."""
    return {"$cond": [not_null(value), value, "$$REMOVE"]}


class GroupStage:
    """Build the `$group` stage for a query's keys and aggregates."""

    def __init__(self, translator):
        self.translator = translator
        self.keys = {}  # key name -> MQL
        self.accumulators = {}
        self.replacements = {}  # expression -> MQL after the stage
        # datetime column -> its microseconds since the epoch after the stage (Translator.precise)
        self.precise_replacements = {}

    def add_key(self, expression):
        if isinstance(expression, Ref) and isinstance(expression.source, ColPairs):
            expression = expression.source
        if isinstance(expression, ColPairs):
            # GROUP BY a composite key groups by each of its columns.
            for column in expression.get_cols():
                self.add_key(column)
            return
        if expression in self.replacements:
            return
        value = self.translator.expression(expression)
        # The same column reached twice (a group_by column and an ordering term that Django
        # built as distinct but equal expressions) is one key.
        name = next((name for name, known in self.keys.items() if known == value), None)
        if name is None:
            name = f"g{sum(not known.endswith('_us') for known in self.keys)}"
        self.keys[name] = value
        self.replacements[expression] = f"$_id.{name}"
        column = expression.source if isinstance(expression, Ref) else expression
        if (isinstance(column, Col) and keeps_microseconds(column.target)
                and column.alias in self.translator.prefixes):
            # Two datetimes of one millisecond are two groups, as in SQL: the key holding the
            # microseconds is grouped by too, and exact reads take both (sub_milliseconds.py).
            self.keys[name + "_us"] = "$" + self.translator.hidden_path(column)
            self.precise_replacements[column] = sub_milliseconds.precise(
                f"$_id.{name}", f"$_id.{name}_us")

    def add_aggregates(self, expression):
        for aggregate in _group_aggregates(expression):
            if aggregate not in self.replacements:
                name = f"a{len(self.accumulators)}"
                self.replacements[aggregate] = self._accumulate(name, aggregate)

    def stages(self, outputs):
        """Return the $group stage, and for outputs Django cannot compute over no rows, the
        stages that make empty input still yield a row."""
        group = {"$group": {"_id": self.keys or None, **self.accumulators}}
        if self.keys or all(
            getattr(output, "empty_result_set_value", NotImplemented) is not NotImplemented
            for output in outputs
        ):
            # Django fills in the row itself (COUNT 0, SUM NULL...) when none comes back.
            return [group]
        # SQL aggregates an empty table into one row (COUNT 0, SUM NULL...); $group into none.
        empty = {"_id": None, **{
            name: _EMPTY_ACCUMULATOR.get(next(iter(accumulator)))
            for name, accumulator in self.accumulators.items()
        }}
        return [
            {"$facet": {"groups": [group]}},
            {"$replaceWith": {"$ifNull": [{"$arrayElemAt": ["$groups", 0]}, literal_document(empty)]}},
        ]

    def _argument(self, aggregate, precise=False):
        """Return the aggregated value, null where the aggregate's filter= excludes the row
        (precise: a datetime as microseconds since the epoch, sub_milliseconds.py)."""
        source = aggregate.get_source_expressions()[0]
        value = (self.translator.precise if precise else self.translator.expression)(source)
        if aggregate.filter is not None:
            condition = aggregate.filter
            if isinstance(condition, AggregateFilter):
                condition = condition.condition
            condition = self.translator.condition(condition)
            if condition is not True:
                value = {"$cond": [condition, value, None]}
        return value

    def _accumulate(self, name, aggregate):
        if vendor.defines_translation(aggregate):
            # The aggregate's own as_mongodb() gives its accumulator; the row reads its value.
            self.accumulators[name] = vendor.own_translation(aggregate, self.translator,
                                                              "accumulator")
            return f"${name}"
        if is_sql_aggregate(aggregate):
            return self._accumulate_raw(name, aggregate)
        value = self._argument(aggregate)
        if getattr(aggregate, "order_by", None):
            return self._accumulate_ordered(name, aggregate, value)
        if aggregate.distinct:
            if isinstance(aggregate, Count) and reads_microseconds(
                    aggregate.get_source_expressions()[0]):
                # Two datetimes of one millisecond are two distinct values.
                value = self._argument(aggregate, precise=True)
            return self._accumulate_distinct(name, aggregate, value)
        if isinstance(aggregate, Count):
            counted = 1 if value is True else {"$cond": [not_null(value), 1, 0]}
            self.accumulators[name] = {"$sum": counted}
            return f"${name}"
        if isinstance(aggregate, AnyValue):
            self.accumulators[name] = {"$first": value}
            return f"${name}"
        if isinstance(aggregate, StringAgg):
            return self._string_agg(name, aggregate, value, {"$push": _non_null(value)})
        if isinstance(aggregate, BitAggregate):
            return self._bits(name, aggregate, value)
        if isinstance(aggregate, Sum):
            # SQL's SUM over no non-null values is NULL; $sum would say 0.
            self.accumulators[name] = {"$sum": value}
            self.accumulators[name + "_n"] = {"$sum": {"$cond": [not_null(value), 1, 0]}}
            return {"$cond": [{"$gt": [f"${name}_n", 0]}, f"${name}", None]}
        simple = {Avg: "$avg", Min: "$min", Max: "$max"}
        for klass, operator in simple.items():
            if isinstance(aggregate, klass):
                if reads_microseconds(aggregate):
                    # A datetime column's extreme to the microsecond, accumulated as
                    # microseconds since the epoch: what reads it exactly takes that, anything
                    # else (TruncYear(Max(...))) its date (sub_milliseconds.py).
                    self.accumulators[name] = {operator: self._argument(aggregate,
                                                                        precise=True)}
                    self.translator.precise_values[aggregate] = f"${name}"
                    return split(f"${name}")[0]
                self.accumulators[name] = {operator: value}
                return f"${name}"
        if isinstance(aggregate, (StdDev, Variance)):
            operator = "$stdDevSamp" if aggregate.function.endswith("SAMP") else "$stdDevPop"
            self.accumulators[name] = {operator: value}
            if isinstance(aggregate, Variance):
                return {"$pow": [f"${name}", 2]}
            return f"${name}"
        # A plugin's aggregate gives its $group accumulator; the row reads the grouped value.
        self.accumulators[name] = self.translator.plugin_node(aggregate, "accumulator")
        return f"${name}"

    def _accumulate_raw(self, name, func):
        """Accumulate a raw Func(function="COUNT", ...) as the Django aggregate of its name
        over the same arguments (a single one, as SQL's aggregates take)."""
        sources = func.get_source_expressions()
        function = func.extra.get("function", func.function).upper()
        if len(sources) != 1:
            raise NotSupportedError(
                f"{function}() takes one argument; {func!r} has {len(sources)}.")
        aggregate = _SQL_AGGREGATES[function](sources[0])
        return self._accumulate(name, aggregate)

    def _accumulate_distinct(self, name, aggregate, value):
        # $addToSet skips a missing value ($$REMOVE), so null is never a distinct value.
        self.accumulators[name] = {"$addToSet": _non_null(value)}
        values = f"${name}"
        if isinstance(aggregate, Count):
            return {"$size": values}
        if isinstance(aggregate, Sum):
            return {"$cond": [{"$gt": [{"$size": values}, 0]}, {"$sum": values}, None]}
        if isinstance(aggregate, Avg):
            return {"$avg": values}
        if isinstance(aggregate, StringAgg):
            return self._string_agg(name, aggregate, value, self.accumulators[name])
        raise NotSupportedError(f"{aggregate.name}(distinct=True) is not supported.")

    def _accumulate_ordered(self, name, aggregate, value):
        """StringAgg(order_by=...): each value is pushed with its sort keys (k0, k1...), and
        the array is sorted with $sortArray before it is joined."""
        if not isinstance(aggregate, StringAgg):
            raise NotSupportedError(
                f"{aggregate.name}(order_by=...) is not supported: only StringAgg can order "
                "the values it collects on this backend. Leave out order_by."
            )
        order = _ordering(aggregate.order_by)
        if aggregate.distinct:
            # As PostgreSQL: a distinct aggregate can only be ordered by what it aggregates.
            source = aggregate.get_source_expressions()[0]
            if any(expression != source for expression, _ in order):
                raise NotSupportedError(
                    f"{aggregate.name}(distinct=True, order_by=...) can only be ordered by "
                    "the expression it aggregates."
                )
            self.accumulators[name] = {"$addToSet": _non_null(value)}
            values = {"$sortArray": {"input": f"${name}", "sortBy": -1 if order[0][1] else 1}}
            return self._joined(aggregate, values)
        row = {"v": value}
        sort_by = {}
        for index, (expression, descending) in enumerate(order):
            row[f"k{index}"] = self.translator.expression(expression)
            sort_by[f"k{index}"] = -1 if descending else 1
        self.accumulators[name] = {"$push": {"$cond": [not_null(value), row, "$$REMOVE"]}}
        values = {"$map": {"input": {"$sortArray": {"input": f"${name}", "sortBy": sort_by}},
                           "in": "$$this.v"}}
        return self._joined(aggregate, values)

    def _bits(self, name, aggregate, value):
        # MongoDB has the bitwise operators as expressions, not accumulators: collect the
        # values, then fold them; no values gives NULL as in SQL.
        operator, start = _BIT_OPERATORS[type(aggregate)]
        self.accumulators[name] = {"$push": _non_null(value)}
        values = f"${name}"
        folded = {"$reduce": {"input": values, "initialValue": start,
                              "in": {operator: ["$$value", "$$this"]}}}
        return {"$cond": [{"$gt": [{"$size": values}, 0]}, folded, None]}

    def _string_agg(self, name, aggregate, value, accumulator):
        self.accumulators[name] = accumulator
        return self._joined(aggregate, f"${name}")

    def _joined(self, aggregate, values):
        """Return StringAgg's result: the collected values joined by its delimiter."""
        delimiter = self.translator.expression(aggregate.get_source_expressions()[1])
        return {"$reduce": {
            "input": values, "initialValue": None,
            "in": {"$cond": [{"$eq": ["$$value", None]}, "$$this",
                             {"$concat": ["$$value", delimiter, "$$this"]}]},
        }}


def is_sql_aggregate(expression):
    """Return whether expression is a raw aggregate: Func(function="COUNT") (or SUM, MIN, MAX,
    AVG), as Django's own tests and some apps write an aggregate Django has no class for.

    SQL aggregates COUNT(x) whatever Django knows of it: the project may mark it with
    contains_aggregate = True, or not (django-treebeard's `Func(F("pk"), function="Count")` in a
    subquery, which counts its rows without a GROUP BY). An unmarked one takes one argument, as
    SQL's aggregates do (SQLite's MAX(a, b) of several is a scalar function)."""
    function = getattr(expression, "extra", {}).get("function", getattr(expression, "function",
                                                                        None))
    if not (
        isinstance(expression, Func) and not isinstance(expression, Aggregate)
        and isinstance(function, str) and function.upper() in _SQL_AGGREGATES
        and type(expression).as_sql is Func.as_sql and expression.template == Func.template
    ):
        return False
    sources = expression.get_source_expressions()
    if any(source.contains_aggregate for source in sources):
        return False
    return expression.contains_aggregate or len(sources) == 1


def contains_sql_aggregate(expression):
    """Return whether an expression holds a raw aggregate (is_sql_aggregate()) Django does not
    know of, which makes the query it is selected in aggregate its rows, as in SQL. A subquery
    is a query of its own."""
    if is_sql_aggregate(expression):
        return True
    if isinstance(expression, Subquery):
        return False
    return any(part is not None and contains_sql_aggregate(part)
               for part in expression.get_source_expressions())


def _group_aggregates(expression):
    """Yield the aggregates the $group computes: the outermost ones, except a window's own
    function (Window(Max("salary"))), which runs over the grouped rows afterwards; aggregates in
    its arguments, partition or ordering are the group's."""
    if isinstance(expression, Aggregate) or is_sql_aggregate(expression):
        yield expression
        return
    parts = expression.get_source_expressions()
    if isinstance(expression, Window) and isinstance(expression.source_expression, Aggregate):
        parts = [*expression.source_expression.get_source_expressions(),
                 expression.partition_by, expression.order_by]
    for part in parts:
        if part is not None:
            yield from _group_aggregates(part)


def _ordering(order_by):
    """Return an aggregate's order_by as [(expression, descending)], an explicit null
    placement as an "is null" key first (MongoDB sorts null lowest)."""
    order = []
    for term in order_by.get_source_expressions():
        if not isinstance(term, OrderBy):
            order.append((term, False))
            continue
        if term.nulls_first or term.nulls_last:
            order.append((IsNull(term.expression, True), bool(term.nulls_first)))
        order.append((term.expression, term.descending))
    return order
