"""The `Database` model of a user's data and how it is introspected and inferred.

    >>> import connectors
    >>> from engine.schema import introspect
    >>> with connectors.open("data/f1") as source:
    ...     db = introspect(source, overrides="drop fk results.statusId")

Importing the model stays cheap: introspection (sqlglot, DuckDB) loads on first use.
"""
from __future__ import annotations

import importlib

from engine.schema.model import Column, Database, ForeignKey, SemanticType, Table, TimeSource

_LAZY = {
    "introspect": "engine.schema.introspection",
    "SchemaOverrides": "engine.schema.overrides",
    "LinkSpec": "engine.schema.overrides",
}

__all__ = ["Column", "Database", "ForeignKey", "SemanticType", "Table", "TimeSource", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.schema' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
