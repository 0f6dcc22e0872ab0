"""Resolving the user's table and column spellings against the database.

Tables match exactly, then case-insensitively, then singular/plural (`customer` finds `customers`,
with a note). Columns match exactly, then case-insensitively. Unknown names get "did you mean".
"""
from __future__ import annotations

from engine.schema.model import Column, Database, Table
from engine.schema.names import norm, singular, words
from pql.binder.context import BindContext, Unresolved
from pql.errors import did_you_mean
from pql.span import Span


def _singular_form(name: str) -> str:
    parts = words(name) or [name.lower()]
    return "".join(parts[:-1] + [singular(parts[-1])])


def find_table(db: Database, name: str) -> tuple[Table | None, list[Table]]:
    """(match, candidates): a unique match, or None with the ambiguous candidates (possibly empty)."""
    exact = db.table(name)
    if exact is not None:
        return exact, [exact]
    want = _singular_form(name)
    matches = [t for t in db.tables if _singular_form(t.name) == want or norm(t.name) == norm(name)]
    if len(matches) == 1:
        return matches[0], matches
    return None, matches


def resolve_table(ctx: BindContext, name: str, span: Span | None) -> Table:
    table, candidates = find_table(ctx.db, name)
    if table is not None:
        if table.name.lower() != name.lower():
            ctx.note(f"'{name}' is table '{table.name}'")
        return table
    if candidates:
        names = ", ".join(f"'{t.name}'" for t in candidates)
        ctx.error(f"table name '{name}' is ambiguous: it could be {names}", ctx.at(span, name),
                  hint="write the table's exact name")
    else:
        suggestion = did_you_mean(name, ctx.db.table_names)
        ctx.error(f"unknown table '{name}'{suggestion}", ctx.at(span, name),
                  hint=None if suggestion else _no_tables_hint(ctx) or _entity_column_hint(ctx, name))
    raise Unresolved(name)


def _no_tables_hint(ctx: BindContext) -> str | None:
    """A source with no tables at all: the notes that say where its tables are (another schema)."""
    if ctx.db.tables:
        return None
    where = [note for note in ctx.db.notes if "schema" in note]
    return "the source has no tables" + (f": {'; '.join(where)}" if where else "")


def _entity_column_hint(ctx: BindContext, name: str) -> str | None:
    """No table 'customer', but a column CustomerID or customer_id (a single CSV of order lines): an
    entity table can be derived from that column's values."""
    squeezed = name.lower().replace("_", "")
    for table in ctx.db.tables:
        for column in table.columns:
            col = column.name.lower().replace("_", "")
            if col == squeezed or (col.startswith(squeezed) and col[len(squeezed):] in ("id", "key", "no", "nr")):
                return (f"to predict per {column.name}, derive the entity table from its values: "
                        f"WITH schema = 'entity {name} = {table.name}.{column.name}'")
    return None


def resolve_column(ctx: BindContext, table: Table, name: str, span: Span | None) -> Column:
    column = table.column(name)
    if column is not None:
        return column
    ignored = next((c for c in table.ignored_columns if c.lower() == name.lower()), None)
    if ignored is not None:
        ctx.error(f"table '{table.name}' has no column '{name}': it is ignored", ctx.at(span, name, after="."),
                  hint=f"the schema override 'ignore {table.name}.{ignored}' removes it; drop that override "
                       "to use the column")
        raise Unresolved(name)
    suggestion = did_you_mean(name, table.column_names)
    if not suggestion and len(table.primary_key) == 1 and _names_the_key(name, table):
        suggestion = f"; did you mean '{table.primary_key[0]}' (the key of '{table.name}')?"
    ctx.error(f"table '{table.name}' has no column '{name}'{suggestion}", ctx.at(span, name, after="."))
    raise Unresolved(name)


def _names_the_key(name: str, table: Table) -> bool:
    """``customer_id`` / ``CustomerID`` / ``customers_key`` written for the key of ``customer(s)``."""
    low = name.lower().replace("_", "")
    stems = {table.name.lower().replace("_", ""), _singular_form(table.name.lower()).replace("_", "")}
    return any(low in (f"{stem}id", f"{stem}key", f"{stem}no") for stem in stems)
