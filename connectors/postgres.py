"""A PostgreSQL database, read through ADBC (Arrow straight from libpq) into a private DuckDB copy.

    pql.connect("postgresql://user:password@host:5432/shop")      # or postgres://…; libpq's URI syntax

DuckDB's own postgres extension would have to be downloaded (impossible offline) and is tied to one
DuckDB release; `adbc-driver-postgresql` is a pinned wheel that returns Arrow. The tables of the
connection's current schema (the first of its ``search_path``, ``public`` by default; pass
``?options=-csearch_path%3Dsales`` in the URI for another) are read in one ``REPEATABLE READ READ ONLY``
transaction (one consistent snapshot, and PostgreSQL itself refuses any write), copied into an in-memory
DuckDB database, and the connection is closed: pql never changes the database, except for ``INTO``
(`engine.into_postgres`), which creates one table in one transaction.

Column types: integers, floating point, booleans, text, dates and timestamps keep their type
(``timestamptz`` becomes a UTC ``TIMESTAMP``); ``numeric`` becomes DOUBLE; anything else (uuid, json,
arrays, enums, …) is read as its text form. Keys come from ``pg_constraint`` (composite keys in order).
Tables whose comment starts with the INTO marker are pql's own predictions and stay out of later graphs.
The connector's ``name`` hides the password; ``uri`` keeps it for INTO.
"""
from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
from sqlglot import exp

from connectors._duckdb import connect as connect_duckdb
from connectors._sql import comment_on_table, create_as, select_all_from, table_ref
from connectors._staging import staged
from connectors.base import Connector, DeclaredKeys
from connectors.catalog import keys_from_rows
from connectors.registry import register

URI_PATTERN = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
# pg_type.typname of the types read as they are
KEPT_TYPES = {"int2", "int4", "int8", "float4", "float8", "bool", "text", "varchar", "bpchar", "date", "timestamp"}

# partitions are read through their parent; a domain is read as its base type
_TABLES = """
SELECT c.relname, obj_description(c.oid, 'pg_class'), c.relkind, c.relispopulated,
       has_table_privilege(c.oid, 'SELECT')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
ORDER BY c.relname
"""
_COLUMNS = """
SELECT c.relname, a.attname, CASE WHEN t.typtype = 'd' THEN b.typname ELSE t.typname END
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type b ON b.oid = t.typbasetype
WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""
_KEYS = """
SELECT con.contype, c.relname,
       array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i),
       f.relname,
       array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i)
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class f ON f.oid = con.confrelid
WHERE n.nspname = current_schema() AND con.contype IN ('p', 'f')
  AND (f.oid IS NULL OR f.relnamespace = n.oid)  -- a link into another schema has no table here
ORDER BY c.relname, con.conname
"""

# the schemas other than the current one that hold tables (asked only when the current one holds none)
_OTHER_SCHEMAS = """
SELECT current_schema(), current_setting('search_path'), n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IS DISTINCT FROM current_schema() AND n.nspname NOT IN ('information_schema', 'pg_catalog', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND has_schema_privilege(n.oid, 'USAGE')
ORDER BY n.nspname, c.relname
"""


def redacted(uri: str) -> str:
    """The URI without its password, in the user:password@ part or a ``password=`` parameter (for messages
    and the connector's name); never raises, whatever the URI."""
    text = re.sub(r"(://[^/@?#]*?:)[^@/?#]*@", r"\1***@", uri)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", text, flags=re.IGNORECASE)


def _passwords(uri: str) -> list[str]:
    """The password as written and as decoded, wherever the URI holds it."""
    from urllib.parse import unquote

    found = re.findall(r"://[^/@?#]*?:([^@/?#]*)@", uri) + re.findall(r"[?&]password=([^&#]*)", uri, re.IGNORECASE)
    return sorted({p for raw in found if raw for p in (raw, unquote(raw))}, key=len, reverse=True)


def scrubbed(message: str, uri: str) -> str:
    """A driver's message with the URI and its password masked (libpq repeats what it could not parse)."""
    message = message.replace(uri, redacted(uri))
    for password in _passwords(uri):
        message = message.replace(password, "***")
    return message


def connect(uri: str):
    """An ADBC DB-API connection (not autocommitting); errors become `ConnectorError`."""
    import adbc_driver_postgresql.dbapi as pg
    from adbc_driver_manager.dbapi import Error as DatabaseError

    from pql.errors import ConnectorError

    uri = URI_PATTERN.sub("postgresql://", uri, count=1)  # libpq reads the scheme in lower case only
    try:
        return pg.connect(uri)
    except (DatabaseError, ValueError) as e:
        raise ConnectorError(f"cannot connect to {redacted(uri)}: {scrubbed(_short(e), uri)}") from e


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:300]


@register
class PostgresConnector(Connector):
    kind = "postgres"

    def __init__(self, *, uri: str, keys: DeclaredKeys, **kwargs: Any):
        super().__init__(**kwargs)
        self._uri = uri
        self._keys = keys

    @property
    def uri(self) -> str:
        return self._uri

    @classmethod
    def accepts(cls, source: object) -> bool:
        return isinstance(source, str) and bool(URI_PATTERN.match(source))

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> PostgresConnector:
        from adbc_driver_manager.dbapi import Error as DatabaseError

        from pql.errors import ConnectorError

        uri = str(source)
        src = connect(uri)
        con = connect_duckdb()
        try:
            cur = src.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            listed = _rows(cur, _TABLES)
            columns: dict[str, list[tuple[str, str]]] = {}
            for table, name, type_name in _rows(cur, _COLUMNS):
                columns.setdefault(table, []).append((name, type_name))
            tables, notes = {}, []
            for table, comment, kind, populated, readable in listed:
                problem = _unreadable(cur, con, table, kind, columns.get(table, []), comment, tables,
                                      populated=populated, readable=readable)
                if problem is None:
                    tables[table] = comment
                else:
                    notes.append(f"{table}: left out ({problem})")
            keys = _declared_keys(_rows(cur, _KEYS), set(tables))
            if not listed:
                notes += _other_schemas_note(_rows(cur, _OTHER_SCHEMAS), uri)
            cur.close()
        except DatabaseError as e:
            con.close()
            raise ConnectorError(f"cannot read {redacted(uri)}: {scrubbed(_short(e), uri)}") from e
        except BaseException:
            con.close()
            raise
        finally:
            try:
                src.rollback()  # nothing was written; end the read-only transaction
            finally:
                src.close()
        from connectors.catalog import OUTPUT_MARKER

        outputs = {t for t, comment in tables.items() if (comment or "").startswith(OUTPUT_MARKER)}
        keys = DeclaredKeys(primary_keys={t: k for t, k in keys.primary_keys.items() if t not in outputs},
                            foreign_keys=tuple(fk for fk in keys.foreign_keys if fk.table not in outputs))
        return cls(name=redacted(uri), connection=con, read_only=read_only, uri=uri, keys=keys, notes=tuple(notes))

    def declared_keys(self) -> DeclaredKeys:
        return self._keys


def search_path_option(schema: str, uri: str) -> str:
    """What to add to ``uri`` so libpq makes ``schema`` the current one: ``?options=-csearch_path%3D…``
    (``&`` when the URI has parameters already; a name that needs quotes gets them, spaces escaped)."""
    from urllib.parse import quote

    plain = re.fullmatch(r"[a-z_][a-z0-9_$]*", schema) is not None
    value = schema if plain else '"' + schema.replace('"', '""') + '"'
    value = value.replace("\\", "\\\\").replace(" ", "\\ ")  # libpq splits options at unescaped spaces
    return f"{'&' if '?' in uri else '?'}options={quote(f'-csearch_path={value}', safe='')}"


def _other_schemas_note(rows: list[tuple], uri: str) -> list[str]:
    """A note naming the schemas that hold tables when the current one holds none (nothing to read)."""
    others: dict[str, list[str]] = {}
    current, search_path = None, ""
    for current, search_path, schema, table in rows:
        others.setdefault(schema, []).append(table)
    if not others:
        return []
    head = (f"the current schema {current} has no tables" if current
            else f"no schema of the search_path ({search_path}) exists, so no tables are read")
    listed = "; ".join(f"schema {schema} has {len(tables)} ({', '.join(tables[:4])}{', …' if len(tables) > 4 else ''})"
                       for schema, tables in others.items())
    first = next(iter(others))
    return [f"{head}; {listed}: add {search_path_option(first, uri)} to the URL"
            + (" (or name another of those schemas)" if len(others) > 1 else "")]


def _rows(cur, query: str) -> list[tuple]:
    cur.execute(query)
    return [tuple(row) for row in cur.fetchall()]


TIME_TYPES = ("timestamp", "timestamptz", "date")


def _source_column(name: str, type_name: str) -> exp.Expression:
    column = exp.column(name, quoted=True)
    if type_name in TIME_TYPES:  # 'infinity' / '-infinity' mean "no time": NULL, not the year 290279 BC
        value = exp.AtTimeZone(this=column, zone=exp.Literal.string("UTC")) if type_name == "timestamptz" else column
        finite = exp.Case().when(exp.func("isfinite", column.copy()), value)
        return exp.alias_(finite, name, quoted=True)
    if type_name in KEPT_TYPES:
        return column
    if type_name == "numeric":
        return exp.alias_(exp.cast(column, "DOUBLE PRECISION"), name, quoted=True)
    return exp.alias_(exp.cast(column, "TEXT"), name, quoted=True)


def _unreadable(cur, con, table: str, kind: str, columns, comment, copied: dict, *, populated: bool,
                readable: bool) -> str | None:
    """Copy one table, or say why it cannot be, so one odd object leaves the others readable (checked
    before reading: a failed read would abort the whole read-only transaction)."""
    if not readable:
        return "this role may not SELECT from it"
    if not populated:
        return "a materialized view never refreshed"
    if not columns:
        return "it has no columns"
    clash = next((t for t in copied if t.lower() == table.lower()), None)
    if clash is not None:
        return f"its name differs only in case from {clash!r}, which is read"
    _copy_table(cur, con, table, columns, comment, only=kind == "r")
    return None


def _copy_table(cur, con, table: str, columns: list[tuple[str, str]], comment: str | None, *,
                only: bool = False) -> None:
    import duckdb

    from connectors.catalog import OUTPUT_MARKER
    from pql.errors import ConnectorError

    source = table_ref(table)
    if only:  # a table others may inherit from: its own rows, not its children's too (they are read on their own)
        source.set("only", True)
    select = exp.select(*(_source_column(*c) for c in columns) or [exp.Star()]).from_(source)
    cur.execute(select.sql("postgres"))
    arrow: pa.Table = cur.fetch_arrow_table()
    arrow = arrow.replace_schema_metadata(None)
    try:
        with staged(con, arrow) as staging:
            con.execute(create_as(table, select_all_from(table_ref(staging)), kind="TABLE"))
        if (comment or "").startswith(OUTPUT_MARKER):
            con.execute(comment_on_table(table, comment))
    except duckdb.Error as e:
        raise ConnectorError(f"cannot copy PostgreSQL table {table!r}: {e}") from e


def _declared_keys(rows: list[tuple], tables: set[str]) -> DeclaredKeys:
    kinds = {"p": "PRIMARY KEY", "f": "FOREIGN KEY"}  # pg_constraint.contype
    return keys_from_rows([(table, kinds[kind], cols, ref_table, ref_cols)
                           for kind, table, cols, ref_table, ref_cols in rows], tables)


__all__ = ["PostgresConnector", "connect", "redacted"]
