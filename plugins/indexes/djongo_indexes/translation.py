"""TextSearch and TextScore as MQL, and the positions where MongoDB refuses them.

MongoDB accepts ``$text`` only in a query's filter (a find's filter, or the ``$match`` opening a
pipeline), at most once, and not under ``$nor``, ``$not`` or (without indexes on every other
branch) ``$or``. The core compiles a query's own conditions into that first filter, so a
TextSearch is accepted exactly when it is one of the AND-ed conditions of its query's WHERE
tree, and refused everywhere else with a NotSupportedError that says so.
"""

from django.db import NotSupportedError
from django.db.models.sql.where import AND, WhereNode

from djongo_indexes.search import TextScore, TextSearch

_WHERE_IT_WORKS = (
    "MongoDB runs a text search only as a condition of filter(), combined with the others by "
    "AND, once per query"
)


def text_search_match(compiler, node):
    """Return {"$text": ...} for a TextSearch in filter(), or raise NotSupportedError."""
    query = compiler.query
    model = query.model._meta.concrete_model
    path = _path_to(query.where, node)
    if path is None:
        raise NotSupportedError(
            f"{node!r} on {model._meta.label} is used outside filter() (in an annotation, "
            f"Case/When, an aggregate's filter= or a negation with ~). {_WHERE_IT_WORKS}."
        )
    for ancestor in path:
        if ancestor.negated:
            raise NotSupportedError(
                f"{node!r} on {model._meta.label} is negated (exclude() or ~Q); MongoDB cannot "
                f"negate a text search. Exclude words inside it instead: TextSearch(..., "
                f"exclude=[...])."
            )
        if ancestor.connector != AND:
            raise NotSupportedError(
                f"{node!r} on {model._meta.label} is combined with {ancestor.connector} "
                f"(| or ^ between Q objects). {_WHERE_IT_WORKS}: put the words of both sides "
                "in one TextSearch, or run two queries."
            )
    searches = [child for child in _conditions(query.where) if isinstance(child, TextSearch)]
    if len(searches) > 1:
        raise NotSupportedError(
            f"The query on {model._meta.label} has {len(searches)} text searches; MongoDB runs "
            "one per query. Combine their words in one TextSearch."
        )
    if not _has_text_index(model):
        raise NotSupportedError(
            f"{model._meta.label} has no text index, which a text search needs. Add "
            f"djongo_indexes.TextIndex(fields=[...]) to {model.__name__}.Meta.indexes and run "
            "makemigrations and migrate."
        )
    return {"$text": node.text_query()}


def text_score_value(compiler, node):
    """Return {"$meta": "textScore"} for a TextScore in a query that searches text."""
    query = compiler.query
    label = query.model._meta.label
    if any(_mentions(child, TextScore) for child in _conditions(query.where)):
        raise NotSupportedError(
            f"TextScore() on {label} is used in a filter; MongoDB computes the score in the "
            "very stage that searches, so it cannot filter by it. Order by the score and slice "
            "instead."
        )
    if not any(isinstance(child, TextSearch) for child in _conditions(query.where)):
        raise NotSupportedError(
            f"TextScore() on {label} needs a text search in the same query: filter the "
            "QuerySet with djongo_indexes.TextSearch(...) first."
        )
    return {"$meta": "textScore"}


def _has_text_index(model):
    from djongo_indexes.indexes import TextIndex

    return any(isinstance(index, TextIndex) for index in model._meta.indexes)


def _path_to(tree, node):
    """Return the WhereNodes from ``tree`` down to ``node`` (a direct condition), else None."""
    if tree is node:
        return []
    if isinstance(tree, WhereNode):
        for child in tree.children:
            path = _path_to(child, node)
            if path is not None:
                return [tree, *path]
    return None


def _conditions(tree):
    """Yield the leaves of a WHERE tree (lookups and expressions), at any depth."""
    if isinstance(tree, WhereNode):
        for child in tree.children:
            yield from _conditions(child)
    elif tree is not None:
        yield tree


def _mentions(expression, kind):
    if isinstance(expression, kind):
        return True
    return any(_mentions(source, kind) for source in expression.get_source_expressions()
               if source is not None)
