"""Which connector opens which source: a small registry so new sources plug in without edits here."""
from __future__ import annotations

import os
import reprlib
from collections.abc import Mapping
from pathlib import Path

from connectors.base import Connector
from connectors.memory_frames import is_frame

_REGISTRY: list[type[Connector]] = []


def register(cls: type[Connector]) -> type[Connector]:
    """Class decorator: make ``connectors.open`` consider ``cls`` (later registrations are tried first)."""
    if cls not in _REGISTRY:
        _REGISTRY.insert(0, cls)
    return cls


def registered() -> tuple[type[Connector], ...]:
    return tuple(_REGISTRY)


def open_source(source: object, *, read_only: bool = True) -> Connector:
    """Open ``source`` with the first registered connector that accepts it.

    ``source`` may be a path to a DuckDB file (``.duckdb``, ``.ddb``, ``.db``) or a SQLite file, a
    ``postgresql://`` URI, a folder of
    CSV/Parquet/JSON files or one such file, a mapping of table name to pandas DataFrame / pyarrow Table,
    an open ``duckdb.DuckDBPyConnection``, or an already open ``Connector`` (returned as is).
    """
    from pql.errors import ConnectorError

    if isinstance(source, Connector):
        return source
    for cls in _REGISTRY:
        if cls.accepts(source):
            return cls.from_source(source, read_only=read_only)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.exists():
            raise ConnectorError(f"no such file or folder: {path}")
        raise ConnectorError(
            f"unsupported file type: {path.name} (expected a DuckDB file .duckdb/.ddb/.db, a SQLite file, "
            "a CSV/Parquet/JSON file, or a folder of them)"
        )
    if isinstance(source, Mapping):
        bad = {name: type(value).__name__ for name, value in source.items() if not is_frame(value)}
        detail = ", ".join(f"{name!r} is a {kind}" for name, kind in bad.items()) or "the mapping is empty"
        raise ConnectorError(f"in-memory tables must be pandas DataFrames or pyarrow Tables: {detail}")
    raise ConnectorError(
        f"cannot open {reprlib.repr(source)} as a database: expected a path to a DuckDB file (.duckdb, .ddb, .db) "
        "or a SQLite file, a postgresql:// URI, "
        "a folder of CSV/Parquet/JSON files, a CSV/Parquet/JSON file, a dict of DataFrames/Arrow tables, "
        "or a duckdb connection"
    )
