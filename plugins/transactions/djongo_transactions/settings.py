"""The plugin's settings: DATABASES[alias]["TRANSACTIONS"], checked once per connection."""

from dataclasses import dataclass, fields

from django.core.exceptions import ImproperlyConfigured
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from djongo_core.plugins import plugin_setting, setting_path

SETTINGS_KEY = "TRANSACTIONS"
READ_CONCERNS = ("snapshot", "majority", "local")
COUNTER_MODES = ("outside", "inside")
STANDALONE_POLICIES = ("error", "ignore")
# HOST of the core's embedded engine: "embedded:" or "embedded:///dir" (read here from the
# setting, as plugins use nothing of the core but djongo_core.plugins).
EMBEDDED_HOST_PREFIX = "embedded:"


@dataclass(frozen=True)
class TransactionSettings:
    """One database's transaction settings, with the documented defaults."""

    #: Read concern of every transaction; "snapshot" reads one consistent, majority-committed
    #: view of the data for the whole transaction.
    read_concern: str | None = "snapshot"
    #: Write concern of the commit: "majority", a number of members, or None for the client's.
    write_concern: str | int | None = "majority"
    #: Longest time the server may spend on a commit, in milliseconds (None: no limit).
    max_commit_time_ms: int | None = None
    #: How many more times a commit whose outcome is unknown (UnknownTransactionCommitResult)
    #: is sent; MongoDB makes a repeated commit safe.
    commit_retries: int = 2
    #: Where integer primary keys are taken from their __schema__ counters: "outside" the
    #: transaction (never rolled back, never conflicting, like SQL sequences) or "inside" it.
    #: Left unset, for_database() picks "inside" on the embedded engine (see there).
    counters: str = "outside"
    #: What to do when the server cannot run transactions: "error" (ImproperlyConfigured at
    #: connection time) or "ignore" (warn, and run atomic() blocks without a transaction).
    standalone: str = "error"
    #: How many written documents a transaction remembers so that it can be rebuilt after
    #: MongoDB aborts it (a failed command, a savepoint rolled back); 0 turns that off.
    recovery_log_limit: int = 10_000
    #: How long select_for_update() waits for documents another transaction holds, in
    #: milliseconds, before an OperationalError (None: as long as it takes, as PostgreSQL does).
    lock_timeout_ms: int | None = 30_000

    @classmethod
    def for_database(cls, alias: str, settings_dict: dict) -> "TransactionSettings":
        """Read and check DATABASES[alias]["TRANSACTIONS"]; raise ImproperlyConfigured if wrong."""
        given = plugin_setting(alias, settings_dict, SETTINGS_KEY,
                               (field.name for field in fields(cls)))
        where = setting_path(alias, SETTINGS_KEY)
        host = settings_dict.get("HOST") or ""
        if isinstance(host, str) and host.startswith(EMBEDDED_HOST_PREFIX):
            given = _embedded_counters(where, host, given)
        settings = cls(**given)
        settings._check(where)
        return settings

    def _check(self, where: str) -> None:
        def fail(key, expected):
            raise ImproperlyConfigured(
                f"{where}[{key!r}] must be {expected}; got {getattr(self, key)!r}."
            )

        if self.read_concern is not None and self.read_concern not in READ_CONCERNS:
            fail("read_concern", f"one of {', '.join(READ_CONCERNS)} or None")
        if self.write_concern is not None and not isinstance(self.write_concern, (str, int)):
            fail("write_concern", '"majority", a number of members, or None')
        for key in ("commit_retries", "recovery_log_limit"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                fail(key, "an integer of 0 or more")
        if self.max_commit_time_ms is not None and (
            not isinstance(self.max_commit_time_ms, int) or self.max_commit_time_ms <= 0
        ):
            fail("max_commit_time_ms", "a positive number of milliseconds or None")
        if self.lock_timeout_ms is not None and (
            not isinstance(self.lock_timeout_ms, int) or isinstance(self.lock_timeout_ms, bool)
            or self.lock_timeout_ms < 0
        ):
            fail("lock_timeout_ms", "a number of milliseconds (0 or more) or None")
        if self.counters not in COUNTER_MODES:
            fail("counters", " or ".join(map(repr, COUNTER_MODES)))
        if self.standalone not in STANDALONE_POLICIES:
            fail("standalone", " or ".join(map(repr, STANDALONE_POLICIES)))

    def transaction_options(self) -> dict:
        """Return the keyword arguments of pymongo's ClientSession.start_transaction()."""
        options = {}
        if self.read_concern is not None:
            options["read_concern"] = ReadConcern(self.read_concern)
        if self.write_concern is not None:
            options["write_concern"] = WriteConcern(w=self.write_concern)
        if self.max_commit_time_ms is not None:
            options["max_commit_time_ms"] = self.max_commit_time_ms
        return options


def _embedded_counters(where: str, host: str, given: dict) -> dict:
    """Take ids inside transactions on the embedded engine, the only place they work there.

    Taking an id outside the transaction is a write outside it, which the embedded engine does
    not allow while a transaction is open: the in-memory engine fails the commit of any
    transaction during which anything else was written, and the persistent one refuses every
    command outside the open transaction (docs/engine-deviations.md,
    #transaction-conflicts-database-wide and #sqlite-transaction-exclusive). A many-to-many
    set() in a new project would be the first thing to fail, with the engine's own words.
    """
    if given.get("counters") == "outside":
        raise ImproperlyConfigured(
            f"{where}['counters'] is 'outside', which the embedded engine (HOST {host!r}) "
            "cannot run: an id taken outside a transaction is a write outside it, and the "
            "engine then fails the transaction (docs/engine-deviations.md"
            "#transaction-conflicts-database-wide). Remove the 'counters' key (the embedded "
            "engine's default is 'inside') or set it to 'inside'."
        )
    return {"counters": "inside", **given}
