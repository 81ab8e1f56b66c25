"""union(), intersection() and difference() as one pipeline.

Each part is compiled on its own, then its rows are reshaped to the same columns (c0..cN, a
missing value as null so equal rows look equal). A union appends the other parts with
`$unionWith`; DISTINCT (SQL's default) groups equal rows. Intersection and difference tag each
row with its part and keep the rows found in every part, or only in the first.

As a correlated subquery (Subquery(qs1.union(qs2)), Exists(qs1.intersection(qs2))) the whole
pipeline runs inside the outer query's `$lookup`: every part reads the outer columns through the
`$lookup`'s variables, which the `$unionWith` pipelines inside it see too.
"""

from django.core.exceptions import EmptyResultSet

from djongo_core.command import Command

PART = "__part"


SORT_COLUMN = "__orderbycol"


def combined_pipeline(compiler, sort_columns=(), outer=None):
    """Return (collection, pipeline, column count, let) for the compiler's combined query.

    sort_columns are expressions the combined rows are ordered by without selecting them: each
    part carries them as its last columns. outer is the Translator of the query this one is a
    correlated subquery of; let gathers the outer columns every part reads ($lookup variables,
    named by the outer translator, so one name stands for one column in all parts).
    """
    query = compiler.query
    combinator = query.combinator
    parts = []
    let = {}
    for part_query in query.combined_queries:
        if (query.selected is not None and part_query.selected is None) or sort_columns:
            part_query = part_query.clone()
        if query.selected is not None and part_query.selected is None:
            # A values() list on the combined query applies to every part.
            part_query.set_values(query.selected)
        for index, expression in enumerate(sort_columns):
            part_query.add_annotation(expression, f"{SORT_COLUMN}{index}")
        part = part_query.get_compiler(compiler.using, compiler.connection, compiler.elide_empty)
        # Datetimes as the combined query reads them (sub_milliseconds.py), in a pipeline.
        part.precise_columns = compiler._precise
        try:
            plan = part.build_plan(outer)
        except EmptyResultSet:
            # An empty part adds nothing to a union, and takes nothing from a difference's
            # first part; it empties an intersection.
            if combinator == "union" or (combinator == "difference" and parts):
                continue
            raise
        parts.append((plan.command.collection, _normalized(plan)))
        let.update(plan.let)
    if not parts:
        raise EmptyResultSet
    width = len(parts[0][1][-1]["$project"]) - 1
    collection, pipeline = parts[0]
    if combinator == "union":
        pipeline.extend({"$unionWith": {"coll": name, "pipeline": stages}}
                        for name, stages in parts[1:])
        if not query.combinator_all:
            pipeline.extend([{"$group": {"_id": "$$ROOT"}}, {"$replaceRoot": {"newRoot": "$_id"}}])
        return collection, pipeline, width, let
    for number, (_, stages) in enumerate(parts):
        stages.append({"$set": {PART: number}})
    pipeline.extend({"$unionWith": {"coll": name, "pipeline": stages}}
                    for name, stages in parts[1:])
    row = {f"c{index}": f"$c{index}" for index in range(width)}
    pipeline.append({"$group": {"_id": row, "parts": {"$addToSet": f"${PART}"}}})
    if combinator == "intersection":
        pipeline.append({"$match": {"$expr": {"$eq": [{"$size": "$parts"}, len(parts)]}}})
    else:
        pipeline.append({"$match": {"parts": [0]}})
    pipeline.append({"$replaceRoot": {"newRoot": "$_id"}})
    return collection, pipeline, width, let


def _normalized(plan):
    """Return a part's stages, ending with its columns as c0..cN."""
    projection = {"_id": 0}
    for index, (kind, ref) in enumerate(plan.columns):
        # A constant is always quoted: in $project a bare 0, 1 or boolean would be read as
        # "exclude" or "include this field".
        value = {"$ifNull": ["$" + ref, None]} if kind == "key" else {"$literal": ref}
        projection[f"c{index}"] = value
    return [*plan.pipeline(), {"$project": projection}]


def combined_command(compiler, order, window_stages, sort_columns=(), outer=None):
    """Return the Command, column keys and $lookup variables (as a correlated subquery) for
    the combined query, ordered and sliced."""
    collection, pipeline, width, let = combined_pipeline(compiler, sort_columns, outer)
    if order:
        # order holds (column key, descending, whether to sort on the column being null).
        flags = {f"null_{key}": {"$eq": [{"$ifNull": [f"${key}", None]}, None]}
                 for key, _, null_flag in order if null_flag}
        if flags:
            pipeline.append({"$addFields": flags})
        pipeline.append({"$sort": {
            (f"null_{key}" if null_flag else key): -1 if descending else 1
            for key, descending, null_flag in order
        }})
    pipeline.extend(window_stages)
    # The sort columns are the last ones: ordered by, not returned.
    columns = [("key", f"c{index}") for index in range(width - len(sort_columns))]
    return Command(collection, "aggregate", (pipeline,)), columns, let
