"""An already open DuckDB connection, used as is (pql never closes a connection it did not open)."""
from __future__ import annotations

from connectors.base import Connector
from connectors.registry import register


@register
class ConnectionConnector(Connector):
    kind = "connection"

    @classmethod
    def accepts(cls, source: object) -> bool:
        import duckdb

        return isinstance(source, duckdb.DuckDBPyConnection)

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> ConnectionConnector:
        # We cannot know how the caller opened it; ``read_only`` records what pql intends to do.
        return cls(name="duckdb connection", connection=source, read_only=read_only, owns_connection=False)
