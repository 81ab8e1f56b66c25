import datetime
import decimal
import functools
import json
import uuid

from bson import Decimal128
from django.conf import settings
from django.db import DataError, NotSupportedError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.expressions import Col
from django.db.models.functions.datetime import TruncBase
from django.utils import timezone

from djongo_core import decimals
from djongo_core.command import Command
from djongo_core.counters import raise_command, restart_command
from djongo_core.flexible import converter_for
from djongo_core.keys import convert_counted_key, is_counted_key
from djongo_core.sub_milliseconds import as_datetime

# The most documents one write command may carry: hello's maxWriteBatchSize, 100,000 on every
# MongoDB since 3.6. pymongo splits larger batches itself; Django's batches stay within it.
MAX_WRITE_BATCH_SIZE = 100_000

# From Django 6.1 on, Trunc* hand their value to ops.convert_trunc_expression(). Before, they
# convert it themselves, reading it as wall time in their time zone, while $dateTrunc gives a UTC
# instant: the backend then converts it first (get_db_converters), to the wall time they expect.
DJANGO_CONVERTS_TRUNC_THROUGH_OPS = hasattr(BaseDatabaseOperations, "convert_trunc_expression")


class Statement(str):
    """A step that Django's management code hands to the cursor as SQL (flush, loaddata's and
    the test runner's sequence resets): prints as MQL (`sqlflush`, `sqlsequencereset`), runs
    through run(connection) when the cursor executes it."""

    def run(self, connection):
        raise NotImplementedError


class FlushStatement(Statement):
    """A flush step: carries the Command to run."""

    def __new__(cls, command):
        statement = super().__new__(cls, command.as_mql())
        statement.command = command
        return statement

    def run(self, connection):
        connection.executor.run(self.command)


class CounterRestart(Statement):
    """Start the counters of collections again from 1, as SQL restarts a sequence."""

    def __new__(cls, collections):
        statement = super().__new__(cls, restart_command(collections).as_mql())
        statement.collections = list(collections)
        return statement

    def run(self, connection):
        connection.counters.restart(self.collections)


class CounterReset(Statement):
    """Raise a model's counter past the largest id its collection holds (after loaddata wrote
    ids of its own); a counter is never lowered. Prints as the update, the value it finds at
    run time named in place of the number."""

    def __new__(cls, model, field, largest):
        table = model._meta.db_table
        statement = super().__new__(cls, raise_command(
            table, field.column, f"<the largest integer _id in {table}>").as_mql())
        statement.model, statement.column, statement.largest = model, field.column, largest
        return statement

    def run(self, connection):
        connection.counters.heal(self.model._meta.db_table, self.column, self.largest,
                                 self.model)


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "djongo_core.compiler"

    # MongoDB stores these as the types the value adapters produce below.
    cast_data_types = {}

    def quote_name(self, name):
        """Return name unchanged: collection and field names need no quoting in MQL."""
        return name

    def max_name_length(self):
        """Return the longest collection name Django should generate."""
        return 120

    def no_limit_value(self):
        return None

    def pk_default_value(self):
        return None

    def bulk_batch_size(self, fields, objs):
        """Return how many of objs one write (or one in_bulk() query) carries: all of them, up
        to MongoDB's limit, unless a parameter limit is declared in the features (Django's rule
        then, counting each column of a composite key).

        MongoDB bounds a write command by its number of documents (maxWriteBatchSize), not by
        query parameters: the fields each object carries do not count, unlike on SQL
        databases (features.max_query_params stays None)."""
        if self.connection.features.max_query_params is not None:
            return super().bulk_batch_size(fields, objs)
        return min(len(objs), MAX_WRITE_BATCH_SIZE)

    def last_insert_id(self, cursor, table_name, pk_name):
        raise NotSupportedError("MongoDB inserts return their ids directly; there is no cursor.")

    def prep_for_like_query(self, x):
        return str(x)

    def regex_lookup(self, lookup_type):
        raise NotSupportedError("The MongoDB compiler translates regex lookups itself.")

    # -- values on the way in -------------------------------------------------------------

    def adapt_datefield_value(self, value):
        """Return a date as a BSON datetime at midnight (BSON has no date-only type)."""
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return datetime.datetime(value.year, value.month, value.day)

    def adapt_datetimefield_value(self, value):
        """Return a datetime as naive UTC, which is how BSON stores it, or as the wall-clock
        time of the database's TIME_ZONE when it has one (compiler/wall_clock.py)."""
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            if not settings.USE_TZ:
                raise ValueError(
                    "MongoDB backend does not support timezone-aware datetimes when USE_TZ is False."
                )
            value = timezone.make_naive(value, self.connection.timezone)
        # BSON datetimes have millisecond precision; keep what Python gave so equality against
        # stored values matches what the server rounds to.
        return value

    def adapt_timefield_value(self, value):
        """Return a time as an ISO string, which sorts in time order."""
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("MongoDB backend does not support timezone-aware times.")
        return value.isoformat()

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        """Return a Decimal as BSON Decimal128, exact like SQL's DECIMAL (written values are
        rounded to the field's scale before: djongo_core/decimals.py)."""
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return decimals.to_decimal128(value)

    def adapt_ipaddressfield_value(self, value):
        return value or None

    def adapt_json_value(self, value, encoder):
        """Return JSON as a native document, round-tripped through the field's encoder.

        Text that is not JSON is refused as SQL databases refuse it in a JSON column (their
        check constraint): a DataError, not a decoding error deep inside the save."""
        text = json.dumps(value, cls=encoder)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            name = (encoder or json.JSONEncoder).__qualname__
            raise DataError(
                f"The JSON encoder {name} returned text that is not JSON ({error}): "
                f"{text[:60]!r}. A JSONField holds JSON only; fix the encoder's encode()."
            ) from error

    def adapt_unknown_value(self, value):
        if isinstance(value, decimal.Decimal):
            return decimals.to_decimal128(value)
        if isinstance(value, datetime.datetime):
            return self.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return self.adapt_datefield_value(value)
        if isinstance(value, datetime.time):
            return self.adapt_timefield_value(value)
        return value

    # -- values on the way out ------------------------------------------------------------

    def get_db_converters(self, expression):
        converters = super().get_db_converters(expression)
        if isinstance(expression, TruncBase):
            # Truncated values are converted as a whole by convert_trunc_expression().
            if not DJANGO_CONVERTS_TRUNC_THROUGH_OPS:
                converters.append(self._convert_truncated)
            return converters
        converter = self._converters.get(expression.output_field.get_internal_type())
        if converter is not None:
            converters.append(converter)
        flexible = self.connection.flexible_schema
        if isinstance(expression, Col) and is_counted_key(expression.target) and not (
                flexible.enabled and flexible.covers(expression.target.model)):
            converters.append(convert_counted_key)
        if flexible.enabled and isinstance(expression, Col) and flexible.covers(
                expression.target.model):
            # A model in flexible-schema mode reads values of another type too (flexible.py).
            return [converter_for(expression.target, converters)]
        return converters

    @staticmethod
    def convert_decimal(value, expression, connection):
        if isinstance(value, Decimal128):
            value = value.to_decimal()
        elif isinstance(value, (int, float)):
            value = decimal.Decimal(str(value))
        field = expression.output_field
        if getattr(field, "generated", False):
            field = field.output_field  # a generated column has its output field's scale
        if isinstance(value, decimal.Decimal) and isinstance(expression, Col) and (
            field.decimal_places is not None and value.is_finite()
        ):
            # A column reads back with its declared scale, as SQL's DECIMAL(m, d) does
            # (Decimal128 keeps the scale a value was written with, which may be shorter).
            value = value.quantize(_scale(field.decimal_places), context=field.context)
        return value

    @staticmethod
    def convert_duration(value, expression, connection):
        # Durations are integer microseconds; arithmetic with a decimal yields Decimal128,
        # which Django's own converter (timedelta(microseconds=...)) cannot take.
        if isinstance(value, Decimal128):
            return int(value.to_decimal().to_integral_value())
        return value

    @staticmethod
    def convert_date(value, expression, connection):
        if isinstance(value, datetime.datetime):
            return value.date()
        return value

    @staticmethod
    def convert_datetime(value, expression, connection):
        # A stored datetime read with its microseconds may be a number (sub_milliseconds.py).
        value = as_datetime(value)
        if isinstance(value, datetime.datetime) and settings.USE_TZ and value.tzinfo is None:
            # UTC, or the wall-clock time of the database's TIME_ZONE (compiler/wall_clock.py).
            return value.replace(tzinfo=connection.timezone)
        return value

    @staticmethod
    def convert_time(value, expression, connection):
        if isinstance(value, str):
            return datetime.time.fromisoformat(value)
        return value

    @staticmethod
    def convert_uuid(value, expression, connection):
        if isinstance(value, str):
            return uuid.UUID(value)
        return value

    @staticmethod
    def convert_json(value, expression, connection):
        # JSONField.from_db_value decodes text; the document comes back native, so give it
        # the text it expects (its decoder then applies as on other backends).
        if value is None:
            return value
        return json.dumps(value)

    @staticmethod
    def convert_boolean(value, expression, connection):
        if isinstance(value, int) and not isinstance(value, bool):
            return bool(value)
        return value

    @staticmethod
    def convert_integer(value, expression, connection):
        # Aggregations over integers (Sum, arithmetic) may come back as floats or Decimal128.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Decimal128):
            return int(value.to_decimal())
        return value

    @staticmethod
    def convert_float(value, expression, connection):
        if isinstance(value, Decimal128):
            return float(value.to_decimal())
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    _converters = {
        "DecimalField": convert_decimal,
        "DateField": convert_date,
        "DateTimeField": convert_datetime,
        "TimeField": convert_time,
        "UUIDField": convert_uuid,
        "JSONField": convert_json,
        "BooleanField": convert_boolean,
        "IntegerField": convert_integer,
        "BigIntegerField": convert_integer,
        "SmallIntegerField": convert_integer,
        "PositiveIntegerField": convert_integer,
        "PositiveBigIntegerField": convert_integer,
        "PositiveSmallIntegerField": convert_integer,
        "FloatField": convert_float,
        "DurationField": convert_duration,
    }

    def _convert_truncated(self, value, expression, connection):
        return self.convert_trunc_expression(value, expression)

    def convert_trunc_expression(self, value, expression):
        """Return a $dateTrunc result in the expression's time zone and type: the truncation of
        a datetime is stored datetimes' kind of value (a UTC instant, or the wall-clock time of
        the database's TIME_ZONE), of a date an instant."""
        if isinstance(value, str):
            return datetime.time.fromisoformat(value)
        if not isinstance(value, datetime.datetime):
            return value
        output = expression.output_field
        date_only = isinstance(output, models.DateField) and not isinstance(
            output, models.DateTimeField)
        if date_only:
            # Already the local day, at midnight UTC as dates are stored.
            return value.date()
        if settings.USE_TZ:
            source = expression.get_source_expressions()[0].output_field
            if isinstance(source, models.DateTimeField):
                value = value.replace(tzinfo=self.connection.timezone).astimezone(
                    expression.tzinfo or timezone.get_current_timezone())
            else:
                value = value.replace(tzinfo=datetime.UTC)
        if isinstance(output, models.DateTimeField):
            return value
        if isinstance(output, models.TimeField):
            return value.time()
        return value

    def last_executed_query(self, cursor, sql, params):
        """Return the MQL the cursor ran, as connection.queries shows it.

        A query's cursor (execute_sql(CURSOR)) knows its command; a raw pipeline is its own
        statement. MQL carries its values inline, so a query's text (str(qs.query), with no
        params) is already what ran."""
        command = getattr(cursor, "command", None)
        if command is not None:
            return command.as_mql()
        if hasattr(sql, "as_mql"):
            return sql.as_mql()
        if not params:
            return str(sql)
        return super().last_executed_query(cursor, sql, params)

    # -- explain --------------------------------------------------------------------------

    # What the logged explain command starts with (QuerySet.explain() runs MongoDB's explain).
    explain_prefix = 'db.command({"explain"'
    explain_verbosities = ("queryPlanner", "executionStats", "allPlansExecution")

    def explain_query_prefix(self, format=None, **options):
        """Check explain()'s format and options: MongoDB's explain takes a verbosity."""
        verbosity = options.pop("verbosity", None)
        if verbosity is not None and verbosity not in self.explain_verbosities:
            raise ValueError(f"Unknown verbosity {verbosity!r}: MongoDB's explain takes one of "
                             f"{', '.join(self.explain_verbosities)}.")
        return super().explain_query_prefix(format, **options)

    # -- flushing -------------------------------------------------------------------------

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """Return the commands that empty the collections (and reset their counters)."""
        statements = [FlushStatement(Command(table, "delete_many", ({},))) for table in tables]
        if reset_sequences and tables:
            statements.append(CounterRestart(tables))
        return statements

    def execute_sql_flush(self, sql_list):
        for statement in sql_list:
            if isinstance(statement, Statement):
                statement.run(self.connection)
                continue
            # Text built from the schema editor's own template: django-test-migrations drops
            # every table with `sql_delete_table % {"table": ...}` here. The editor runs its own
            # drop and refuses anything else (SQL) with its error.
            with self.connection.schema_editor() as editor:
                editor.execute(statement)

    def sequence_reset_by_name_sql(self, style, sequences):
        """Return the command that starts the counters of the sequences' collections again
        from 1 (TransactionTestCase.reset_sequences)."""
        tables = list(dict.fromkeys(sequence["table"] for sequence in sequences))
        return [CounterRestart(tables)] if tables else []

    def sequence_reset_sql(self, style, model_list):
        """Return the steps that raise the models' counters past the ids their collections
        hold (loaddata, sqlsequencereset)."""
        statements, tables = [], set()
        for model in model_list:
            opts = model._meta.concrete_model._meta
            auto = opts.auto_field
            if auto is None or not is_counted_key(auto) or opts.db_table in tables:
                continue
            tables.add(opts.db_table)
            largest = self.integer_field_range(auto.get_internal_type())[1]
            statements.append(CounterReset(opts.concrete_model, auto, largest))
        return statements

    # -- window frames --------------------------------------------------------------------

    def window_frame_range_start_end(self, start=None, end=None):
        """Check a RANGE frame's offsets: integers as on every backend, and also timedeltas
        (over dates, datetimes and durations) and Decimals or floats (over decimals and
        floats), which compiler/windows.py turns into the range window's scale."""
        for which, value, sign, word in (("start", start, -1, "negative"),
                                         ("end", end, 1, "positive")):
            if value is None:
                continue
            zero = datetime.timedelta(0) if isinstance(value, datetime.timedelta) else 0
            offset_type = (int, float, decimal.Decimal, datetime.timedelta)
            if isinstance(value, bool) or not isinstance(value, offset_type) or (
                    value * sign < zero):
                raise ValueError(
                    f"{which} argument must be a {word} integer, zero, or None, but got "
                    f"'{value}'."
                )
        return start, end


@functools.cache
def _scale(decimal_places):
    """The quantum of a DECIMAL(m, decimal_places) column (built once per scale, not per row)."""
    return decimal.Decimal(1).scaleb(-decimal_places)
