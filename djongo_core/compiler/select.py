"""SELECT: a Django Query as one `find` (when it can) or one `aggregate` pipeline.

Stage order of a pipeline:
    $match on the base collection       (index-friendly, before any join)
    [$sort/$skip/$limit]                (early, when later joins cannot add or drop rows)
    $lookup + $unwind per joined alias  (joined documents live under the alias's key)
    $match touching joined aliases
    $group + $match (HAVING)            (aggregates and GROUP BY)
    $project into c0..cN                (the select list, s0.. sort keys, d0.. DISTINCT ON keys)
    $group on the row                   (DISTINCT)
    or $sort + $group on d0.. ($first)  (DISTINCT ON: the first row of each group in order)
    $sort, $skip, $limit
"""

from functools import partial
from itertools import islice

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DatabaseError, NotSupportedError
from bson import json_util
from django.db.models.expressions import Col, ColPairs, F, Ref, Value, Window
from django.db.models.lookups import IsNull
from django.db.models.sql import compiler
from django.db.models.sql.constants import (
    CURSOR,
    GET_ITERATOR_CHUNK_SIZE,
    MULTI,
    NO_RESULTS,
    SINGLE,
)
from django.db.models.sql.datastructures import BaseTable
from django.db.models.sql.where import AND

from djongo_core import row_locks, time_limits
from djongo_core.command import Command
from djongo_core.compiler import combinators, joins, shapes, through_first, where
from djongo_core.compiler.collation import collation_options
from djongo_core.compiler.distinct import (
    distinct_on_expressions, distinct_on_stages, distinct_stages,
)
from djongo_core.compiler.generated import is_stored_column, is_virtual
from djongo_core.compiler.lookups import is_computed
from djongo_core.compiler.expressions import Translator, translated_by_core
from djongo_core.compiler.grouping import GroupStage, contains_sql_aggregate
from djongo_core.compiler.tree import outermost
from djongo_core.sub_milliseconds import (
    carries_microseconds, reads_microseconds, with_microseconds,
)
from djongo_core.compiler.windows import WindowStages
from djongo_core.concerns import query_concerns
from djongo_core.flexible import flexible_row


# A find's options that become stages when it turns into a pipeline (QueryPlan.pipeline()).
_FIND_STAGE_OPTIONS = ("sort", "skip", "limit")


class QueryPlan:
    """A compiled SELECT: the command to run and how to read rows out of its documents.

    Plugins receive it in djongo_plan_query and return a changed copy (docs/plugin-api.md).
    """

    def __init__(self, command, columns, let=None):
        self.command = command
        # One entry per selected column: ("key", document key), ("value", constant) or, for
        # a model in flexible-schema mode, ("field", (document key, model field)).
        self.columns = columns
        # For a correlated subquery: $lookup variables -> outer column paths.
        self.let = let or {}

    @property
    def model(self):
        """The model whose rows the plan returns (it reads that model's collection, except
        that a query filtered only through a many-to-many's links starts from the through
        collection: compiler/through_first.py)."""
        return self.command.model

    def with_first_stages(self, *stages):
        """Return the plan as a pipeline that starts with ``stages`` ($geoNear, $search...).

        A find becomes the equivalent aggregate; its other options (collation, hint...) are
        kept, as aggregate accepts them too.
        """
        return self.with_pipeline([*stages, *self.pipeline()])

    def with_pipeline(self, stages):
        """Return the plan as an aggregate running ``stages``, a rewrite of ``pipeline()``
        (a plugin moving the opening $match into its $geoNear's query, say).

        The rows are read as before, so the stages must end with the plan's projection.
        """
        command = self.command
        options = {k: v for k, v in command.kwargs.items() if k not in _FIND_STAGE_OPTIONS}
        if command.operation == "aggregate":
            options = dict(command.kwargs)
        return QueryPlan(command.replaced(operation="aggregate", args=(list(stages),),
                                          kwargs=options), self.columns, self.let)

    def with_options(self, **options):
        """Return the plan with more options for pymongo's find or aggregate (cursor_type,
        batch_size, hint, comment, max_await_time_ms...)."""
        command = self.command
        return QueryPlan(command.replaced(kwargs={**command.kwargs, **options}),
                         self.columns, self.let)

    def with_filter(self, query_filter):
        """Return the plan of a find with another filter (the same projection and options):
        a plugin narrowing or widening what a find matches (tail() reopening after a
        document). Pipelines have no single filter: rewrite them with with_first_stages()."""
        command = self.command
        if command.operation != "find":
            raise ValueError(f"with_filter() changes a find, not an {command.operation}.")
        return QueryPlan(command.replaced(args=(query_filter, *command.args[1:])),
                         self.columns, self.let)

    def pipeline(self):
        """Return the plan as aggregation stages (a find becomes $match/$sort/... stages)."""
        command = self.command
        if command.operation == "aggregate":
            return list(command.args[0])
        match, projection = command.args
        options = command.kwargs
        stages = [{"$match": match}] if match else []
        if "sort" in options:
            stages.append({"$sort": dict(options["sort"])})
        if "skip" in options:
            stages.append({"$skip": options["skip"]})
        if "limit" in options:
            stages.append({"$limit": options["limit"]})
        stages.append({"$project": projection})
        return stages

    def rows(self, documents):
        """Return the documents' rows, one list of column values per document."""
        return map(row_reader(self.columns), documents)


def row_reader(columns):
    """Return the function reading one document's row for the columns, built once per query so
    the per-document work is only the reads."""
    # A datetime's ("precise", (column, hidden key)): its date, then the microseconds the
    # hidden key holds (sub_milliseconds.py), added to the row afterwards.
    hidden = [(index, ref[1]) for index, (kind, ref) in enumerate(columns) if kind == "precise"]
    if not hidden:
        return _plain_row_reader(columns)
    read_plain = _plain_row_reader(
        [ref[0] if kind == "precise" else (kind, ref) for kind, ref in columns])

    def read(document):
        row = read_plain(document)
        for index, key in hidden:
            rest = document.get(key)
            if rest:
                row[index] = with_microseconds(row[index], rest)
        return row
    return read


def _plain_row_reader(columns):
    if any(kind == "field" for kind, _ in columns):
        # A model in flexible-schema mode: missing keys read as defaults (flexible.py).
        return partial(flexible_row, columns)
    if all(kind == "key" for kind, _ in columns):
        # The usual case, every column read from the document: no test per value.
        keys = [ref for _, ref in columns]
        return lambda document: [document.get(key) for key in keys]
    return lambda document: [document.get(ref) if kind == "key" else ref
                             for kind, ref in columns]


class _RowCursor:
    """The rows of a query as the DB-API cursor Django's cursor_iter() and execute_sql(CURSOR)'s
    callers read: fetch methods, close(), a context manager, and like Django's CursorWrapper its
    connection (`db`) and what it ran (`command`, for ops.last_executed_query())."""

    def __init__(self, rows, documents, db, command):
        self._rows = rows
        self._documents = documents
        self.db = db
        self.command = command

    def fetchone(self):
        return next(self._rows, None)

    def fetchmany(self, size):
        return list(islice(self._rows, size))

    def fetchall(self):
        return list(self._rows)

    def close(self):
        self._documents.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class SQLCompiler(compiler.SQLCompiler):
    def compile(self, node):
        # Django's get_select() calls this for every selected expression and keeps the result
        # next to the expression; translation happens later, with the whole query in view.
        # A Value is its parameter on every backend ("%s", (value,)): Django's code that
        # wraps a compiled value in SQL text (the get_placeholder_sql() shim of Django 6.1
        # for fields with the deprecated get_placeholder()) gets that.
        # (The translation prepares a Value's database value the same way.)
        if isinstance(node, Value):
            return node.as_sql(self, self.connection)
        return node, ()

    def as_sql(self, with_limits=True, with_col_aliases=False):
        """Return the MQL this query runs, for str(queryset.query) and debugging."""
        try:
            return self.plan().command.as_mql(), ()
        except EmptyResultSet:
            # A query that can match nothing (pk__in=[], or a subquery whose rows were fetched
            # first and found none) is not sent; its text shows it with the filter that
            # matches nothing, rather than failing to print.
            elide_empty, self.elide_empty = self.elide_empty, False
            try:
                return self.plan().command.as_mql(), ()
            finally:
                self.elide_empty = elide_empty

    # -- execution --------------------------------------------------------------------------

    def execute_sql(self, result_type=MULTI, chunked_fetch=False,
                    chunk_size=GET_ITERATOR_CHUNK_SIZE):
        result_type = result_type or NO_RESULTS
        try:
            plan = self.plan()
        except EmptyResultSet:
            return iter([]) if result_type == MULTI else None
        command = plan.command
        if self.query.select_for_update:
            # Connected first: whether the manager can lock is known once the server is.
            self.connection.ensure_connection()
            command = command.replaced(
                lock=row_locks.document_lock(self.query, self.connection, command))
        command = time_limits.limited(command, time_limits.limit_for(self.query, self.connection))
        documents = self.connection.executor.documents(command)
        rows = plan.rows(documents)
        if result_type == SINGLE:
            row = next(rows, None)
            documents.close()
            return None if row is None else row[: self._row_width()]
        if result_type == NO_RESULTS:
            documents.close()
            return None
        cursor = _RowCursor(rows, documents, self.connection, command)
        if result_type == CURSOR:
            # The caller reads and closes it (Django's contract for CURSOR).
            return cursor
        # Django's own chunking, over the rows as a DB-API cursor would give them (the rows
        # hold exactly the selected columns: no trimming).
        chunks = compiler.cursor_iter(cursor, [], None, chunk_size)
        if chunked_fetch and self.connection.features.can_use_chunked_reads:
            return chunks
        return list(chunks)

    def get_converters(self, expressions):
        # Plain columns' converters depend on their fields only: picked once per set of
        # fields (compiler/shapes.py), called with this query's expressions.
        key = shapes.converters_key(self, expressions)
        if key is None:
            return super().get_converters(expressions)
        functions = shapes.cached_converters(self, key)
        if functions is None:
            converters = super().get_converters(expressions)
            shapes.remember_converters(self, key, converters)
            return converters
        return {position: (convs, expressions[position])
                for position, convs in functions.items()}

    def has_results(self):
        return self.execute_sql(SINGLE) is not None

    def _row_width(self):
        """The number of values a row holds: a composite key selected as one column (values("pk"))
        gives one value per column, as in SQL; Django packs them into a tuple when reading."""
        return self.col_count + sum(len(expression) - 1 for expression, _, _ in
                                    (self.select or [])[: self.col_count]
                                    if isinstance(expression, ColPairs))

    def explain_query(self):
        """Yield MongoDB's explain output for the query: its own document as text or JSON."""
        info = self.query.explain_info
        options = dict(info.options)
        # Checks the format and options as Django's backends do (ValueError when unknown).
        self.connection.ops.explain_query_prefix(info.format, **options)
        plan = self.plan()
        explain = self.connection.executor.run(Command(None, "command", ({
            "explain": _explain_target(plan.command),
            "verbosity": options.get("verbosity", "queryPlanner"),
        },)))
        explain.pop("$clusterTime", None)
        explain.pop("operationTime", None)
        if (info.format or "").upper() == "JSON":
            yield json_util.dumps(explain, json_options=json_util.RELAXED_JSON_OPTIONS)
        else:
            yield json_util.dumps(explain, indent=2,
                                  json_options=json_util.RELAXED_JSON_OPTIONS)

    # -- planning ---------------------------------------------------------------------------

    def next_subquery_number(self):
        """Return a number for a subquery's field, unique within this query."""
        self._subqueries = getattr(self, "_subqueries", -1) + 1
        return self._subqueries

    def plan(self):
        """Return the plan this query runs: the core's, then the plugins' rewrites of it."""
        plan = self.build_plan()
        plan.command.model = self.query.model
        plan.command.concerns = query_concerns(self.query)
        return self.connection.plugin_host.plan_query(self, plan)

    def build_plan(self, outer=None):
        """Compile the query into a QueryPlan (raises EmptyResultSet when nothing can match).

        outer is the Translator of the query this one is a correlated subquery of.
        """
        # Compiling sets up joins for ordering and columns; like Django's as_sql, leave the
        # query's alias reference counts as they were, so that a query compiled once still
        # combines (q1 & q2) with only the tables it uses.
        refcounts_before = self.query.alias_refcount.copy()
        try:
            return self._build_plan(outer)
        finally:
            self.query.reset_refcounts(refcounts_before)

    def _build_plan(self, outer):
        query = self.query
        self._check_supported()
        # The rows the client reads carry datetimes with their microseconds; a subquery's do
        # when its reader compares them so (sub_milliseconds.py).
        self._precise = outer is None or getattr(self, "precise_columns", False)
        # A query of a shape seen before takes its select list and ordering from then
        # (compiler/shapes.py); the rest is compiled for every query.
        shape_key = shapes.select_key(self) if outer is None else None
        shape = shapes.cached(self, shape_key) if shape_key is not None else None
        if shape is not None:
            shapes.apply(self, shape)
        elif self.select is None:
            self.setup_query()
        if query.combinator:
            return self._combined_plan(outer)
        if not query.alias_map:
            return self._tableless_plan()
        base = self._base_alias()
        collection = query.alias_map[base].table_name
        # Ordering first: ordering across a relation adds its joins to the query; so do the
        # fields of distinct(*fields).
        if shape is not None:
            order = list(shape.order)
        else:
            order = self._ordering()
            if shape_key is not None:
                shapes.remember(self, shape_key, order)
        distinct_on = distinct_on_expressions(self)
        collated = collation_options([query], [e for e, _ in order] + distinct_on)
        select = [expression for expression, _, _ in self.select]
        grouped = self._needs_group(select, having=None)
        if grouped and self._meta_ordering:
            # Django ignores Meta.ordering in GROUP BY queries.
            order = []
        joined = [alias for alias in query.alias_map
                  if alias != base and query.alias_refcount[alias]]
        where_node, having, qualify = query.where.split_having_qualify(
            must_group_by=query.group_by is not None
        )
        # An aggregate only a QUALIFY filter reads (an OR with a window value) is grouped too.
        grouped = grouped or having is not None or bool(qualify and qualify.contains_aggregate)
        if grouped and distinct_on:
            # Django's SQL compiler refuses GROUP BY with DISTINCT ON with this same error.
            raise NotImplementedError("annotate() + distinct(fields) is not implemented.")
        windowed = qualify is not None or any(
            e.contains_over_clause for e in [*select, *(e for e, _ in order)])
        if not (grouped or windowed or query.distinct or distinct_on):
            started = through_first.start(self, base, joined, where_node, outer)
            if started is not None:
                collection, translator, pipeline = started
                return self._pipeline_plan(collection, pipeline, select, order, distinct_on,
                                           False, translator, collated)
        prefixes = {base: "", **{alias: alias + "." for alias in joined}}
        translator = Translator(self, prefixes, outer=outer)
        base_filter, joined_filter = self._split_filter(where_node, translator, set(joined))
        subquery_stages = translator.take_pre_stages()

        if not (subquery_stages or joined_filter or windowed) and self._can_use_find(
                joined, grouped, select, order, translator):
            return self._find_plan(collection, base_filter, select, order, translator, collated)

        pipeline = []
        if base_filter:
            pipeline.append({"$match": base_filter})
        early_window = (
            not grouped and not query.distinct and not joined_filter and not windowed
            and joins.keep_rows(query, joined)
            and all(self._is_base_column(e, base) for e, _ in order)
        )
        if early_window:
            pipeline.extend(self._sort_stages(order, translator))
            pipeline.extend(self._window_stages())
        for alias in joined:
            pipeline.extend(joins.lookup_stages(query, alias, translator))
        pipeline.extend(subquery_stages)
        if joined_filter:
            pipeline.append({"$match": joined_filter})
        if grouped:
            pipeline.extend(self._group_stages(select, having, qualify, order, translator))
        if windowed:
            # Windows see the rows after filtering and grouping, as in SQL.
            pipeline.extend(self._window_function_stages(select, order, qualify, translator))
        return self._pipeline_plan(collection, pipeline, select, order, distinct_on,
                                   early_window, translator, collated)

    def _pipeline_plan(self, collection, pipeline, select, order, distinct_on, early_window,
                       translator, collated):
        """Finish pipeline (rows filtered and joined) with the projection, distinct, sort and
        window stages; early_window: the sort and window already ran before the joins."""
        query = self.query
        columns, projection = self._projection(select, translator)
        sort_keys = {}
        if not early_window:
            for index, (expression, descending) in enumerate(order):
                precise = carries_microseconds(expression)
                # A datetime sorts to the microsecond, also where the rows carry milliseconds.
                key = (self._select_key(expression, select)
                       if self._precise or not precise else None)
                if key is None:
                    key = f"s{index}"
                    value = (translator.precise if precise else translator.expression)(
                        expression)
                    # A constant is quoted: a bare 0 or 1 in $project excludes or includes.
                    projection[key] = value if _is_computed(value) else {"$literal": value}
                sort_keys[key] = -1 if descending else 1
        distinct_keys = []
        for index, expression in enumerate(distinct_on):
            distinct_keys.append(f"d{index}")
            projection[f"d{index}"] = translator.expression(expression)
        pipeline.extend(translator.take_pre_stages())
        pipeline.append({"$project": projection})
        if distinct_on:
            pipeline.extend(distinct_on_stages(distinct_keys, sort_keys))
        elif query.distinct:
            pipeline.extend(distinct_stages([key for key in projection if key != "_id"]))
        if not early_window:
            if sort_keys:
                pipeline.append({"$sort": sort_keys})
            pipeline.extend(self._window_stages())
        return QueryPlan(Command(collection, "aggregate", (pipeline,), collated),
                         columns, translator.let)

    def _tableless_plan(self):
        """A query on no model (Q.check() for constraint validation): a database-level pipeline
        on one empty document."""
        translator = Translator(self, {})
        pipeline = [{"$documents": [{}]}]
        if self.query.where:
            try:
                match = translator.match(self.query.where)
                # Subqueries in the condition (Exists() of a UniqueConstraint's check) are
                # $lookup stages that must run before the $match reads them.
                pipeline.extend([*translator.take_pre_stages(), {"$match": match}])
            except FullResultSet:
                pass
        select = [expression for expression, _, _ in self.select]
        columns, projection = self._projection(select, translator)
        pipeline.extend([*translator.take_pre_stages(), {"$project": projection}])
        return QueryPlan(Command(None, "aggregate", (pipeline,),
                                 collation_options([self.query])), columns)

    def _combined_plan(self, outer):
        select = [expression for expression, _, _ in self.select]
        order, sort_columns = [], []
        for order_by, _ in self._order_by_pairs():
            resolved = order_by.resolve_expression(self.query, allow_joins=True, reuse=None)
            key = self._combined_select_key(order_by.expression, resolved.expression)
            if key is None:
                # As Django does: a column the rows do not carry is added to every part, unless
                # a part's columns were chosen with values().
                if any(part.has_select_fields for part in self.query.combined_queries):
                    raise DatabaseError(
                        "ORDER BY term does not match any column in the result set.")
                sort_columns.append(order_by.expression)
                key = f"c{len(select) + len(sort_columns) - 1}"
            if order_by.nulls_first or order_by.nulls_last:
                # The "is null" key is computed on the combined rows.
                order.append((key, bool(order_by.nulls_first), True))
            order.append((key, order_by.descending, False))
        command, columns, let = combinators.combined_command(
            self, order, self._window_stages(), sort_columns, outer)
        # The parts run in one pipeline ($unionWith), under one collation.
        command.kwargs.update(collation_options(
            self.query.combined_queries, [o for o, _ in self._order_by_pairs()]))
        return QueryPlan(command, columns, let)

    def _base_alias(self):
        """Return the alias the query reads from (after trim_start it is not the first one)."""
        query = self.query
        for alias, table in query.alias_map.items():
            if isinstance(table, BaseTable) and query.alias_refcount[alias]:
                return alias
        return query.base_table or query.get_initial_alias()

    def _check_supported(self):
        query = self.query
        # select_for_update(): locks where a transaction manager can take them, else a warning
        # when the query runs (djongo_core.row_locks); options it cannot honour are refused.
        row_locks.check_options(query, self.connection)
        if query.extra_tables or query.extra_order_by:
            raise NotSupportedError("QuerySet.extra() holds SQL, which MongoDB cannot run.")

    def _split_filter(self, node, translator, joined):
        """Return (filter to run on the base collection first, filter needing the joins).

        A condition goes first when it reads no joined collection (only the base collection,
        or an outer query's columns through $lookup variables) and needs no subquery $lookup
        (compiling it added no stage); it can then use the collection's indexes.
        """
        if node is None:
            return {}, {}
        if node.connector == AND and not node.negated:
            children = node.children
        else:
            children = [node]
        early, late = [], []
        for child in children:
            stages_before = len(translator.pre_stages)
            try:
                compiled = translator.match(child)
            except FullResultSet:
                continue
            except EmptyResultSet:
                if self.elide_empty:
                    raise
                # An aggregate over nothing must still run to give its row (COUNT 0...).
                return {"$expr": False}, {}
            # (No joins: no alias to look for, and the tree need not be walked.)
            if len(translator.pre_stages) == stages_before and not (
                    joined and joins.aliases_in(child) & joined):
                early.append(compiled)
            else:
                late.append(compiled)
        return where.conjunction(early), where.conjunction(late)

    def get_order_by(self):
        """Django's resolved ordering terms, without SQL (prefetching from a sliced queryset
        builds a window ordered by them)."""
        result, seen = [], []
        for order_by, is_ref in self._order_by_pairs():
            resolved = order_by.resolve_expression(self.query, allow_joins=True, reuse=None)
            if resolved.expression not in seen:
                seen.append(resolved.expression)
                result.append((resolved, ("", (), is_ref)))
        return result

    def _ordering(self):
        """Return [(expression, descending)] in sort order."""
        order = []
        for order_by, _ in self._order_by_pairs():
            # As Django's get_order_by(): F() and annotation names resolve against the query.
            order_by = order_by.resolve_expression(self.query, allow_joins=True, reuse=None)
            expression = order_by.expression
            # A later mention of the same expression cannot change the order (the admin adds
            # the pk or Meta.ordering after the user's choice); Django drops it too.
            if any(expression == seen for seen, _ in order):
                continue
            # A composite key orders by its columns in turn, as SQL's ORDER BY a, b.
            for part in _columns_of(expression):
                if order_by.nulls_first or order_by.nulls_last:
                    # MongoDB sorts null below every value; an explicit placement sorts on
                    # "is null" first (true sorts above false, so nulls first is descending).
                    order.append((IsNull(part, True), bool(order_by.nulls_first)))
                order.append((part, order_by.descending))
        return order

    @staticmethod
    def _is_base_column(expression, base):
        return is_stored_column(expression) and expression.alias == base

    def _needs_group(self, select, having):
        # A raw COUNT(x) Django does not know of aggregates the rows as in SQL.
        return (
            self.query.group_by is not None
            or having is not None
            or any(expression.contains_aggregate or contains_sql_aggregate(expression)
                   for expression in select)
        )

    def _can_use_find(self, joined, grouped, select, order, translator):
        if joined or grouped or self.query.distinct:
            return False
        if getattr(self, "precise_columns", False) and any(map(reads_microseconds, select)):
            # A subquery's datetimes as numbers of microseconds: a pipeline computes them
            # (a find's rows put the date and its key together on the client).
            return False
        for e in select:
            # A plain stored column, the usual case, first: it is checked once per column.
            if not ((type(e) is Col and not is_virtual(e.target))
                    or all(is_stored_column(c) for c in _columns_of(e))
                    or isinstance(e, Value) or _meta_value(e, translator)):
                return False
        return all(is_stored_column(e) or descending and _meta_value(e, translator)
                   for e, descending in order)

    def _find_plan(self, collection, match, select, order, translator, collated):
        columns = []
        projection = {}
        for index, expression in enumerate(select):
            if isinstance(expression, Value):
                columns.append(("value", _constant(translator.expression(expression))))
            elif isinstance(expression, (Col, ColPairs)):
                for column in _columns_of(expression):
                    path = translator.field_path(column)
                    columns.append(self._stored_column(column, path))
                    projection[path] = 1
                    if self._precise and reads_microseconds(column):
                        # The date and the microseconds below it, put together by rows()
                        # (sub_milliseconds.py; a find projects stored keys only).
                        hidden = translator.hidden_path(column)
                        projection[hidden] = 1
                        columns[-1] = ("precise", (columns[-1], hidden))
            else:
                projection[f"c{index}"] = _meta_value(expression, translator)
                columns.append(("key", f"c{index}"))
        if "_id" not in projection:
            projection["_id"] = 0
        options = dict(collated)
        if order:
            options["sort"] = []
            for index, (e, d) in enumerate(order):
                if isinstance(e, Col):
                    options["sort"].extend((path, -1 if d else 1)
                                           for path in _sort_paths(e, translator))
                else:
                    # A find sorts by metadata (a text score) under any name, highest first.
                    options["sort"].append((self._select_key(e, select) or f"s{index}",
                                            _meta_value(e, translator)))
        low, high = self.query.low_mark, self.query.high_mark
        if low:
            options["skip"] = low
        if high is not None:
            options["limit"] = high - low
            if high == low:
                raise EmptyResultSet
        return QueryPlan(Command(collection, "find", (match, projection), options), columns,
                         translator.let)

    def _window_stages(self):
        low, high = self.query.low_mark, self.query.high_mark
        stages = []
        if low:
            stages.append({"$skip": low})
        if high is not None:
            if high == low:
                raise EmptyResultSet
            stages.append({"$limit": high - low})
        return stages

    def _sort_stages(self, order, translator):
        if not order:
            return []
        return [{"$sort": {path: -1 if d else 1
                           for e, d in order for path in _sort_paths(e, translator)}}]

    def _group_stages(self, select, having, qualify, order, translator):
        group = GroupStage(translator)
        keys = []
        if self.query.group_by is not None:
            # group_by is True (every selected column), or the grouped expressions, possibly
            # none (values() of an OuterRef): either way, as in Django's get_group_by(), the
            # selected columns and the columns the rows are ordered by are grouped by too, so
            # that an ordering across a relation (order_by("publisher__name")) still exists
            # after the $group (order_by("?") adds nothing).
            keys = [] if self.query.group_by is True else list(self.query.group_by)
            keys = _group_keys(select, keys)
            for expression, _ in order:
                if not expression.contains_aggregate:
                    keys += [col for col in expression.get_group_by_cols() if col not in keys]
        if having is not None:
            # A column the HAVING filter compares (pages > COUNT(authors)) is grouped by too,
            # so that it still exists after the $group, as in Django's get_group_by().
            keys += [e for e in having.get_group_by_cols() if e not in keys]
        if qualify is not None:
            # So is what a filtered window partitions and orders by (Django's QUALIFY runs over
            # an inner query that selects the window): the window runs after the $group.
            keys += [e for e in qualify.get_group_by_cols() if e not in keys]
        for expression in keys:
            group.add_key(expression)
        for expression in [*select, *(e for e, _ in order)]:
            group.add_aggregates(expression)
        for condition in (having, qualify):
            if condition is not None:
                group.add_aggregates(condition)
        # Subqueries the keys and aggregates read run before the $group; those of the HAVING
        # filter after it, as they read grouped values (a correlated one's $lookup variables).
        stages = [*translator.take_pre_stages(), *group.stages(select)]
        translator.replacements = group.replacements
        translator.precise_values.update(group.precise_replacements)
        if having is not None:
            try:
                condition = translator.condition(having)
            except FullResultSet:
                return stages
            stages.extend(translator.take_pre_stages())
            stages.append({"$match": {"$expr": condition}})
        return stages

    def _window_function_stages(self, select, order, qualify, translator):
        windows = WindowStages(translator)
        for expression in [*select, *(e for e, _ in order),
                           *([qualify] if qualify is not None else [])]:
            for window in outermost(expression, Window):
                windows.add(window)
        stages = [*translator.take_pre_stages(), *windows.stages]
        if qualify is not None:
            # Filters on window values (Django's QUALIFY) apply once they are computed.
            try:
                stages.append({"$match": {"$expr": translator.condition(qualify)}})
            except FullResultSet:
                pass
        return stages

    def _projection(self, select, translator):
        columns = []
        projection = {"_id": 0}
        for index, expression in enumerate(select):
            key = f"c{index}"
            if isinstance(expression, ColPairs):
                # One value per column, under c<index>_<n>, in the row's order.
                for position, column in enumerate(expression.get_cols()):
                    projection[f"{key}_{position}"] = translator.expression(column)
                    columns.append(self._stored_column(column, f"{key}_{position}"))
                continue
            try:
                value = (translator.precise(expression)
                         if self._precise and carries_microseconds(expression)
                         else translator.expression(expression))
            except EmptyResultSet:
                value = getattr(expression, "empty_result_set_value", None)
                value = None if value is NotImplemented else value
            except FullResultSet:
                value = True
            if not _is_computed(value):
                # Constants are filled in by the client: no need to send them round.
                columns.append(("value", _constant(value)))
            else:
                projection[key] = value
                columns.append(self._stored_column(expression, key)
                               if isinstance(expression, Col) else ("key", key))
        return columns, projection

    def _stored_column(self, col, key):
        """Return how a row reads a column stored at ``key``: as it is, or with its field's
        default when the model is in flexible-schema mode and the key is missing. Only the
        queried collection's own columns: a joined document that is missing altogether
        (a LEFT JOIN without a match) reads as nulls."""
        flexible = self.connection.flexible_schema
        if (flexible.enabled and col.alias == self._base_alias()
                and flexible.covers(col.target.model)):
            return ("field", (key, col.target))
        return ("key", key)

    def _combined_select_key(self, source, target):
        """The row key a combined query's ordering term sorts by, found as Django finds it: by
        its expression, except that with values() an annotation's column is found only by its
        name (values(num2=F("num")) cannot be ordered by "num")."""
        query = self.query
        if isinstance(target, Ref):
            return self._select_key(target, [selected for selected, _, _ in self.select])
        for index, (selected, _, alias) in enumerate(self.select):
            if selected != target:
                continue
            if (query.has_select_fields and alias in query.annotation_select
                    and not (isinstance(source, F) and alias == source.name)):
                continue
            return f"c{index}"
        return None

    def _select_key(self, expression, select):
        for index, selected in enumerate(select):
            if selected == expression:
                return f"c{index}"
        if hasattr(expression, "refs") and expression.refs in (self.annotation_col_map or {}):
            return f"c{self.annotation_col_map[expression.refs]}"
        return None


def _sort_paths(column, translator):
    """Return the paths a stored column sorts by: a datetime's hidden key after its date
    (sub_milliseconds.py)."""
    path = translator.field_path(column)
    if reads_microseconds(column):
        return [path, translator.hidden_path(column)]
    return [path]


def _columns_of(expression):
    """Return the columns an expression stands for: a composite key's (ColPairs) one by one,
    anything else as itself."""
    if isinstance(expression, ColPairs):
        return expression.get_cols()
    return [expression]


def _group_keys(expressions, keys):
    """Add to keys what the expressions group by: themselves, or for a window (computed on
    the grouped rows, after the $group) the columns it reads, as Django's get_group_by()."""
    for expression in expressions:
        if expression.contains_aggregate:
            continue
        parts = expression.get_group_by_cols() if expression.contains_over_clause else [
            expression]
        keys += [part for part in parts if part not in keys]
    return keys


def _meta_value(expression, translator):
    """Return a plugin expression's MQL when it is document metadata ({"$meta": "textScore"}).

    A find projects and sorts by metadata as an aggregation does, and MongoDB's text search is
    most at home in a find; anything else a plugin computes needs the aggregation pipeline.
    """
    if isinstance(expression, Ref):
        expression = expression.source
    if translated_by_core(expression):
        return None
    mql = translator.expression(expression)
    return mql if isinstance(mql, dict) and set(mql) == {"$meta"} else None


def _is_computed(mql):
    """Return whether an aggregation expression depends on the document (else a constant)."""
    if isinstance(mql, list):
        # An array expression (JSONArray) is evaluated member by member.
        return any(_is_computed(member) for member in mql)
    return is_computed(mql)


def _constant(value):
    if isinstance(value, dict) and set(value) == {"$literal"}:
        return value["$literal"]
    return value


def _explain_target(command):
    if command.operation == "find":
        target = {"find": command.collection, "filter": command.args[0]}
        if len(command.args) > 1:
            target["projection"] = command.args[1]
        return target
    return {"aggregate": command.collection, "pipeline": command.args[0], "cursor": {}}

