"""The one interface every data source implements: a DuckDB connection holding the user's tables.

Every connector, whatever the data lives in, hands the engine a ``duckdb.DuckDBPyConnection`` in
which each user table is queryable by its own name in the default schema. Catalog questions (which
tables, which declared keys) are answered from that connection, so a new source (SQLite,
PostgreSQL) only has to make its tables appear there and may override the catalog readers.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connectors import catalog

if TYPE_CHECKING:
    import duckdb

#: A file next to the data (in a folder source, or beside a database file) holding schema overrides.
SCHEMA_FILE_NAME = "pql_schema.toml"


@dataclass(frozen=True, kw_only=True)
class DeclaredForeignKey:
    """A foreign key as the source's catalog declares it (composite keys are tuples)."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DeclaredKeys:
    """Constraints the source declares: primary keys by table, and foreign keys."""

    primary_keys: dict[str, tuple[str, ...]]
    foreign_keys: tuple[DeclaredForeignKey, ...]


class Connector(ABC):
    """A data source opened as a DuckDB connection. Use as a context manager or call ``close()``.

    Subclasses register themselves with ``connectors.registry.register`` and implement ``accepts``
    (can this source be opened by me?) and ``from_source``.
    """

    #: Short kind name shown to users, e.g. "duckdb", "files", "memory".
    kind: str = "abstract"

    def __init__(self, *, name: str, connection: duckdb.DuckDBPyConnection, read_only: bool,
                 owns_connection: bool = True, schema_file: Path | None = None,
                 notes: tuple[str, ...] = ()):
        self._name = name
        self._connection = connection
        self._read_only = read_only
        self._owns_connection = owns_connection
        self._schema_file = schema_file
        self._notes = notes
        self._closed = False

    # -- construction -------------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def accepts(cls, source: object) -> bool:
        """True when this connector knows how to open ``source`` (a path, mapping, connection…)."""

    @classmethod
    @abstractmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> Connector:
        """Open ``source``; raise ``ConnectorError`` with a helpful message when that fails."""

    # -- what the engine uses -----------------------------------------------------------------
    @property
    def name(self) -> str:
        """Human-readable name of the source (a path, or "memory")."""
        return self._name

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._closed:
            from pql.errors import ConnectorError

            raise ConnectorError(f"connector for {self._name} is closed")
        return self._connection

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def schema_file(self) -> Path | None:
        """``pql_schema.toml`` next to the data, when there is one."""
        return self._schema_file

    @property
    def notes(self) -> tuple[str, ...]:
        """What the connector did to the data on the way in (e.g. text columns read as timestamps)."""
        return self._notes

    def table_names(self) -> tuple[str, ...]:
        """User tables in the default schema and temporary ones, sorted; hidden ``_pql*`` tables are left out."""
        return catalog.user_table_names(self.connection)

    def declared_keys(self) -> DeclaredKeys:
        """Primary and foreign keys the catalog declares (empty for files and data frames)."""
        return catalog.declared_keys(self.connection, self.table_names())

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if not self._closed and self._owns_connection:
            self._connection.close()
        self._closed = True

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self._read_only else "writable"
        return f"<{type(self).__name__} {self._name!r} ({mode})>"
