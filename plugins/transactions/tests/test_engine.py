"""What the server must do for the plugin, checked with plain pymongo (no Django connection)."""

import os

import pymongo
import pytest

from djongo_core.embedded import embedded_server_uri


@pytest.fixture
def persistent_client(tmp_path, monkeypatch):
    """A client of a real MongoDB (MONGODB_URI), else of a persistent embedded server."""
    uri = os.environ.get("MONGODB_URI")
    if uri is None:
        monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "2")
        uri = embedded_server_uri(f"embedded://{tmp_path}")
    client = pymongo.MongoClient(uri)
    yield client
    client.drop_database("djongo_transactions_engine")
    client.close()


@pytest.mark.engine_deviation("sqlite-transaction-exclusive")
def test_other_sessions_read_and_write_while_a_transaction_is_open(persistent_client):
    collection = persistent_client.djongo_transactions_engine.items
    collection.insert_many([{"_id": 1}, {"_id": 2}])
    with persistent_client.start_session() as session:
        session.start_transaction()
        collection.update_one({"_id": 1}, {"$set": {"x": 1}}, session=session)
        # Outside the transaction: the committed data, and a write to another document.
        assert collection.find_one({"_id": 1}) == {"_id": 1}
        collection.update_one({"_id": 2}, {"$set": {"y": 1}})
        session.abort_transaction()
