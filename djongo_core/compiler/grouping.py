"""GROUP BY and aggregates as one `$group` stage.

Group keys go under `_id` (`_id.g0`, `_id.g1`...); each aggregate becomes one or two accumulators
(`a0`, `a0_n`...). Afterwards the Translator is told which MQL now holds each grouped expression,
so the select list, HAVING and ORDER BY read the grouped values instead of recomputing them.
"""

from django.db import NotSupportedError
from django.db.models import Aggregate, Avg, Count, Max, Min, StdDev, Sum, Variance

from djongo_core.compiler.lookups import not_null


def find_aggregates(expression):
    """Yield the aggregates inside an expression (not descending into aggregates)."""
    if isinstance(expression, Aggregate):
        yield expression
        return
    for source in expression.get_source_expressions():
        if source is not None:
            yield from find_aggregates(source)


class GroupStage:
    """Build the `$group` stage for a query's keys and aggregates."""

    def __init__(self, translator):
        self.translator = translator
        self.keys = {}  # key name -> MQL
        self.accumulators = {}
        self.replacements = {}  # expression -> MQL after the stage

    def add_key(self, expression):
        if expression in self.replacements:
            return
        name = f"g{len(self.keys)}"
        self.keys[name] = self.translator.expression(expression)
        self.replacements[expression] = f"$_id.{name}"

    def add_aggregates(self, expression):
        for aggregate in find_aggregates(expression):
            if aggregate not in self.replacements:
                name = f"a{len(self.accumulators)}"
                self.replacements[aggregate] = self._accumulate(name, aggregate)

    def stage(self):
        group = {"_id": self.keys or None}
        group.update(self.accumulators)
        return {"$group": group}

    def _argument(self, aggregate):
        """Return the aggregated value, null where the aggregate's filter= excludes the row."""
        source = aggregate.get_source_expressions()[0]
        value = self.translator.expression(source)
        if aggregate.filter is not None:
            value = {"$cond": [self.translator.condition(aggregate.filter), value, None]}
        return value

    def _accumulate(self, name, aggregate):
        if getattr(aggregate, "order_by", None):
            raise NotSupportedError(f"{aggregate.name}(order_by=...) is not supported yet.")
        value = self._argument(aggregate)
        if isinstance(aggregate, Count):
            if aggregate.distinct:
                # $addToSet skips a missing value, so nulls never count as a distinct value.
                self.accumulators[name] = {"$addToSet": {"$cond": [not_null(value), value,
                                                                   "$$REMOVE"]}}
                return {"$size": f"${name}"}
            counted = 1 if value is True else {"$cond": [not_null(value), 1, 0]}
            self.accumulators[name] = {"$sum": counted}
            return f"${name}"
        if aggregate.distinct:
            raise NotSupportedError(f"{aggregate.name}(distinct=True) is not supported yet.")
        if isinstance(aggregate, Sum):
            # SQL's SUM over no non-null values is NULL; $sum would say 0.
            self.accumulators[name] = {"$sum": value}
            self.accumulators[name + "_n"] = {"$sum": {"$cond": [not_null(value), 1, 0]}}
            return {"$cond": [{"$gt": [f"${name}_n", 0]}, f"${name}", None]}
        simple = {Avg: "$avg", Min: "$min", Max: "$max"}
        for klass, operator in simple.items():
            if isinstance(aggregate, klass):
                self.accumulators[name] = {operator: value}
                return f"${name}"
        if isinstance(aggregate, (StdDev, Variance)):
            operator = "$stdDevSamp" if aggregate.function.endswith("SAMP") else "$stdDevPop"
            self.accumulators[name] = {operator: value}
            if isinstance(aggregate, Variance):
                return {"$pow": [f"${name}", 2]}
            return f"${name}"
        return self.translator.plugin_node(aggregate)
