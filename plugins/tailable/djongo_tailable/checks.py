"""System checks of capped models: what MongoDB would refuse, reported before migrate runs.

Django runs ``constraint.check(model, connection)`` for every database a model migrates to
(migrate does, and ``manage.py check --database <alias>``; on Django 5.2, which does not, the
system check ``check_all_capped_models`` does):

- djongo_tailable.E001: size is not a whole number of bytes, at least 4096 and a multiple of 256
  (MongoDB rounds other sizes up, and the model would no longer say what the server holds).
- djongo_tailable.E002: max is not a positive whole number of documents.
- djongo_tailable.E003: a CappedCollection on a database that is not MongoDB (djongo_core).
- djongo_tailable.E004: the database does not enable the "tailable" plugin.
- djongo_tailable.E005: a TTL index on a capped model (MongoDB refuses TTL indexes there).
- djongo_tailable.E006: more than one CappedCollection on a model.
- djongo_tailable.W001: the database enables the transactions plugin: MongoDB refuses writes to
  capped collections inside a transaction, so writes to the model inside atomic() fail.
"""

from django.core import checks

SIZE_STEP = 256
MIN_SIZE = 4096


def check_all_capped_models(app_configs=None, databases=None, **kwargs):
    """The system check that runs the CappedCollection checks on Django 5.2, which never calls
    a constraint's check() (capped.py registers it there only), for every database each model
    migrates to, as Django 6.0 and later do."""
    from django.apps import apps
    from django.db import connections, router

    from djongo_tailable.capped import CappedCollection

    configs = apps.get_app_configs() if app_configs is None else app_configs
    return [error for config in configs for model in config.get_models()
            for alias in databases or () if router.allow_migrate_model(alias, model)
            for constraint in model._meta.constraints if isinstance(constraint, CappedCollection)
            for error in constraint.check(model, connections[alias])]


def check_capped(constraint, model, connection):
    """Return the check messages of a CappedCollection of ``model`` on ``connection``."""
    from djongo_tailable.capped import CappedCollection

    where = f"CappedCollection {constraint.name!r} of {model._meta.label}"
    if connection.vendor != "mongodb":
        return [checks.Error(
            f"{where} makes a MongoDB capped collection, but database {connection.alias!r} is "
            f"{connection.display_name}.",
            hint="Route the model to a djongo_core database, or remove the CappedCollection.",
            obj=model, id="djongo_tailable.E003",
        )]
    errors = []
    plugins = connection.settings_dict.get("PLUGINS") or []
    if "tailable" not in plugins:
        errors.append(checks.Error(
            f"{where} needs the tailable plugin, which database {connection.alias!r} does not "
            "enable.",
            hint=f"Add \"tailable\" to DATABASES[{connection.alias!r}]['PLUGINS'].",
            obj=model, id="djongo_tailable.E004",
        ))
    size = constraint.size
    if (not isinstance(size, int) or isinstance(size, bool) or size < MIN_SIZE
            or size % SIZE_STEP):
        suggested = (max(MIN_SIZE, -(-size // SIZE_STEP) * SIZE_STEP)
                     if isinstance(size, int) and not isinstance(size, bool) else MIN_SIZE)
        errors.append(checks.Error(
            f"{where} has size={size!r}; MongoDB caps a collection at a whole number of bytes, "
            f"at least {MIN_SIZE} and a multiple of {SIZE_STEP}, and rounds any other size up.",
            hint=f"Use size={suggested}.", obj=model, id="djongo_tailable.E001",
        ))
    if constraint.max is not None and (not isinstance(constraint.max, int)
                                       or isinstance(constraint.max, bool)
                                       or constraint.max <= 0):
        errors.append(checks.Error(
            f"{where} has max={constraint.max!r}; max is a positive number of documents.",
            hint="Give a positive integer, or leave max out to bound the collection by size "
                 "only.", obj=model, id="djongo_tailable.E002",
        ))
    capped = [c for c in model._meta.constraints if isinstance(c, CappedCollection)]
    if len(capped) > 1 and capped[0] is constraint:
        errors.append(checks.Error(
            f"{model._meta.label} declares {len(capped)} CappedCollections "
            f"({', '.join(repr(c.name) for c in capped)}); a collection has one size.",
            hint="Keep one CappedCollection.", obj=model, id="djongo_tailable.E006",
        ))
    for index in model._meta.indexes:
        if getattr(index, "expire_after", getattr(index, "expire_after_seconds", None)) \
                is not None:
            errors.append(checks.Error(
                f"{where}: {type(index).__name__} {index.name!r} expires documents, and "
                "MongoDB refuses TTL indexes on capped collections (the collection removes "
                "its oldest documents itself).",
                hint="Remove the TTL index, or the CappedCollection.",
                obj=model, id="djongo_tailable.E005",
            ))
    if "transactions" in plugins:
        errors.append(checks.Warning(
            f"{where}: database {connection.alias!r} enables the transactions plugin, and "
            "MongoDB refuses writes to capped collections inside a transaction: creating, "
            f"saving or deleting {model.__name__} objects inside transaction.atomic() fails.",
            hint="Write to the model outside atomic() blocks (Django's TestCase runs each "
                 "test in one: use TransactionTestCase for these tests).",
            obj=model, id="djongo_tailable.W001",
        ))
    return errors
