"""A DuckDB database file: the embedded default. Read-only unless the caller will write (INTO)."""
from __future__ import annotations

import os
from pathlib import Path

from connectors.base import SCHEMA_FILE_NAME, Connector
from connectors.registry import register

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")


@register
class DuckDBFileConnector(Connector):
    kind = "duckdb"

    @classmethod
    def accepts(cls, source: object) -> bool:
        return isinstance(source, (str, os.PathLike)) and Path(source).suffix.lower() in DUCKDB_SUFFIXES

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> DuckDBFileConnector:
        import duckdb

        from pql.errors import ConnectorError

        path = Path(source).expanduser()
        if not path.is_file():
            raise ConnectorError(f"database file not found: {path}")
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            raise ConnectorError(f"cannot open DuckDB file {path}: {e}") from e
        schema_file = path.parent / SCHEMA_FILE_NAME
        return cls(name=str(path), connection=con, read_only=read_only,
                   schema_file=schema_file if schema_file.is_file() else None)

