"""Django's joins (Query.alias_map) as `$lookup` + `$unwind` stages.

Each joined alias's document is stored under the alias's own key, so a column of a joined table
is read at "<alias>.<field>". `$unwind` gives SQL's row semantics: an INNER join drops rows
without a match, a LEFT OUTER join keeps them, and a multi-valued join repeats the row once per
match, exactly as Django expects from SQL.
"""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.expressions import Col
from django.db.models.sql.constants import LOUTER

from djongo_core.compiler import where
from djongo_core.compiler.expressions import Translator
from djongo_core.compiler.lookups import TEXT_FIELDS
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
    pairs = [(translator.prefixes[join.parent_alias] + stored_name(lhs), stored_name(rhs),
              _compares_as_text(lhs, rhs)) for lhs, rhs in join.join_fields]
    on_conditions = _on_conditions(join, alias)
    if not pairs and not on_conditions:
        # Django's own refusal (Join.as_sql): without either, the join would pair every row
        # with every document.
        declared_field = getattr(join.join_field, "field", join.join_field)
        raise ValueError(
            f"Join generated an empty ON clause. {declared_field.__class__} did not yield "
            "either joining columns or extra restrictions."
        )
    lookup = {"from": join.table_name}
    matches, subqueries = [], []
    # $lookup pairs a null or missing local value with foreign documents whose field is null
    # or missing; SQL's join never matches NULL, so those documents are left out.
    matches.extend({foreign: {"$ne": None}} for _, foreign, _ in pairs if foreign != "_id")
    if len(pairs) == 1 and not pairs[0][2]:
        lookup.update(localField=pairs[0][0], foreignField=pairs[0][1], **{"as": alias})
    else:
        lookup["as"] = alias
        # Keys compared inside the pipeline: several columns (a ForeignObject over a composite
        # key), or a key stored as text joined to one that is not (a generic relation's
        # CharField object_id and an integer primary key), which SQL databases cast (PostgreSQL's
        # prepare_join_on_clause()) and MongoDB's equality would never match: compared as text.
        names = ["key"] if len(pairs) == 1 else [f"key{index}" for index in range(len(pairs))]
        lookup["let"] = {name: "$" + local for name, (local, _, _) in zip(names, pairs)}
        tests = [_key_equality(foreign, "$$" + name, as_text)
                 for name, (_, foreign, as_text) in zip(names, pairs)]
        matches.append({"$expr": tests[0] if len(tests) == 1 else {"$and": tests}})
    inner_translator = Translator(translator.compiler, {alias: ""}, outer=translator)
    for condition in on_conditions:
        # The join's extra conditions are part of its ON clause: they run inside the $lookup,
        # on the joined collection's documents, and read the row's other tables (the parent,
        # earlier joins of a nested relation) through `let` variables.
        try:
            matches.append(inner_translator.match(condition))
        except FullResultSet:
            continue
        except EmptyResultSet:
            # A condition no document can meet (Q(pk__in=[])): the join finds nothing, and a
            # LEFT join keeps the row with nulls, as the ON clause would.
            matches.append({"$expr": False})
        # Subqueries of a condition (Exists()) are $lookups that must run before the $match.
        subqueries.extend(inner_translator.take_pre_stages())
    if inner_translator.let:
        lookup["let"] = {**lookup.get("let", {}), **inner_translator.let}
    if matches:
        lookup["pipeline"] = [*subqueries, {"$match": where.conjunction(matches)}]
    unwind = {"path": "$" + alias}
    if join.join_type == LOUTER:
        unwind["preserveNullAndEmptyArrays"] = True
    return [{"$lookup": lookup}, {"$unwind": unwind}]


def _on_conditions(join, alias):
    """Return the conditions a join adds to the key equality: the relation's own restriction
    (Django's get_extra_restriction(): a generic relation's content type, a ForeignObject's
    fixed values) and a FilteredRelation's condition."""
    conditions = [join.join_field.get_extra_restriction(alias, join.parent_alias)]
    if join.filtered_relation is not None:
        conditions.append(join.filtered_relation.resolved_condition)
    return [condition for condition in conditions if condition is not None]


def _compares_as_text(lhs_field, rhs_field):
    """Return which key of a join is converted to text: "local", "foreign", or None when both
    or neither are stored as text (they compare as they are)."""
    local_text, foreign_text = _stored_as_text(lhs_field), _stored_as_text(rhs_field)
    if local_text == foreign_text:
        return None
    return "local" if foreign_text else "foreign"


def _key_equality(foreign, variable, converted):
    """Return the join's equality of a foreign key path and the row's key variable, the
    non-text side converted to text (the foreign field stays bare where it can, for its
    index)."""
    foreign = "$" + foreign
    if converted == "local":
        variable = {"$toString": variable}
    elif converted == "foreign":
        foreign = {"$toString": foreign}
    return {"$eq": [foreign, variable]}


def _stored_as_text(field):
    while field.is_relation and field.target_field is not field:
        field = field.target_field
    return field.get_internal_type() in TEXT_FIELDS
