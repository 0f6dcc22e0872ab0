"""An already open DuckDB connection, used as is (pql never closes a connection it did not open).

Its tables and views of schema ``main`` and its temporary ones (``CREATE TEMP TABLE``, frames made
visible with ``con.register``) are the source's tables. While pql uses the connection its session time
zone is UTC (`connectors._duckdb`), so TIMESTAMPTZ values read the same on any machine, and a table of
``main`` whose text columns hold nothing but timestamps is read through a temporary view of its name that
reads them as TIMESTAMP (`connectors.text_timestamps`, as for every other source; the table itself is not
changed). ``close()`` drops those views and sets the time zone back. A temporary table or registered frame
cannot be shadowed so (DuckDB finds temporary names first): its text timestamps stay text, with a note that
says how to have them read.
"""
from __future__ import annotations

from typing import Any

from sqlglot import exp

from connectors import catalog
from connectors._duckdb import TIME_ZONE, set_time_zone, time_zone
from connectors._sql import create_as, qualified, table_ref
from connectors.base import Connector
from connectors.registry import register
from connectors.text_timestamps import EPOCH_UNITS, Layout, find_in


@register
class ConnectionConnector(Connector):
    kind = "connection"

    def __init__(self, *, previous_time_zone: str, views: tuple[str, ...] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self._previous_time_zone = previous_time_zone
        self._views = views

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
        views: list[str] = []
        try:
            notes = _read_text_times(source, views)
        except BaseException as e:
            _restore(source, views, previous)
            if isinstance(e, duckdb.Error):
                raise ConnectorError(f"cannot read the duckdb connection's tables: {e}") from e
            raise
        # We cannot know how the caller opened it; ``read_only`` records what pql intends to do.
        return cls(name="duckdb connection", connection=source, read_only=read_only, owns_connection=False,
                   previous_time_zone=previous, views=tuple(views), notes=notes)

    def close(self) -> None:
        if not self._closed:
            _restore(self._connection, self._views, self._previous_time_zone)
        super().close()


def _read_text_times(con, views: list[str]) -> tuple[str, ...]:
    """Shadow each ``main`` table holding text timestamps with a temporary view that reads them as TIMESTAMP,
    appending its name to ``views``; notes say which (and which temporary tables' stay text)."""
    (database,) = con.sql(exp.select(exp.func("current_database")).sql("duckdb")).fetchall()[0]
    temporary = catalog.temporary_names(con)
    notes: list[str] = []
    for table in catalog.user_table_names(con):
        if table in temporary:
            times = find_in(con, table, table_ref(table), zoned=False)
            notes += [n for n in times.notes if not n.startswith(tuple(f"{table}.{c}: " for c in times.parsed))]
            notes += [_left_as_is(table, column, layout) for column, layout in times.parsed.items()]
            continue
        stored = qualified(table, "main", database)
        times = find_in(con, table, stored, zoned=False)  # the session is in UTC already
        if times.changes:
            con.execute(create_as(table, times.select(stored), kind="VIEW", temporary=True))
            views.append(table)
        notes += times.notes
    return tuple(notes)


def _left_as_is(table: str, column: str, layout: Layout) -> str:
    """Why a temporary table's timestamps (text, or epoch numbers) stay as they are, and how to convert them."""
    if layout.name in EPOCH_UNITS:
        what, how = f"numbers holding {layout.name}, left as numbers", "pandas.to_datetime(..., unit=...)"
    else:
        what, how = "text holding only timestamps, left as text", "pandas.to_datetime"
    return (f"{table}.{column}: {what}: {table} is a temporary table or registered frame of the connection, "
            f"which pql reads as it is; convert the column ({how} before con.register, CAST for a temporary "
            "table), or pass the frames in a dict")


def _restore(con, views, previous_time_zone: str) -> None:
    """Drop pql's temporary views and set the time zone back (nothing to do once the caller closed it)."""
    import duckdb

    try:
        for view in views:
            con.execute(exp.Drop(tables=[qualified(view, "main", "temp")], kind="VIEW", exists=True).sql("duckdb"))
        set_time_zone(con, previous_time_zone)
    except duckdb.Error:
        pass  # the caller closed it already
