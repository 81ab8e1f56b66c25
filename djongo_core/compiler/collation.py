"""The one collation a query's MongoDB command runs under.

SQL gives every column its own collation. A MongoDB command takes one collation, used by all of
its string comparisons: the filter, the sort, grouping, $lookup. So a query runs under the
collation of the collated fields it compares (in its filter, ordering, grouping or DISTINCT)
and of the Collate() expressions it holds; an explicit Collate() takes precedence over the
fields' own collations, as in SQL. Other strings the same command compares follow that
collation too (docs/queries.md, "Collations").
"""

from django.db import NotSupportedError
from django.db.models.expressions import Col
from django.db.models.functions import Collate
from django.db.models.sql.query import Query

from djongo_core.collations import collation_document, collation_key, field_collation


def query_collation(queries, ordering=()):
    """Return the collation document for a command running the given queries (one, or the
    parts of a union), or None when nothing collated is compared."""
    explicit, implicit = {}, {}
    for query in queries:
        _collect_query(query, explicit, implicit)
    for expression in ordering:
        _collect(expression, explicit, implicit)
    chosen = explicit or implicit
    if not chosen:
        return None
    by_document = {}
    for name, where in chosen.items():
        by_document.setdefault(collation_key(name), []).append((name, where))
    if len(by_document) > 1:
        listed = "; ".join(f"{where} ({name!r})" for uses in by_document.values()
                           for name, where in uses)
        advice = ("Use one collation name in every Collate()." if explicit else
                  "Wrap one side in Collate(expression, name) to choose the collation "
                  "the whole query runs under.")
        raise NotSupportedError(
            f"This query compares strings under different collations: {listed}. A MongoDB "
            f"command runs under a single collation. {advice}"
        )
    return collation_document(next(iter(chosen)))


def collation_options(queries, ordering=()):
    """Return the command options giving it the queries' collation: none when nothing
    collated is compared (the collection's default, binary, applies)."""
    collation = query_collation(queries, ordering)
    return {"collation": collation} if collation else {}


def _collect_query(query, explicit, implicit):
    _collect(query.where, explicit, implicit)
    for annotation in query.annotation_select.values():
        _collect_explicit(annotation, explicit)
    if query.group_by is not None and query.group_by is not True:
        for expression in query.group_by:
            _collect(expression, explicit, implicit)
    if query.distinct:
        # DISTINCT compares every selected column.
        for expression in [*query.select, *query.annotation_select.values()]:
            _collect(expression, explicit, implicit)


def _collect(node, explicit, implicit):
    """Note the collations of the columns an expression compares, and of its Collate()s."""
    if node is None:
        return
    if isinstance(node, Collate):
        explicit.setdefault(node.collation, "Collate()")
    elif isinstance(node, Col):
        name = field_collation(node.target)
        if name:
            field = node.target
            implicit.setdefault(name, f"{field.model._meta.label}.{field.name}")
        return
    elif isinstance(node, Query):
        # A subquery's comparisons run inside this command ($lookup) or under the same rules.
        _collect_query(node, explicit, implicit)
        return
    for source in _sources(node):
        _collect(source, explicit, implicit)


def _collect_explicit(node, explicit):
    """Note the Collate()s of a selected expression (its columns are read, not compared)."""
    if isinstance(node, Collate):
        explicit.setdefault(node.collation, "Collate()")
    elif isinstance(node, Query):
        _collect_query(node, explicit, {})
        return
    for source in _sources(node):
        _collect_explicit(source, explicit)


def _sources(node):
    getter = getattr(node, "get_source_expressions", None)
    return [source for source in getter() if source is not None] if getter else []
