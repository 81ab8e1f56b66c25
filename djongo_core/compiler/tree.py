"""Walking Django's where-trees and expression trees."""

from django.db.models.expressions import Col, Subquery
from django.db.models.sql.query import Query


def outermost(expression, kind):
    """Yield the nodes of type ``kind`` in an expression tree, not descending into them (the
    aggregates of a HAVING expression, the windows of a select column)."""
    if isinstance(expression, kind):
        yield expression
        return
    for source in expression.get_source_expressions():
        if source is not None:
            yield from outermost(source, kind)


def walk(node):
    """Yield every node of a where-tree or expression, not entering subqueries' own trees."""
    stack = [node]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        yield item
        if isinstance(item, (Query, Subquery)):
            continue
        if hasattr(item, "children"):
            stack.extend(item.children)
        elif hasattr(item, "lhs") and hasattr(item, "rhs"):
            stack.extend((item.lhs, item.rhs))
        elif hasattr(item, "get_source_expressions"):
            stack.extend(item.get_source_expressions())


def is_correlated(query):
    """Return whether a subquery reads columns of an outer query (a resolved OuterRef)."""
    parts = [query.where, *query.annotations.values()]
    return any(
        isinstance(item, Col) and item.alias not in query.alias_map
        for part in parts
        for item in walk(part)
    ) or any(is_correlated(part) for part in query.combined_queries)


def internal_type(expression):
    """Return the internal type of an expression's output field, or None when it has none."""
    field = getattr(expression, "_output_field_or_none", None)
    return field.get_internal_type() if field is not None else None
