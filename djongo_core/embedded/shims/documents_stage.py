"""A database-level aggregate that starts with $documents (deviation
"database-aggregate-missing", shimmed).

MongoDB runs `db.aggregate([{"$documents": [...]}, ...])` (`aggregate: 1`) on the documents the
command gives; Django's Q.check(), behind CheckConstraint and conditional UniqueConstraint
validation, compiles to one. mongoeco 4.11 refuses every aggregate without a collection name, but
runs $documents as the first stage of a collection's aggregate, ignoring that collection (which
need not exist and is not created). This shim gives such a command a collection name inside the
embedded server only, before mongoeco checks the command. mongoeco has no public hook for
commands, so the shim wraps the wire layer's request parsing (one module-level function), and
does nothing if that function is gone.
"""

from mongoeco.wire import executor

# Never created: $documents ignores the collection it runs on.
STAND_IN_COLLECTION = "__djongo_documents__"

_build = getattr(executor, "build_request_context", None)


def _is_documents_pipeline(body):
    pipeline = body.get("pipeline")
    return (body.get("aggregate") == 1 and isinstance(pipeline, list) and pipeline
            and isinstance(pipeline[0], dict) and "$documents" in pipeline[0])


def _routed(body, **kwargs):
    if isinstance(body, dict) and _is_documents_pipeline(body):
        # The same key keeps its place: the command name stays first.
        body = {**body, "aggregate": STAND_IN_COLLECTION}
    return _build(body, **kwargs)


def install():
    """Name a collection for database-level $documents aggregates (idempotent)."""
    if _build is not None and executor.build_request_context is _build:
        executor.build_request_context = _routed


def uninstall():
    if _build is not None:
        executor.build_request_context = _build
