"""Who may connect to an embedded server: one user with a random password.

The embedded server listens on 127.0.0.1, where every local user can reach it; MongoDB's answer
is authentication, and so is this one's. Each server requires a SCRAM-SHA-256 user:

- in memory (``embedded:``): made up when the process starts its server, known to that process
  only;
- in a directory (``embedded:///DIR``): made up when the directory is first served, and kept in
  ``DIR/embedded.credentials``, readable by its owner only, so that every process of the project
  (its owner's) joins the server transparently and nobody else can.

The credentials travel in the server's ``mongodb://`` URI (``embedded_server_uri``), which the
backend hands to pymongo; the mechanism is named, as mongoeco does not negotiate it
(docs/engine-deviations.md#scram-mechanism-negotiation).
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from djongo_core.embedded.directory import CREDENTIALS_FILE

USER = "djongo"
AUTH_QUERY = "authSource=admin&authMechanism=SCRAM-SHA-256"


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str

    def userinfo(self) -> str:
        """The ``user:password@`` part of a URI."""
        return f"{quote(self.user, safe='')}:{quote(self.password, safe='')}@"

    def auth_user(self):
        """The user as mongoeco's wire server takes it."""
        from mongoeco.wire.auth import WireAuthUser

        return WireAuthUser(self.user, self.password, source="admin",
                            mechanisms=("SCRAM-SHA-256",))


def made_up() -> Credentials:
    return Credentials(USER, secrets.token_urlsafe(32))


def for_directory(directory: Path) -> Credentials:
    """Return the directory's credentials, making them (owner-only) if it has none yet.

    The caller holds the directory's lock, so two processes never make them at once.
    """
    path = directory / CREDENTIALS_FILE
    try:
        return read(directory)
    except FileNotFoundError:
        pass
    credentials = made_up()
    # O_EXCL: never write through a file (or a link) someone else put there.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump({"user": credentials.user, "password": credentials.password}, file)
    return credentials


def read(directory: Path) -> Credentials:
    """Return the credentials kept in the directory (FileNotFoundError when there are none)."""
    stored = json.loads((directory / CREDENTIALS_FILE).read_text())
    return Credentials(str(stored["user"]), str(stored["password"]))
