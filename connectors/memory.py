"""In-memory tables from Python: a mapping of table name to pandas DataFrame or pyarrow Table."""
from __future__ import annotations

from collections.abc import Mapping

from connectors._sql import create_as, select_all_from, table_ref
from connectors._staging import staged
from connectors.base import Connector
from connectors.memory_frames import is_frame
from connectors.registry import register


@register
class MemoryConnector(Connector):
    """Copies each frame into a private in-memory DuckDB database (so types are fixed once)."""

    kind = "memory"

    @classmethod
    def accepts(cls, source: object) -> bool:
        return isinstance(source, Mapping) and len(source) > 0 and all(is_frame(v) for v in source.values())

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> MemoryConnector:
        import duckdb

        from pql.errors import ConnectorError

        con = duckdb.connect()
        for name, frame in source.items():
            if not isinstance(name, str) or not name:
                con.close()
                raise ConnectorError(f"in-memory table names must be non-empty strings, got {name!r}")
            try:
                with staged(con, frame) as staging:
                    con.execute(create_as(name, select_all_from(table_ref(staging)), kind="TABLE"))
            except duckdb.Error as e:
                con.close()
                raise ConnectorError(f"cannot load in-memory table {name!r}: {e}") from e
        return cls(name="memory", connection=con, read_only=read_only)
