"""Primary keys: declared first, then overrides, then inferred by name + uniqueness + no NULLs.

Inference looks at two kinds of column, in this order:
1. a column named as the table's own key (``id``, ``customer_id`` in customers, ``driverId`` in
   drivers, ``constructorResultsId`` in constructor_results);
2. failing that, the table's first column when its name ends in an identifier word (``id``, ``key``,
   ``no``, ``number``, ``code``, ``sku``, … `ID_WORDS`) and it is not another
   table's key name (``qualifyId`` in qualifying; but not ``household_id`` in demographics when
   households is keyed by ``household_id`` — that column is a link, not an identity).
A candidate must be unique and non-null over all rows (checked exactly in DuckDB); a table left
without a key gets a note saying why each candidate was refused. Composite keys are never guessed;
declare them or give them as an override (which must identify rows, or it is an error).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from engine.schema.dtypes import Family
from engine.schema.names import key_names, norm, words
from engine.schema.profile import ColumnProfile, TableProfile, key_defects
from engine.schema.sql import run, table_ref
from pql.errors import SchemaError

if TYPE_CHECKING:
    import duckdb

_KEY_FAMILIES = (Family.INTEGER, Family.STRING, Family.FLOAT)
# last words of a first column's name that say "identifier": ``cust_no``, ``order_number`` and ``sku`` are as
# common in exports as ``*_id``
ID_WORDS = ("id", "key", "no", "nr", "num", "number", "code", "uuid", "guid", "sku")


@dataclass(frozen=True, kw_only=True)
class PrimaryKey:
    columns: tuple[str, ...]
    inferred: bool


def primary_keys(con: duckdb.DuckDBPyConnection, profiles: Mapping[str, TableProfile], *,
                 declared: Mapping[str, tuple[str, ...]], overrides: Mapping[str, tuple[str, ...]],
                 notes: list[str], origins: Mapping[str, str] | None = None) -> dict[str, PrimaryKey]:
    """Primary key per table (tables without one are absent).

    An override that does not identify rows is a SchemaError (``origins`` prefixes it with where the
    override was given, per table); a declared key with NULLs (SQLite allows them) gets a note.
    """
    keys: dict[str, PrimaryKey] = {}
    errors = []
    for table in profiles:
        if table in overrides:
            columns = overrides[table]
            defects = key_defects(con, table, columns)
            if defects:
                errors.append(f"{(origins or {}).get(table, '')}{table}.{'+'.join(columns)} cannot be the primary key: "
                              f"{defects}; name columns that are unique and never NULL")
            keys[table] = PrimaryKey(columns=columns, inferred=False)
        elif table in declared:
            keys[table] = PrimaryKey(columns=declared[table], inferred=False)
            _check_declared(con, profiles[table], declared[table], notes)
    if errors:
        raise SchemaError("\n".join(errors))
    undecided = [t for t in profiles if t not in keys]
    refused: dict[str, list[str]] = {t: [] for t in undecided}
    for table in undecided:
        column = _first_unique(con, profiles[table], _own_key_names(profiles[table]), refused[table])
        if column is not None:
            keys[table] = PrimaryKey(columns=(column,), inferred=True)
            notes.append(f"{table}: primary key {column} inferred (named after the table, unique, no NULLs)")
    for table in undecided:
        if table in keys:
            continue
        tried = _own_key_names(profiles[table])
        candidates = [c for c in _first_column_key(con, profiles[table], profiles, keys, refused[table])
                      if c not in tried]
        column = _first_unique(con, profiles[table], candidates, refused[table])
        if column is not None:
            keys[table] = PrimaryKey(columns=(column,), inferred=True)
            notes.append(f"{table}: primary key {column} inferred (first column, id-like name, unique, no NULLs)")
        else:
            why = "; ".join(refused[table]) or ("empty table" if profiles[table].num_rows == 0 else
                                                "no id-like column: none named after the table, and the first "
                                                "column's name does not end in id, key, no, number, code or the like")
            notes.append(f"{table}: no primary key ({why}); it can be linked from but not predicted for")
    return keys


def _check_declared(con: duckdb.DuckDBPyConnection, profile: TableProfile, columns: tuple[str, ...],
                    notes: list[str]) -> None:
    """Note a declared key the database does not enforce (NULLs in a SQLite TEXT PRIMARY KEY)."""
    profiled = [c for c in profile.columns if c.name in columns]
    if all(c.non_null == profile.num_rows for c in profiled):
        return
    defects = key_defects(con, profile.name, columns)
    if defects:
        notes.append(f"{profile.name}: declared primary key {'+'.join(columns)} does not identify every row: "
                     f"{defects} (the database does not enforce it)")


def _own_key_names(profile: TableProfile) -> list[ColumnProfile]:
    """Columns named as this table's own key, the most specific name first (``customer_id`` before ``id``)."""
    own = key_names(profile.name)
    specific = [c for c in profile.columns if norm(c.name) in own]
    generic = [c for c in profile.columns if norm(c.name) == "id"]
    return specific + generic


def _first_column_key(con: duckdb.DuckDBPyConnection, profile: TableProfile,
                      profiles: Mapping[str, TableProfile],
                      keys: Mapping[str, PrimaryKey], refused: list[str]) -> list[ColumnProfile]:
    if not profile.columns:
        return []
    first = profile.columns[0]
    parts = words(first.name)
    if not parts or parts[-1] not in ID_WORDS:
        return []
    for other, key in keys.items():
        if other == profile.name:
            continue
        if norm(first.name) in key_names(other) or (len(key.columns) == 1 and norm(key.columns[0]) == norm(first.name)):
            refused.append(f"{first.name} is named as the key of {other}, so it is read as a link to it, not an "
                           f"identity; {_pk_advice(con, profile, first, refused)}")
            return []
    return [first]


def _pk_advice(con: duckdb.DuckDBPyConnection, profile: TableProfile, column: ColumnProfile,
               refused: list[str]) -> str:
    """What a ``pk`` override would do for ``column``: suggest it only when it would be accepted (unique,
    never NULL); otherwise say why not, and whether the repeats are whole duplicate rows."""
    if profile.num_rows == 0 or column.family not in _KEY_FAMILIES:
        return f"it cannot be the key ({column.dtype})" if profile.num_rows else "the table is empty"
    defects = key_defects(con, profile.name, (column.name,))
    if not defects:
        return f"'pk {profile.name} = {column.name}' makes it the key"
    said = any(r.startswith(f"{column.name}: ") for r in refused)  # its defects are already in the note
    advice = "'pk' would not make it the key either" if said else f"it cannot be the key ({defects})"
    if defects.repeated and _duplicate_rows(con, profile.name):
        advice += (": the table holds duplicate rows (identical in every column), which 'pk' cannot fix; "
                   "deduplicate the source, or derive an entity table with "
                   f"'entity <name> = {profile.name}.{column.name}'")
    elif defects.repeated:
        advice += (f"; {profile.name} holds several rows per {column.name}, so to predict per {column.name}, "
                   f"derive an entity table with 'entity <name> = {profile.name}.{column.name}'")
    return advice


def _duplicate_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """How many rows of ``table`` are exact copies of another row (0 when none)."""
    distinct = exp.select(exp.func("count", exp.Star())).from_(
        exp.select(exp.Star()).distinct().from_(table_ref(table)).subquery("d"))
    total = exp.select(exp.func("count", exp.Star())).from_(table_ref(table))
    n_distinct = run(con, distinct, f"count the distinct rows of {table}")[0][0]
    n_total = run(con, total, f"count the rows of {table}")[0][0]
    return int(n_total) - int(n_distinct)


def _first_unique(con: duckdb.DuckDBPyConnection, profile: TableProfile,
                  candidates: list[ColumnProfile], refused: list[str]) -> str | None:
    """The first candidate that identifies rows; why each other one does not goes to ``refused``."""
    for column in candidates:
        if profile.num_rows == 0:
            continue
        if column.family not in _KEY_FAMILIES:
            refused.append(f"{column.name} is {column.dtype}, not an integer or text column")
            continue
        defects = key_defects(con, profile.name, (column.name,))
        if not defects:
            return column.name
        refused.append(f"{column.name}: {defects}")
    return None
