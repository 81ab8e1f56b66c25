"""The embedded engine: HOST "embedded:" or "embedded:///abs/dir" instead of a MongoDB server.

A local mongoeco server speaks the MongoDB wire protocol, so the backend talks to it with
pymongo exactly as it talks to MongoDB; :func:`embedded_server_uri` turns the HOST into the
``mongodb://`` URI of such a server, starting it if needed.

- ``embedded:`` keeps the data in memory, in a server running in a daemon thread of this
  process: one per process, stopped at interpreter exit.
- ``embedded:///abs/dir`` keeps the data in a SQLite file in that directory, in a server
  running as its own detached process (:mod:`djongo_core.embedded.server`), which every
  process pointing at the directory joins. It stops by itself when idle.

Either server requires a user (:mod:`djongo_core.embedded.credentials`), whose credentials
the returned URI carries; the directory and its files are the owner's only.

See docs/embedded-engine.md.
"""

import asyncio
import atexit
import concurrent.futures
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time

from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from djongo_core.embedded import credentials as server_credentials
from djongo_core.embedded.directory import FILES, LOCK_FILE, LOG_FILE, read_advertisement

SCHEME = "embedded:"
# A cold start imports mongoeco (about a second) and may share a busy machine.
START_TIMEOUT = 30.0
# Longer than anyone holds the directory lock legitimately: a probe plus a start.
LOCK_TIMEOUT = START_TIMEOUT + 10.0
PROBE_TIMEOUT_MS = 2000

USAGE = (
    'Use HOST "embedded:" for an in-memory database, or "embedded:///absolute/path/to/dir" '
    "(three slashes) to keep the data in that directory."
)


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started or reached."""


def is_embedded_host(host: str) -> bool:
    return isinstance(host, str) and host.startswith(SCHEME)


def embedded_server_uri(host: str) -> str:
    """Start or join the local server for this HOST and return a mongodb:// URI for it."""
    directory = _data_directory(host)
    _require_mongoeco(host)
    if directory is None:
        return _memory_server_uri()
    return _persistent_server_uri(directory)


def _data_directory(host: str) -> Path | None:
    """The directory of a persistent HOST, None for the in-memory one."""
    if host == SCHEME:
        return None
    if not is_embedded_host(host):
        raise ImproperlyConfigured(f"The DATABASES HOST {host!r} is not an embedded HOST. {USAGE}")
    rest = host.removeprefix(SCHEME)
    path = rest.removeprefix("//")
    if not rest.startswith("//") or not path:
        raise ImproperlyConfigured(
            f"The DATABASES HOST {host!r} does not give an absolute data directory. {USAGE}"
        )
    if not path.startswith("/"):
        raise ImproperlyConfigured(
            f"The DATABASES HOST {host!r} names a server ({path.split('/')[0]!r}), but the "
            f"embedded engine only runs on this machine. {USAGE}"
        )
    # Resolved, so that every spelling of the directory finds the same server.
    return Path(path).resolve()


def _require_mongoeco(host: str) -> None:
    if sys.version_info < (3, 13):
        raise ImproperlyConfigured(
            f"The DATABASES HOST {host!r} needs Python 3.13 or newer: the embedded engine "
            f"(mongoeco) does not run on Python {sys.version_info[0]}.{sys.version_info[1]}. "
            "Upgrade Python, or set HOST to a MongoDB server."
        )
    if importlib.util.find_spec("mongoeco") is None:
        raise ImproperlyConfigured(
            f"The DATABASES HOST {host!r} needs the embedded engine, which is not installed: "
            'pip install "djongo-core[embedded]" (or set HOST to a MongoDB server).'
        )


# In memory: a server in a daemon thread, one per process.


class _MemoryServer:
    def __init__(self) -> None:
        from mongoeco.engines.memory import MemoryEngine
        from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

        from djongo_core.embedded import shims
        from djongo_core.embedded.shims import materialization

        shims.install()
        self.pid = os.getpid()
        self.credentials = server_credentials.made_up()
        # Built here rather than in the server's event loop, which the first import of
        # mongoeco (about a second) would block; it binds to that loop when started.
        self._proxy = AsyncMongoEcoProxyServer(
            engine=MemoryEngine(**materialization.ENGINE_OPTIONS), host="127.0.0.1", port=0,
            auth_users=(self.credentials.auth_user(),))
        self._ready: concurrent.futures.Future[str] = concurrent.futures.Future()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        # A daemon thread never holds up interpreter exit; stop() closes the server first.
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(),), name="djongo-embedded-server", daemon=True
        )
        self._thread.start()
        try:
            self.uri = self._ready.result(timeout=START_TIMEOUT)
        except TimeoutError:
            raise EmbeddedServerError(
                f"the in-memory embedded server did not start within {START_TIMEOUT:g} s"
            ) from None
        atexit.register(self.stop)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            address = await self._proxy.start()
        except Exception as error:
            self._ready.set_exception(error)
            return
        self._ready.set_result(_uri(address.port, self.credentials))
        try:
            await self._stop.wait()
        finally:
            await self._proxy.close()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


_memory_server: _MemoryServer | None = None
_memory_lock = threading.Lock()


def _memory_server_uri() -> str:
    global _memory_server
    with _memory_lock:
        # A forked child inherits this module's state but not the server thread.
        if _memory_server is None or _memory_server.pid != os.getpid():
            _memory_server = _MemoryServer()
        return _memory_server.uri


# In a directory: a detached server process shared by every process using the directory.

# The servers this process started. They run on detached, but dropping a Popen whose
# process still runs is reported as a ResourceWarning.
_started_servers: list[subprocess.Popen] = []


def stop_started_servers(timeout: float = 10.0) -> None:
    """Stop the persistent servers this process started, cleanly (SIGTERM), and wait for them.

    For test harnesses, which start servers in temporary directories and should leave nothing
    running: a project's processes leave theirs to stop when idle, as other processes (a shell,
    a second runserver) may be using them.
    """
    for process in _started_servers:
        if process.poll() is None:
            process.terminate()
    for process in _started_servers:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _started_servers.clear()


def _forget_stopped_servers() -> None:
    # poll() reaps a server that stopped when idle, so that it leaves no zombie behind.
    _started_servers[:] = [process for process in _started_servers if process.poll() is None]


def _persistent_server_uri(directory: Path) -> str:
    _forget_stopped_servers()
    with _directory_lock(directory):
        credentials = _directory_credentials(directory)
        advertised = read_advertisement(directory)
        if advertised is not None and _answers(directory, credentials, **advertised):
            return _uri(advertised["port"], credentials)
        # None yet, or a stale advertisement (crash, kill -9): the new server replaces it.
        return _uri(_start_server(directory), credentials)


def _uri(port: int, credentials) -> str:
    return (f"mongodb://{credentials.userinfo()}127.0.0.1:{port}/?directConnection=true"
            f"&{server_credentials.AUTH_QUERY}")


def _directory_credentials(directory: Path):
    try:
        return server_credentials.for_directory(directory)
    except (OSError, ValueError, KeyError) as error:
        raise ImproperlyConfigured(
            f"The embedded engine cannot read the credentials of its server in {directory} "
            f"({error}). The directory must belong to the user running the project; delete "
            "the damaged embedded.credentials file to have new ones made."
        ) from error


def _owner_only(directory: Path) -> None:
    """Make the directory and the server's files in it the owner's only (0700, 0600).

    Directories made before this rule were 0755 with 0644 files: tightened here, when owned by
    the user running the project (a directory of someone else's is left alone and, without its
    credentials, cannot be joined anyway).
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_uid != os.getuid():
        return
    directory.chmod(0o700)
    for name in FILES:
        path = directory / name
        try:
            if path.stat().st_uid == os.getuid():
                path.chmod(0o600)
        except FileNotFoundError:
            pass


@contextmanager
def _directory_lock(directory: Path):
    # Imported here: fcntl is POSIX-only, and the rest of the backend must import anywhere.
    import fcntl

    try:
        _owner_only(directory)
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise ImproperlyConfigured(
            f"The embedded engine cannot use the data directory {directory} of the "
            f"DATABASES HOST: {error}"
        ) from error
    try:
        # Polled rather than blocking, so that a stuck holder gives an error, not a hang.
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(
                        f"{directory / LOCK_FILE} stayed locked by another process for "
                        f"{LOCK_TIMEOUT:g} s"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


def _answers(directory: Path, credentials, pid: int, port: int) -> bool:
    """Whether the advertised server is up and really is the process that advertised."""
    # A plain connect first: a dead server's port refuses at once, where pymongo would
    # retry for its whole server selection timeout.
    try:
        socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_MS / 1000).close()
    except OSError:
        return False
    # Then compare pids: after a crash, another process may have taken the port.
    client = MongoClient(
        _uri(port, credentials),
        serverSelectionTimeoutMS=PROBE_TIMEOUT_MS,
        connectTimeoutMS=PROBE_TIMEOUT_MS,
        socketTimeoutMS=PROBE_TIMEOUT_MS,
    )
    try:
        return client.admin.command("serverStatus").get("pid") == pid
    except OperationFailure as error:
        if _serves(pid, directory):
            # Up, and refusing the directory's credentials: a server started before they
            # existed. A second server must never open the same files.
            raise EmbeddedServerError(
                f"The embedded server (pid {pid}) serving {directory} refuses the credentials "
                f"kept there ({error}). Stop it (kill {pid}) and connect again."
            ) from error
        return False
    except PyMongoError:
        return False
    finally:
        client.close()


def _serves(pid: int, directory: Path) -> bool:
    """Whether process pid is an embedded server of directory (as far as /proc tells)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False  # gone, or no /proc: another program answers on the port
    return b"djongo_core.embedded.server" in arguments and os.fsencode(directory) in arguments


def _start_server(directory: Path) -> int:
    """Start a server for ``directory`` (the caller holds its lock) and return its port."""
    log_path = directory / LOG_FILE
    # The server must run this same djongo_core, even if it was found on a path (a source
    # checkout) that the server would not search.
    package_parent = str(Path(__file__).resolve().parents[2])
    python_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(log_fd, "ab") as log:
        process = subprocess.Popen(
            # -P and a working directory outside the data: nothing in the data directory (a
            # json.py put there) is ever imported by the server.
            [sys.executable, "-P", "-m", "djongo_core.embedded.server", str(directory)],
            cwd="/",
            env={**os.environ, "PYTHONPATH": python_path},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: Ctrl-C in the terminal of runserver or the shell, and the
            # end of the process that started it, leave the shared server running.
            start_new_session=True,
        )
    _started_servers.append(process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        advertised = read_advertisement(directory)
        if advertised is not None and advertised["pid"] == process.pid:
            return advertised["port"]
        if process.poll() is not None:
            raise EmbeddedServerError(
                f"The embedded MongoDB server for {directory} exited with status "
                f"{process.returncode} while starting; see {log_path}"
            )
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise EmbeddedServerError(
        f"The embedded MongoDB server for {directory} did not start within "
        f"{START_TIMEOUT:g} s; see {log_path}"
    )
