"""`$text` answered as MongoDB answers it (deviations "text-search-projection",
"text-search-order" and "text-search-find-only", shimmed).

mongoeco 4.11 finds and scores the documents of a `$text` query in a `find` only, and there it
returns, under an inclusion projection, nothing but `_id` and the `{"$meta": "textScore"}`
fields, fails on an exclusion projection, and ignores a sort on the score. MongoDB takes `$text`
in a find's filter, in the `$match` opening a pipeline, and in the filters of count, distinct,
update, delete and findAndModify, projects and sorts like any query, and keeps the score with
each document through the pipeline.

Inside the embedded server, this shim first asks mongoeco for the matches of the whole filter and
their scores (the one form it answers), then runs the command on those documents by `_id`, with
each score in a field of its own (SCORE) that stands for `{"$meta": "textScore"}`: a sort on the
score sorts on it, descending as MongoDB does, a projection reads it, and it is removed before
the documents are returned. Commands without `$text` are untouched. mongoeco has no public hook
for commands, so the shim wraps the method that runs a command document on a database
(`AsyncDatabase.command`, which the wire server calls for every query and write; a layer of
layers.py, which the search shim wraps too), and does nothing if that method is gone.
"""

from djongo_core.embedded.shims.layers import DATABASE_COMMAND

SCORE = "__djongo_text_score"
META = {"$meta": "textScore"}

_command = DATABASE_COMMAND.original


def has_text(query):
    return isinstance(query, dict) and "$text" in query


class _Call:
    """One command on one database, with the options (session...) of the command it serves."""

    def __init__(self, database, body, options):
        self.database, self.body, self.options = database, body, options
        self.name = next(iter(body))

    async def run(self, body):
        return await _command(self.database, body, **self.options)


async def _matches(call, collection, query):
    """Return the _ids and the text scores of the documents matching query, in that order."""
    body = {"find": collection, "filter": query, "projection": {"_id": 1, SCORE: META}}
    reply = await call.run(body)
    documents = reply["cursor"]["firstBatch"]
    return [document["_id"] for document in documents], [document[SCORE] for document in
                                                          documents]


async def _scored_stages(call, collection, query):
    """Return the stages that stand for `{"$match": query}`: the matches with their scores."""
    ids, scores = await _matches(call, collection, query)
    return [{"$match": {"_id": {"$in": ids}}},
            {"$addFields": {SCORE: {"$arrayElemAt": [scores, {"$indexOfArray": [ids, "$_id"]}]}}}]


def _sort(sort):
    """A sort with the score as its field: MongoDB sorts on the score descending."""
    return {(SCORE if value == META else key): (-1 if value == META else value)
            for key, value in sort.items()}


def _is_inclusion(projection):
    return any(value not in (0, False) for key, value in projection.items()
               if key != "_id" and value != META)


def _projected(projection):
    """The stages of a find projection whose $meta fields read the score; SCORE goes."""
    if not projection:
        return [{"$project": {SCORE: 0}}]
    scored = {key: "$" + SCORE for key, value in projection.items() if value == META}
    rest = {key: value for key, value in projection.items() if value != META}
    if _is_inclusion(projection):
        return [{"$project": {**rest, **scored}}]
    stages = [{"$addFields": scored}] if scored else []
    return [*stages, {"$project": {**rest, SCORE: 0}}]


def _replace_meta(value):
    """Every {"$meta": "textScore"} in an expression as a read of SCORE."""
    if value == META:
        return "$" + SCORE
    if isinstance(value, dict):
        return {key: _replace_meta(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_meta(item) for item in value]
    return value


def _pipeline_stage(stage):
    """A later stage of a text-search pipeline, reading the score where it reads the $meta."""
    if not isinstance(stage, dict) or len(stage) != 1:
        return stage
    (name, spec), = stage.items()
    if name == "$sort" and isinstance(spec, dict):
        return {name: _sort(spec)}
    if name == "$project" and isinstance(spec, dict) and _is_inclusion(spec):
        # The score stays with the document after an inclusion, as MongoDB's metadata does.
        return {name: {**_replace_meta(spec), SCORE: 1}}
    return {name: _replace_meta(spec)}


async def _find(call):
    body = call.body
    stages = await _scored_stages(call, body["find"], body["filter"])
    if body.get("sort"):
        stages.append({"$sort": _sort(body["sort"])})
    if body.get("skip"):
        stages.append({"$skip": body["skip"]})
    if body.get("limit"):
        stages.append({"$limit": abs(body["limit"])})
    stages += _projected(body.get("projection"))
    aggregate = {"aggregate": body["find"], "pipeline": stages, "cursor": {}}
    aggregate.update({key: body[key] for key in ("collation", "let", "comment", "hint")
                      if key in body})
    return await call.run(aggregate)


async def _aggregate(call):
    body = call.body
    pipeline = body["pipeline"]
    stages = await _scored_stages(call, body["aggregate"], pipeline[0]["$match"])
    rest = [_pipeline_stage(stage) for stage in pipeline[1:]]
    # The score goes before the documents leave ($out and $merge write them).
    writes = 1 if rest and isinstance(rest[-1], dict) and (
        "$out" in rest[-1] or "$merge" in rest[-1]) else 0
    rest[len(rest) - writes:len(rest) - writes] = [{"$project": {SCORE: 0}}]
    return await call.run({**body, "pipeline": stages + rest})


async def _by_ids(call, collection, query):
    ids, _scores = await _matches(call, collection, query)
    return {"_id": {"$in": ids}}


async def _filtered(call, key):
    """count, distinct and findAndModify: their `query` as the matching _ids."""
    body = dict(call.body)
    body[key] = await _by_ids(call, body[call.name], body[key])
    return await call.run(body)


async def _writes(call, statements, query_key):
    """update and delete: each statement's filter as the matching _ids."""
    body = dict(call.body)
    collection = body[call.name]
    rewritten = []
    for statement in body[statements]:
        if isinstance(statement, dict) and has_text(statement.get(query_key)):
            statement = {**statement, query_key: await _by_ids(
                call, collection, statement[query_key])}
        rewritten.append(statement)
    body[statements] = rewritten
    return await call.run(body)


def _rewrite(call):
    """Return the coroutine answering a command that holds $text, or None."""
    body, name = call.body, call.name
    if name == "find" and has_text(body.get("filter")):
        return _find
    if name == "aggregate":
        pipeline = body.get("pipeline")
        if isinstance(pipeline, list) and pipeline and isinstance(pipeline[0], dict) and \
                has_text(pipeline[0].get("$match")):
            return _aggregate
    if name in ("count", "distinct", "findAndModify") and has_text(body.get("query")):
        return lambda call: _filtered(call, "query")
    if name == "update" and any(isinstance(s, dict) and has_text(s.get("q"))
                                for s in body.get("updates") or ()):
        return lambda call: _writes(call, "updates", "q")
    if name == "delete" and any(isinstance(s, dict) and has_text(s.get("q"))
                                for s in body.get("deletes") or ()):
        return lambda call: _writes(call, "deletes", "q")
    return None


async def _answered(database, command, **options):
    if isinstance(command, dict) and command:
        call = _Call(database, command, options)
        rewrite = _rewrite(call)
        if rewrite is not None:
            return await rewrite(call)
    return await DATABASE_COMMAND.forward(_answered, database, command, **options)


def install():
    """Answer $text queries as MongoDB does (idempotent)."""
    DATABASE_COMMAND.add(_answered)


def uninstall():
    DATABASE_COMMAND.remove(_answered)
