"""The `Database` model of a user's data and how it is introspected and inferred.

    >>> import connectors
    >>> from engine.schema import introspect
    >>> with connectors.open("data/f1") as source:
    ...     db = introspect(source, overrides="drop fk results.statusId")

Importing the model stays cheap: introspection (sqlglot, DuckDB) loads on first use.
"""
from __future__ import annotations

from engine.schema.model import Column, Database, ForeignKey, SemanticType, Table, TimeSource
from pql.lazy import lazy_getattr

_LAZY = {
    "introspect": "engine.schema.introspection",
    "SchemaOverrides": "engine.schema.overrides",
    "LinkSpec": "engine.schema.overrides",
}

__all__ = ["Column", "Database", "ForeignKey", "SemanticType", "Table", "TimeSource", *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY)
