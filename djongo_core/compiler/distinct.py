"""DISTINCT, and distinct(*fields) (PostgreSQL's DISTINCT ON), on the projected rows.

distinct() groups the rows on every projected key. distinct(*fields) keeps, of the rows that
agree on the given fields, only the first in the query's ordering: after the select list is
projected (with the DISTINCT ON values as d0.., and the sort keys), the rows are sorted by the
query's ordering, grouped on the d keys keeping each group's `$first` row, and sorted again for
the result (a `$group` does not keep the order).

As in SQL, nulls are one group: a missing value (a column of a LEFT JOIN that matched nothing)
and a stored null are grouped together through `$ifNull`.
"""

from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import Ref


def distinct_on_expressions(compiler):
    """Return the expressions of the query's distinct(*fields), adding the joins they need.

    As Django's SQLCompiler.get_distinct(): a name is an annotation or a path of fields and
    transforms; a relation stands for its key."""
    query = compiler.query
    expressions = []
    for name in query.distinct_fields:
        if name in query.annotation_select:
            expressions.append(Ref(name, query.annotation_select[name]))
            continue
        _, targets, alias, joins, path, _, transform = compiler._setup_joins(
            name.split(LOOKUP_SEP), query.get_meta(), None)
        targets, alias, _ = query.trim_joins(targets, joins, path)
        expressions.extend(transform(target, alias) for target in targets)
    return expressions


def distinct_stages(keys):
    """Return the stages keeping one row per combination of the keys' values (DISTINCT)."""
    return [
        {"$group": {"_id": _group_key(keys)}},
        {"$replaceRoot": {"newRoot": "$_id"}},
    ]


def distinct_on_stages(keys, sort):
    """Return the stages keeping the first row, in the order of sort, per value of the keys."""
    stages = [{"$sort": sort}] if sort else []
    stages.append({"$group": {
        "_id": _group_key(keys),
        "row": {"$first": "$$ROOT"},
    }})
    stages.append({"$replaceRoot": {"newRoot": "$row"}})
    return stages


def _group_key(keys):
    return {key: {"$ifNull": ["$" + key, None]} for key in keys}
