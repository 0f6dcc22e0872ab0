"""`pql.schema(db)`: what pql understands of a database, before any query is written.

    >>> import pql
    >>> db = pql.schema("data/f1")                     # a folder of CSVs, a .duckdb file, a dict of frames…
    >>> [fk.name for fk in db.foreign_keys_from("results")]
    ['results.raceId->races', 'results.driverId->drivers', ...]
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.schema import Database, SchemaOverrides


def schema(db: object, *, overrides: SchemaOverrides | str | Mapping | None = None,
           use_schema_file: bool = True) -> Database:
    """Introspect ``db`` into a ``Database`` (tables, keys, links, time columns, semantic types, notes).

    ``db`` is anything ``connectors.open`` accepts (a DuckDB file, a CSV/Parquet/JSON folder or file, a
    mapping of DataFrames/Arrow tables, a duckdb connection), an open ``Connector`` or a `Session`.
    ``print()`` of the result is the tree ``pql schema`` prints. A source opened
    here is closed before returning; a connector or connection passed in is left open.
    ``overrides``: see ``engine.schema.SchemaOverrides`` (object, one-line string or mapping).
    """
    import connectors
    from engine.schema import introspect
    from pql.session import Session

    if isinstance(db, Session):
        return db.db if overrides is None else introspect(db.connector, overrides=overrides,
                                                          use_schema_file=use_schema_file)
    if isinstance(db, connectors.Connector):
        return introspect(db, overrides=overrides, use_schema_file=use_schema_file)
    with connectors.open(db, read_only=True) as source:
        return introspect(source, overrides=overrides, use_schema_file=use_schema_file)
