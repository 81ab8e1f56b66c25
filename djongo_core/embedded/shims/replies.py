"""The reply shapes MongoDB gives and the shims give back in its place."""

from mongoeco.errors import OperationFailure


def command_error(code, code_name, message):
    """The error MongoDB answers a command with: pymongo raises it as OperationFailure with
    this code, and `details` is the reply document, as the server sends it."""
    return OperationFailure(message, code=code, details={
        "ok": 0.0, "errmsg": message, "code": code, "codeName": code_name})


def namespace_not_found(message="ns does not exist"):
    """NamespaceNotFound (26): the command names a collection that does not exist."""
    return command_error(26, "NamespaceNotFound", message)


def kill_cursors_reply(killed=()):
    """killCursors' reply: the cursors it killed, none not found, alive or unknown."""
    return {"cursorsKilled": list(killed), "cursorsNotFound": [], "cursorsAlive": [],
            "cursorsUnknown": [], "ok": 1.0}
