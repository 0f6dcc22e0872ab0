"""A folder of CSV/Parquet/JSON files (one table per file, named by the file's stem), or one such file.

A subfolder of files of one format (``orders/part-0.parquet``, ``orders/part-1.parquet``, as Spark and
pandas write them) is one table named after the subfolder; any other subfolder is skipped with a note,
and so is a file of zero bytes.

CSV files are loaded into an in-memory DuckDB table once (so a bad file fails at open time, with the
file named); ``\\N`` and empty fields are NULL, as in MySQL dumps such as the Ergast F1 data. DuckDB's
sniffer types the columns, except that a date or timestamp layout it guesses with the day or month first
(``06/01/2021``: June or January?) is read as text and left to pql's own check below, which keeps an
ambiguous column as text, with a note. In a file whose fields are not comma-separated (``;`` in
European exports), text columns of numbers with a decimal comma (``117,79``) are read as numbers.
Missing-value markers (``NA``, ``N/A``, ``NULL``, ``0000-00-00``) in a column that otherwise holds only
numbers or ISO dates are read as NULL, with a note (`_read_missing_markers`).
Parquet files become views (DuckDB scans them fast). JSON files (one array of objects, or one object
per line) are loaded like CSV; nested values (objects, lists) are kept as JSON text. In all three, text columns that hold nothing but
timestamps — ISO text in exported Parquet, `12/1/2010 8:26` in a CSV — are read as TIMESTAMP
(`connectors.text_timestamps`), and the connector notes that it did so; timestamps with a UTC offset and
TIMESTAMPTZ columns are read as TIMESTAMP in UTC.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlglot import exp

from connectors._duckdb import connect
from connectors._sql import create_as, named_arg, select_all_from, table_ref
from connectors.base import SCHEMA_FILE_NAME, Connector
from connectors.catalog import HIDDEN_PREFIX, OUTPUT_MARKER
from connectors.registry import register
from connectors.text_timestamps import epoch_candidates, find_text_timestamps, time_candidates

CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
DATA_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES
NULL_STRINGS = ("\\N", "")
# what exports write for a missing value (R's NA, Excel's #N/A, MySQL's zero date), compared trimmed and
# case-insensitively; read as NULL only in a text column that holds nothing else but numbers or dates
MISSING_MARKERS = ("NA", "N/A", "#N/A", "NULL", "NAN", "NONE", "NIL")
ZERO_DATE = "0000-00-00"


def _data_suffix(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in DATA_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def _table_name(path: Path, suffix: str) -> str:
    return path.name[: -len(suffix)]


def _kind(suffix: str) -> str:
    return "CSV" if suffix in CSV_SUFFIXES else "JSON" if suffix in JSON_SUFFIXES else "Parquet"


def table_name_of(path: Path) -> str | None:
    """The table a file (or a subfolder of parts) in a folder source becomes (None for what is ignored)."""
    if path.name.startswith("."):
        return None
    if path.is_dir():
        return path.name if isinstance(_parts(path), tuple) else None
    suffix = _data_suffix(path)
    return None if suffix is None else _table_name(path, suffix)


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
        from pql.errors import ConnectorError

        root = Path(source).expanduser()
        if not root.exists():
            raise ConnectorError(f"no such file or folder: {root}")
        files, notes = _data_files(root)
        con = connect()
        try:
            for table, paths, suffix in files:
                if suffix in CSV_SUFFIXES:
                    notes.extend(_load_csv(con, table, paths))
                elif suffix in JSON_SUFFIXES:
                    notes.extend(_load_json(con, table, paths))
                else:
                    notes.extend(_load_parquet(con, table, paths))
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


def _parts(folder: Path) -> tuple[list[Path], str] | str:
    """The data files directly inside a subfolder, read as one table, and their suffix; or why it is not one.
    Names starting with `.` or `_` (Spark's ``_SUCCESS``) are not parts; neither are empty files."""
    parts, suffixes, subfolders = [], set(), []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir():
            subfolders.append(path.name)
            continue
        suffix = _data_suffix(path)
        if suffix is not None and path.is_file() and path.stat().st_size > 0:
            parts.append(path)
            suffixes.add(suffix)
    if subfolders:
        return f"holds folders ({', '.join(subfolders[:3])}{', …' if len(subfolders) > 3 else ''}), which pql does not read"
    if not parts:
        return "holds no data files"
    kinds = sorted({_kind(s) for s in suffixes})
    if len(kinds) > 1:
        return f"mixes {' and '.join(kinds)} files; one table's parts must share a format"
    if kinds == ["Parquet"] and all(is_pql_output(p) for p in parts):
        return "holds only pql's own predictions"
    return parts, min(suffixes, key=len)


def _data_files(root: Path) -> tuple[list[tuple[str, list[Path], str]], list[str]]:
    """(table name, paths, suffix) per data file or subfolder of parts, and notes on what was skipped;
    errors for an empty folder or clashing names."""
    from pql.errors import ConnectorError

    candidates = sorted(root.iterdir()) if root.is_dir() else [root]
    found: dict[str, tuple[str, list[Path], str]] = {}
    shown: dict[str, str] = {}  # how each table's file or subfolder is named in messages
    notes: list[str] = []
    for path in candidates:
        if path.name.startswith(".") or path.name.lower().startswith(HIDDEN_PREFIX):
            continue
        if path.is_dir() and root.is_dir():
            if path.name.startswith("_"):  # Spark's _temporary and the like
                continue
            parts = _parts(path)
            if isinstance(parts, str):
                notes.append(f"{path.name}/: skipped: the folder {parts}")
                continue
            table, (paths, suffix) = path.name, parts
        else:
            suffix = _data_suffix(path)
            if suffix is None or not path.is_file():
                continue
            table, paths = _table_name(path, suffix), [path]
            if suffix in PARQUET_SUFFIXES and is_pql_output(path):
                continue
            if path.stat().st_size == 0:
                notes.append(f"{path.name}: skipped: the file is empty (0 bytes)")
                continue
        if table.lower().startswith(HIDDEN_PREFIX):
            continue
        name = f"{path.name}/" if path.is_dir() else path.name
        if table.lower() in found:
            raise ConnectorError(f"two files would both be table {table!r}: {shown[table.lower()]} and {name}")
        found[table.lower()], shown[table.lower()] = (table, paths, suffix), name
    if not found:
        kinds = ", ".join(DATA_SUFFIXES)
        if root.is_dir():
            skipped = f" ({'; '.join(notes)})" if notes else ""
            raise ConnectorError(f"no data files ({kinds}) in folder {root}{skipped}")
        if notes:
            raise ConnectorError(f"cannot read {root}: the file is empty (0 bytes)")
        raise ConnectorError(f"unsupported file type: {root.name} (expected one of {kinds})")
    return list(found.values()), notes


def _files_arg(paths: list[Path]) -> exp.Expression:
    """One path, or a list of them (a subfolder of parts) for DuckDB's readers."""
    if len(paths) == 1:
        return exp.Literal.string(str(paths[0]))
    return exp.Array(expressions=[exp.Literal.string(str(p)) for p in paths])


def _read_csv(paths: list[Path], *, whole_file_sniff: bool, as_text: tuple[str, ...] = (),
              decimal_comma: bool = False, function: str = "read_csv") -> exp.Expression:
    """``read_csv(…)`` as DuckDB's sniffer types the file(s), but with the ``as_text`` columns typed VARCHAR
    (or ``sniff_csv(…)``, what the sniffer makes of one file with the same options); ``decimal_comma``
    reads ``117,79`` as 117.79."""
    args: list[exp.Expression] = [
        _files_arg(paths),
        named_arg("nullstr", exp.Array(expressions=[exp.Literal.string(s) for s in NULL_STRINGS])),
    ]
    if decimal_comma:
        args.append(named_arg("decimal_separator", exp.Literal.string(",")))
    if whole_file_sniff:
        args.append(named_arg("sample_size", exp.Literal.number(-1)))
    if as_text:
        args.append(named_arg("types", exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.Literal.string(c), expression=exp.Literal.string("VARCHAR")) for c in as_text])))
    if len(paths) > 1:
        args.append(named_arg("union_by_name", exp.true()))
    return exp.func(function, *args)


def _decimal_comma_columns(con, table: str, paths: list[Path], *, whole_file_sniff: bool) -> tuple[str, ...]:
    """The text columns of CSV ``table`` that are numbers written with a decimal comma (``117,79``), as
    European exports write them: only in a file whose fields are not separated by commas, and only when
    reading it so turns text into numbers and changes no other column's type."""
    relation = con.table(table)
    before = {c: str(t) for c, t in zip(relation.columns, relation.types)}
    if "VARCHAR" not in before.values():
        return ()
    sniff = exp.select("Delimiter").from_(
        _read_csv(paths[:1], whole_file_sniff=whole_file_sniff, function="sniff_csv"))
    if con.sql(sniff.sql("duckdb")).fetchall()[0][0] == ",":
        return ()
    reread = con.sql(select_all_from(_read_csv(paths, whole_file_sniff=whole_file_sniff, decimal_comma=True))
                     .sql("duckdb"))
    after = {c: str(t) for c, t in zip(reread.columns, reread.types)}
    if after.keys() != before.keys():
        return ()
    changed = {c for c in before if before[c] != after[c]}
    numbers = tuple(c for c in changed if before[c] == "VARCHAR" and (after[c] == "DOUBLE" or after[c].startswith("DECIMAL")))
    return numbers if numbers and set(numbers) == changed else ()


def _guessed_dates(con, table: str, paths: list[Path], *, whole_file_sniff: bool,
                   decimal_comma: bool = False) -> tuple[str, ...]:
    """The DATE and TIMESTAMP columns of CSV ``table`` that DuckDB's sniffer read in a layout that does not
    start with a four-digit year (`%d/%m/%Y`, `%m-%d-%Y`, `%y.%m.%d`): it may have taken the day for the
    month, or guessed a century. None read in ISO, and a table without such columns is not sniffed again."""
    relation = con.table(table)
    dated = {c: str(t) for c, t in zip(relation.columns, relation.types) if str(t) in ("DATE", "TIMESTAMP")}
    if not dated:
        return ()
    sniff = exp.select("DateFormat", "TimestampFormat").from_(
        _read_csv(paths[:1], whole_file_sniff=whole_file_sniff, decimal_comma=decimal_comma, function="sniff_csv"))
    date_format, timestamp_format = con.sql(sniff.sql("duckdb")).fetchall()[0]
    guessed = {"DATE": _guessed(date_format), "TIMESTAMP": _guessed(timestamp_format)}
    return tuple(c for c, t in dated.items() if guessed[t])


def _guessed(strptime_format: str | None) -> bool:
    return bool(strptime_format) and not strptime_format.startswith("%Y")


def _load_csv(con, table: str, paths: list[Path]) -> list[str]:
    """Load one CSV (or a subfolder of them) as a table; if the sniffer guessed a type from too few rows,
    sniff the whole file. Dates it read day or month first (`_guessed_dates`) are read again as text, for
    `find_text_timestamps` to decide. Returns notes on text columns read as timestamps."""
    import duckdb

    from pql.errors import ConnectorError

    notes: list[str] = []

    def load(whole_file_sniff: bool) -> None:
        con.execute(create_as(table, select_all_from(_read_csv(paths, whole_file_sniff=whole_file_sniff)), kind="TABLE"))
        commas = _decimal_comma_columns(con, table, paths, whole_file_sniff=whole_file_sniff)
        as_text = _guessed_dates(con, table, paths, whole_file_sniff=whole_file_sniff, decimal_comma=bool(commas))
        if commas or as_text:
            con.execute(exp.Create(this=table_ref(table), kind="TABLE", replace=True, expression=select_all_from(
                _read_csv(paths, whole_file_sniff=whole_file_sniff, as_text=as_text, decimal_comma=bool(commas)))
            ).sql("duckdb"))
        notes[:] = [f"{table}.{c}: numbers with a decimal comma, read as numbers" for c in commas]

    try:
        load(whole_file_sniff=False)
    except duckdb.Error:
        try:
            load(whole_file_sniff=True)
        except duckdb.Error as e:
            raise ConnectorError(f"cannot read CSV file {_where(paths)}: {_short(e)}") from e
    try:
        notes += _read_missing_markers(con, table)
        notes += _read_grouped_decimals(con, table)
        times = _read_times(con, table)
    except duckdb.Error as e:
        raise ConnectorError(f"cannot read CSV file {_where(paths)}: {_short(e)}") from e
    return notes + list(times.notes)


def _read_missing_markers(con, table: str) -> list[str]:
    """Text columns of ``table`` that hold numbers (or ISO dates) except for missing-value markers
    (``NA``, ``N/A``, ``NULL``, ``0000-00-00``, `MISSING_MARKERS`): read the markers as NULL and the column
    as numbers (dates), with a note. Text that is not otherwise numeric (a country code ``NA``) is kept,
    and so are numbers with leading zeros (``00123``: codes, not quantities)."""
    replaced: dict[str, str] = {}
    notes: list[str] = []
    for column in _text_columns(con, table):
        c = exp.to_identifier(column, quoted=True).sql("duckdb")
        markers = ", ".join(f"'{m}'" for m in MISSING_MARKERS)
        marker = f"(upper(trim({c})) IN ({markers}) OR trim({c}) LIKE '{ZERO_DATE}%')"
        other = f"NOT {marker}"
        row = con.sql(
            f"SELECT count(*) FILTER (WHERE {marker}), count(*) FILTER (WHERE {other}), "
            f"count(*) FILTER (WHERE {other} AND TRY_CAST({c} AS DOUBLE) IS NULL), "
            f"count(*) FILTER (WHERE {other} AND (TRY_CAST({c} AS BIGINT) IS NULL "
            f"  OR TRY_CAST({c} AS BIGINT) <> TRY_CAST({c} AS DOUBLE))), "
            f"count(*) FILTER (WHERE {other} AND regexp_matches({c}, '^\\s*[-+]?0[0-9]')), "
            f"count(*) FILTER (WHERE {other} AND TRY_CAST({c} AS TIMESTAMP) IS NULL), "
            f"count(*) FILTER (WHERE {other} AND TRY_CAST({c} AS DATE) IS NULL), "
            f"list(DISTINCT trim({c}) ORDER BY trim({c})) FILTER (WHERE {marker}) "
            f"FROM {table_ref(table).sql('duckdb')} WHERE {c} IS NOT NULL").fetchall()[0]
        n_markers, n_other, not_number, not_integer, zeros, not_timestamp, not_date, found = row
        if not n_markers or not n_other:
            continue
        if not not_number and not zeros:
            dtype, what = ("BIGINT" if not not_integer else "DOUBLE"), "a number"
        elif not not_timestamp:
            dtype, what = ("DATE" if not not_date else "TIMESTAMP"), "a date"
        else:
            continue
        replaced[column] = f"TRY_CAST(CASE WHEN {marker} THEN NULL ELSE {c} END AS {dtype}) AS {c}"
        shown = ", ".join(repr(v) for v in found[:4])
        notes.append(f"{table}.{column}: {n_markers:,} missing-value marker(s) ({shown}) read as NULL; every other "
                     f"value is {what}, so the column is read as {dtype}")
    _replace_columns(con, table, replaced)
    return notes


def _text_columns(con, table: str) -> list[str]:
    relation = con.table(table)
    return [c for c, t in zip(relation.columns, relation.types) if str(t) == "VARCHAR"]


def _replace_columns(con, table: str, replaced: dict[str, str]) -> None:
    """Rebuild ``table`` with each named column replaced by its SQL expression (``… AS "column"``)."""
    if replaced:
        con.execute(f"CREATE OR REPLACE TABLE {table_ref(table).sql('duckdb')} AS SELECT * REPLACE ("
                    + ", ".join(replaced.values()) + f") FROM {table_ref(table).sql('duckdb')}")


# 2.888,98 / -1.234 / 12,5: '.' between groups of three digits, ',' before the decimals
_GROUPED_DECIMAL = r"^[-+]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?$"


def _read_grouped_decimals(con, table: str) -> list[str]:
    """Text columns of ``table`` whose every value is a number written the European way with '.' between
    thousands (``2.888,98``; DuckDB's decimal-comma read leaves those as text): read as DOUBLE, with a
    note. At least one value must have a decimal comma, so that ``1.500`` alone is not taken for 1500."""
    replaced: dict[str, str] = {}
    notes: list[str] = []
    for column in _text_columns(con, table):
        c = exp.to_identifier(column, quoted=True).sql("duckdb")
        value = f"trim({c})"
        unmatched, with_comma, grouped = con.sql(
            f"SELECT count(*) FILTER (WHERE NOT regexp_full_match({value}, '{_GROUPED_DECIMAL}')), "
            f"count(*) FILTER (WHERE contains({value}, ',')), count(*) FILTER (WHERE contains({value}, '.')) "
            f"FROM {table_ref(table).sql('duckdb')} WHERE {c} IS NOT NULL AND {value} <> ''").fetchall()[0]
        if unmatched or not with_comma or not grouped:
            continue
        replaced[column] = (f"CAST(replace(replace(NULLIF({value}, ''), '.', ''), ',', '.') AS DOUBLE) AS {c}")
        notes.append(f"{table}.{column}: numbers with a decimal comma and '.' between thousands (e.g. 2.888,98), "
                     "read as numbers")
    _replace_columns(con, table, replaced)
    return notes


def _read_times(con, table: str):
    """Replace ``table`` by itself with its text timestamps, epoch numbers named as times and TIMESTAMPTZ
    columns read as TIMESTAMP (UTC)."""
    text, zoned = time_candidates(con, table_ref(table))
    times = find_text_timestamps(con, table, table_ref(table), text, zoned=zoned,
                                 epochs=epoch_candidates(con, table_ref(table)))
    if times.changes:
        con.execute(exp.Create(this=table_ref(table), kind="TABLE", replace=True,
                               expression=times.select(table_ref(table))).sql("duckdb"))
    return times


def _load_json(con, table: str, paths: list[Path]) -> list[str]:
    """Load one JSON file (or a subfolder of them) as a table: top-level keys are columns, nested values JSON text."""
    import duckdb

    from pql.errors import ConnectorError

    scan = exp.func("read_json", _files_arg(paths))
    try:
        relation = con.sql(select_all_from(scan).sql("duckdb"))
        nested = [c for c, t in zip(relation.columns, relation.types) if _is_nested(str(t))]
        star = exp.Star()
        if nested:
            star = exp.Star(replace=[exp.alias_(exp.cast(exp.func("to_json", exp.column(c, quoted=True)), "VARCHAR"),
                                                exp.to_identifier(c, quoted=True)) for c in nested])
        con.execute(create_as(table, exp.select(star).from_(scan), kind="TABLE"))
        times = _read_times(con, table)
    except duckdb.Error as e:
        raise ConnectorError(f"cannot read JSON file {_where(paths)}: {_short(e)}") from e
    notes = [f"{table}.{c}: nested values, kept as JSON text" for c in nested]
    return notes + list(times.notes)


def _is_nested(duckdb_type: str) -> bool:
    return duckdb_type.startswith(("STRUCT", "MAP", "UNION", "JSON")) or duckdb_type.endswith("]")


def _load_parquet(con, table: str, paths: list[Path]) -> list[str]:
    """Create a view over one Parquet file (or a subfolder of them); text columns holding only timestamps
    become TIMESTAMP, TIMESTAMPTZ columns TIMESTAMP in UTC."""
    import duckdb

    from pql.errors import ConnectorError

    options = [named_arg("union_by_name", exp.true())] if len(paths) > 1 else []
    scan = exp.func("read_parquet", _files_arg(paths), *options)
    try:
        text, zoned = time_candidates(con, scan)
        times = find_text_timestamps(con, table, scan, text, zoned=zoned, epochs=epoch_candidates(con, scan))
        con.execute(create_as(table, times.select(scan), kind="VIEW"))
    except duckdb.Error as e:
        raise ConnectorError(f"cannot read Parquet file {_where(paths)}: {_short(e)}") from e
    return list(times.notes)


def _where(paths: list[Path]) -> str:
    return str(paths[0]) if len(paths) == 1 else f"{paths[0].parent}/ ({len(paths)} files)"


def _short(error: Exception, lines: int = 3) -> str:
    """DuckDB's CSV errors run to dozens of lines of sniffer settings; the first few say what is wrong."""
    kept = [line.strip() for line in str(error).splitlines() if line.strip()][:lines]
    return " ".join(kept)
