"""Keep DuckDB's memory for one heavy query within what the machine has free right now.

DuckDB's default ``memory_limit`` is 80% of physical RAM, and it does not know that this process
also holds the graph and the models (at 1M customers the GNN's graph and sampler alone are several
GiB). A large feature query could then take DuckDB past the free memory and the whole run is killed
by the OOM killer; with a limit DuckDB spills to disk instead and the query finishes. The limit is
set for the query only and the connection's own setting is restored afterwards, so a connection the
user passed in is left as it was.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: share of (free memory + what DuckDB holds already) a query may use; the rest stays for Python
SHARE = 0.8
#: never cap below this: tiny limits make DuckDB fail instead of spilling
FLOOR_BYTES = 1 << 30


def available_bytes() -> int | None:
    """Memory the OS can give this process now (``MemAvailable``), or None when unknown."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 — no psutil or an unusual platform: leave DuckDB's default
        return None


_UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50,
          "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}


def parse_size(text: str) -> int | None:
    """Bytes of a DuckDB size string such as ``'18.8 GiB'`` (None when it is not one)."""
    number, _, unit = text.strip().partition(" ")
    try:
        return int(float(number) * _UNITS[unit or "bytes"])
    except (KeyError, ValueError):
        return None


def _scalar(con, sql: str):
    rows = con.sql(sql).fetchall()
    return rows[0][0] if rows else None


def cap_for_query(con, available: int | None) -> int | None:
    """The limit to use for one query in bytes, or None to leave DuckDB's own (``available``:
    free memory now, see `available_bytes`)."""
    if available is None:
        return None
    held = _scalar(con, "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()") or 0
    return max(FLOOR_BYTES, int(SHARE * (available + int(held))))


@contextmanager
def memory_within_available(con) -> Iterator[None]:
    """Lower DuckDB's ``memory_limit`` to `cap_for_query` for the ``with`` block when that is below
    the current limit; restore the previous setting afterwards."""
    import duckdb

    previous = str(_scalar(con, "SELECT current_setting('memory_limit')"))
    cap = cap_for_query(con, available_bytes())
    current = parse_size(previous)
    if cap is None or current is None or current <= cap:
        yield
        return
    try:
        con.execute(f"SET memory_limit = '{cap // (1 << 20)}MiB'")
    except duckdb.Error:  # DuckDB already holds more than the cap and cannot release it: run as is
        yield
        return
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{previous}'")
