"""A FROM clause rooted at one table that grows LEFT JOINs along foreign-key paths on demand.

Bound expressions reach other tables through ``path``s of child -> parent foreign keys (a filter on
``invoices.country`` inside an aggregation over ``invoice_lines``; a table whose time is inherited
from its parent). `Scope` joins each distinct path prefix once and hands back quoted column references.
"""
from __future__ import annotations

from sqlglot import exp

from engine.schema.model import Database, ForeignKey, Table
from pql.errors import SchemaError


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(alias: str, name: str) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(alias))


def table_ref(name: str, alias: str) -> exp.Table:
    return exp.Table(this=ident(name), alias=exp.TableAlias(this=ident(alias)))


class Scope:
    """Joins for rows of ``root`` and of the parents they reach; aliases are ``<prefix>0``, ``<prefix>1``…"""

    def __init__(self, db: Database, root: str, *, prefix: str = "t"):
        self.db = db
        self.root = self._table(root)
        self.prefix = prefix
        self.root_alias = f"{prefix}0"
        self._aliases: dict[tuple[ForeignKey, ...], str] = {(): self.root_alias}
        self._joins: list[exp.Join] = []

    def _table(self, name: str) -> Table:
        table = self.db.table(name)
        if table is None:
            raise SchemaError(f"table '{name}' is not in the database")
        return table

    def table_at(self, path: tuple[ForeignKey, ...]) -> Table:
        return self._table(path[-1].ref_table) if path else self.root

    def alias(self, path: tuple[ForeignKey, ...]) -> str:
        """The alias of the table reached by ``path`` from the root, joining what is missing."""
        path = tuple(path)
        if path in self._aliases:
            return self._aliases[path]
        child = self.alias(path[:-1])
        fk = path[-1]
        alias = f"{self.prefix}{len(self._aliases)}"
        on = exp.and_(*(exp.EQ(this=col(child, c), expression=col(alias, r))
                        for c, r in zip(fk.columns, fk.ref_columns)))
        self._joins.append(exp.Join(this=table_ref(fk.ref_table, alias), on=on, side="LEFT"))
        self._aliases[path] = alias
        return alias

    def column(self, path: tuple[ForeignKey, ...], name: str) -> exp.Column:
        return col(self.alias(path), name)

    def time(self, path: tuple[ForeignKey, ...] = ()) -> exp.Expression | None:
        """The time of the rows at ``path`` (own column, or inherited through parents), as TIMESTAMP."""
        path = tuple(path)
        seen = 0
        while True:
            table = self.table_at(path)
            if table.time_column is not None:
                ref = self.column(path, table.time_column)
                info = table.column(table.time_column)
                if info is not None and info.dtype.upper() in ("TIMESTAMP", "DATETIME", "TIMESTAMP_US"):
                    return ref
                return exp.cast(ref, exp.DataType.Type.TIMESTAMP)
            if table.inherited_time is None:
                return None
            path = path + (table.inherited_time.via,)
            seen += 1
            if seen > len(self.db.tables):
                raise SchemaError(f"inherited time of table '{self.root.name}' loops")

    def root_ref(self) -> exp.Table:
        return table_ref(self.root.name, self.root_alias)

    @property
    def joins(self) -> tuple[exp.Join, ...]:
        """The joins made so far; compile every expression of the scope before reading them."""
        return tuple(self._joins)

    def apply(self, select: exp.Select) -> exp.Select:
        """``select`` reading FROM the root with every join made so far."""
        select = select.from_(self.root_ref(), copy=False)
        for join in self._joins:
            select = select.join(join.copy(), copy=False)
        return select


def time_of(db: Database, table: str) -> tuple[Scope, exp.Expression | None]:
    """A fresh scope over ``table`` and the expression of its rows' time (None when untimed)."""
    scope = Scope(db, table)
    return scope, scope.time()
