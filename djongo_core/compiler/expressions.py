"""Django expressions as MongoDB aggregation expressions.

A Translator belongs to one compiled query. It knows where each table alias lives in the
documents flowing through the pipeline (the base collection at the top level, each joined alias
under its own key) and, after a `$group`, which grouped values and accumulators stand for which
expressions.
"""

import datetime

from django.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from django.db import NotSupportedError
from django.db.models import Lookup, Q, Subquery
from django.db.models.expressions import (
    Col, CombinedExpression, ExpressionWrapper, Ref, Value,
)
from django.db.models.sql.query import Query
from django.db.models.sql.constants import MULTI
from django.db.models.sql.where import WhereNode

from djongo_core.compiler import (
    conditions, generated, json_containment, lookups, nested, times_of_day, vendor, where,
)
from djongo_core import sub_milliseconds, uuids
from djongo_core.django_compat import with_resolved_subquery
from djongo_core.documents import stored_name
from djongo_core.sub_milliseconds import (
    carries_microseconds, hidden_key, keeps_microseconds, reads_microseconds,
)
from djongo_core.compiler.functions import FunctionTranslations
from djongo_core.compiler.json import KeyTranslations
from djongo_core.compiler.lookups import literal
from djongo_core.compiler.tree import internal_type

ARITHMETIC = {"+": "$add", "-": "$subtract", "*": "$multiply", "/": "$divide", "%%": "$mod",
              "%": "$mod", "^": "$pow", "&": "$bitAnd", "|": "$bitOr", "#": "$bitXor"}
TEMPORAL_FIELDS = {"DateField", "DateTimeField"}
INTEGER_FIELDS = {"IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                  "PositiveBigIntegerField", "PositiveSmallIntegerField", "AutoField",
                  "BigAutoField", "SmallAutoField"}


_HANDLERS = {}  # node type -> Translator method, filled on first use of each type


def _handler(node_type):
    """Return the Translator method for a node type: its own, or its nearest base class's."""
    try:
        return _HANDLERS[node_type]
    except KeyError:
        pass
    method = next(
        (getattr(Translator, "_" + klass.__name__) for klass in node_type.__mro__
         if hasattr(Translator, "_" + klass.__name__)),
        None,
    )
    _HANDLERS[node_type] = method
    return method


def translated_by_core(node):
    """Return whether the core translates this kind of node (else a plugin must)."""
    return _handler(type(node)) is not None


class Translator(FunctionTranslations, nested.NestedTranslations,
                 json_containment.ContainmentTranslations, KeyTranslations):
    """Translate expressions of one query, given where each alias's fields are found."""

    def __init__(self, compiler, prefixes, outer=None):
        self.compiler = compiler
        self.connection = compiler.connection
        self.query = compiler.query
        self.prefixes = prefixes  # alias -> "" (top level) or "alias." (a joined document)
        self.replacements = {}  # expression -> MQL that already holds its value (after $group)
        # Min()/Max() of a datetime -> their value as microseconds (sub_milliseconds.py).
        self.precise_values = {}
        self.refs = {}  # annotation name -> MQL, where a Ref must read an inner query's column
        # A correlated subquery reads the outer query's columns through $lookup variables.
        self.outer = outer
        self.let = {}  # variable name -> outer column path
        # The variables this query's own correlated subqueries read it through (variable_for).
        self._variables = []
        # Stages a translated node needs before the stage that uses it (subquery $lookups).
        self.pre_stages = []

    def is_local(self, col):
        """Return whether a column belongs to this query (not to an outer query)."""
        return col.alias in self.prefixes

    def is_path(self, expression):
        """Return whether an expression is a stored column of this query, which a query
        document reads by its path (a virtual generated column is computed instead)."""
        return generated.is_stored_column(expression) and self.is_local(expression)

    def take_pre_stages(self):
        stages, self.pre_stages = self.pre_stages, []
        return stages

    # -- paths ------------------------------------------------------------------------------

    def field_path(self, col):
        """Return the dotted path of a column in the current documents."""
        try:
            prefix = self.prefixes[col.alias]
        except KeyError:
            raise NotSupportedError(
                f"Column {col.alias}.{col.target.column} refers to a table this query does not "
                "join (an outer query's table in a correlated subquery is not supported yet)."
            ) from None
        return prefix + stored_name(col.target)

    def hidden_path(self, col):
        """Return the path of the key holding a datetime column's microseconds below the
        millisecond (sub_milliseconds.py)."""
        self.field_path(col)  # refuses a table the query does not join
        return self.prefixes[col.alias] + hidden_key(col.target.column)

    def precise(self, node):
        """Return a datetime expression as microseconds since the epoch: a column whose
        microseconds are kept reads its hidden key (an outer query's column too), so do Min()
        and Max() of one and a subquery selecting one; a value is exact; anything else the
        server computes has whole milliseconds (sub_milliseconds.py)."""
        source = node.source if isinstance(node, Ref) else node
        if self.precise_values and source in self.precise_values:
            return self.precise_values[source]  # Min()/Max() of a datetime, a grouped one
        if self.replacements and node in self.replacements:
            # A grouped value other than a datetime column: a group key holds the date.
            return _milliseconds_as_microseconds(self.replacements[node])
        if isinstance(node, Ref) and node.refs in self.refs:
            # An inner query's column (compiler/aggregate.py), which it reads exactly.
            value = self.expression(node)
            return (value if carries_microseconds(node.source)
                    else _milliseconds_as_microseconds(value))
        if isinstance(node, Col) and keeps_microseconds(node.target):
            if node.alias in self.prefixes:
                return sub_milliseconds.precise("$" + self.field_path(node),
                                                "$" + self.hidden_path(node))
            if self.outer is not None:
                outer_value = self.outer.precise(node)
                name = self.outer.variable_for(outer_value)
                self.let[name] = outer_value
                return "$$" + name
        if isinstance(node, (Subquery, Query)) and reads_microseconds(node):
            return self._Subquery(node, precise=True)
        if isinstance(node, ExpressionWrapper):
            return self.precise(node.expression)
        if isinstance(node, sub_milliseconds.CHOOSING_FUNCTIONS) and carries_microseconds(node):
            operator = sub_milliseconds.choosing_operator(node)
            return {operator: [self.precise(source) for source in node.get_source_expressions()]}
        if isinstance(node, CombinedExpression) and carries_microseconds(node):
            # A datetime plus or minus a duration, which is stored as microseconds.
            datetime_side, duration_side = (
                (node.lhs, node.rhs) if internal_type(node.lhs) == "DateTimeField"
                else (node.rhs, node.lhs))
            operator = "$add" if node.connector == "+" else "$subtract"
            return {operator: [self.precise(datetime_side), self.expression(duration_side)]}
        if isinstance(node, Value) and isinstance(node.value, datetime.datetime):
            value = node.output_field.get_db_prep_value(node.value, connection=self.connection)
            return sub_milliseconds.as_microseconds(value)
        return _milliseconds_as_microseconds(self.expression(node))

    # -- query documents ----------------------------------------------------------------------

    def match(self, node):
        """Return a where-tree as a query document; EmptyResultSet/FullResultSet as Django."""
        return where.compile_match(node, self)

    def literal(self, value):
        """Return a Python value as an aggregation expression that stands for itself."""
        return literal(value)

    def plugin_node(self, node, form):
        """Ask the plugins for a node the core does not translate, in the form wanted:
        "match" (a query document), "expression" or "accumulator" (for $group)."""
        result = self.connection.plugin_host.hook.djongo_translate_node(
            compiler=self.compiler, node=node, translator=self, form=form
        )
        if result is None and uuids.is_made_here(node):
            raise uuids.refusal(node)
        if result is None:
            # Django's own wording first, so code that expects it recognizes the refusal.
            raise NotSupportedError(
                f"{type(node).__name__} is not supported on this database backend. djongo-core "
                f"and the enabled plugins have no MongoDB translation for {node!r}. "
                + vendor.refusal_hint(node)
            )
        return result

    def subquery_values(self, query):
        """Run an uncorrelated subquery and return its single column's stored values."""
        compiler = query.get_compiler(connection=self.connection)
        rows = compiler.execute_sql(MULTI)
        values = [row[0] for chunk in rows for row in chunk]
        if reads_microseconds(query):
            # Datetimes read with their microseconds (as a number when a pipeline read them).
            return [sub_milliseconds.as_datetime(value) for value in values]
        return values

    # -- expressions ------------------------------------------------------------------------

    def expression(self, node):
        """Return an aggregation expression for a Django expression node."""
        if self.replacements and node in self.replacements:
            return self.replacements[node]
        if vendor.defines_translation(node):
            # Django's as_<vendor> convention: the node's own translation comes first.
            return vendor.own_translation(node, self, "expression")
        if isinstance(node, Lookup):
            node = with_resolved_subquery(node)
        method = _handler(type(node))
        if method is None:
            return self.plugin_node(node, "expression")
        return method(self, node)

    def as_text(self, mql, node):
        """Return mql as a string expression (SQL compares non-text columns as text in LIKE)."""
        return mql if lookups.is_text(node) else {"$toString": mql}

    def _Col(self, node):
        if generated.is_virtual(node.target) and node.alias in self.prefixes:
            return generated.generated_value(node.target, self, node.alias)
        if node.alias in self.prefixes or self.outer is None:
            return "$" + self.field_path(node)
        outer_path = self.outer.expression(node)
        name = self.outer.variable_for(outer_path)
        self.let[name] = outer_path
        return "$$" + name

    def variable_for(self, path):
        """Return the name of the $lookup variable that hands ``path`` (this query's column)
        to a correlated subquery. The parts of a union share one $lookup, so one column has
        one name in all of them, and two columns never share one."""
        for name, known in self._variables:
            if known == path:
                return name
        name = f"outer{len(self._variables)}"
        self._variables.append((name, path))
        return name

    def _KeyTransform(self, node):
        # A JSON key of a document, or an index of an array; null where there is neither
        # (lookups tell a JSON null from a missing key with json_paths.present()).
        # literal(): a key such as "$gt" is a name to read, never a field path or operator.
        value = self.expression(node.lhs)
        key = str(node.key_name)
        field = {"$cond": [{"$eq": [{"$type": value}, "object"]},
                           {"$getField": {"field": literal(key), "input": value}}, None]}
        if not key.lstrip("-").isdigit():
            return field
        return {"$cond": [{"$isArray": value}, {"$arrayElemAt": [value, int(key)]}, field]}

    def _ColPairs(self, node):
        if len(node) != 1:
            # Selected, ordered and grouped by, a composite key is its columns one by one
            # (compiler/select.py); as one value it has no MQL form.
            raise NotSupportedError(
                f"The composite key ({', '.join(c.target.name for c in node.get_cols())}) of "
                f"{node.output_field.model.__name__} cannot be used as a single value here; "
                "use its fields (or a lookup on it: pk=(...), pk__in=[...])."
            )
        return self._Col(node.get_cols()[0])

    def _RawSQL(self, node):
        # Django itself uses extra(select={...: "table.column"}) in many-to-many prefetching;
        # that one form, a qualified column of a joined table, is read as a field path.
        table, _, column = node.sql.partition(".")
        if not node.params and table in self.prefixes and column.isidentifier():
            return "$" + self.prefixes[table] + column
        raise NotSupportedError(
            f"RawSQL({node.sql!r}) holds SQL, which MongoDB cannot run. Use ORM expressions."
        )

    def _ResolvedOuterRef(self, node):
        # Django's own error and wording (ResolvedOuterRef.as_sql): a queryset holding an
        # OuterRef was run on its own instead of inside the query it refers to.
        raise ValueError(
            "This queryset contains a reference to an outer query and may only be used in a "
            "subquery."
        )

    def _Subquery(self, node, precise=False):
        query = getattr(node, "query", node)
        field, columns = self.join_subquery(query, precise)
        kind, ref = columns[0]
        if kind == "value":
            return {"$cond": [{"$gt": [{"$size": "$" + field}, 0]}, literal(ref), None]}
        # A scalar subquery: the first row's only column, or NULL when there is no row.
        return {"$arrayElemAt": [f"${field}.{ref}", 0]}

    def _Query(self, node):
        # A query on the right of a lookup (filter(pk=queryset[:1])): a scalar subquery.
        return self._Subquery(node)

    def subquery_column(self, query, precise=False):
        """Return an array expression of a (correlated) subquery's first column (precise: its
        datetimes as microseconds, sub_milliseconds.py)."""
        field, columns = self.join_subquery(query, precise)
        kind, ref = columns[0]
        if kind == "value":
            return {"$map": {"input": "$" + field, "in": literal(ref)}}
        return f"${field}.{ref}"

    def _Exists(self, node):
        try:
            field, _ = self.join_subquery(node.query)
        except EmptyResultSet:
            # A subquery known to find nothing (.none()): false without asking, so that
            # ~Exists() of it is true (Django's empty_result_set_value).
            return False
        return {"$gt": [{"$size": "$" + field}, 0]}

    def join_subquery(self, query, precise=False):
        """Add a $lookup running query for each row; return the field holding its rows.
        precise: its datetime columns as microseconds (sub_milliseconds.py)."""
        inner = query.get_compiler(connection=self.connection)
        inner.precise_columns = precise
        plan = inner.build_plan(outer=self)
        field = f"__subquery{self.compiler.next_subquery_number()}"
        lookup = {"from": plan.command.collection, "pipeline": plan.pipeline(), "as": field}
        if plan.let:
            lookup["let"] = plan.let
        self.pre_stages.append({"$lookup": lookup})
        return field, plan.columns

    def _Value(self, node):
        value = node.value
        field = node._output_field_or_none
        if field is not None and value is not None:
            value = field.get_db_prep_value(value, connection=self.connection)
        return literal(value)

    def _Ref(self, node):
        if node.refs in self.refs:
            return self.refs[node.refs]
        return self.expression(node.source)

    def _Star(self, node):
        return True

    def _ExpressionWrapper(self, node):
        if isinstance(node.expression, WhereNode):
            # annotate(flag=ExpressionWrapper(Q(...))): the condition as SQL's value.
            return self.value_of_condition(node.expression)
        return self.expression(node.expression)

    def value_of_condition(self, node):
        """Return a condition as a value with SQL's unknown: true, false or null."""
        try:
            return where.three_valued(node, self)
        except EmptyResultSet:
            return False
        except FullResultSet:
            return True

    def _NegatedExpression(self, node):
        return conditions.negated_value(node.expression, self)

    def _CombinedExpression(self, node):
        lhs, rhs = self.expression(node.lhs), self.expression(node.rhs)
        if node.connector in ("<<", ">>"):
            # Shifts as arithmetic: MongoDB has no shift operator.
            factor = {"$pow": [2, rhs]}
            if node.connector == "<<":
                return {"$multiply": [lhs, factor]}
            return {"$floor": [{"$divide": [lhs, factor]}]}
        operator = ARITHMETIC.get(node.connector)
        if operator is None:
            raise NotSupportedError(f"The {node.connector!r} operator is not supported.")
        result = {operator: [lhs, rhs]}
        if node.connector == "/" and self._integer(node):
            # Integer division truncates, as in SQL.
            result = {"$trunc": [result]}
        return result

    def _DurationExpression(self, node):
        # A date plus or minus a duration: durations are stored as integer microseconds and
        # MongoDB adds milliseconds to dates. Durations among themselves are plain numbers;
        # a time of day is text (times_of_day.py).
        types = (internal_type(node.lhs), internal_type(node.rhs))
        if types[0] == "TimeField" and node.connector in ("+", "-"):
            return times_of_day.shifted(self.expression(node.lhs), self.expression(node.rhs),
                                        node.connector)
        if types[1] == "TimeField" and node.connector == "+":
            return times_of_day.shifted(self.expression(node.rhs), self.expression(node.lhs), "+")
        if "TimeField" in types:
            raise NotSupportedError(
                f"The {node.connector!r} operator between a time of day and a duration is not "
                "supported: only time + duration, duration + time and time - duration are.")
        if not set(types) & TEMPORAL_FIELDS:
            return self._CombinedExpression(node)
        sides = []
        for side in (node.lhs, node.rhs):
            value = self.expression(side)
            if internal_type(side) == "DurationField":
                value = {"$divide": [value, 1000]}
            sides.append(value)
        if node.connector not in ("+", "-"):
            raise NotSupportedError(f"The {node.connector!r} operator on dates is not supported.")
        return {"$add" if node.connector == "+" else "$subtract": sides}

    def _TemporalSubtraction(self, node):
        if internal_type(node.lhs) == "TimeField":
            return times_of_day.difference(self.expression(node.lhs), self.expression(node.rhs))
        if carries_microseconds(node.lhs) or carries_microseconds(node.rhs):
            # To the microsecond (sub_milliseconds.py): a duration is stored in microseconds.
            return {"$subtract": [self.precise(node.lhs), self.precise(node.rhs)]}
        # Dates subtract to milliseconds; a duration is stored in microseconds.
        return {"$multiply": [{"$subtract": [self.expression(node.lhs),
                                             self.expression(node.rhs)]}, 1000]}

    def _ExpressionList(self, node):
        return [self.expression(source) for source in node.get_source_expressions()]

    def _integer(self, node):
        try:
            field = node._output_field_or_none
        except FieldError:
            # Mixed types (a duration times a decimal) inside an ExpressionWrapper that names
            # the result's type: Django leaves the inner type undecided, and so do SQL backends.
            return False
        return field is not None and field.get_internal_type() in INTEGER_FIELDS

    def _Case(self, node):
        branches = [
            {"case": self.condition(case.condition), "then": self.expression(case.result)}
            for case in node.cases
        ]
        default = self.expression(node.default)
        if not branches:
            return default
        return {"$switch": {"branches": branches, "default": default}}

    def _When(self, node):
        return self.condition(node.condition)

    def _Lookup(self, node):
        return nested.lookup_expression(node, self)

    def _WhereNode(self, node):
        # As a value, a condition that holds for every row is true, one for no row false.
        try:
            return where.compile_expression(node, self)
        except FullResultSet:
            return True
        except EmptyResultSet:
            return False

    def _Aggregate(self, node):
        raise NotSupportedError(
            f"{node.name} can only be computed by a query's group stage; this position is not "
            "supported yet."
        )

    def condition(self, node):
        """Return a boolean aggregation expression for a condition (Q, lookup, where-tree)."""
        if isinstance(node, Q):
            raise NotSupportedError("Unresolved Q objects cannot be translated.")
        try:
            if getattr(node, "conditional", False) and not isinstance(node, (WhereNode, Lookup)):
                # When(ExpressionWrapper(F("flag"), ...)) or When(~...): true, not unknown.
                return conditions.condition_expression(node, True, self)
            return self.expression(node)
        except EmptyResultSet:
            return False
        except FullResultSet:
            return True


def _milliseconds_as_microseconds(value):
    """Return a date expression (whole milliseconds) as microseconds since the epoch."""
    if isinstance(value, datetime.datetime):
        return sub_milliseconds.as_microseconds(value)
    if not lookups.is_computed(value):
        return value  # null
    return {"$multiply": [{"$toLong": value}, sub_milliseconds.PER_MILLISECOND]}
