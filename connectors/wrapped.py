"""An already open DuckDB connection, used as is (pql never closes a connection it did not open).

Its tables and views of schema ``main`` and its temporary ones (``CREATE TEMP TABLE``, frames made
visible with ``con.register``) are the source's tables. While pql uses the connection its session time
zone is UTC (`connectors._duckdb`), so TIMESTAMPTZ values read the same on any machine; ``close()``
sets it back to what it was.
"""
from __future__ import annotations

from typing import Any

from connectors._duckdb import TIME_ZONE, set_time_zone, time_zone
from connectors.base import Connector
from connectors.registry import register


@register
class ConnectionConnector(Connector):
    kind = "connection"

    def __init__(self, *, previous_time_zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self._previous_time_zone = previous_time_zone

    @classmethod
    def accepts(cls, source: object) -> bool:
        import duckdb

        return isinstance(source, duckdb.DuckDBPyConnection)

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> ConnectionConnector:
        import duckdb

        from pql.errors import ConnectorError

        try:
            previous = time_zone(source)
            set_time_zone(source, TIME_ZONE)
        except duckdb.Error as e:
            raise ConnectorError(f"cannot use the duckdb connection: {e}") from e
        # We cannot know how the caller opened it; ``read_only`` records what pql intends to do.
        return cls(name="duckdb connection", connection=source, read_only=read_only, owns_connection=False,
                   previous_time_zone=previous)

    def close(self) -> None:
        if not self._closed:
            import duckdb

            try:
                set_time_zone(self._connection, self._previous_time_zone)
            except duckdb.Error:
                pass  # the caller closed it already: nothing to set back
        super().close()
