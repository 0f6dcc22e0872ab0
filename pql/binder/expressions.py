"""Binding expressions: names resolved, aggregations linked to the entity, types and windows checked.

``role`` says where an expression sits, because each clause looks in its own direction in time:
target, ASSUMING and an experiment's outcome windows look forward (start >= 0), WHERE and an experiment's
covariate windows look back (end <= 0), and an aggregation's own filter may not aggregate again.
"""
from __future__ import annotations

from engine.schema.dtypes import Family, family, is_numeric
from engine.schema.model import Column, SemanticType, Table
from pql import ast
from pql.binder import kinds
from pql.binder.context import BindContext, Unresolved
from pql.binder.names import resolve_column, resolve_table
from pql.binder.paths import describe, prefer_named_path, up_paths
from pql.bound import (BAggregation, BAnd, BArith, BColumn, BCompare, BIn, BIsNull, BLike, BLiteral, BMatch,
                       BNot, BOr, UNIT_DAYS, BoundExpr, BWindow)
from pql.render import quote_name
from pql.timestamps import parse_timestamp

NUMERIC_AGGS = ("SUM", "AVG")
ORDER_AGGS = ("MIN", "MAX")
MAX_WINDOW_DAYS = 100 * 365.25  # further, anchor + window leaves the calendar (year 9999) or pandas' range
NEEDS_ROWS = ("AVG", "MIN", "MAX", "FIRST", "LAST")  # empty windows drop the row
# distinct values of a per-row formula (a price times a quantity) mean little; a column's do
FORMULA_REFUSED = ("COUNT_DISTINCT", "LIST_DISTINCT")
# of the column linking the rows to the entity, these read only the entity's own key
ENTITY_LINK_REFUSED = ("MIN", "MAX", "FIRST", "LAST", "COUNT_DISTINCT", "LIST_DISTINCT")


def is_numeric_column(column: Column) -> bool:
    return column.stype == SemanticType.NUMERICAL or (
        column.stype not in (SemanticType.TIMESTAMP, SemanticType.TEXT) and is_numeric(column.dtype)
        and "BOOL" not in column.dtype.upper())


def result_stype(expr: BoundExpr) -> SemanticType | None:
    """The semantic type an operand produces, None for conditions."""
    if isinstance(expr, BColumn):
        return expr.stype
    if isinstance(expr, BAggregation):
        return expr.result_stype
    if isinstance(expr, BLiteral):
        return {"number": SemanticType.NUMERICAL, "string": SemanticType.CATEGORICAL,
                "timestamp": SemanticType.TIMESTAMP}.get(expr.kind)
    return None


def _agg_result_stype(func: str, column: Column | None) -> SemanticType:
    if func in ("COUNT", "COUNT_DISTINCT", "SUM", "AVG") or column is None:
        return SemanticType.NUMERICAL
    if func == "LIST_DISTINCT":
        return SemanticType.MULTICATEGORICAL
    if column.stype == SemanticType.ID:
        return SemanticType.CATEGORICAL
    return column.stype


class ExpressionBinder:
    """Binds expressions of one statement. ``entity`` is the context table at the top level."""

    def __init__(self, ctx: BindContext, entity: Table):
        self.ctx = ctx
        self.entity = entity

    # ---- entry point ----------------------------------------------------------------------------

    def bind(self, node: ast.Expr, *, role: str, context: Table | None = None) -> BoundExpr:
        context = context or self.entity
        method = getattr(self, f"_bind_{type(node).__name__}")
        return method(node, role=role, context=context)

    # ---- operands -------------------------------------------------------------------------------

    def _bind_NamedTarget(self, node: ast.NamedTarget, *, role: str, context: Table) -> BoundExpr:
        # names inside the target were expanded before binding (pql.binder.named_operands)
        where = {"where": "the entity WHERE", "assuming": "ASSUMING", "filter": "an aggregation's WHERE"}.get(
            role, "here")
        self.ctx.error(f"'{node.name}' alone is neither a value nor a column", node.span,
                       hint=f"quote a value ('{node.name}'), write a column as table.column; DEFINEd names and "
                            f"templates stand only in the target, not in {where}")
        raise Unresolved

    def _bind_Literal(self, node: ast.Literal, *, role: str, context: Table) -> BoundExpr:
        value = node.value
        if node.kind == "timestamp":
            try:
                value = parse_timestamp(str(node.value))
            except ValueError:
                self.ctx.error(f"'{node.value}' is not a timestamp (use 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS')",
                               node.span)
        return BLiteral(value=value, kind=node.kind, span=node.span)

    def _bind_ColumnRef(self, node: ast.ColumnRef, *, role: str, context: Table) -> BoundExpr:
        table = resolve_table(self.ctx, node.table, node.span)
        column = resolve_column(self.ctx, table, node.column, node.span)
        paths = prefer_named_path(up_paths(self.ctx.db, context.name, table.name), table.name)
        if not paths:
            where = "the entity" if context is self.entity else "the aggregated table"
            hint = (f"aggregate it instead, e.g. COUNT({table.name}.*, …)" if context is self.entity else
                    f"an aggregation's WHERE reads columns of '{context.name}' and of the tables it links to")
            self.ctx.error(f"column '{table.name}.{column.name}' is not a value of {where} '{context.name}': "
                           f"'{table.name}' is not '{context.name}' or one of its parents", node.span, hint=hint)
            raise Unresolved(node.column)
        if len(paths) > 1:
            self._ambiguous_path(context.name, table.name, paths, node.span)
        return BColumn(table=table.name, column=column.name, stype=column.stype, dtype=column.dtype,
                       path=paths[0], span=node.span)

    def _bind_Aggregation(self, node: ast.Aggregation, *, role: str, context: Table) -> BoundExpr:
        if role == "filter":
            self.ctx.error("an aggregation's WHERE cannot contain another aggregation", node.span,
                           hint="filter on the aggregated table's own columns")
            raise Unresolved(node.func)
        table = resolve_table(self.ctx, node.table, node.span)
        if table.name == self.entity.name:
            self._entity_itself(node, table)
        column = resolve_column(self.ctx, table, node.column, node.span) if node.column is not None else None
        formula = self._bind_formula(node, table) if node.formula is not None else None
        self._check_function(node, table, column)
        window = self._bind_window(node, role=role)
        time_column = self._time_column(node, table)
        paths = prefer_named_path(up_paths(self.ctx.db, table.name, self.entity.name), self.entity.name)
        if not paths:
            self.ctx.error(f"table '{table.name}' is not linked to the entity '{self.entity.name}' "
                           f"through foreign keys", node.span,
                           hint=f"aggregate a table that references '{self.entity.name}' (directly or via "
                                f"its parents); `pql schema` shows the links")
            raise Unresolved(table.name)
        if len(paths) > 1:
            self._ambiguous_path(table.name, self.entity.name, paths, node.span)
        if column is not None and node.func in ENTITY_LINK_REFUSED and len(paths[0]) == 1 \
                and paths[0][0].columns == (column.name,):
            self._entity_link(node, table, column)
        filt = None
        if node.filter is not None:
            filt = self.bind(node.filter, role="filter", context=table)
        return BAggregation(func=node.func, table=table.name, column=column.name if column else None,
                            formula=formula, filter=filt, window=window, path=paths[0], time_column=time_column,
                            result_stype=_agg_result_stype(node.func, column), span=node.span)

    def _entity_itself(self, node: ast.Aggregation, table: Table) -> None:
        """``SUM(purchase.amount, 0, 30) FOR EACH purchase``: an aggregation reads the rows linked to each
        entity, and the entity's own table links to none (each row would aggregate just itself)."""
        children = sorted({fk.table for fk in self.ctx.db.foreign_keys if fk.ref_table == table.name
                           and fk.table != table.name})
        name_child = (f"name a child table ({', '.join(children[:3])}{', …' if len(children) > 3 else ''})"
                      if children else "name a table that references it")
        self.ctx.error(f"'{table.name}' is the entity itself: an aggregation reads the rows linked to each "
                       f"{table.name}", node.span,
                       hint=f"{name_child}, or predict a column of {table.name}")
        raise Unresolved(table.name)

    def _entity_link(self, node: ast.Aggregation, table: Table, column: Column) -> None:
        """``MAX(purchase.customer, 0, 30) FOR EACH customer``: the column linking the rows to the entity
        holds the entity's own key, so its MIN/MAX/FIRST/LAST is the entity and its distinct values one."""
        entity = self.entity.name
        self.ctx.error(f"'{table.name}.{column.name}' links each row to its {entity}, so its value is the "
                       f"{entity} itself: its {node.func} says nothing", node.span,
                       hint=f"COUNT({table.name}.*, …) counts the rows; {node.func} of another column "
                            f"(e.g. a link to another table) reads what they hold")

    # ---- an aggregation's formula ---------------------------------------------------------------

    def _bind_formula(self, node: ast.Aggregation, table: Table) -> BoundExpr:
        """``SUM(lines.qty * lines.price, …)``: arithmetic over numeric columns of the aggregated table
        itself, evaluated per row (so in the rows' own time window, like any aggregated column)."""
        failed = False
        for ref in (n for n in ast.walk(node.formula) if isinstance(n, ast.ColumnRef)):
            try:
                self._check_formula_table(ref, table, node)
            except Unresolved:
                failed = True
        if failed:
            raise Unresolved(node.func)
        return self._bind_formula_part(node.formula, table)

    def _check_formula_table(self, ref: ast.ColumnRef, table: Table, node: ast.Aggregation) -> None:
        other = resolve_table(self.ctx, ref.table, ref.span)
        if other is table:
            return
        first = next(n for n in ast.walk(node.formula) if isinstance(n, ast.ColumnRef))
        self.ctx.error(f"an aggregation's formula reads one table's columns: {table.name}.{first.column} and "
                       f"{other.name}.{ref.column}", ref.span,
                       hint=self._two_table_hint(node, table, first.column, other, ref.column))
        raise Unresolved(ref.table)

    def _two_table_hint(self, node: ast.Aggregation, table: Table, first: str, other: Table, name: str) -> str:
        """Suggest aggregating ``other`` on its own only where that binds: a timed table and a numeric
        non-key column; otherwise say what does work (a feature, a WHERE, or a view joining the two)."""
        column = other.column(name)
        written = f"{other.name}.{column.name if column else name}"
        start = "a formula reads the columns of the rows it aggregates; "
        if other.is_timed and column is not None and column.stype != SemanticType.ID and is_numeric_column(column):
            return (start + f"aggregate each table on its own, e.g. {node.func}({table.name}.{first}, …) and "
                    f"{node.func}({written}, …), and combine those")
        if column is not None and column.stype == SemanticType.ID:
            why = f"{written} is an identifier, not an amount to aggregate"
        elif column is not None and not is_numeric_column(column):
            why = f"{written} is {column.stype}, not a number"
        elif not other.is_timed:
            why = (f"'{other.name}' has no time column, so {written} is a per-entity attribute rather than "
                   "something that happens over time")
        else:
            why = f"{written} cannot be aggregated on its own here"
        return (start + why + f"; use {written} in a WHERE, or leave it to the model (it reads linked tables' "
                f"columns as features); to combine the two row by row, create a database view joining "
                f"'{table.name}' and '{other.name}' and aggregate that")

    def _bind_formula_part(self, part: ast.Expr, table: Table) -> BoundExpr:
        if isinstance(part, ast.ColumnRef):
            column = resolve_column(self.ctx, table, part.column, part.span)
            self._check_formula_column(table, column, part)
            return BColumn(table=table.name, column=column.name, stype=column.stype, dtype=column.dtype,
                           span=part.span)
        if isinstance(part, ast.Literal) and part.kind == "number":
            return BLiteral(value=part.value, kind="number", span=part.span)
        if isinstance(part, ast.Negation):
            operand = self._bind_formula_part(part.operand, table)
            return BArith(op="-", left=BLiteral(value=0, kind="number", span=part.span), right=operand, span=part.span)
        if isinstance(part, ast.Arithmetic):
            sides = []
            for side in (part.left, part.right):  # both sides, so every error comes out at once
                try:
                    sides.append(self._bind_formula_part(side, table))
                except Unresolved:
                    pass
            if len(sides) < 2:
                raise Unresolved(part.op)
            left, right = sides
            if part.op == "/" and isinstance(right, BLiteral) and right.value == 0:
                self.ctx.error("division by 0: every row would be left without a value", part.right.span or part.span,
                               hint="a division by zero is missing, and a row without a value counts as none")
            return BArith(op=part.op, left=left, right=right, span=part.span)
        self.ctx.error("an aggregation's formula is + - * / over columns of the aggregated table and numbers",
                       part.span)
        raise Unresolved("formula")

    def _check_formula_column(self, table: Table, column: Column, ref: ast.ColumnRef) -> None:
        name = f"'{table.name}.{column.name}'"
        if column.stype == SemanticType.ID:
            self.ctx.error(f"an aggregation's formula needs numeric columns, but {name} is an identifier",
                           ref.span, hint="arithmetic works on numeric columns such as quantities and prices")
        elif not is_numeric_column(column):
            self.ctx.error(f"an aggregation's formula needs numeric columns, but {name} is {column.stype} "
                           f"({column.dtype})", ref.span,
                           hint="arithmetic works on numeric columns; a condition on this one goes in the "
                                "aggregation's WHERE")

    def _bind_Arithmetic(self, node: ast.Arithmetic, *, role: str, context: Table) -> BoundExpr:
        left = self.bind(node.left, role=role, context=context)
        right = self.bind(node.right, role=role, context=context)
        for side, bound in ((node.left, left), (node.right, right)):
            self._check_number(bound, side, f"'{node.op}' needs numbers on both sides", node)
        if node.op == "/" and isinstance(right, BLiteral) and right.value == 0 and right.kind == "number":
            self.ctx.error("division by 0: every row would be left without a value", node.right.span or node.span,
                           hint="a division by zero is missing, and a row without a value drops")
        return BArith(op=node.op, left=left, right=right, span=node.span)

    def _bind_Negation(self, node: ast.Negation, *, role: str, context: Table) -> BoundExpr:
        """``-x`` is ``0 - x``: everything downstream (SQL, the target's history) already handles it."""
        operand = self.bind(node.operand, role=role, context=context)
        self._check_number(operand, node.operand, "'-' in front needs a number", node)
        return BArith(op="-", left=BLiteral(value=0, kind="number", span=node.span), right=operand, span=node.span)

    def _check_number(self, bound: BoundExpr, side: ast.Node, what_needs: str, node: ast.Node) -> None:
        kind = kinds.value_kind(bound, self.ctx.db)
        truth = kinds.is_truth(bound, self.ctx.db)
        listed = isinstance(bound, BAggregation) and bound.func == "LIST_DISTINCT"
        key = isinstance(bound, BColumn) and bound.stype == SemanticType.ID
        if truth or listed or key or kind not in (kinds.NUMBER, None):
            what = ("a yes/no condition" if truth else "a list" if listed
                    else "an identifier" if key else f"a {kind}")
            self.ctx.error(f"{what_needs}, but this is {what}", side.span or node.span,
                           hint="arithmetic works on numeric columns, counts, sums and averages")

    # ---- conditions -----------------------------------------------------------------------------

    def _bind_Comparison(self, node: ast.Comparison, *, role: str, context: Table) -> BoundExpr:
        left = self.bind(node.left, role=role, context=context)
        right = self.bind(node.right, role=role, context=context)
        self._check_comparable(left, right, node)
        return BCompare(op=node.op, left=left, right=right, span=node.span)

    def _bind_InList(self, node: ast.InList, *, role: str, context: Table) -> BoundExpr:
        expr = self.bind(node.expr, role=role, context=context)
        values = tuple(self.bind(v, role=role, context=context) for v in node.values)
        for v in values:
            self._check_comparable(expr, v, node)
        return BIn(expr=expr, values=values, negated=node.negated, span=node.span)  # type: ignore[arg-type]

    def _bind_Like(self, node: ast.Like, *, role: str, context: Table) -> BoundExpr:
        expr = self.bind(node.expr, role=role, context=context)
        pattern = self._string_operand(node.pattern, "LIKE")
        self._check_text(expr, "LIKE", node)
        return BLike(expr=expr, pattern=pattern, negated=node.negated, span=node.span)

    def _bind_StringMatch(self, node: ast.StringMatch, *, role: str, context: Table) -> BoundExpr:
        expr = self.bind(node.expr, role=role, context=context)
        text = self._string_operand(node.pattern, node.op.replace("_", " ").upper())
        self._check_text(expr, node.op.replace("_", " ").upper(), node)
        return BMatch(op=node.op, expr=expr, text=text, span=node.span)

    def _bind_IsNull(self, node: ast.IsNull, *, role: str, context: Table) -> BoundExpr:
        return BIsNull(expr=self.bind(node.expr, role=role, context=context), negated=node.negated, span=node.span)

    def _bind_And(self, node: ast.And, *, role: str, context: Table) -> BoundExpr:
        items = self._bind_all(node.items, role, context)
        self.check_truth(items, node.items, "AND")
        return BAnd(items=items, span=node.span)

    def _bind_Or(self, node: ast.Or, *, role: str, context: Table) -> BoundExpr:
        items = self._bind_all(node.items, role, context)
        self.check_truth(items, node.items, "OR")
        return BOr(items=items, span=node.span)

    def _bind_Not(self, node: ast.Not, *, role: str, context: Table) -> BoundExpr:
        item = self.bind(node.item, role=role, context=context)
        self.check_truth((item,), (node.item,), "NOT")
        return BNot(item=item, span=node.span)

    def check_truth(self, items: tuple[BoundExpr, ...], nodes, where: str) -> None:
        """``where`` (AND, OR, NOT, WHERE) combines yes/no values; a number or text there is a mistake."""
        for item, node in zip(items, nodes):
            if not kinds.is_truth(item, self.ctx.db):
                kind = kinds.value_kind(item, self.ctx.db)
                self.ctx.error(f"{where} needs a condition, but {_describe(item)} is "
                               f"{'a ' + kind if kind else 'not a yes/no value'}", node.span,
                               hint="compare it, e.g. … > 0")

    # ---- rules ----------------------------------------------------------------------------------

    def _bind_all(self, items, role: str, context: Table) -> tuple[BoundExpr, ...]:
        out = []
        for item in items:
            try:
                out.append(self.bind(item, role=role, context=context))
            except Unresolved:
                pass  # recorded; keep checking the siblings so all errors come out at once
        if len(out) != len(items):
            raise Unresolved("condition")
        return tuple(out)

    def _check_function(self, node: ast.Aggregation, table: Table, column: Column | None) -> None:
        func = node.func
        if node.formula is not None:
            if func in FORMULA_REFUSED:
                self.ctx.error(f"{func} reads one column, not a formula", node.span,
                               hint=f"{func}({table.name}.<column>, …) works on a column; "
                                    f"{', '.join(f for f in ast.AGGREGATIONS if f not in FORMULA_REFUSED)} take a formula")
            return
        if column is None and func != "COUNT":
            self.ctx.error(f"{func} needs a column, not '{table.name}.*'", node.span,
                           hint=f"COUNT({table.name}.*) counts rows; {func}({table.name}.<column>) uses a column")
            return
        if column is None:
            return
        if func in NUMERIC_AGGS and column.stype == SemanticType.ID:
            self.ctx.error(f"'{table.name}.{column.name}' is an identifier; its {func} means nothing", node.span,
                           hint=f"COUNT_DISTINCT({table.name}.{column.name}, …) counts distinct ones")
        elif func in NUMERIC_AGGS and not is_numeric_column(column):
            self.ctx.error(f"{func} needs a numeric column, but '{table.name}.{column.name}' is "
                           f"{column.stype} ({column.dtype})", node.span,
                           hint="COUNT, COUNT_DISTINCT, FIRST, LAST or LIST_DISTINCT work on any column")
        if func in ORDER_AGGS and column.stype in (SemanticType.TEXT, SemanticType.MULTICATEGORICAL):
            self.ctx.error(f"{func} cannot order the {column.stype} column '{table.name}.{column.name}'", node.span)

    def _bind_window(self, node: ast.Aggregation, *, role: str) -> BWindow | None:
        w = node.window
        if w is None:
            if role != "filter":
                self.ctx.error(f"{node.func}({node.table}…) needs a time window", node.span,
                               hint=f"e.g. {node.func}({_written_subject(node)}, 0, 30, days) "
                                    "for the next 30 days")
            return None
        span = w.span or node.span
        reach = max(abs(w.end), abs(w.start) if w.start is not None else 0) * UNIT_DAYS.get(w.unit, 1.0)
        if reach > MAX_WINDOW_DAYS:
            self.ctx.error(f"a window may reach at most {MAX_WINDOW_DAYS // 365.25:.0f} years from the anchor, "
                           f"not {reach / 365.25:,.0f} years", span)
            return None
        if w.start is not None and w.start >= w.end:
            self.ctx.error(f"window start {w.start:g} must be before its end {w.end:g}", span)
        if role in ("assuming", "outcome") and (w.start is None or w.start < 0):  # after the treatment only
            self.ctx.error(f"{'an ASSUMING' if role == 'assuming' else 'an outcome'} window looks forward: "
                           "its start must be 0 or later, not "
                           f"{'-INF' if w.start is None else format(w.start, 'g')}", span,
                           hint="past windows belong in the entity WHERE clause" if role == "assuming" else
                           "the outcome counts what happens after assignment; the past belongs in the covariate")
        elif role == "target" and (w.start is None or (w.start < 0 and node.func == "LIST_DISTINCT")):
            self.ctx.error(f"a {'LIST_DISTINCT ' if w.start is not None else ''}target window looks forward: "
                           f"its start must be 0 or later, not {'-INF' if w.start is None else format(w.start, 'g')}",
                           span, hint="past windows belong in the entity WHERE clause" + (
                               "; a target may compare the future with a finite past window, e.g. "
                               f"{node.func}(…, 0, 30) > {node.func}(…, -30, 0)" if w.start is None else ""))
        if role == "where" and w.end > 0:
            self.ctx.error(f"a WHERE window looks back: its end must be 0 or earlier, not {w.end:g}", span,
                           hint="future windows belong in the target or ASSUMING")
        elif role == "covariate" and w.end > 0:  # `pql experiment --covariate`: measured before assignment
            self.ctx.error("a covariate window looks back (a covariate is measured before assignment): its end "
                           f"must be 0 or earlier, not {w.end:g}", span,
                           hint=f"e.g. {node.func}({_written_subject(node)}, -90, 0, days); what happens after "
                                "assignment belongs in the outcome")
        return BWindow(start=w.start, end=w.end, unit=w.unit)

    def _time_column(self, node: ast.Aggregation, table: Table) -> str:
        if table.time_column:
            return table.time_column
        if table.inherited_time is not None:
            return table.inherited_time.parent_column
        if table.num_rows == 0:  # an empty table's date columns hold nothing to choose one by
            self.ctx.error(f"cannot aggregate '{table.name}' over time: the table is empty, so pql found no "
                           "time column in it", node.span,
                           hint="fill the table (`pql schema` shows its rows) or aggregate another one")
            return ""
        times = [c.name for c in table.columns if c.stype is SemanticType.TIMESTAMP]
        if table.ignored_columns:  # `ignore purchase.timestamp` took away the column time came from
            overrides = " and ".join(f"'ignore {table.name}.{c}'" for c in table.ignored_columns)
            self.ctx.error(f"cannot aggregate '{table.name}' over time: it has no time column left after the "
                           f"schema override {overrides}", node.span,
                           hint=f"an ignored column is no time column either: drop {overrides} to keep "
                                f"{'it' if len(table.ignored_columns) == 1 else 'them'}, or set another one "
                                f"with 'time {quote_name(table.name)} = "
                                f"{quote_name(times[0]) if len(times) == 1 else '<column>'}'")
            return ""
        self.ctx.error(f"cannot aggregate '{table.name}' over time: it has no time column", node.span,
                       hint=f"set one with a schema override: WITH schema = 'time {quote_name(table.name)} = "
                            f"{quote_name(times[0]) if len(times) == 1 else '<column>'}'"
                            + (f" (its date/time columns: {', '.join(times)})" if len(times) > 1 else ""))
        return ""

    def _check_comparable(self, left: BoundExpr, right: BoundExpr, node: ast.Node) -> None:
        if isinstance(right, BLiteral) and right.kind == kinds.NULL:
            self.ctx.error("nothing equals NULL, not even NULL", right.span or node.span,
                           hint="write IS NULL or IS NOT NULL")
            return
        lk, rk = kinds.value_kind(left, self.ctx.db), kinds.value_kind(right, self.ctx.db)
        if not kinds.clash(lk, rk):
            return
        if lk == kinds.NUMBER and isinstance(right, BLiteral) and right.kind == "string":
            self.ctx.error(f"cannot compare a number with the string '{right.value}'", right.span or node.span,
                           hint=self._linked_text_hint(left, right.value))
        elif isinstance(left, BColumn) and lk == kinds.STRING and rk == kinds.NUMBER:
            self.ctx.error(f"cannot compare the text column '{left.table}.{left.column}' with a number",
                           right.span or node.span, hint=f"quote the value: '{right.value}'"
                           if isinstance(right, BLiteral) else None)
        else:
            self.ctx.error(f"cannot compare {_describe(left)} ({lk}) with {_describe(right)} ({rk})",
                           node.span)

    def _linked_text_hint(self, left: BoundExpr, value: str) -> str | None:
        """``customer.tier = 'gold'`` where ``customer.tier`` links to ``tier``: name the linked table's
        text columns, which is where a word like 'gold' would be (``tier.name = 'gold'``)."""
        if not isinstance(left, BColumn):
            return None
        db = self.ctx.db
        for fk in db.foreign_keys_from(left.table):
            parent = db.table(fk.ref_table)
            if fk.columns != (left.column,) or parent is None:
                continue
            texts = [c.name for c in parent.columns
                     if family(c.dtype) is Family.STRING and c.name not in fk.ref_columns]
            if texts:
                return (f"{left.table}.{left.column} links to {parent.name}; compare a text column of "
                        f"{parent.name} instead, e.g. {parent.name}.{texts[0]} = '{value}'")
        return None

    def _check_text(self, expr: BoundExpr, what: str, node: ast.Node) -> None:
        kind = kinds.value_kind(expr, self.ctx.db)
        if kind not in (None, kinds.STRING):
            self.ctx.error(f"{what} matches text, but {_describe(expr)} is a {kind}", node.span,
                           hint="compare numbers and times with = < > or IN")

    def _string_operand(self, node: ast.Expr, what: str) -> str:
        if isinstance(node, ast.Literal) and node.kind == "string":
            return str(node.value)
        self.ctx.error(f"{what} needs a string pattern", node.span)
        raise Unresolved(what)

    def _ambiguous_path(self, start: str, goal: str, paths, span) -> None:
        options = "; ".join(describe(p) for p in paths)
        self.ctx.error(f"'{start}' reaches '{goal}' in {len(paths)} ways: {options}", span,
                       hint="restrict the graph with USING or override the schema's foreign keys")
        raise Unresolved(start)


def _written_subject(node: ast.Aggregation) -> str:
    """What an aggregation reads, as the query wrote it."""
    if node.formula is not None:
        return str(node.formula)
    return f"{node.table}.{node.column or '*'}"


def _describe(expr: BoundExpr) -> str:
    if isinstance(expr, BColumn):
        return f"'{expr.table}.{expr.column}'"
    if isinstance(expr, BAggregation):
        return f"{expr.func}({expr.subject})"
    if isinstance(expr, BLiteral):
        return repr(expr.value) if expr.kind == "string" else str(expr.value)
    return "the expression"
