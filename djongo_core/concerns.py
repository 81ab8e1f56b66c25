"""Read concern, write concern and read preference per model, and per QuerySet.

A project declares them per database, keyed by model label, next to the client-wide OPTIONS
they refine::

    "MODEL_OPTIONS": {
        "shop.Order": {"w": "majority", "j": True},
        "audit.Entry": {"w": 1},
        "reports.Sale": {"readPreference": "secondaryPreferred", "maxStalenessSeconds": 120},
    }

Settings rather than a Meta option or a model attribute: Django's Meta refuses unknown options
and migrations rebuild models without their attributes, whereas every model migrations build
keeps its label, so the options reach every command a model's documents get, the historical
models' included. They depend on the deployment (a standalone server in development has no
secondaries), as OPTIONS do. ``with_concerns(queryset, ...)`` overrides them for one QuerySet.

The executor attaches them to each Command by its model (counter updates and cascaded deletes
carry their model too); the core's djongo_execute applies them with pymongo's
``with_options()``. Inside a MongoDB transaction MongoDB's rules win: operations take the
transaction's read and write concern and read from the primary. A model's options are then not
applied (the transaction's settings say what the commit waits for); a QuerySet that asked for
options explicitly raises NotSupportedError instead, since what it asked for cannot happen.
"""

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import (
    Nearest, Primary, PrimaryPreferred, Secondary, SecondaryPreferred,
)
from pymongo.write_concern import WriteConcern

from djongo_core.query_options import query_options, with_query_options

READ_PREFERENCES = {"primary": Primary, "primaryPreferred": PrimaryPreferred,
                    "secondary": Secondary, "secondaryPreferred": SecondaryPreferred,
                    "nearest": Nearest}
READ_CONCERN_LEVELS = ("local", "available", "majority", "linearizable", "snapshot")
# MongoDB's smallest maxStalenessSeconds (a heartbeat plus the idle write period, at least 90).
MIN_STALENESS_SECONDS = 90
# The option names are the URI's, as in OPTIONS.
OPTION_NAMES = ("w", "wTimeoutMS", "j", "readConcernLevel", "readPreference",
                "readPreferenceTags", "maxStalenessSeconds")
_QUERY_OPTION = "djongo_core.concerns"


@dataclass(frozen=True)
class Concerns:
    """What a command's collection is given through with_options(); None leaves it as is."""

    write_concern: WriteConcern | None = None
    read_concern: ReadConcern | None = None
    read_preference: Any = None
    # Asked for on a QuerySet (refused inside a transaction) rather than declared for a model.
    asked: bool = False
    options: MappingProxyType = MappingProxyType({})

    def over(self, declared):
        """Return these options merged over a model's (option by option)."""
        if declared is None:
            return self
        return parse_options("with_concerns()", {**declared.options, **self.options},
                             asked=True)

    def applied_to(self, target, command):
        """Return the pymongo Collection or Database ``target`` with these options."""
        session = command.kwargs.get("session")
        if session is not None and session.in_transaction:
            if self.asked:
                raise NotSupportedError(
                    f"{command.operation} on collection {command.collection!r} runs inside a "
                    f"transaction, where MongoDB uses the transaction's read and write concern "
                    f"and reads from the primary: the QuerySet's with_concerns("
                    f"{', '.join(f'{k}={v!r}' for k, v in self.options.items())}) cannot apply. "
                    "Run it outside atomic(), or drop with_concerns()."
                )
            return target
        return target.with_options(write_concern=self.write_concern,
                                   read_concern=self.read_concern,
                                   read_preference=self.read_preference)


def parse_options(where, options, asked=False):
    """Return the Concerns that ``options`` (URI-style names) describe.

    Raises ImproperlyConfigured (ValueError for a QuerySet's) naming ``where`` and the fix.
    """
    error = ValueError if asked else ImproperlyConfigured

    def fail(problem, fix):
        raise error(f"{where} {problem}. {fix}")

    if not isinstance(options, dict):
        fail(f"must be a dict of options, not {type(options).__name__}",
             'For example {"w": "majority", "j": True}.')
    for name in options:
        if name not in OPTION_NAMES:
            fail(f"has an unknown option {name!r}", f"Use {', '.join(OPTION_NAMES)}.")
    return Concerns(_write_concern(options, fail), _read_concern(options, fail),
                    _read_preference(options, fail), asked, MappingProxyType(dict(options)))


def _write_concern(options, fail):
    if not {"w", "wTimeoutMS", "j"} & options.keys():
        return None
    try:
        return WriteConcern(w=options.get("w"), wtimeout=options.get("wTimeoutMS"),
                            j=options.get("j"))
    except (TypeError, ValueError) as exc:
        fail(f"has an invalid write concern ({exc})",
             'w is a number of members or "majority", wTimeoutMS milliseconds, j True or False')


def _read_concern(options, fail):
    if "readConcernLevel" not in options:
        return None
    level = options["readConcernLevel"]
    if level not in READ_CONCERN_LEVELS:
        fail(f"has readConcernLevel {level!r}", f"Use one of {', '.join(READ_CONCERN_LEVELS)}.")
    return ReadConcern(level)


def _read_preference(options, fail):
    extra = {"readPreferenceTags", "maxStalenessSeconds"} & options.keys()
    if "readPreference" not in options:
        if extra:
            fail(f"sets {', '.join(sorted(extra))} without readPreference",
                 'Add a readPreference other than "primary".')
        return None
    mode = READ_PREFERENCES.get(options["readPreference"])
    if mode is None:
        fail(f"has readPreference {options['readPreference']!r}",
             f"Use one of {', '.join(READ_PREFERENCES)}.")
    if mode is Primary:
        if extra:
            fail(f"sets {', '.join(sorted(extra))} with readPreference 'primary'",
                 "Only reads from secondaries take tags or a staleness bound.")
        return Primary()
    staleness = options.get("maxStalenessSeconds", -1)
    if staleness != -1 and (not isinstance(staleness, int) or isinstance(staleness, bool)
                            or staleness < MIN_STALENESS_SECONDS):
        fail(f"has maxStalenessSeconds {staleness!r}",
             f"MongoDB needs a whole number of seconds, at least {MIN_STALENESS_SECONDS}.")
    try:
        return mode(tag_sets=options.get("readPreferenceTags"), max_staleness=staleness)
    except (TypeError, ValueError) as exc:
        fail(f"has invalid readPreferenceTags ({exc})",
             'Give a list of tag documents, e.g. [{"dc": "east"}, {}].')


class ModelConcerns:
    """The MODEL_OPTIONS of one database, attached to the commands of the models they name."""

    def __init__(self, alias, setting):
        self.alias = alias
        where = f"DATABASES[{alias!r}]['MODEL_OPTIONS']"
        if not isinstance(setting, dict):
            raise ImproperlyConfigured(
                f"{where} must be a dict keyed by model label, not {type(setting).__name__}.")
        self._by_label = {
            str(label).lower(): parse_options(f"{where}[{label!r}]", options)
            for label, options in setting.items()
        }
        self._labels_checked = not self._by_label

    def attach(self, command):
        """Return ``command`` with the options of its model and of its QuerySet, if any."""
        if not self._by_label:
            return command
        if not self._labels_checked:
            self._check_labels()
        model = command.model
        declared = self._by_label.get(model._meta.label_lower) if model is not None else None
        if command.concerns is not None:
            return command.replaced(concerns=command.concerns.over(declared))
        return command if declared is None else command.replaced(concerns=declared)

    def _check_labels(self):
        # On the first command, when every app is loaded: a label naming no model is a typo
        # that would otherwise leave a model without the write concern it was meant to have.
        known = {model._meta.label_lower: model._meta.label for model in apps.get_models()}
        for label in self._by_label:
            if label not in known:
                raise ImproperlyConfigured(
                    f"DATABASES[{self.alias!r}]['MODEL_OPTIONS'] names {label!r}, which is not "
                    "an installed model; use its label, as in 'app_label.ModelName'.")
        self._labels_checked = True


def with_concerns(queryset, **options):
    """Return a clone of ``queryset`` whose commands run with these options (merged over the
    model's MODEL_OPTIONS): ``with_concerns(Order.objects.all(), w="majority", j=True)``."""
    concerns = parse_options("with_concerns()", options, asked=True)
    return with_query_options(queryset, **{_QUERY_OPTION: concerns})


def query_concerns(query):
    """Return the Concerns a QuerySet asked for (with_concerns()), or None."""
    return query_options(query).get(_QUERY_OPTION)
