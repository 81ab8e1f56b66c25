"""The hook implementations of the bulk plugin (entry point "bulk").

- djongo_intercept_command: inside a bulk_writes() block, the ORM's writes are queued and
  answered at once; a read of a collection with queued writes sends them first (block.py).
- djongo_prepare_transaction_step: what a block holds is sent before a transaction begins, a
  savepoint is made or the transaction commits, and dropped before a rollback.
- djongo_execute: runs the client-level bulk write of MongoDB 8.0 (MongoClient.bulk_write),
  which the core's execution, made for collections and databases, does not know.
"""

from djongo_core.plugins import hookimpl
from djongo_bulk.block import current_batch


@hookimpl
def djongo_intercept_command(connection, command):
    batch = current_batch(connection)
    return None if batch is None else batch.intercept(command)


@hookimpl
def djongo_prepare_transaction_step(connection, step):
    batch = current_batch(connection)
    if batch is not None:
        batch.prepare_transaction_step(step)


@hookimpl(tryfirst=True)
def djongo_execute(connection, command):
    if command.collection is None and command.database is None and command.operation == "bulk_write":
        return connection.mongo_client.bulk_write(*command.args, **command.kwargs)
    return None
