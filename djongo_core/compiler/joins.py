"""Django's joins (Query.alias_map) as `$lookup` + `$unwind` stages.

Each joined alias's document is stored under the alias's own key, so a column of a joined table
is read at "<alias>.<field>". `$unwind` gives SQL's row semantics: an INNER join drops rows
without a match, a LEFT OUTER join keeps them, and a multi-valued join repeats the row once per
match, exactly as Django expects from SQL.
"""

from django.db import NotSupportedError
from django.db.models.expressions import Col
from django.db.models.sql.constants import LOUTER

from djongo_core.compiler.expressions import Translator
from djongo_core.documents import stored_name
from djongo_core.compiler.tree import walk


def aliases_in(node):
    """Return the table aliases a where-tree child or expression reads."""
    return {item.alias for item in walk(node) if isinstance(item, Col)}


def keep_rows(query, joined):
    """Return whether the joins keep each row as it is, barring dangling references.

    True when every join reaches at most one document (a unique or primary key) and is either
    a LEFT join or an INNER join from a NOT NULL column (select_related over a non-null foreign
    key). Such joins neither repeat nor reorder rows, so sorting and slicing may come before
    them. An INNER join still drops a row whose key names no document: MongoDB keeps no
    foreign keys, so a reference can dangle, and the page then comes back that row shorter
    (docs/queries.md, "Joins and dangling references").
    """
    for alias in joined:
        join = query.alias_map[alias]
        if not all(rhs.unique or rhs.primary_key for _, rhs in join.join_fields):
            return False
        if join.join_type != LOUTER and any(lhs.null for lhs, _ in join.join_fields):
            return False
    return True


def lookup_stages(query, alias, translator):
    """Return the stages that bring alias's documents into each row."""
    join = query.alias_map[alias]
    if join.filtered_relation is not None:
        raise NotSupportedError("FilteredRelation is not supported yet.")
    if len(join.join_fields) != 1:
        raise NotSupportedError("Joins on composite keys are not supported yet.")
    (lhs_field, rhs_field), = join.join_fields
    local = translator.prefixes[join.parent_alias] + stored_name(lhs_field)
    foreign = stored_name(rhs_field)
    lookup = {"from": join.table_name, "localField": local, "foreignField": foreign, "as": alias}
    inner = []
    if foreign != "_id":
        # $lookup pairs a null or missing local value with foreign documents whose field is null
        # or missing; SQL's join never matches NULL, so those documents are left out.
        inner.append({"$match": {foreign: {"$ne": None}}})
    restriction = join.join_field.get_extra_restriction(alias, join.parent_alias)
    if restriction is not None:
        # The join's extra condition (a generic relation's content type) is part of the ON
        # clause: it runs inside the $lookup, reading the parent row's columns through `let`.
        inner_translator = Translator(translator.compiler, {alias: ""}, outer=translator)
        inner.append({"$match": inner_translator.match(restriction)})
        if inner_translator.let:
            lookup["let"] = inner_translator.let
    if inner:
        lookup["pipeline"] = inner
    unwind = {"path": "$" + alias}
    if join.join_type == LOUTER:
        unwind["preserveNullAndEmptyArrays"] = True
    return [{"$lookup": lookup}, {"$unwind": unwind}]
