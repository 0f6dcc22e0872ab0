"""In-memory tables from Python: a mapping of table name to pandas DataFrame or pyarrow Table.

A pandas frame's named index (``df.set_index("customer_id")``) is kept as a column of that name, as
``reset_index`` would make it: it is often the table's key. An unnamed index (0, 1, 2, …) is left out.
Timezone-aware timestamps are read as TIMESTAMP in UTC, and text columns holding nothing but timestamps
(``pd.read_sql`` from SQLite gives ISO strings) as TIMESTAMP, as from every other source
(`connectors.text_timestamps`); the caller's frames are never changed.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors._duckdb import connect
from connectors._sql import create_as, table_ref
from connectors._staging import staged
from connectors.base import Connector
from connectors.memory_frames import is_frame
from connectors.registry import register
from connectors.text_timestamps import find_in


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

        con = connect()
        notes: list[str] = []
        for name, frame in source.items():
            if not isinstance(name, str) or not name:
                con.close()
                raise ConnectorError(f"in-memory table names must be non-empty strings, got {name!r}")
            if type(frame).__name__ == "RecordBatchReader":  # a one-shot stream (DuckDB's .arrow()): read it once
                frame = frame.read_all()
            frame, index_note = _with_named_index(name, frame)
            notes += index_note
            try:
                with staged(con, frame) as staging:
                    times = find_in(con, name, table_ref(staging))
                    con.execute(create_as(name, times.select(table_ref(staging)), kind="TABLE"))
            except duckdb.Error as e:
                con.close()
                raise ConnectorError(f"cannot load in-memory table {name!r}: {e}") from e
            notes += times.notes
        return cls(name="memory", connection=con, read_only=read_only, notes=tuple(notes))


def _with_named_index(name: str, frame: Any) -> tuple[Any, list[str]]:
    """A pandas frame with its named index levels as columns (``reset_index``), and a note saying so;
    a name that is already a column is left as it is, noted too."""
    if not type(frame).__module__.startswith("pandas"):
        return frame, []
    names = [level for level in frame.index.names if level is not None]
    if not names:
        return frame, []
    shown = ", ".join(map(str, names))
    if any(level in frame.columns for level in names):
        return frame, [f"{name}: index {shown} left out: a column has the same name"]
    return frame.reset_index(level=names), [f"{name}: index {shown} kept as a column"]
