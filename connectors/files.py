"""A folder of CSV/Parquet/JSON files (one table per file, named by the file's stem), or one such file.

CSV files are loaded into an in-memory DuckDB table once (so a bad file fails at open time, with the
file named); ``\\N`` and empty fields are NULL, as in MySQL dumps such as the Ergast F1 data.
Parquet files become views (DuckDB scans them fast). JSON files (one array of objects, or one object
per line) are loaded like CSV; nested values (objects, lists) are kept as JSON text. In all three, text columns that hold nothing but
timestamps — ISO text in exported Parquet, `12/1/2010 8:26` in a CSV the sniffer left as text — are read
as TIMESTAMP (`connectors.text_timestamps`), and the connector notes that it did so.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlglot import exp

from connectors._sql import create_as, named_arg, select_all_from, table_ref
from connectors.base import SCHEMA_FILE_NAME, Connector
from connectors.catalog import HIDDEN_PREFIX, OUTPUT_MARKER
from connectors.registry import register
from connectors.text_timestamps import find_text_timestamps

CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
DATA_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES
NULL_STRINGS = ("\\N", "")


def _data_suffix(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in DATA_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def _table_name(path: Path, suffix: str) -> str:
    return path.name[: -len(suffix)]


def table_name_of(path: Path) -> str | None:
    """The table a file in a folder source becomes (None for files the connector ignores)."""
    suffix = _data_suffix(path)
    if suffix is None or path.name.startswith("."):
        return None
    return _table_name(path, suffix)


@register
class FilesConnector(Connector):
    kind = "files"

    @classmethod
    def accepts(cls, source: object) -> bool:
        if not isinstance(source, (str, os.PathLike)):
            return False
        path = Path(source).expanduser()
        return path.is_dir() or _data_suffix(path) is not None

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> FilesConnector:
        import duckdb

        from pql.errors import ConnectorError

        root = Path(source).expanduser()
        if not root.exists():
            raise ConnectorError(f"no such file or folder: {root}")
        files = _data_files(root)
        con = duckdb.connect()
        notes: list[str] = []
        try:
            for table, path, suffix in files:
                if suffix in CSV_SUFFIXES:
                    notes.extend(_load_csv(con, table, path))
                elif suffix in JSON_SUFFIXES:
                    notes.extend(_load_json(con, table, path))
                else:
                    notes.extend(_load_parquet(con, table, path))
        except BaseException:
            con.close()
            raise
        folder = root if root.is_dir() else root.parent
        schema_file = folder / SCHEMA_FILE_NAME
        return cls(name=str(root), connection=con, read_only=True,
                   schema_file=schema_file if schema_file.is_file() else None, notes=tuple(notes))


def is_pql_output(path: Path) -> bool:
    """True for a Parquet file pql wrote with INTO (see ``catalog.OUTPUT_MARKER``)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # not readable as Parquet: leave it to the loader, which names the file in its error
        return False
    return OUTPUT_MARKER.encode() in metadata


def _data_files(root: Path) -> list[tuple[str, Path, str]]:
    """(table name, path, suffix) per data file; errors for an empty folder or clashing names."""
    from pql.errors import ConnectorError

    candidates = sorted(root.iterdir()) if root.is_dir() else [root]
    found: dict[str, tuple[str, Path, str]] = {}
    for path in candidates:
        suffix = _data_suffix(path)
        if suffix is None or not path.is_file() or path.name.startswith("."):
            continue
        table = _table_name(path, suffix)
        if table.lower().startswith(HIDDEN_PREFIX) or (suffix in PARQUET_SUFFIXES and is_pql_output(path)):
            continue
        clash = found.get(table.lower())
        if clash is not None:
            raise ConnectorError(f"two files would both be table {table!r}: {clash[1].name} and {path.name}")
        found[table.lower()] = (table, path, suffix)
    if not found:
        kinds = ", ".join(DATA_SUFFIXES)
        if root.is_dir():
            raise ConnectorError(f"no data files ({kinds}) in folder {root}")
        raise ConnectorError(f"unsupported file type: {root.name} (expected one of {kinds})")
    return list(found.values())


def _read_csv(path: Path, *, whole_file_sniff: bool) -> exp.Expression:
    args: list[exp.Expression] = [
        exp.Literal.string(str(path)),
        named_arg("nullstr", exp.Array(expressions=[exp.Literal.string(s) for s in NULL_STRINGS])),
    ]
    if whole_file_sniff:
        args.append(named_arg("sample_size", exp.Literal.number(-1)))
    return exp.func("read_csv", *args)


def _load_csv(con, table: str, path: Path) -> list[str]:
    """Load one CSV as a table; if the sniffer guessed a type from too few rows, sniff the whole file.
    Returns notes on text columns read as timestamps."""
    import duckdb

    from pql.errors import ConnectorError

    try:
        con.execute(create_as(table, select_all_from(_read_csv(path, whole_file_sniff=False)), kind="TABLE"))
    except duckdb.Error:
        try:
            con.execute(create_as(table, select_all_from(_read_csv(path, whole_file_sniff=True)), kind="TABLE"))
        except duckdb.Error as e:
            raise ConnectorError(f"cannot read CSV file {path}: {_short(e)}") from e
    try:
        times = find_text_timestamps(con, table, table_ref(table), _text_columns(con, table_ref(table)))
        if times.parsed:
            con.execute(exp.Create(this=table_ref(table), kind="TABLE", replace=True,
                                   expression=times.select(table_ref(table))).sql("duckdb"))
    except duckdb.Error as e:
        raise ConnectorError(f"cannot read CSV file {path}: {_short(e)}") from e
    return list(times.notes)


def _load_json(con, table: str, path: Path) -> list[str]:
    """Load one JSON file as a table: top-level keys are columns, nested values JSON text."""
    import duckdb

    from pql.errors import ConnectorError

    scan = exp.func("read_json", exp.Literal.string(str(path)))
    try:
        relation = con.sql(select_all_from(scan).sql("duckdb"))
        nested = [c for c, t in zip(relation.columns, relation.types) if _is_nested(str(t))]
        star = exp.Star()
        if nested:
            star = exp.Star(replace=[exp.alias_(exp.cast(exp.func("to_json", exp.column(c, quoted=True)), "VARCHAR"),
                                                exp.to_identifier(c, quoted=True)) for c in nested])
        con.execute(create_as(table, exp.select(star).from_(scan), kind="TABLE"))
        times = find_text_timestamps(con, table, table_ref(table), _text_columns(con, table_ref(table)))
        if times.parsed:
            con.execute(exp.Create(this=table_ref(table), kind="TABLE", replace=True,
                                   expression=times.select(table_ref(table))).sql("duckdb"))
    except duckdb.Error as e:
        raise ConnectorError(f"cannot read JSON file {path}: {_short(e)}") from e
    notes = [f"{table}.{c}: nested values, kept as JSON text" for c in nested]
    return notes + list(times.notes)


def _is_nested(duckdb_type: str) -> bool:
    return duckdb_type.startswith(("STRUCT", "MAP", "UNION", "JSON")) or duckdb_type.endswith("]")


def _load_parquet(con, table: str, path: Path) -> list[str]:
    """Create a view over one Parquet file; text columns holding only timestamps become TIMESTAMP."""
    import duckdb

    from pql.errors import ConnectorError

    scan = exp.func("read_parquet", exp.Literal.string(str(path)))
    try:
        times = find_text_timestamps(con, table, scan, _text_columns(con, scan))
        con.execute(create_as(table, times.select(scan), kind="VIEW"))
    except duckdb.Error as e:
        raise ConnectorError(f"cannot read Parquet file {path}: {_short(e)}") from e
    return list(times.notes)


def _text_columns(con, source: exp.Expression) -> list[str]:
    relation = con.sql(select_all_from(source).sql("duckdb"))
    return [c for c, t in zip(relation.columns, relation.types) if str(t) == "VARCHAR"]


def _short(error: Exception, lines: int = 3) -> str:
    """DuckDB's CSV errors run to dozens of lines of sniffer settings; the first few say what is wrong."""
    kept = [line.strip() for line in str(error).splitlines() if line.strip()][:lines]
    return " ".join(kept)
