"""MongoDB Search on the embedded engine (deviations "search-index-commands",
"search-score-missing", "vector-search-exact" and "search-in-union", shimmed).

mongoeco 4.11 runs ``$search`` and ``$vectorSearch`` and keeps search indexes through its
Python API, but over the wire it refuses what MongoDB's drivers send around them:

- the commands ``createSearchIndexes``, ``updateSearchIndex`` and ``dropSearchIndex`` and the
  ``$listSearchIndexes`` stage ("unsupported wire command"), which migrations and pymongo's
  ``create_search_index``/``list_search_indexes`` use;
- parts of MongoDB's index definitions: a field mapped to several types (a list), options of
  a mapping besides ``type``/``analyzer``/``searchAnalyzer``, and the ``filter`` fields of a
  vector index;
- ``{"$meta": "searchScore"}``: mongoeco ranks ``$search`` results but exposes no score, and
  its ``vectorSearchScore`` is the raw similarity, not MongoDB's score in [0, 1];
- ``exact: true`` in ``$vectorSearch`` (its vector search scans every vector anyway);
- ``$search``/``$vectorSearch`` opening the pipeline of a ``$unionWith``, as hybrid search
  (reciprocal rank fusion) sends it.

This shim answers them inside the embedded server with MongoDB's replies: the index commands
call mongoeco's own search-index API with the definition narrowed to what mongoeco reads
(``$listSearchIndexes`` reports the definition as sent, READY and queryable at once: the
embedded engine indexes synchronously); a ``$search`` attaches a score (mongoeco's term
frequencies summed over must and should clauses, not Lucene's BM25: the order of documents
matches, the numbers do not) that ``searchScore`` reads; highlights come in MongoDB's shape
(``texts`` of ``hit`` and ``text`` values); vector scores are normalized as
MongoDB normalizes them (mongoeco reports the raw similarity); ``exact: true`` becomes a scan of
every candidate; a ``$unionWith`` opening with a search stage runs that pipeline first and
unions its documents (the sub-pipeline never depends on the outer documents).

mongoeco has no public hook for commands, so the shim wraps ``AsyncDatabase.command`` (where
the wire layer hands every passthrough command; with the text-search shim, through layers.py),
lets the wire surface accept the three
commands, wraps each engine's ``execute_search`` and registers ``$meta`` as an aggregation
expression extension (mongoeco consults extensions first). It stands down if mongoeco renames
any of them.
"""

import uuid

from mongoeco.core.aggregation import (
    get_registered_aggregation_expression_operator,
    register_aggregation_expression_operator,
    unregister_aggregation_expression_operator,
)
from mongoeco.core.runtime_metadata import RuntimeDocumentState, RuntimeMetadataKey
from mongoeco.core.paths import get_document_value
from mongoeco.core.search import (
    SEARCH_HIGHLIGHTS_METADATA_FIELD,
    TEXT_SCORE_FIELD,
    VECTOR_SEARCH_SCORE_FIELD,
    SearchCompoundQuery,
    SearchVectorQuery,
    is_text_search_query,
    search_clause_ranking,
)
from mongoeco.core.search_models import SearchHit
from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.types import SearchIndexDefinition

from djongo_core.embedded.shims.layers import DATABASE_COMMAND, SUPPORTS_COMMAND
from djongo_core.embedded.shims.replies import command_error as _error
from djongo_core.embedded.shims.replies import namespace_not_found

COMMANDS = ("createSearchIndexes", "updateSearchIndex", "dropSearchIndex")
# MongoDB's largest numCandidates: what exact: true is turned into.
MAX_CANDIDATES = 10_000
# The field mapping types and options mongoeco 4.11 reads; the rest is left out of what it is
# given (docs/engine-deviations.md#search-index-commands).
MAPPING_TYPES = frozenset({"string", "autocomplete", "token", "number", "date", "boolean",
                           "objectId", "uuid", "document", "embeddedDocuments"})
MAPPING_OPTIONS = frozenset({"type", "analyzer", "searchAnalyzer"})
DEFINITION_OPTIONS = frozenset({"mappings", "analyzer", "searchAnalyzer"})
VECTOR_OPTIONS = frozenset({"type", "path", "numDimensions", "similarity"})

_executors = {engine: getattr(engine, "execute_search", None)
              for engine in (MemoryEngine, SQLiteEngine)}
# The definitions as sent, by (engine, database, collection, index name): mongoeco keeps the
# narrowed ones, $listSearchIndexes reports these.
_sent = {}



# -- definitions --------------------------------------------------------------------------------

def engine_definition(index_type, definition):
    """Return ``definition`` narrowed to what mongoeco's search index API accepts."""
    if index_type == "vectorSearch":
        return {"fields": [{key: value for key, value in field.items() if key in VECTOR_OPTIONS}
                           for field in definition.get("fields", ())
                           if field.get("type") == "vector"]}
    narrowed = {key: value for key, value in definition.items() if key in DEFINITION_OPTIONS}
    if "mappings" in narrowed:
        narrowed["mappings"] = _mappings(narrowed["mappings"])
    return narrowed


def _mappings(mappings):
    fields = {}
    for name, spec in mappings.get("fields", {}).items():
        # A field mapped several ways keeps its first mapping mongoeco knows: mongoeco's
        # string mapping also answers autocomplete and wildcard.
        candidates = spec if isinstance(spec, list) else [spec]
        known = [c for c in candidates if c.get("type", "document") in MAPPING_TYPES]
        if known:
            fields[name] = _mapping(known[0])
    return {"dynamic": mappings.get("dynamic", False), "fields": fields}


def _mapping(spec):
    if spec.get("type", "document") in ("document", "embeddedDocuments"):
        return {"type": spec.get("type", "document"), **_mappings(spec)}
    return {key: value for key, value in spec.items() if key in MAPPING_OPTIONS}


def filter_paths(definition):
    """Return the paths a vector index definition declares as filter fields."""
    return {field["path"] for field in definition.get("fields", ())
            if field.get("type") == "filter"}


# -- the commands -------------------------------------------------------------------------------

async def _create(database, document):
    collection = document["createSearchIndexes"]
    await _require_collection(database, collection)
    created = []
    for spec in document.get("indexes", ()):
        name, index_type = spec.get("name", "default"), spec.get("type", "search")
        definition = spec.get("definition")
        if not isinstance(definition, dict):
            raise _error(9, "FailedToParse", "a search index needs a definition document")
        await database._engine.create_search_index(
            database.name, collection,
            SearchIndexDefinition(engine_definition(index_type, definition), name=name,
                                  index_type=index_type))
        _sent[_key(database, collection, name)] = (index_type, definition)
        created.append({"id": uuid.uuid4().hex[:24], "name": name})
    return {"indexesCreated": created, "ok": 1.0}


async def _update(database, document):
    collection, name = document["updateSearchIndex"], document.get("name")
    await _require_collection(database, collection)
    index_type, _ = await _stored(database, collection, name)
    definition = document.get("definition")
    await database._engine.update_search_index(
        database.name, collection, name, engine_definition(index_type, definition))
    _sent[_key(database, collection, name)] = (index_type, definition)
    return {"ok": 1.0}


async def _drop(database, document):
    collection, name = document["dropSearchIndex"], document.get("name")
    await _require_collection(database, collection)
    await _stored(database, collection, name)
    await database._engine.drop_search_index(database.name, collection, name)
    _sent.pop(_key(database, collection, name), None)
    return {"ok": 1.0}


async def _list(database, collection, spec):
    wanted = (spec or {}).get("name")
    listed = []
    for index in await database._engine.list_search_indexes(database.name, collection,
                                                            name=wanted):
        name = index["name"]
        index_type, definition = _sent.get(_key(database, collection, name),
                                           (index["type"], index["latestDefinition"]))
        listed.append({"id": name, "name": name, "type": index_type, "status": "READY",
                       "queryable": True, "latestDefinition": definition})
    return {"cursor": {"id": 0, "ns": f"{database.name}.{collection}", "firstBatch": listed},
            "ok": 1.0}


async def _require_collection(database, collection):
    if collection not in await database._engine.list_collections(database.name):
        raise namespace_not_found(f"Collection '{database.name}.{collection}' does not exist.")


async def _stored(database, collection, name):
    indexes = await database._engine.list_search_indexes(database.name, collection, name=name)
    if not indexes:
        raise _error(27, "IndexNotFound", f"Search index {name!r} does not exist on "
                                          f"{database.name}.{collection}")
    return indexes[0]["type"], indexes[0]["latestDefinition"]


def _key(database, collection, name):
    return (id(database._engine), database.name, collection, name)


# -- aggregates ---------------------------------------------------------------------------------

async def _aggregate(database, document, kwargs):
    pipeline = document.get("pipeline") or []
    first = pipeline[0] if pipeline else {}
    if "$listSearchIndexes" in first:
        return await _list(database, document["aggregate"], first["$listSearchIndexes"])
    rewritten = [await _stage(database, stage, kwargs) for stage in pipeline]
    if rewritten != pipeline:
        document = {**document, "pipeline": rewritten}
    return await DATABASE_COMMAND.forward(_answer, database, document, **kwargs)


async def _stage(database, stage, kwargs):
    if "$vectorSearch" in stage and stage["$vectorSearch"].get("exact"):
        spec = {k: v for k, v in stage["$vectorSearch"].items() if k != "exact"}
        return {"$vectorSearch": {**spec, "numCandidates": MAX_CANDIDATES}}
    union = stage.get("$unionWith")
    if isinstance(union, dict) and union.get("pipeline") and any(
            key in union["pipeline"][0] for key in ("$search", "$vectorSearch")):
        reply = await _aggregate(database, {"aggregate": union.get("coll"),
                                            "pipeline": union["pipeline"], "cursor": {}},
                                 kwargs)
        documents = await _documents(database, reply)
        return {"$unionWith": {"pipeline": [{"$documents": documents}]}}
    return stage


async def _documents(database, reply):
    """Every document of an aggregate's reply (a dict, or mongoeco's cursor result)."""
    if not isinstance(reply, dict):
        reply = reply.to_document()
    return list(reply["cursor"]["firstBatch"])


async def _answer(self, command, *, session=None, **kwargs):
    if isinstance(command, dict) and command:
        name = next(iter(command))
        if name == "createSearchIndexes":
            return await _create(self, command)
        if name == "updateSearchIndex":
            return await _update(self, command)
        if name == "dropSearchIndex":
            return await _drop(self, command)
        if name == "aggregate" and isinstance(command.get("pipeline"), list):
            return await _aggregate(self, command, {"session": session, **kwargs})
    return await DATABASE_COMMAND.forward(_answer, self, command, session=session, **kwargs)


# -- scores -------------------------------------------------------------------------------------

def _score(document, definition, query):
    """mongoeco's relevance of a matched document: its clause scores, summed for compound."""
    if isinstance(query, SearchCompoundQuery):
        return sum(_score(document, definition, clause)
                   for clause in (*query.must, *query.should))
    if not is_text_search_query(query):
        return 0.0
    matched, score, _ = search_clause_ranking(document, definition=definition, query=query)
    return score if matched else 0.0


def normalized_vector_score(similarity, raw):
    """MongoDB's vectorSearchScore from mongoeco's raw similarity (cosine, dot product, or the
    negated euclidean distance): (1 + s) / 2, and 1 / (1 + d²) for euclidean."""
    if similarity == "euclidean":
        return 1.0 / (1.0 + raw * raw)
    return (1.0 + raw) / 2.0


def _scoring(original):
    async def execute_search(self, db_name, coll_name, request):
        outcome = await original(self, db_name, coll_name, request)
        query = request.query
        vector = isinstance(query, SearchVectorQuery)
        if not outcome.hits or not (vector or is_text_search_query(query)):
            return outcome
        indexes = await self.list_search_indexes(db_name, coll_name, name=query.index_name)
        if not indexes:
            return outcome
        definition = SearchIndexDefinition(indexes[0]["latestDefinition"],
                                           name=indexes[0]["name"],
                                           index_type=indexes[0]["type"])
        hits = []
        for hit in outcome.hits:
            state = hit.runtime_state
            if vector:
                similarity = next((field.get("similarity", "cosine")
                                   for field in definition.definition["fields"]
                                   if field["path"] == query.path), "cosine")
                _, raw = state.metadata_value(RuntimeMetadataKey.VECTOR_SEARCH_SCORE)
                state = state.with_metadata_value(RuntimeMetadataKey.VECTOR_SEARCH_SCORE,
                                                  normalized_vector_score(similarity, raw))
            else:
                state = state.with_metadata_value(RuntimeMetadataKey.TEXT_SCORE,
                                                  _score(hit.document, definition, query))
            hits.append(SearchHit(state.document, state.metadata))
        return type(outcome)(hits=tuple(hits), metadata=outcome.metadata, trace=outcome.trace)

    execute_search.shimmed = original
    return execute_search


# $meta's arguments: mongoeco's metadata key, and the field of its older plain-document form.
_META_KEYS = {
    # mongoeco keeps a $search's score (attached above) under its text score's key.
    "searchScore": (RuntimeMetadataKey.TEXT_SCORE, TEXT_SCORE_FIELD),
    "textScore": (RuntimeMetadataKey.TEXT_SCORE, TEXT_SCORE_FIELD),
    "vectorSearchScore": (RuntimeMetadataKey.VECTOR_SEARCH_SCORE, VECTOR_SEARCH_SCORE_FIELD),
    "searchHighlights": (RuntimeMetadataKey.SEARCH_HIGHLIGHTS, SEARCH_HIGHLIGHTS_METADATA_FIELD),
}


def meta(document, spec, variables, dialect, context):
    """The $meta expression, with MongoDB's searchScore."""
    if spec not in _META_KEYS:
        raise _error(17308, "Location17308", f"Unsupported argument to $meta: {spec}")
    key, field = _META_KEYS[spec]
    if isinstance(document, RuntimeDocumentState):
        found, value = document.metadata_value(key)
    else:
        found, value = get_document_value(document, field)
    if not found:
        return None
    return [_highlight(passage) for passage in value] if spec == "searchHighlights" else value


def _highlight(passage):
    """A mongoeco highlight passage in MongoDB's shape: {path, texts: [{value, type}], score}.

    mongoeco gives no passage score; the shim counts the passage's hits instead."""
    texts = [{"value": segment["value"], "type": segment["type"]}
             for segment in passage.get("segments", ())]
    return {"path": passage.get("path"), "texts": texts,
            "score": float(sum(text["type"] == "hit" for text in texts))}


# -- installation -------------------------------------------------------------------------------

def _supports_search(surface, command_name):
    """The wire surface's check, also accepting the search index commands."""
    return command_name in COMMANDS or SUPPORTS_COMMAND.forward(_supports_search, surface,
                                                                command_name)


def installable():
    return (DATABASE_COMMAND.available and SUPPORTS_COMMAND.available
            and all(_executors.values()))


def install():
    """Let the embedded server run MongoDB Search's commands and scores (idempotent)."""
    if not installable():
        return
    DATABASE_COMMAND.add(_answer)
    for engine, original in _executors.items():
        if engine.execute_search is original:
            engine.execute_search = _scoring(original)
    SUPPORTS_COMMAND.add(_supports_search)
    if get_registered_aggregation_expression_operator("$meta") is None:
        register_aggregation_expression_operator("$meta", meta)


def uninstall():
    if not installable():
        return
    DATABASE_COMMAND.remove(_answer)
    for engine, original in _executors.items():
        engine.execute_search = original
    SUPPORTS_COMMAND.remove(_supports_search)
    if get_registered_aggregation_expression_operator("$meta") is meta:
        unregister_aggregation_expression_operator("$meta")
