"""Ordered and unordered MongoDB bulk writes from ordinary Django ORM code, for djongo-core.

Enabled per database with "bulk" in PLUGINS; see this distribution's README.md.

- bulk_writes(): a block whose save(), create(), QuerySet.update(), delete() and bulk_create()
  are queued and sent as one bulk write per collection per batch (block.py).
- bulk_write(): an explicit list of Insert, Update, Delete, Replace and Upsert operations for
  one model (explicit.py), also as BulkWriteQuerySet.bulk_write().
- BulkWriteError (a DatabaseError) and BulkIntegrityError (also an IntegrityError), with one
  BulkError per failed write (errors.py); BulkResult counts per model (results.py).
"""

from djongo_bulk.block import bulk_writes
from djongo_bulk.errors import BulkError, BulkIntegrityError, BulkWriteError
from djongo_bulk.explicit import (
    BulkWriteManager, BulkWriteQuerySet, Delete, Insert, Replace, Update, Upsert, bulk_write,
)
from djongo_bulk.operations import Operation
from djongo_bulk.results import BulkResult, Counts

__all__ = [
    "BulkError",
    "BulkIntegrityError",
    "BulkResult",
    "BulkWriteError",
    "BulkWriteManager",
    "BulkWriteQuerySet",
    "Counts",
    "Delete",
    "Insert",
    "Operation",
    "Replace",
    "Update",
    "Upsert",
    "bulk_write",
    "bulk_writes",
]
