"""Primary keys: declared first, then overrides, then inferred by name + uniqueness + no NULLs.

Inference looks at two kinds of column, in this order:
1. a column named as the table's own key (``id``, ``customer_id`` in customers, ``driverId`` in
   drivers, ``constructorResultsId`` in constructor_results);
2. failing that, the table's first column when its name ends in ``id``/``key`` and it is not another
   table's key name (``qualifyId`` in qualifying; but not ``household_id`` in demographics when
   households is keyed by ``household_id`` — that column is a link, not an identity).
A candidate must be unique and non-null over all rows (checked exactly in DuckDB). Composite keys
are never guessed; declare them or give them as an override.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.schema.dtypes import Family
from engine.schema.names import key_names, norm, words
from engine.schema.profile import ColumnProfile, TableProfile, is_unique_not_null

if TYPE_CHECKING:
    import duckdb

_KEY_FAMILIES = (Family.INTEGER, Family.STRING, Family.FLOAT)


@dataclass(frozen=True, kw_only=True)
class PrimaryKey:
    columns: tuple[str, ...]
    inferred: bool


def primary_keys(con: duckdb.DuckDBPyConnection, profiles: Mapping[str, TableProfile], *,
                 declared: Mapping[str, tuple[str, ...]], overrides: Mapping[str, tuple[str, ...]],
                 notes: list[str]) -> dict[str, PrimaryKey]:
    """Primary key per table (tables without one are absent)."""
    keys: dict[str, PrimaryKey] = {}
    for table in profiles:
        if table in overrides:
            keys[table] = PrimaryKey(columns=overrides[table], inferred=False)
        elif table in declared:
            keys[table] = PrimaryKey(columns=declared[table], inferred=False)
    undecided = [t for t in profiles if t not in keys]
    for table in undecided:
        column = _first_unique(con, profiles[table], _own_key_names(profiles[table]))
        if column is not None:
            keys[table] = PrimaryKey(columns=(column,), inferred=True)
            notes.append(f"{table}: primary key {column} inferred (named after the table, unique, no NULLs)")
    for table in undecided:
        if table in keys:
            continue
        column = _first_unique(con, profiles[table], _first_column_key(profiles[table], profiles, keys))
        if column is not None:
            keys[table] = PrimaryKey(columns=(column,), inferred=True)
            notes.append(f"{table}: primary key {column} inferred (first column, id-like name, unique, no NULLs)")
        else:
            notes.append(f"{table}: no primary key (no unique, non-null id-like column); it can be linked "
                         "from but not predicted for")
    return keys


def _own_key_names(profile: TableProfile) -> list[ColumnProfile]:
    """Columns named as this table's own key, the most specific name first (``customer_id`` before ``id``)."""
    own = key_names(profile.name)
    specific = [c for c in profile.columns if norm(c.name) in own]
    generic = [c for c in profile.columns if norm(c.name) == "id"]
    return specific + generic


def _first_column_key(profile: TableProfile, profiles: Mapping[str, TableProfile],
                      keys: Mapping[str, PrimaryKey]) -> list[ColumnProfile]:
    if not profile.columns:
        return []
    first = profile.columns[0]
    parts = words(first.name)
    if not parts or parts[-1] not in ("id", "key"):
        return []
    for other, key in keys.items():
        if other == profile.name:
            continue
        if norm(first.name) in key_names(other) or (len(key.columns) == 1 and norm(key.columns[0]) == norm(first.name)):
            return []
    return [first]


def _first_unique(con: duckdb.DuckDBPyConnection, profile: TableProfile,
                  candidates: list[ColumnProfile]) -> str | None:
    for column in candidates:
        if column.family not in _KEY_FAMILIES or profile.num_rows == 0:
            continue
        # cheap screen on the profile before the exact check (approx_count_distinct can be 15% low)
        if column.non_null < profile.num_rows or column.approx_distinct < 0.5 * profile.num_rows:
            continue
        if is_unique_not_null(con, profile.name, (column.name,)):
            return column.name
    return None
