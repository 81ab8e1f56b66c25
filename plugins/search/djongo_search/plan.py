"""The search stage of a query: where the conditions and values go, and what MongoDB refuses.

MongoDB runs ``$search`` and ``$vectorSearch`` only as the first stage of an aggregation
pipeline, one per pipeline (a second one only inside ``$unionWith``, which HybridScore uses),
never in a find, an update, a delete, or a ``$lookup`` the ORM makes of a subquery.

Translation (djongo_translate_node): a search condition in ``filter()`` becomes a marker,
``{"$djongoSearch": n}``, in the query document; the scores and highlights become their
``{"$meta": ...}`` values. A marker that reached a server would be refused there ("unknown top
level operator"), never silently matched.

Planning (djongo_plan_query): the query's search conditions, combined as the WHERE tree
combines them (AND: must, OR: should, NOT: mustNot), become one ``$search`` stage opening the
pipeline, and the markers are taken out; a VectorSearch annotation opens it with
``$vectorSearch``; a HybridScore with the fused pair (hybrid.py).
"""

from django.core.exceptions import FieldDoesNotExist, FullResultSet
from django.db import NotSupportedError
from django.db.models.sql import Query
from django.db.models.sql.subqueries import DeleteQuery, UpdateQuery
from django.db.models.sql.where import AND, OR, WhereNode

from djongo_core.plugins import model_translator, stored_name
from djongo_search import hybrid as hybrid_module
from djongo_search.indexes import MAPPING_TYPES, SearchIndex, VectorSearchIndex, search_indexes
from djongo_search.search import (
    SearchCondition, SearchHighlights, SearchScore, SearchVector,
)
from djongo_search.vector import SearchRestriction, VectorSearch

MARKER = "$djongoSearch"
RULE = ("MongoDB runs $search or $vectorSearch only as the first stage of a query's pipeline, "
        "one per query")
# The operators $vectorSearch's filter accepts.
PRE_FILTER_OPERATORS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists",
                        "$not", "$and", "$or", "$nor"}


# -- translation --------------------------------------------------------------------------------

def translate(compiler, node, translator, form):
    """Return the MQL of a node of this plugin in the form asked for, None for other nodes."""
    if not isinstance(node, (SearchCondition, SearchRestriction, SearchScore, SearchHighlights,
                             VectorSearch, hybrid_module.HybridScore, SearchVector)):
        return None
    query = translator.query
    label = query.model._meta.label
    if isinstance(query, (UpdateQuery, DeleteQuery)) or isinstance(
            getattr(compiler, "query", None), (UpdateQuery, DeleteQuery)):
        raise NotSupportedError(
            f"{node!r} in an update() or delete() of {label}: {RULE}, and updates and deletes "
            "run no pipeline. Select the primary keys first: "
            "Model.objects.filter(pk__in=list(searched.values_list('pk', flat=True))).delete().")
    if getattr(query, "subquery", False):
        raise NotSupportedError(
            f"{node!r} inside a subquery on {label}: {RULE}, the outer query's. Run the search "
            "on its own and pass its primary keys to the outer query.")
    if isinstance(node, SearchRestriction):
        return {MARKER: _number(query.where, node)} if form == "match" else None
    if isinstance(node, SearchCondition):
        if form != "match":
            raise NotSupportedError(f"{node!r} on {label} is used outside filter() (in an "
                                    f"annotation, Case/When or an aggregate's filter=): {RULE}, "
                                    "which filters the documents; it is not a value.")
        return {MARKER: _number(query.where, node)}
    if form != "expression":
        return None
    if isinstance(node, VectorSearch):
        return {"$meta": "vectorSearchScore"}
    if isinstance(node, hybrid_module.HybridScore):
        return "$" + hybrid_module.SCORE_KEY
    if isinstance(node, SearchVector):
        # The text searched, as PostgreSQL's SearchVector annotation shows its words.
        parts = []
        for name in node.field_names:
            parts += [" ", {"$ifNull": ["$" + stored_name(_field(query.model, name)), ""]}]
        return {"$concat": parts[1:]}
    if not _search_parts(query.where):
        raise NotSupportedError(f"{node!r} on {label} needs a search in the same query: filter "
                                "with a search condition (Text, SearchQuery...) first.")
    if isinstance(node, SearchScore):
        return {"$meta": "searchScore"}
    paths = [stored_name(_field(query.model, name)) for name in node.field_names]
    return {"$filter": {"input": {"$ifNull": [{"$meta": "searchHighlights"}, []]},
                        "cond": {"$in": ["$$this.path", paths]}}}


def _number(where, node):
    for number, leaf in enumerate(_leaves(where)):
        if leaf is node:
            _search_parts(where)  # refuses a search mixed with plain conditions
            return number
    raise NotSupportedError(f"{node!r} must be a condition of filter() (or exclude()): {RULE}.")


def _leaves(tree):
    if isinstance(tree, WhereNode):
        for child in tree.children:
            yield from _leaves(child)
    elif tree is not None:
        yield tree


def _search_parts(where):
    """Return the subtrees of the WHERE tree's top-level AND that hold full-text conditions.

    A subtree mixing search conditions with plain ones under OR or NOT is refused: the search
    runs in its own stage, before any $match."""
    if where is None:
        return []
    top = where.children if (isinstance(where, WhereNode) and where.connector == AND
                             and not where.negated) else [where]
    parts = []
    for child in top:
        kinds = {isinstance(leaf, (SearchCondition, SearchRestriction))
                 for leaf in _leaves(child)}
        if kinds == {True}:
            if not isinstance(child, SearchRestriction):
                parts.append(child)
        elif True in kinds:
            raise NotSupportedError(
                f"A search condition is combined with plain conditions by OR or NOT: {RULE}, "
                "ANDed with the others. Put the alternatives inside the search (Compound, "
                "SearchQuery | SearchQuery), or run two queries.")
    return parts


# -- the operator of the WHERE tree's search conditions -----------------------------------------

class Paths:
    """Stored paths of the fields a search operator names, checked against the index."""

    def __init__(self, model, index):
        self.model, self.index = model, index

    def __call__(self, names, operator):
        index, model = self.index, self.model
        where = f"SearchIndex {index.name!r} of {model._meta.label}"
        if names is None:
            if index.dynamic:
                return [{"wildcard": "*"}]
            names = index.autocomplete if operator == "autocomplete" else [
                name for name in index.fields
                if index.field_mappings.get(name) or MAPPING_TYPES.get(
                    _field(model, name).get_internal_type()) == "string"]
        paths = []
        for name in names:
            field = _field(model, name)
            if operator == "autocomplete" and name not in index.autocomplete and not (
                    index.field_mappings.get(name)):
                raise NotSupportedError(
                    f"Autocomplete on {model._meta.label}.{name}: {where} does not index it "
                    f"for autocomplete. Add {name!r} to its autocomplete=[...] and migrate.")
            if not index.dynamic and name not in index.fields:
                raise NotSupportedError(
                    f"{model._meta.label}.{name} is not in {where} (fields: "
                    f"{', '.join(index.fields)}): MongoDB Search finds only what the index "
                    "holds. Add it to the index's fields and migrate.")
            paths.append(stored_name(field))
        return paths


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        raise NotSupportedError(f"{model._meta.label} has no field {name!r} to search.") from None


def search_operator(parts, model):
    """Return (index, operator document) of the search conditions of a query."""
    conditions = [leaf for part in parts for leaf in _leaves(part)]
    index = _search_index(model, {c.index for c in conditions if c.index})
    resolve = Paths(model, index)
    polarity, operator = _combine([_operator(part, resolve) for part in parts], AND)
    if polarity == "negative":
        raise NotSupportedError(f"The search on {model._meta.label} only excludes (~, "
                                "exclude()): MongoDB Search needs something to find. Add a "
                                "positive condition.")
    return index, operator


def _operator(node, resolve):
    """Return (polarity, operator) of a search subtree of the WHERE tree."""
    if isinstance(node, SearchCondition):
        result = ("positive", node.operator(resolve))
    else:
        if node.connector not in (AND, OR):
            raise NotSupportedError("Search conditions combined with XOR (^): MongoDB Search "
                                    "has must, should and mustNot only.")
        result = _combine([_operator(child, resolve) for child in node.children],
                          node.connector)
    if getattr(node, "negated", False):
        polarity, operator = result
        result = ("negative" if polarity == "positive" else "positive", operator)
    return result


def _combine(results, connector):
    if len(results) == 1:
        return results[0]
    positive = [operator for polarity, operator in results if polarity == "positive"]
    negative = [operator for polarity, operator in results if polarity == "negative"]
    if connector == OR:
        if negative:
            raise NotSupportedError("A negated search condition ORed with others (a | ~b): "
                                    "MongoDB Search's should clauses cannot be negative. "
                                    "Rewrite it with Compound(...).")
        return "positive", {"compound": {"should": positive, "minimumShouldMatch": 1}}
    if not positive:
        # ~a & ~b is ~(a | b).
        return "negative", {"compound": {"should": negative, "minimumShouldMatch": 1}}
    spec = {"must": positive}
    if negative:
        spec["mustNot"] = negative
    if len(positive) == 1 and not negative:
        return "positive", positive[0]
    return "positive", {"compound": spec}


def _search_index(model, named):
    indexes = search_indexes(model, SearchIndex)
    label = model._meta.label
    if len(named) > 1:
        raise NotSupportedError(f"The search conditions on {label} name the indexes "
                                f"{sorted(named)}; {RULE}, on one index.")
    if named:
        (name,) = named
        for index in indexes:
            if index.name == name:
                return index
        raise NotSupportedError(f"{label} has no SearchIndex named {name!r} (it has "
                                f"{[i.name for i in indexes]}).")
    if len(indexes) == 1:
        return indexes[0]
    if not indexes:
        raise NotSupportedError(f"{label} has no SearchIndex, which a full-text search needs. "
                                f"Add djongo_search.SearchIndex(fields=[...], name=...) to "
                                f"{model.__name__}.Meta.indexes, then makemigrations and "
                                "migrate.")
    raise NotSupportedError(f"{label} has several SearchIndexes ({[i.name for i in indexes]}); "
                            "say which with index=... on the search condition.")


# -- the plan -----------------------------------------------------------------------------------

def search_plan(compiler, plan):
    """Return the plan opened by its search stage(s), or None when the query searches nothing."""
    query = compiler.query
    if query.combinator and any(_searches(q) for q in (query, *query.combined_queries)):
        raise NotSupportedError(
            f"A search in {query.combinator}() of {query.model._meta.label} QuerySets: {RULE}, "
            "and the combined queries run inside $unionWith stages. Search on its own and "
            "combine the primary keys it finds.")
    queries = [query, *([query.inner_query] if getattr(query, "inner_query", None) else [])]
    parts = [part for q in queries for part in _search_parts(q.where)]
    values = [node for q in queries for node in _values(q)] + [
        leaf.search for q in queries for leaf in _leaves(q.where)
        if isinstance(leaf, SearchRestriction)]
    vectors = _distinct(node for node in values if isinstance(node, VectorSearch))
    hybrids = _distinct(node for node in values if isinstance(node, hybrid_module.HybridScore))
    highlights = [node for node in values if isinstance(node, SearchHighlights)]
    if not (parts or vectors or hybrids):
        return None
    model = query.model._meta.concrete_model
    label = model._meta.label
    stages = len(hybrids) + (1 if parts else 0) + len(
        [v for v in vectors if all(v is not h.vector and v != h.vector for h in hybrids)])
    if stages > 1 or len(hybrids) > 1:
        raise NotSupportedError(
            f"The query on {label} runs {stages} searches: {RULE}. Combine a full-text search "
            "and a vector search with HybridScore(search, vector), which fuses their ranks.")
    collection = model._meta.db_table
    if hybrids:
        (fused,) = hybrids
        search_stage = _search_stage(model, [], condition=fused.search)
        opening = hybrid_module.fused_stages(
            _vector_stage(model, fused.vector, compiler.connection), search_stage,
            collection, fused)
    elif vectors:
        opening = [_vector_stage(model, vectors[0], compiler.connection)]
    else:
        opening = [_search_stage(model, parts, highlights=highlights)]
    return plan.with_pipeline([*opening, *_cleaned(plan.pipeline())])


def _searches(query):
    """Whether a query has a search condition or a search annotation."""
    return any(isinstance(leaf, (SearchCondition, SearchRestriction))
               for leaf in _leaves(query.where))


def _values(query):
    expressions = [*query.annotations.values(),
                   *(item for item in query.order_by if not isinstance(item, str))]
    for expression in expressions:
        yield from _walk(expression)


def _walk(node):
    yield node
    if isinstance(node, hybrid_module.HybridScore):
        return
    for child in node.get_source_expressions() if hasattr(node, "get_source_expressions") else ():
        if child is not None:
            yield from _walk(child)


def _distinct(nodes):
    found = []
    for node in nodes:
        if not any(node is other or node == other for other in found):
            found.append(node)
    return found


def _search_stage(model, parts, *, condition=None, highlights=()):
    if condition is not None:
        index = _search_index(model, {condition.index} if condition.index else set())
        operator = condition.operator(Paths(model, index))
    else:
        index, operator = search_operator(parts, model)
    stage = {"index": index.name, **operator}
    paths = sorted({stored_name(_field(model, name)) for node in highlights
                    for name in node.field_names})
    if paths:
        stage["highlight"] = {"path": paths[0] if len(paths) == 1 else paths}
        for node in highlights:
            if node.max_passages:
                stage["highlight"]["maxNumPassages"] = node.max_passages
            if node.max_chars_to_examine:
                stage["highlight"]["maxCharsToExamine"] = node.max_chars_to_examine
    return {"$search": stage}


def _vector_stage(model, vector, connection):
    column = vector.get_source_expressions()[0]
    label = model._meta.label
    field = getattr(column, "target", None)
    if field is None or field.model._meta.concrete_model is not model:
        raise NotSupportedError(f"VectorSearch on {label} searches a VectorField of "
                                f"{label} itself, not {column!r}.")
    candidates = [index for index in search_indexes(model, VectorSearchIndex)
                  if field.name in index.fields and vector.index in (None, index.name)]
    if not candidates:
        raise NotSupportedError(
            f"VectorSearch on {label}.{field.name} needs a VectorSearchIndex over it"
            f"{f' named {vector.index!r}' if vector.index else ''}: add "
            f"djongo_search.VectorSearchIndex(fields=[{field.name!r}], name=...) to "
            f"{model.__name__}.Meta.indexes, then makemigrations and migrate.")
    if len(candidates) > 1:
        raise NotSupportedError(f"{label}.{field.name} has several VectorSearchIndexes; say "
                                "which with VectorSearch(..., index=...).")
    index = candidates[0]
    if len(vector.query_vector) != field.dimensions:
        raise NotSupportedError(
            f"VectorSearch on {label}.{field.name}: the query vector has "
            f"{len(vector.query_vector)} numbers, the field {field.dimensions}. Embed the query "
            "with the model that embedded the documents.")
    stage = {"index": index.name, "path": stored_name(field),
             "queryVector": vector.query_vector, "limit": vector.limit}
    if vector.exact:
        stage["exact"] = True
    else:
        stage["numCandidates"] = vector.num_candidates
    if vector.pre_filter is not None:
        pre_filter = pre_filter_document(connection, model, index, vector.pre_filter)
        if pre_filter:
            stage["filter"] = pre_filter
    return {"$vectorSearch": stage}


def pre_filter_document(connection, model, index, condition):
    """Return a Q as $vectorSearch's filter, refusing fields the index does not filter on."""
    where = Query(model).build_where(condition)
    try:
        document = model_translator(connection, model).match(where)
    except FullResultSet:
        return None
    allowed = index.filter_paths(model)
    _check_pre_filter(document, allowed, model, index)
    return document


def _check_pre_filter(document, allowed, model, index, field=None):
    label = model._meta.label
    if isinstance(document, list):
        for item in document:
            _check_pre_filter(item, allowed, model, index, field)
        return
    if not isinstance(document, dict):
        return
    for key, value in document.items():
        if key.startswith("$"):
            if key not in PRE_FILTER_OPERATORS:
                raise NotSupportedError(
                    f"VectorSearch(filter=...) on {label} needs {key}, which MongoDB's vector "
                    f"pre-filter does not run: it compares filter fields with values "
                    f"({', '.join(sorted(PRE_FILTER_OPERATORS))}).")
            _check_pre_filter(value, allowed, model, index, field)
            continue
        if field is None and key not in allowed:
            filters = ", ".join(allowed.values()) or "none"
            raise NotSupportedError(
                f"VectorSearch(filter=...) on {label} tests {key!r}, which VectorSearchIndex "
                f"{index.name!r} does not declare as a filter field (filters: {filters}): "
                "MongoDB pre-filters only on those. Add it to the index's filters=[...] and "
                "migrate, or filter() after the search.")
        if field is None:
            _check_pre_filter(value, allowed, model, index, key)


def _cleaned(pipeline):
    """The pipeline without the markers of search conditions (they are the search stage now),
    and with search metadata (scores, highlights) read through fields set right after the
    search by every stage but $project and $addFields: MongoDB gives $meta values to those,
    and a $sort key cannot be one."""
    cleaned, metadata = [], {}
    for stage in pipeline:
        if "$match" in stage:
            match = _unmarked(stage["$match"])
            if match:
                cleaned.append({"$match": _through_fields(match, metadata)})
        elif "$sort" in stage:
            cleaned.append({"$sort": {
                (_meta_field(value, metadata) if _is_meta(value) else key):
                    (-1 if _is_meta(value) else value)
                for key, value in stage["$sort"].items()}})
        elif "$project" in stage or "$addFields" in stage:
            cleaned.append(stage)
        else:
            cleaned.append(_through_fields(stage, metadata))
    if metadata:
        cleaned.insert(0, {"$addFields": {field: {"$meta": kind}
                                          for kind, field in metadata.items()}})
    return cleaned


def _is_meta(value):
    return isinstance(value, dict) and set(value) == {"$meta"}


def _meta_field(value, metadata):
    kind = value["$meta"]
    return metadata.setdefault(kind, f"__search_{kind}")


def _through_fields(document, metadata):
    if _is_meta(document):
        return "$" + _meta_field(document, metadata)
    if isinstance(document, dict):
        return {key: _through_fields(value, metadata) for key, value in document.items()}
    if isinstance(document, list):
        return [_through_fields(item, metadata) for item in document]
    return document


def _unmarked(document):
    """A query document without search markers; None when nothing else was in it."""
    kept = {}
    for key, value in document.items():
        if key == MARKER:
            continue
        if key in ("$and", "$or", "$nor"):
            parts = [_unmarked(part) for part in value]
            remaining = [part for part in parts if part is not None]
            if not remaining:
                continue
            kept[key] = remaining
            continue
        kept[key] = value
    return kept or None
