"""The query compiler: Django's Query and expression tree straight to MQL, never SQL.

Django finds the compiler classes here by name (DatabaseOperations.compiler_module).
"""

from djongo_core.compiler.aggregate import SQLAggregateCompiler
from djongo_core.compiler.delete import SQLDeleteCompiler
from djongo_core.compiler.insert import SQLInsertCompiler
from djongo_core.compiler.select import SQLCompiler
from djongo_core.compiler.update import SQLUpdateCompiler

__all__ = [
    "SQLAggregateCompiler",
    "SQLCompiler",
    "SQLDeleteCompiler",
    "SQLInsertCompiler",
    "SQLUpdateCompiler",
]
