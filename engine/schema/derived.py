"""Entity tables derived from a column of another table (``entity customers = lines.CustomerID``).

Many exports are one flat table of events: invoice lines with a CustomerID, and no customers table.
PQL predicts for the rows of an entity table, so the override derives one: a temporary view (in the
session's own DuckDB connection; the user's database is not touched) with one row per distinct non-null
value, keyed by it, linked from the source column, and timed by the value's first appearance when the
source table has a time column (an entity does not exist before its first row, as a customer does not
exist before signing up)::

    CREATE OR REPLACE TEMP VIEW "customers" AS
    SELECT "CustomerID", MIN("InvoiceDate") AS "first_seen" FROM "lines"
    WHERE "CustomerID" IS NOT NULL GROUP BY "CustomerID"
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from engine.schema.overrides import LinkSpec, Resolver, SchemaOverrides
from engine.schema.profile import TableProfile
from engine.schema.timecols import choose_time_column
from pql.errors import SchemaError

if TYPE_CHECKING:
    import duckdb

FIRST_SEEN = "first_seen"


@dataclass(frozen=True, kw_only=True)
class DerivedEntity:
    name: str
    source: str
    column: str
    time_source: str | None  # the source's time column, if it has one

    @property
    def time_column(self) -> str | None:
        if self.time_source is None:
            return None
        return FIRST_SEEN if self.column != FIRST_SEEN else f"{FIRST_SEEN}_at"

    def view(self) -> exp.Select:
        key = exp.column(self.column, quoted=True)
        select = exp.select(key)
        if self.time_source is not None:
            select = select.select(exp.alias_(exp.func("min", exp.column(self.time_source, quoted=True)),
                                              exp.to_identifier(self.time_column, quoted=True)))
        source = exp.Table(this=exp.to_identifier(self.source, quoted=True))
        return select.from_(source).where(key.is_(exp.null()).not_()).group_by(key)

    def overrides(self) -> SchemaOverrides:
        """Key, link and time of the derived table, as overrides the user's own win over."""
        return SchemaOverrides(primary_keys={self.name: (self.column,)},
                               foreign_keys=(LinkSpec(table=self.source, columns=(self.column,), ref_table=self.name,
                                                      ref_columns=(self.column,)),),
                               time_columns={self.name: self.time_column})


def derive_entities(con: duckdb.DuckDBPyConnection, given: SchemaOverrides,
                    profiles: Mapping[str, TableProfile], notes: list[str]) -> list[DerivedEntity]:
    """Create a temporary view per entity override; ``profiles`` are the real tables'."""
    import duckdb

    if not given.entities:
        return []
    resolver = Resolver({t: [c.name for c in p.columns] for t, p in profiles.items()})
    derived = []
    for name, dotted in given.entities.items():
        where = f"{given.where(f'entity {name}')}entity override {name}"
        found = resolver.dotted(dotted, where)
        if found is None:
            continue
        if any(name.lower() == t.lower() for t in profiles):
            resolver.errors.append(f"{where}: a table {name!r} exists already; choose another name")
            continue
        source, column = found
        derived.append(DerivedEntity(name=name, source=source, column=column,
                                     time_source=_time_of(source, profiles[source], given)))
    if resolver.errors:
        raise SchemaError("\n".join(resolver.errors))
    for entity in derived:
        create = exp.Create(this=exp.Table(this=exp.to_identifier(entity.name, quoted=True)), kind="VIEW",
                            replace=True, expression=entity.view(),
                            properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        try:
            con.execute(create.sql("duckdb"))
        except duckdb.Error as e:
            raise SchemaError(f"entity override {entity.name} = {entity.source}.{entity.column}: {e}") from e
        timed = (f", from its first appearance ({entity.source}.{entity.time_source})" if entity.time_source
                 else f"; static: {entity.source} has no time column")
        notes.append(f"{entity.name}: entity table derived from the distinct values of {entity.source}.{entity.column}"
                     f"{timed}")
    return derived


def _time_of(source: str, profile: TableProfile, given: SchemaOverrides) -> str | None:
    """The source's own time column: the user's override, else the one inference would choose."""
    for table, column in given.time_columns.items():
        if table.lower() == source.lower():
            if column is None:
                return None
            return next((c.name for c in profile.columns if c.name.lower() == column.lower()), None)
    return choose_time_column(profile, [])
