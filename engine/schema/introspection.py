"""From an open data source to a `Database`: declared facts first, inference for the rest, overrides last.

    >>> import connectors
    >>> from engine.schema import introspect
    >>> with connectors.open("data/f1") as source:
    ...     db = introspect(source)

Every step appends what it decided (and what it refused) to ``Database.notes``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from engine.schema.dtypes import Family
from engine.schema.keys import PrimaryKey, primary_keys
from engine.schema.links import declared_links, infer_links
from engine.schema.model import Column, Database, ForeignKey, SemanticType, Table
from engine.schema.derived import derive_entities
from engine.schema.ignored import check_ignored, ignored_by_table, without_ignored
from engine.schema.overrides import SchemaOverrides, resolve
from engine.schema.profile import TableProfile, profile_table
from engine.schema.sql import column_ref, not_null, run, table_ref
from engine.schema.stypes import semantic_type
from engine.schema.timecols import choose_time_column, inherited_times
from pql.errors import SchemaError

if TYPE_CHECKING:
    import duckdb

    from connectors.base import Connector


def introspect(source: Connector | duckdb.DuckDBPyConnection, *,
               overrides: SchemaOverrides | str | Mapping | None = None,
               use_schema_file: bool = True) -> Database:
    """Describe every user table of ``source``: columns and semantic types, keys, links, time.

    ``overrides`` (a ``SchemaOverrides``, its one-line string form, or a TOML-shaped mapping) win
    over the catalog and inference; a ``pql_schema.toml`` next to the data is applied first when
    ``use_schema_file`` is true.
    """
    connector = _as_connector(source)
    con = connector.connection
    profiles = {t: profile_table(con, t) for t in connector.table_names()}
    notes = list(connector.notes)
    given = _overrides(connector, overrides, use_schema_file, notes)
    for entity in derive_entities(con, given, profiles, notes):
        profiles[entity.name] = profile_table(con, entity.name)
        given = entity.overrides().merged(given)
    ov = resolve(given, {t: [c.name for c in p.columns] for t, p in profiles.items()})
    declared = connector.declared_keys()
    check_ignored(ov, declared)
    profiles = without_ignored(profiles, ov)

    keys = primary_keys(con, profiles, declared=declared.primary_keys, overrides=ov.primary_keys, notes=notes,
                        origins={t: ov.where(f"pk {t}") for t in ov.primary_keys})
    links = declared_links(declared.foreign_keys, keys)
    if links:
        notes.append("foreign keys are declared in the database; none inferred")
    else:
        links = infer_links(con, profiles, keys, notes)
    links = _apply_link_overrides(links, ov, keys, notes, con=con, profiles=profiles)
    _check_numerical_overrides(con, profiles, ov)

    own_time, static = _time_columns(profiles, ov, notes)
    inherited = inherited_times(tuple(profiles), own_time, static, links, notes)
    ignored = ignored_by_table(ov)
    tables = tuple(
        replace(_table(profile, keys.get(name), links, own_time.get(name), name in ov.time_columns,
                       inherited.get(name), ov), ignored_columns=ignored.get(name, ()))
        for name, profile in profiles.items()
    )
    return Database(tables=tables, foreign_keys=tuple(links), notes=tuple(notes), source=connector.name)


def _as_connector(source) -> Connector:
    from connectors.base import Connector
    from connectors.wrapped import ConnectionConnector

    if isinstance(source, Connector):
        return source
    if ConnectionConnector.accepts(source):
        return ConnectionConnector.from_source(source)
    raise SchemaError(f"introspect() needs a connector or a duckdb connection, not {type(source).__name__}; "
                      "open paths and data frames with connectors.open()")


def _overrides(connector: Connector, overrides, use_schema_file: bool, notes: list[str]) -> SchemaOverrides:
    combined = SchemaOverrides()
    if use_schema_file and connector.schema_file is not None:
        combined = SchemaOverrides.load(connector.schema_file)
        notes.append(f"overrides read from {connector.schema_file}")
    return combined.merged(SchemaOverrides.coerce(overrides))


def _apply_link_overrides(links: list[ForeignKey], ov: SchemaOverrides, keys: Mapping[str, PrimaryKey],
                          notes: list[str], *, con=None,
                          profiles: Mapping[str, TableProfile] | None = None) -> list[ForeignKey]:
    links = list(links)
    for spec in ov.drop_foreign_keys:
        kept = [fk for fk in links if not (fk.table == spec.table and fk.columns == spec.columns
                                           and spec.ref_table in (None, fk.ref_table))]
        if len(kept) == len(links):
            notes.append(f"foreign key drop {spec}: no such link, nothing dropped")
        links = kept
    errors = []
    for spec in ov.foreign_keys:
        ref_columns = spec.ref_columns or (keys[spec.ref_table].columns if spec.ref_table in keys else ())
        where = f"{ov.where(f'fk {spec}')}foreign key override {spec}"
        if not ref_columns:
            errors.append(f"{where}: {spec.ref_table} has no primary key; name its columns "
                          f"({spec.table}.{'+'.join(spec.columns)} -> {spec.ref_table}.<column>)")
            continue
        if len(ref_columns) != len(spec.columns):
            errors.append(f"{where}: {len(spec.columns)} column(s) cannot reference "
                          f"{len(ref_columns)} ({'+'.join(ref_columns)})")
            continue
        if con is not None and profiles is not None:
            mismatch = _link_type_mismatch(con, profiles, spec, ref_columns)
            if mismatch:
                errors.append(f"{where}: {mismatch}")
                continue
        # the link is made: inference's "not linked" notes about these columns no longer hold
        refused = tuple(f"{spec.table}.{c} -> {spec.ref_table}:" for c in spec.columns)
        notes[:] = [n for n in notes if not (n.startswith(refused) and n.endswith("not linked"))]
        links = [fk for fk in links if not (fk.table == spec.table and fk.columns == spec.columns)]
        links.append(ForeignKey(table=spec.table, columns=spec.columns, ref_table=spec.ref_table,
                                ref_columns=ref_columns, inferred=False))
    if errors:
        raise SchemaError("\n".join(errors))
    return links


def _not_castable(con, table: str, column: str, dtype: str) -> tuple[int, list[str]]:
    """(how many non-NULL values of ``table.column`` do not cast to ``dtype``, up to three of them)."""
    value = column_ref(column)
    bad = exp.and_(not_null(value), exp.Is(this=exp.TryCast(this=value.copy(), to=exp.DataType.build(dtype)),
                                            expression=exp.Null()))
    count = run(con, exp.select(exp.func("count", exp.Star())).from_(table_ref(table)).where(bad),
                f"check the values of {table}.{column}")[0][0]
    examples = run(con, exp.select(value.copy()).distinct().from_(table_ref(table)).where(bad.copy())
                   .order_by(value.copy()).limit(3), f"check the values of {table}.{column}") if count else []
    return int(count), [str(r[0]) for r in examples]


def _examples(values: list[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _link_type_mismatch(con, profiles: Mapping[str, TableProfile], spec, ref_columns: tuple[str, ...]) -> str:
    """Why ``spec``'s columns cannot join ``ref_columns`` as DuckDB would compare them, or ``""``: a text
    column against a number or date joins only when every value converts (DuckDB casts the text)."""
    child, parent = profiles[spec.table], profiles[spec.ref_table]
    for column, ref in zip(spec.columns, ref_columns):
        a, b = child.column(column), parent.column(ref)
        if a.family is b.family or {a.family, b.family} <= {Family.INTEGER, Family.FLOAT}:
            continue
        if Family.STRING not in (a.family, b.family):
            return (f"{spec.table}.{column} is {a.dtype} and {spec.ref_table}.{ref} is {b.dtype}, "
                    "which do not join")
        text_table, text, other = (spec.table, a, b) if a.family is Family.STRING else (spec.ref_table, b, a)
        count, examples = _not_castable(con, text_table, text.name, other.dtype)
        if count:
            return (f"{spec.table}.{column} is {a.dtype} and {spec.ref_table}.{ref} is {b.dtype}, and "
                    f"{count:,} value(s) of {text_table}.{text.name} do not convert to {other.dtype} "
                    f"(e.g. {_examples(examples)}); if they mark missing values, read them as NULL "
                    "(for a CSV, pql does so when they are the only non-numbers), or link through a view "
                    f"with TRY_CAST({text.name} AS {other.dtype})")
    return ""


def _check_numerical_overrides(con, profiles: Mapping[str, TableProfile], ov: SchemaOverrides) -> None:
    """``type t.c = numerical`` on a text column: SUM/AVG over text cannot run, so refuse it here, with
    how many values are not numbers, rather than fail later inside the training-table SQL."""
    errors = []
    for key, stype in ov.semantic_types.items():
        if stype is not SemanticType.NUMERICAL:
            continue
        table, _, name = key.partition(".")
        column = profiles[table].column(name)
        if column.family is not Family.STRING:
            continue
        count, examples = _not_castable(con, table, name, "DOUBLE")
        what = (f"{count:,} of its {column.non_null:,} values are not numbers (e.g. {_examples(examples)})"
                if count else "its values are numbers stored as text")
        errors.append(f"{ov.where(f'type {key}')}type override {key} = numerical: {key} is {column.dtype} and "
                      f"{what}; a type override changes how a column is encoded, not what it holds. Read the "
                      f"table through a view with TRY_CAST({name} AS DOUBLE) and query the view"
                      + ("; values such as 'NA' or 'NULL' in a CSV are read as missing when every other value "
                         "is a number" if count else ""))
    if errors:
        raise SchemaError("\n".join(errors))


def _time_columns(profiles: Mapping[str, TableProfile], ov: SchemaOverrides,
                  notes: list[str]) -> tuple[dict[str, str], set[str]]:
    """(own time column per timed table, tables the user declared static)."""
    own: dict[str, str] = {}
    static: set[str] = set()
    for name, profile in profiles.items():
        if name in ov.time_columns:
            column = ov.time_columns[name]
            if column is None:
                static.add(name)
                continue
            if profile.column(column).family is not Family.TEMPORAL:
                raise SchemaError(f"{ov.where(f'time {name}')}time column override {name} = {column}: {column} is "
                                  f"{profile.column(column).dtype}, not a DATE or TIMESTAMP"
                                  + _convert_hint(profile.column(column).family))
            own[name] = column
        else:
            chosen = choose_time_column(profile, notes)
            if chosen is not None:
                own[name] = chosen
        if name in own:
            _note_untimed_rows(profile, own[name], notes)
    return own, static


def _note_untimed_rows(profile: TableProfile, column: str, notes: list[str]) -> None:
    """Rows with a NULL time cannot be placed before or after an anchor, so labels and features never
    count them (`engine.graph.timecode`): say how many, since they silently shrink every count."""
    missing = profile.num_rows - profile.column(column).non_null
    if missing:
        notes.append(f"{profile.name}.{column}: {missing:,} of {profile.num_rows:,} rows "
                     f"({missing / profile.num_rows:.1%}) have no time (NULL); labels and features never count them "
                     "(an entity among them is predicted, not trained on)")


def _table(profile: TableProfile, key: PrimaryKey | None, links: list[ForeignKey], time_column: str | None,
           time_overridden: bool, inherited, ov: SchemaOverrides) -> Table:
    key_columns = set(key.columns if key else ())
    for fk in links:
        if fk.table == profile.name:
            key_columns.update(fk.columns)
        if fk.ref_table == profile.name:
            key_columns.update(fk.ref_columns)
    columns = []
    for c in profile.columns:
        override = ov.semantic_types.get(f"{profile.name}.{c.name}")
        if override == SemanticType.TIMESTAMP and c.family is not Family.TEMPORAL:
            raise SchemaError(f"{ov.where(f'type {profile.name}.{c.name}')}type override {profile.name}.{c.name} = "
                              f"timestamp: the column is {c.dtype}; a type override changes how a column is "
                              f"encoded, not what it holds{_convert_hint(c.family)}")
        stype = override or semantic_type(c, is_key=c.name in key_columns)
        columns.append(Column(
            name=c.name, dtype=c.dtype, stype=stype, nullable=c.declared_nullable,  # as the catalog says
            inferred=override is None, num_distinct=c.approx_distinct,
            null_fraction=round(profile.null_fraction(c.name), 4),
        ))
    return Table(
        name=profile.name, columns=tuple(columns),
        primary_key=key.columns if key else (), primary_key_inferred=bool(key and key.inferred),
        time_column=time_column, time_column_inferred=time_column is not None and not time_overridden,
        inherited_time=inherited, num_rows=profile.num_rows,
    )


def _convert_hint(family: Family) -> str:
    if family in (Family.INTEGER, Family.FLOAT):
        return ("; for epoch seconds, read the table through a view with to_timestamp(<column>) (DuckDB) and "
                "query the view (pql reads epoch seconds, milliseconds or microseconds itself when the column's "
                "name says it holds a time, as visited_at or event_ts, and every value but 0 lies within 1990-2100)")
    if family is Family.STRING:
        return ("; text is read as TIMESTAMP only when every value but empty text parses as one, and never in a connection's "
                "temporary table or registered frame (`pql schema`'s notes say which and why)")
    return ""
