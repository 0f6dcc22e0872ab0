"""``ignore t.c``: columns removed from the schema before anything is inferred from them.

An ignored column is no feature of any model, no key, link or time column, and no name a query may use.
It is meant for columns that leak (a snapshot of today in a table read as of every anchor), so a column
that holds the schema together by declaration (a declared key or link, or a column another override names,
a `time` override's included) cannot be ignored: that is an error naming both, rather than a schema that
silently falls apart. An inferred key, link or time column can be: inference then does without it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from engine.schema.overrides import SchemaOverrides
from engine.schema.profile import TableProfile


def ignored_by_table(ov: SchemaOverrides) -> dict[str, tuple[str, ...]]:
    """``{"customers": ("last_order_at",)}`` from resolved ``table.column`` names."""
    found: dict[str, tuple[str, ...]] = {}
    for key in ov.ignored_columns:
        table, _, column = key.partition(".")
        found[table] = (*found.get(table, ()), column)
    return found


def without_ignored(profiles: Mapping[str, TableProfile], ov: SchemaOverrides) -> dict[str, TableProfile]:
    """``profiles`` with the ignored columns left out, so that inference never sees them."""
    ignored = ignored_by_table(ov)
    return {name: replace(p, columns=tuple(c for c in p.columns if c.name not in ignored.get(name, ())))
            if name in ignored else p for name, p in profiles.items()}


def check_ignored(ov: SchemaOverrides, declared) -> None:
    """Raise one SchemaError for every ignored column that a key, a link or another override needs.
    ``ov`` is resolved; ``declared`` is the connector's `DeclaredKeys`."""
    from pql.errors import SchemaError

    ignored = set(ov.ignored_columns)
    if not ignored:
        return
    errors = [f"{ov.where(f'ignore {key}')}ignore override {key}: {why}, so it cannot be ignored; {fix}"
              for key, why, fix in _needed_columns(ov, declared) if key in ignored]
    if errors:
        raise SchemaError("\n".join(dict.fromkeys(errors)))


_KEEP_ONE = "remove one of the two overrides"


def _needed_columns(ov: SchemaOverrides, declared):
    """(``table.column``, why it is needed, what to do) for every column a key, a link or an override names."""
    for table, columns in ov.primary_keys.items():
        yield from ((f"{table}.{c}", f"'pk {table}' makes it the primary key", _KEEP_ONE) for c in columns)
    for table, columns in declared.primary_keys.items():
        if table not in ov.primary_keys:
            yield from ((f"{table}.{c}", f"it is the declared primary key of {table}",
                         "a key identifies rows, it is never a feature") for c in columns)
    for spec in ov.foreign_keys:
        yield from ((f"{spec.table}.{c}", f"'fk {spec}' links through it", _KEEP_ONE) for c in spec.columns)
        yield from ((f"{spec.ref_table}.{c}", f"'fk {spec}' links to it", _KEEP_ONE) for c in spec.ref_columns)
    for fk in declared.foreign_keys:
        if not _dropped(fk, ov):
            link = f"{fk.table}.{'+'.join(fk.columns)}"
            yield from ((f"{fk.table}.{c}", f"the declared link {link} -> {fk.ref_table} goes through it",
                         f"drop the link as well ('drop fk {link}')") for c in fk.columns)
    for table, column in ov.time_columns.items():
        if column is not None:
            yield f"{table}.{column}", f"'time {table} = {column}' makes it the time column", _KEEP_ONE
    for key in ov.semantic_types:
        yield key, f"'type {key}' gives it a type", _KEEP_ONE


def _dropped(fk, ov: SchemaOverrides) -> bool:
    """As `engine.schema.introspection` drops links: same table and columns, and the reference if named."""
    return any(spec.table == fk.table and spec.columns == fk.columns and spec.ref_table in (None, fk.ref_table)
               for spec in ov.drop_foreign_keys)
