"""Queries that start from the collection they filter: a many-to-many's through collection.

Django prefetches a ManyToManyField (`Book.objects.prefetch_related("tags")`) with a query on
the target model joined to the through table and filtered there only:
`tag INNER JOIN book_tags ON tag.id = book_tags.tag_id WHERE book_tags.book_id IN (...)`.
Compiled as it is written, the pipeline runs on the tag collection and `$lookup`s every tag's
links before the filter can drop them: every prefetch unwinds the whole through collection.

The same rows come from the other end: the through documents matching the filter (an indexed
`$in` on `book_id`), each joined to its one target document by `_id`. An INNER join drops the
same pairs either way (a link to a missing tag, a tag without links), so the rows are the same;
conditions on the target's own columns run after the join.

This applies to a query whose only join is an INNER join from its primary key to one other
collection, at least one condition reads only that collection and the others read only the
base collection; no annotations, no text search; nothing grouped, distinct or windowed (the
caller checks those). `Author.objects.filter(books__pages__gt=300)` has the same shape and
gets the same plan: the books matched first, each joined to its author.
"""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.where import AND

from djongo_core.compiler import joins, where
from djongo_core.compiler.expressions import Translator
from djongo_core.documents import stored_name


def start(compiler, base, joined, where_node, outer):
    """Return (collection, translator, first stages) for a query read from its joined
    collection, or None when the query is not of that shape."""
    query = compiler.query
    # Annotations may be a plugin's to place (a $geoNear distance must open the pipeline).
    if len(joined) != 1 or where_node is None or query.annotation_select:
        return None
    other = joined[0]
    join = query.alias_map[other]
    if (join.join_type == LOUTER or join.parent_alias != base
            or join.filtered_relation is not None or len(join.join_fields) != 1
            or join.join_field.get_extra_restriction(other, base) is not None):
        return None
    (base_field, other_field), = join.join_fields
    if not base_field.primary_key:
        return None
    translator = Translator(compiler, {other: "", base: base + "."}, outer=outer)
    first, after = _split(compiler, translator, where_node, other, base)
    if not first or _mentions(after, "$text"):
        return None   # $text must stay in the pipeline's first $match
    stages = [
        {"$match": where.conjunction(first)},
        {"$lookup": {"from": query.alias_map[base].table_name,
                     "localField": stored_name(other_field),
                     "foreignField": stored_name(base_field), "as": base}},
        {"$unwind": {"path": "$" + base}},
    ]
    if after:
        stages.append({"$match": where.conjunction(after)})
    return join.table_name, translator, stages


def _split(compiler, translator, node, other, base):
    """Return (conditions on the joined collection, conditions on the base), both compiled,
    or ([], []) when a condition reads both, an outer query or a subquery."""
    children = node.children if node.connector == AND and not node.negated else [node]
    first, after = [], []
    for child in children:
        stages_before = len(translator.pre_stages)
        try:
            compiled = translator.match(child)
        except FullResultSet:
            continue
        except EmptyResultSet:
            return [], []   # the usual plan knows what an empty condition means here
        aliases = joins.aliases_in(child)
        if len(translator.pre_stages) != stages_before:
            return [], []
        if aliases == {other}:
            first.append(compiled)
        elif aliases <= {base}:
            after.append(compiled)
        else:
            return [], []
    return first, after


def _mentions(value, operator):
    if isinstance(value, dict):
        return any(key == operator or _mentions(item, operator) for key, item in value.items())
    if isinstance(value, list):
        return any(_mentions(item, operator) for item in value)
    return False
