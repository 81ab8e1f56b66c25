"""What Django expects of a backend's PEP 249 driver module (`DatabaseWrapper.Database`).

pymongo is not a DB-API driver. Django reads a few names from this module: the exception classes,
to wrap driver errors (this backend raises Django's own error types already, so they map onto
themselves), and `Binary`, to build binary values.
"""

from django.db.utils import (  # noqa: F401 - re-exported for Django's DatabaseErrorWrapper
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)

# BSON stores bytes as binary data as they are.
Binary = bytes
