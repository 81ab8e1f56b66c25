"""The hook implementations of the transactions plugin (entry point "transactions").

- djongo_provide_transaction_manager: each connection gets a SessionTransactionManager, built
  from its TRANSACTIONS settings without contacting the server.
- djongo_setup_connection: the server is asked once per client whether it runs transactions
  (capability.py); a standalone server is an ImproperlyConfigured error, or, when the settings
  say "standalone": "ignore", the manager is turned off with a warning.
- djongo_execute: while a transaction is open, commands carry the session, and the manager
  records what savepoints and rebuilding a transaction need (manager.py); a select_for_update()
  read first locks its documents (locks.py).
"""

from djongo_core.plugins import hookimpl
from djongo_transactions.capability import check_server
from djongo_transactions.locks import lock_documents
from djongo_transactions.manager import SessionTransactionManager
from djongo_transactions.settings import TransactionSettings


def _manager(connection):
    manager = connection.transaction_manager
    return manager if isinstance(manager, SessionTransactionManager) else None


@hookimpl
def djongo_provide_transaction_manager(connection):
    settings = TransactionSettings.for_database(connection.alias, connection.settings_dict)
    return SessionTransactionManager(connection, settings)


@hookimpl
def djongo_setup_connection(connection):
    manager = _manager(connection)
    if manager is not None:
        manager.enabled = check_server(connection, manager.settings.standalone)


@hookimpl(wrapper=True)
def djongo_execute(connection, command):
    manager = _manager(connection)
    if manager is None:
        return (yield)
    if command.lock is not None and manager.in_transaction:
        lock_documents(connection, command, manager.settings.lock_timeout_ms)
    pending = manager.before(command)
    if pending is None:
        return (yield)
    try:
        result = yield
    except Exception as error:
        manager.failed(command, pending, error)
        raise
    manager.after(command, pending, result)
    return result
