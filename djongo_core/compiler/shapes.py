"""Per query shape, the parts of a SELECT's compilation that do not depend on its values.

For every QuerySet, Django resolves the select list (SQLCompiler.get_select), the ordering
(_order_by_pairs, resolving names through the model's fields) and the converters of the
selected columns, and the backend then translates the whole query. For a query on one
collection, with no annotations, extra(), select_related() or other joins, and ordered by field
names, the select list and the ordering are the same every time the model, the selected
fields and the ordering names are: this module keeps them per connection, keyed on everything
they are computed from, and the compiler takes them from here instead of resolving them again.

What is cached is the resolved select list and ordering, never MQL: the filter, whose values
go through their fields' conversion and may make the query match nothing (EmptyResultSet) or
read a subquery first, is translated for every query, and so are the projection, the sort
and the options built from the cached columns. A query the key does not describe exactly
(anything outside the shape above) is resolved as before and not cached.
"""

from django.db.models.expressions import Col
from django.db.models.sql.datastructures import BaseTable

# Shapes kept per connection; the oldest goes first when a new one would exceed it.
LIMIT = 512


class _Shape:
    """What a query of one shape resolves to: the compiler's select list, klass_info and
    ordering, and the model options objects they were resolved from (checked on reuse:
    Django builds new ones when a model's fields or Meta.ordering change)."""

    __slots__ = ("select", "select_fields", "order", "meta_ordering", "fields", "ordering")

    def __init__(self, compiler, order, opts):
        self.select = tuple(compiler.select)
        self.select_fields = tuple(compiler.klass_info["select_fields"])
        self.order = tuple(order)
        self.meta_ordering = compiler._meta_ordering
        self.fields = opts.concrete_fields
        self.ordering = opts.ordering


def select_key(compiler):
    """Return the key of a SELECT whose select list and ordering can be reused, else None.

    Called before the compiler sets up its select list. The key holds every input of that
    set-up and of the ordering's resolution that can vary for the shapes accepted here: the
    model and its one table alias, the selected columns (values()) and deferred fields, the
    ordering names and direction, and the connection's flexible-schema settings.
    """
    query = compiler.query
    if (compiler.select is not None or query.combinator or query.annotations or query.extra
            or query.extra_order_by or query.select_related or query.distinct
            or query.distinct_fields or query.group_by is not None or query.select_for_update
            or query._filtered_relations or len(query.alias_map) != 1):
        return None
    order_by = query.order_by
    for name in order_by:
        if type(name) is not str:
            return None
    selected = query.selected
    if selected is not None:
        selected = tuple(selected.items())
        for _, position in selected:
            if type(position) is not int:
                return None
    (alias, table), = query.alias_map.items()
    if type(table) is not BaseTable:
        return None
    columns = query.select
    for column in columns:
        if type(column) is not Col:
            return None
    names, defer = query.deferred_loading
    return (query.model, alias, table.table_name, query.default_cols, tuple(columns), selected,
            frozenset(names), defer, tuple(order_by), query.default_ordering, query.standard_ordering,
            compiler.connection.flexible_schema)


def cached(compiler, key):
    """Return the shape stored under key, or None (also when the model changed since)."""
    shape = _shapes(compiler.connection).get(key)
    if shape is None:
        return None
    opts = compiler.query.get_meta()
    if shape.fields is not opts.concrete_fields or shape.ordering is not opts.ordering:
        return None
    return shape


def apply(compiler, shape):
    """Give the compiler the select list of a cached shape, as setup_query() would."""
    compiler.select = list(shape.select)
    compiler.klass_info = {"model": compiler.query.model,
                           "select_fields": list(shape.select_fields)}
    compiler.annotation_col_map = {}
    compiler.col_count = len(shape.select)
    compiler._meta_ordering = shape.meta_ordering


def remember(compiler, key, order):
    """Store what the compiler resolved for a query of this key, when it is of the shape the
    key describes: one collection, every selected and ordering column a plain column of it."""
    query = compiler.query
    if len(query.alias_map) != 1 or compiler.annotation_col_map or not compiler.klass_info:
        return
    (alias,) = query.alias_map
    for expression, _, name in compiler.select:
        if type(expression) is not Col or expression.alias != alias or name is not None:
            return
    for expression, _ in order:
        if type(expression) is not Col or expression.alias != alias:
            return
    shapes = _shapes(compiler.connection)
    if len(shapes) >= LIMIT:
        del shapes[next(iter(shapes))]
    shapes[key] = _Shape(compiler, order, query.get_meta())


def converters_key(compiler, expressions):
    """Return the key of the converters of the selected expressions when they are all plain
    columns (what they depend on: each column's field and output field, and the connection's
    flexible-schema settings), else None."""
    parts = []
    for expression in expressions:
        if type(expression) is not Col:
            return None
        parts.append((expression.target, expression.output_field))
    return ("converters", tuple(parts), compiler.connection.flexible_schema)


def cached_converters(compiler, key):
    return _shapes(compiler.connection).get(key)


def remember_converters(compiler, key, converters):
    """Store {position: converter functions} (without the expressions they are called with,
    which are the current query's)."""
    shapes = _shapes(compiler.connection)
    if len(shapes) >= LIMIT:
        del shapes[next(iter(shapes))]
    shapes[key] = {position: functions for position, (functions, _) in converters.items()}


def clear(connection):
    """Forget every cached shape of the connection."""
    _shapes(connection).clear()


def _shapes(connection):
    try:
        return connection._djongo_query_shapes
    except AttributeError:
        connection._djongo_query_shapes = shapes = {}
        return shapes
