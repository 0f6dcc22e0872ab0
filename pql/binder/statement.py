"""Binding one statement: each clause checked by its own small function, all errors raised together."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.schema.model import Database, SemanticType, Table
from pql import ast
from pql.binder import kinds
from pql.binder.context import BindContext, Unresolved
from pql.binder.expressions import ExpressionBinder, is_numeric_column
from pql.binder.named_operands import expand_named_operands, has_named_operands, report_unknown_name
from pql.binder.names import resolve_column, resolve_table
from pql.binder.tasks import CONDITIONS, infer_task
from pql.binder.templates import Expansion, TemplateError, expand, looks_like_template, template_names
from pql.bound import (BAggregation, BColumn, BCompare, BIn, BLiteral, BoundAllocate, BoundEntity, BoundExpr,
                       BoundQuery, TaskType, UNIT_DAYS, iter_aggregations, iter_nodes)
from pql.errors import did_you_mean
from pql.options import GNN_ONLY_OPTIONS, check_option
from pql.render import quote_arm


@dataclass(kw_only=True)
class Defines:
    """Named targets from ``DEFINE name AS target`` statements seen so far in a script or session."""

    targets: dict[str, ast.DefineStatement] = field(default_factory=dict)

    def add(self, stmt: ast.DefineStatement) -> None:
        self.targets[stmt.name.lower()] = stmt

    def get(self, name: str) -> ast.DefineStatement | None:
        return self.targets.get(name.lower())


def check_define(stmt: ast.DefineStatement, db: Database, defines: Defines) -> tuple[str, ...]:
    """Check a DEFINE's table and column names now rather than at first use; notes for a name that
    replaces an earlier DEFINE or hides a built-in template."""
    ctx = BindContext(db=db, text=stmt.source)
    for node in ast.walk(stmt.target):
        if isinstance(node, (ast.ColumnRef, ast.Aggregation)):
            table = _try(lambda: resolve_table(ctx, node.table, node.span))
            if table is not None and getattr(node, "column", None):
                _try(lambda: resolve_column(ctx, table, node.column, node.span))
        elif isinstance(node, ast.NamedTarget) and node is not stmt.target:
            _check_defined_name(ctx, node, stmt.name, defines)
    ctx.raise_if_errors()
    notes = []
    earlier = defines.get(stmt.name)
    if earlier is not None and str(earlier.target) != str(stmt.target):
        notes.append(f"'{stmt.name}' was defined as {earlier.target}; this definition replaces it")
    if looks_like_template(stmt.name):
        notes.append(f"'{stmt.name}' hides the built-in template of that name")
    return tuple(notes)


def _check_defined_name(ctx: BindContext, node: ast.NamedTarget, defining: str, defines: Defines) -> None:
    """A name inside a DEFINE's body must already mean something (a DEFINE or a template), not itself."""
    if node.name.lower() == defining.lower():
        ctx.error(f"'{defining}' cannot be defined through itself", node.span,
                  hint="write the plain PQL it stands for")
    elif defines.get(node.name) is None and not looks_like_template(node.name):
        report_unknown_name(ctx, node, defines, hint="DEFINE it first, or use a template: "
                                                     + ", ".join(template_names()))


def bind_statement(stmt: ast.PredictStatement, db: Database, *, defines: Defines | None = None) -> BoundQuery:
    """Resolve a parsed PREDICT/EVALUATE/EXPLAIN statement against ``db``.

    Raises `PQLBindError` (one problem) or `PQLErrorGroup` (several), each pointing at the query text.
    """
    ctx = BindContext(db=db, text=stmt.source)
    defines = defines or Defines()
    entity = _bind_entity(ctx, stmt.entity)
    if entity is None:
        _check_table_names(ctx, stmt)  # still report every unknown name in one go
        ctx.raise_if_errors()
    table, bound_entity = entity
    exprs = ExpressionBinder(ctx, table)
    using_names = _resolve_using(ctx, stmt)

    target_node, expansion, extra = _resolve_target(ctx, stmt, table, using_names, defines)
    named = extra.get("named")  # clauses written by a DEFINE or template point into other text

    def bind_clause(node, role: str, *, written: bool):
        start = len(ctx.errors)
        bound = _try(lambda: exprs.bind(node, role=role))
        if bound is not None and role == "where":
            exprs.check_truth((bound,), (node,), "WHERE")
        if bound is not None and role == "assuming":
            _check_treatment(ctx, bound, node)
        if not written and named is not None:
            _point_at_name(ctx, start, *named)
        return bound

    target = bind_clause(target_node, "target", written=named is None)
    where_node = stmt.where if stmt.where is not None else extra.get("where")
    where = bind_clause(where_node, "where", written=stmt.where is not None) if where_node is not None else None
    assuming_node = stmt.assuming if stmt.assuming is not None else extra.get("assuming")
    assuming = (bind_clause(assuming_node, "assuming", written=stmt.assuming is not None)
                if assuming_node is not None else None)
    if target is not None and assuming is not None and stmt.assuming is not None:
        _check_treatment_precedes_outcome(ctx, target, stmt.assuming)
    options = _bind_options(ctx, stmt.options)
    ctx.raise_if_errors()
    assert target is not None  # an unbound target always records an error

    item_table = _item_table(db, target)
    task = infer_task(ctx, target, rank_top=stmt.rank_top or extra.get("rank_top"), classify=stmt.classify,
                      forecast=stmt.forecast, assuming=assuming is not None, item_is_key=item_table is not None,
                      span=target_node.span or stmt.span)
    _check_static_target(ctx, target, target_node)
    _check_target_reads_data(ctx, target, target_node)
    _check_target_looks_ahead(ctx, target, target_node, forecast=stmt.forecast is not None)
    _check_into(ctx, stmt)
    _check_evaluate_allocate(ctx, stmt)
    _check_metric(ctx, task, stmt.options)
    ctx.raise_if_errors()

    outcome_task = None
    if task == TaskType.UPLIFT:
        outcome_task = TaskType.BINARY if _is_condition(target) else TaskType.REGRESSION
        shared = {a.table for a in iter_aggregations(target)} & {a.table for a in iter_aggregations(assuming)}
        if shared:
            ctx.note(f"the treatment (ASSUMING) and the outcome both count rows of {', '.join(sorted(shared))}: a row "
                     "that makes an entity treated may also be its outcome, and the uplift then measures that")
    using = _graph_tables(ctx, db, table, using_names, (target, where, assuming))
    allocate = _bind_allocate(ctx, stmt.allocate, table, task=task, arms=_treatment_arms(assuming))
    ctx.raise_if_errors()
    return BoundQuery(
        text=stmt.source or str(stmt), mode=stmt.mode, task=task, entity=bound_entity, target=target,
        where=where, assuming=assuming, treatment_arms=_treatment_arms(assuming), outcome_task=outcome_task,
        rank_top=stmt.rank_top or extra.get("rank_top"),
        item_table=item_table if task == TaskType.LINK_RANKING else None, classify=stmt.classify,
        forecast=stmt.forecast, allocate=allocate, using=using, options=options,
        into=stmt.into, into_replace=stmt.into_replace, expansion=expansion, notes=tuple(ctx.notes),
        span=stmt.span)


def _try(fn):
    try:
        return fn()
    except Unresolved:
        return None


# ---- clauses ------------------------------------------------------------------------------------------


def _bind_entity(ctx: BindContext, node: ast.Entity) -> tuple[Table, BoundEntity] | None:
    try:
        table = resolve_table(ctx, node.table, node.span)
    except Unresolved:
        return None
    if not table.primary_key:
        column = _try(lambda: resolve_column(ctx, table, node.column, node.span)) if node.column else None
        if node.column is not None and column is None:
            return None
        hint = (_derive_hint(ctx.db, table, column.name) if column is not None else
                f"declare one, or override it: WITH schema = 'pk {table.name} = <column>'; to predict per "
                f"value of one of its columns, derive an entity table: WITH schema = 'entity <name> = {table.name}.<column>'")
        ctx.error(f"the entity table '{table.name}' has no primary key, so its rows cannot be told apart",
                  ctx.at(node.span, node.table), hint=hint)
        return None
    key = table.primary_key
    if node.column is None:
        ctx.note(f"FOR {node.table} means FOR EACH {table.name}.{'+'.join(key)}")
    else:
        try:
            column = resolve_column(ctx, table, node.column, node.span)
        except Unresolved:
            return None
        if (column.name,) != key:
            link = next((fk for fk in ctx.db.foreign_keys if fk.table == table.name and fk.columns == (column.name,)), None)
            if link is not None:
                hint = f"'{table.name}.{column.name}' links to '{link.ref_table}': write FOR EACH {link.ref_table}"
            else:
                write = f"FOR EACH {table.name}.{key[0]}" if len(key) == 1 else f"FOR EACH {table.name}"
                hint = f"write {write}, or {_derive_hint(ctx.db, table, column.name)}"
            ctx.error(f"'{table.name}.{column.name}' is not the primary key of '{table.name}' "
                      f"({', '.join(key)})", ctx.at(node.span, node.column, after="."), hint=hint)
            return None
    values = tuple(v.value for v in node.values) if node.values is not None else None
    if node.values is not None and len(key) == 1:
        _check_key_values(ctx, table, key[0], node.values)
    return table, BoundEntity(table=table.name, key=key, values=values, span=node.span)


def _check_key_values(ctx: BindContext, table: Table, key: str, values: tuple[ast.Literal, ...]) -> None:
    """``FOR t.key = v`` / ``IN (…)``: each value must be a possible key (DuckDB would fail without a caret)."""
    column = next(c for c in table.columns if c.name == key)
    kind = kinds.dtype_kind(column.dtype)
    for v in values:
        if v.kind == kinds.NULL:
            ctx.error("NULL is never a key", v.span, hint=f"list {table.name}.{key} values")
        elif kinds.clash(kind, v.kind) or (kind == kinds.STRING and v.kind == kinds.NUMBER):
            shown = repr(v.value) if v.kind == "string" else str(v.value)
            ctx.error(f"{table.name}.{key} is {column.dtype}, so {shown} is not one of its keys", v.span,
                      hint="quote text keys: '…'" if kind == kinds.STRING else None)
        elif kind == kinds.NUMBER and "INT" in column.dtype.upper() and v.kind == kinds.NUMBER \
                and float(v.value) != int(float(v.value)):
            ctx.error(f"{table.name}.{key} holds whole numbers, so {v.value} is not one of its keys", v.span)


def _derive_hint(db: Database, table: Table, column: str) -> str:
    """How to predict per value of ``table.column``: a derived entity table (`engine.schema.derived`)."""
    from engine.schema.names import words

    parts = words(column)
    name = "_".join(parts[:-1] if len(parts) > 1 and parts[-1] in ("id", "key", "no", "nr", "code", "ref") else parts) or column
    if any(t.name.lower() == name.lower() for t in db.tables):
        name = f"{name}_entity"
    return (f"to predict per {column}, derive an entity table from its values: "
            f"WITH schema = 'entity {name} = {table.name}.{column}', then FOR EACH {name}")


def _check_table_names(ctx: BindContext, stmt: ast.PredictStatement) -> None:
    for clause in (stmt.target, stmt.where, stmt.assuming):
        if clause is None:
            continue
        for node in ast.walk(clause):
            if isinstance(node, (ast.ColumnRef, ast.Aggregation)):
                _try(lambda: resolve_table(ctx, node.table, node.span))


def _resolve_using(ctx: BindContext, stmt: ast.PredictStatement) -> list[str]:
    out = []
    for name in stmt.using:
        try:
            out.append(resolve_table(ctx, name, ctx.at(stmt.span, name, after="USING")).name)
        except Unresolved:
            pass
    return out


def _resolve_target(ctx: BindContext, stmt: ast.PredictStatement, entity: Table, using: list[str],
                    defines: Defines) -> tuple[ast.Expr, str | None, dict[str, Any]]:
    """The target expression, with named targets expanded: (target, expansion text, implied clauses)."""
    node = stmt.target
    if has_named_operands(node):  # `spend_30 > 100`: names inside the target
        expanded = expand_named_operands(ctx, node, entity, set(using) if using else None, defines)
        ctx.raise_if_errors()
        return expanded, str(expanded), {}
    if not isinstance(node, ast.NamedTarget):
        return node, None, {}
    defined = defines.get(node.name)
    if defined is not None:
        if isinstance(defined.target, ast.NamedTarget):
            ctx.error(f"'{node.name}' is defined as another name, '{defined.target.name}'", node.span,
                      hint=f"DEFINE {node.name} AS the plain PQL target itself")
            ctx.raise_if_errors()
        body = defined.target
        if has_named_operands(body):  # DEFINE big AS spend_30 > 100
            body = expand_named_operands(ctx, body, entity, set(using) if using else None, defines)
            ctx.raise_if_errors()
        ctx.note(f"'{node.name}' is DEFINEd as {body}")
        return body, str(body), {"named": (node, str(body), None)}
    try:
        expansion = expand(node.name, ctx.db, entity, set(using) if using else None)
    except TemplateError as e:
        ctx.error(str(e), node.span, hint="write the target in plain PQL, or DEFINE it")
        ctx.raise_if_errors()
        raise
    if expansion is None:
        report_unknown_name(ctx, node, defines,
                            hint="named targets are DEFINEd names or templates: " + ", ".join(template_names()))
        ctx.raise_if_errors()
    target, shown, extra = _parse_expansion(ctx, stmt, expansion)
    return target, shown, {**extra, "named": (node, shown, extra.pop("text"))}


def _point_at_name(ctx: BindContext, start: int, node: ast.NamedTarget, meaning: str, text: str | None) -> None:
    """Errors from ``ctx.errors[start:]`` came from a named target's expansion: point them at the name."""
    found, seen = ctx.errors[start:], set()
    del ctx.errors[start:]
    for e in found:
        where = f"'{text[e.span.start:e.span.end]}' in " if text is not None and e.span is not None else ""
        message = f"{e.message} ({where}'{node.name}')"
        if message not in seen:
            seen.add(message)
            ctx.error(message, node.span, hint=e.hint or f"'{node.name}' means {meaning}")


def _parse_expansion(ctx: BindContext, stmt: ast.PredictStatement, expansion: Expansion):
    from pql.parser import parse  # the binder is below the parser in the import graph

    entity = stmt.entity
    text = f"PREDICT {expansion.target}{expansion.suffix} FOR EACH {entity.table}"
    if expansion.where and stmt.where is None:
        text += f" WHERE {expansion.where}"
    if expansion.assuming and stmt.assuming is None:
        text += f" ASSUMING {expansion.assuming}"
    (parsed,) = parse(text)
    shown = str(ast.PredictStatement(**{**_fields(stmt), "mode": "predict", "target": parsed.target, "rank_top": parsed.rank_top
                                        or stmt.rank_top, "where": stmt.where or parsed.where,
                                        "assuming": stmt.assuming or parsed.assuming}))
    extra = {"where": parsed.where, "assuming": parsed.assuming, "rank_top": parsed.rank_top, "text": text}
    return parsed.target, shown, extra


def _fields(node: ast.Node) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(node, f.name) for f in dataclasses.fields(node) if f.init}


def _bind_options(ctx: BindContext, options: tuple[ast.Option, ...]) -> tuple[tuple[str, Any], ...]:
    out: dict[str, Any] = {}
    for opt in options:
        value = opt.value.value
        try:
            name, checked = check_option(opt.name, value)
        except ValueError as e:
            ctx.error(str(e), opt.span)
            continue
        if name in out:
            ctx.error(f"option '{name}' is given twice", opt.span, hint="keep one")
        if name == "schema" and checked is not None:
            _check_schema_text(ctx, checked, opt.span)
        out[name] = checked
    ignored = [n for n in out if n in GNN_ONLY_OPTIONS]
    if out.get("model") in ("lightgbm", "heuristic") and ignored:
        ctx.note(f"{', '.join(ignored)} only shape{'s' if len(ignored) == 1 else ''} the GNN; "
                 f"model = {out['model']} does not use {'it' if len(ignored) == 1 else 'them'}")
    return tuple(out.items())



def _check_schema_text(ctx: BindContext, text: str, span) -> None:
    """``WITH schema = '…'``: its syntax is checked here, so a typo points at the option (names are checked
    against the database when the overrides are applied)."""
    from engine.schema.overrides import SchemaOverrides
    from pql.errors import PQLError

    try:
        SchemaOverrides.coerce(text)
    except PQLError as e:
        ctx.error(str(e), span, hint="one override per ';': pk t = col; fk a.x -> b; time t = col; "
                                     "type t.c = categorical; entity e = t.col")


def _bind_allocate(ctx: BindContext, node: ast.Allocate | None, entity: Table, *, task: TaskType,
                   arms: tuple[str, ...]) -> BoundAllocate | None:
    """ALLOCATE needs an uplift model; its arms, columns and MAX … PER must fit the query."""
    if node is None:
        return None
    if task != TaskType.UPLIFT:
        ctx.error("ALLOCATE chooses who gets a treatment, so it needs ASSUMING <treatment condition>",
                  ctx.at(node.span, "ALLOCATE"), hint="add e.g. ASSUMING COUNT(targeted.*, 0, 7, days) > 0 "
                  "before ALLOCATE")
        return None
    arm_names = arms or ("treated",)  # a yes/no treatment has one arm
    cost: Any = None
    if isinstance(node.cost, ast.ColumnRef):
        cost = _allocate_column(ctx, node.cost, entity, "COST")
    elif isinstance(node.cost, ast.Literal):
        cost = float(node.cost.value)
    elif isinstance(node.cost, tuple):
        cost = tuple((c.arm, float(c.cost)) for c in node.cost)
        for c in node.cost:
            _check_arm(ctx, c.arm, c.span, arm_names, "COST")
            if float(c.cost) <= 0:
                ctx.error(f"a cost must be positive, not {c.cost:g}", c.span)
        missing = [a for a in arm_names if a not in {c.arm for c in node.cost}]
        if missing:
            ctx.error(f"COST gives no cost for arm(s) {', '.join(repr(a) for a in missing)}",
                      ctx.at(node.span, "COST"), hint="give every arm a cost: COST (" +
                      ", ".join(f"{quote_arm(a)}: …" for a in arm_names) + ")")
    value: Any = None
    if isinstance(node.value, ast.ColumnRef):
        value = _allocate_column(ctx, node.value, entity, "VALUE")
    elif isinstance(node.value, ast.Literal):
        value = float(node.value.value)
    if isinstance(node.value, ast.Literal) and float(node.value.value) <= 0:
        ctx.error(f"VALUE prices one unit of uplift, so it must be positive, not {node.value.value:g}: at "
                  "this price no arm is worth its cost", node.value.span)
    if node.max_per is not None:
        _check_max_per(ctx, node.max_per, entity)
        if node.max_per.limit > len(arm_names):
            ctx.note(f"MAX {node.max_per.limit} PER {entity.name}: the treatment has {len(arm_names)} arm"
                     f"{'s' if len(arm_names) != 1 else ''}, so no entity gets more than {len(arm_names)}")
    capped: set[str] = set()
    for c in node.capacities:
        _check_arm(ctx, c.arm, c.span, arm_names, "CAPACITY")
        if c.arm in capped:
            ctx.error(f"CAPACITY names arm '{c.arm}' twice; give each arm one limit", ctx.at(c.span, c.arm))
        capped.add(c.arm)
    if node.budget < 0:
        ctx.error(f"the budget must not be negative, not {node.budget:g}", ctx.at(node.span, "BUDGET"))
    if isinstance(node.cost, ast.Literal) and float(node.cost.value) <= 0:
        ctx.error(f"a cost must be positive, not {node.cost.value:g}", node.cost.span)
    return BoundAllocate(budget=float(node.budget), cost=cost, value=value,
                         max_per=node.max_per.limit if node.max_per else None,
                         capacities=tuple((c.arm, c.limit) for c in node.capacities),
                         cost_span=getattr(node.cost, "span", None))


def _check_arm(ctx: BindContext, arm: str, span, arms: tuple[str, ...], clause: str) -> None:
    if arm in arms:
        return
    kind = "the treatment's arms are" if len(arms) > 1 or arms != ("treated",) else \
        "a yes/no treatment has one arm, called"
    ctx.error(f"unknown arm '{arm}' in {clause}{did_you_mean(arm, list(arms))}", ctx.at(span, arm),
              hint=f"{kind} {', '.join(repr(a) for a in arms)}")


def _allocate_column(ctx: BindContext, node: ast.ColumnRef, entity: Table, clause: str) -> str | None:
    """COST / VALUE columns are read per entity, so they must be numeric columns of the entity table."""
    try:
        table = resolve_table(ctx, node.table, node.span)
        if table.name != entity.name:
            ctx.error(f"{clause} reads one number per entity, so it must be a column of '{entity.name}', "
                      f"not of '{table.name}'", ctx.at(node.span, node.table),
                      hint=f"write {clause} {entity.name}.<column> or a constant")
            return None
        column = resolve_column(ctx, table, node.column, node.span)
    except Unresolved:
        return None
    if column.stype == SemanticType.ID:
        ctx.error(f"'{table.name}.{column.name}' is an identifier; as {clause} it means nothing",
                  ctx.at(node.span, node.column, after="."),
                  hint=f"{clause} reads an amount per entity (a numeric column such as a price or a margin) "
                       "or a constant")
        return None
    if not is_numeric_column(column):
        ctx.error(f"{clause} needs a numeric column, but '{table.name}.{column.name}' is "
                  f"{column.stype.value if column.stype else column.dtype} ({column.dtype})",
                  ctx.at(node.span, node.column, after="."))
        return None
    return column.name


def _check_max_per(ctx: BindContext, node: ast.MaxPer, entity: Table) -> None:
    try:
        table = resolve_table(ctx, node.table, ctx.at(node.span, node.table, after="PER"))
    except Unresolved:
        return
    if table.name != entity.name:
        ctx.error(f"MAX … PER limits the arms each entity gets, so it must name the entity table "
                  f"'{entity.name}', not '{table.name}'", ctx.at(node.span, node.table, after="PER"),
                  hint=f"write MAX {node.limit} PER {entity.name}")


# ---- checks and derived facts ---------------------------------------------------------------------------


def _is_condition(expr: BoundExpr) -> bool:
    return isinstance(expr, CONDITIONS)


def _item_table(db: Database, target: BoundExpr) -> str | None:
    """For LIST_DISTINCT over a single-column foreign key: the table whose keys are the items."""
    if not isinstance(target, BAggregation) or target.func != "LIST_DISTINCT" or target.column is None:
        return None
    for fk in db.foreign_keys_from(target.table):
        if fk.columns == (target.column,):
            return fk.ref_table
    return None


def _check_static_target(ctx: BindContext, target: BoundExpr, node: ast.Expr) -> None:
    if isinstance(target, BColumn) and target.stype in (SemanticType.ID,):
        ctx.error(f"'{target.table}.{target.column}' is an identifier; predicting it makes no sense",
                  node.span, hint="predict an attribute, an aggregation or a condition instead")
    if kinds.is_timestamp_target(target):
        ctx.error("pql does not predict timestamps", node.span,
                  hint="predict whether it happens in a window instead, e.g. COUNT(<table>.*, 0, 30, days) > 0")


def _check_target_reads_data(ctx: BindContext, target: BoundExpr, node: ast.Expr) -> None:
    if not any(isinstance(n, (BColumn, BAggregation)) for n in iter_nodes(target)):
        ctx.error("the target reads no column or aggregation, so it is the same for every entity", node.span,
                  hint="predict a column, an aggregation over a time window, or a condition on them")


def _check_target_looks_ahead(ctx: BindContext, target: BoundExpr, node: ast.Expr, *, forecast: bool) -> None:
    """A target may read a finite past window beside its future one (``SUM(x, 0, 30) < SUM(x, -30, 0)``:
    will the customer spend less than last month?), but something after the anchor must decide it."""
    windowed = [a for a in iter_aggregations(target) if a.window is not None]
    past = [a for a in windowed if a.window.start is not None and a.window.start < 0]
    if windowed and all(a.window.end <= 0 for a in windowed):
        ctx.error("every window of the target ends at or before the anchor, so its value is known when "
                  "predicting: there is nothing to predict", node.span,
                  hint="a target needs a window after the anchor, e.g. SUM(…, 0, 30) > SUM(…, -30, 0); "
                       "past windows alone belong in the entity WHERE clause")
    elif past and forecast:
        ctx.error("FORECAST steps its window forward from the anchor: its start must be 0 or later, not "
                  f"{past[0].window.start:g}", past[0].span or node.span)
    elif past and len({a.window.unit for a in windowed}) > 1:
        ctx.error("a target that reads before the anchor must give all its windows one unit (pql moves them "
                  "back together to build the target's own history)", past[0].span or node.span,
                  hint="e.g. days for every window: 30 days rather than 1 month")


def _check_metric(ctx: BindContext, task: TaskType, options: tuple[ast.Option, ...]) -> None:
    """``WITH metric`` must be one the task reports (and is computed on validation)."""
    from engine.metrics import SELECTABLE

    for opt in options:
        value = opt.value.value
        if opt.name.lower() == "metric" and isinstance(value, str) and value.lower() not in SELECTABLE[task]:
            allowed = SELECTABLE[task]
            ctx.error(f"a {task} task is not scored by '{value}'; metric may be "
                      f"{', '.join(repr(m) for m in allowed)}{did_you_mean(value.lower(), allowed)}", opt.span)


def _check_into(ctx: BindContext, stmt: ast.PredictStatement) -> None:
    if stmt.into is not None and stmt.mode == "evaluate":
        ctx.error("EVALUATE reports metrics and writes no predictions, so it takes no INTO",
                  ctx.at(stmt.span, "INTO"), hint="drop INTO, or PREDICT … INTO <table> to store predictions")


def _check_evaluate_allocate(ctx: BindContext, stmt: ast.PredictStatement) -> None:
    """EVALUATE scores the model on held-out rows; an ALLOCATE plan would be silently dropped."""
    if stmt.allocate is not None and stmt.mode == "evaluate":
        ctx.error("EVALUATE reports the model's metrics and makes no plan, so it takes no ALLOCATE",
                  ctx.at(stmt.allocate.span, "ALLOCATE"),
                  hint="drop ALLOCATE, or PREDICT … ALLOCATE … to get the plan (its summary compares it with "
                       "simpler policies)")


def _check_treatment(ctx: BindContext, assuming: BoundExpr, node: ast.Node) -> None:
    """ASSUMING names who is treated: a condition (``COUNT(t.*, 0, 7, days) > 0``) or the arms of a
    categorical treatment (``FIRST(t.channel, 0, 7, days) IN ('email', 'sms')``). A bare number would
    reach SQL as a treatment flag (a count silently, a sum as a type error), so it is stopped here."""
    column = next((n for n in iter_nodes(assuming) if isinstance(n, BColumn)), None)
    if column is not None and next(iter_aggregations(assuming), None) is None:  # a trait, not a treatment
        ctx.error(f"ASSUMING reads a fixed attribute ('{column.table}.{column.column}'), not something that "
                  "happens after the anchor: the 'uplift' would be a difference between groups, not an effect",
                  node.span, hint="a treatment happens in a window, e.g. ASSUMING COUNT(<treatment table>.*, 0, 7, "
                                  "days) > 0; to look at one group, put the condition in the entity WHERE")
        return
    if kinds.is_truth(assuming, ctx.db):
        _check_count_treatment(ctx, assuming, node)
        return
    span = node.span
    written = ctx.text[span.start:span.end] if span is not None and ctx.text else str(node)
    kind = kinds.value_kind(assuming, ctx.db)
    categorical = (isinstance(assuming, BAggregation) and assuming.func in ("FIRST", "LAST")
                   and assuming.result_stype in (SemanticType.CATEGORICAL, SemanticType.TEXT))
    if categorical:
        hint = f"name the arms, e.g. {written} IN ('<arm>', …), or write {written} IS NOT NULL for treated or not"
    else:
        hint = f"write {written} > 0" if kind == kinds.NUMBER else "compare it, e.g. … > 0"
    ctx.error("ASSUMING needs a condition saying who is treated, or a categorical treatment's arms "
              f"(FIRST(…) IN (…)), but {_describe_operand(assuming)} is "
              f"{'a ' + kind if kind else 'not a yes/no value'}", span, hint=hint)


#: a calendar unit's fewest and most days, so a treatment is refused only when it surely ends later
_CALENDAR_DAYS = {"months": (28, 31), "years": (365, 366)}


def _end_days(window, *, least: bool) -> float:
    if window.unit in _CALENDAR_DAYS:
        return window.end * _CALENDAR_DAYS[window.unit][0 if least else 1]
    return window.end * UNIT_DAYS.get(window.unit, 1.0)


def _check_treatment_precedes_outcome(ctx: BindContext, target: BoundExpr, assuming_node: ast.Node) -> None:
    """A treatment window that ends after every outcome window counts treatments that come after the
    outcome (days 31–60 cannot cause a purchase on days 0–30): error at that window."""
    windows = [a.window for a in iter_aggregations(target) if a.window is not None and a.window.end > 0]
    if not windows:
        return
    last = max(windows, key=lambda w: _end_days(w, least=False))
    for node in ast.walk(assuming_node):
        if not isinstance(node, ast.Aggregation) or node.window is None:
            continue
        w = node.window
        later = (w.end > last.end if w.unit == last.unit and len({x.unit for x in windows}) == 1
                 else _end_days(w, least=True) > _end_days(last, least=False))
        if later:
            ctx.error(f"the treatment window ends at {w.end:g} {w.unit}, after the outcome window (which ends "
                      f"at {last.end:g} {last.unit}): a treatment after the outcome cannot cause it",
                      w.span or node.span,
                      hint=f"end the treatment window by {last.end:g} {last.unit} (a treatment is usually a short "
                           "window just after the anchor, e.g. 0, 7, days), or lengthen the outcome window")


def _check_count_treatment(ctx: BindContext, assuming: BoundExpr, node: ast.Node) -> None:
    """``COUNT(…) >= 0`` holds for every row (nobody is left as control) and ``COUNT(…) < 0`` for none;
    either would fail only after the features are built, with no word of the clause."""
    if not (isinstance(assuming, BCompare) and isinstance(assuming.left, BAggregation)
            and assuming.left.func in ("COUNT", "COUNT_DISTINCT") and isinstance(assuming.right, BLiteral)
            and assuming.right.kind == "number"):
        return
    v = float(assuming.right.value)
    every = {">=": v <= 0, ">": v < 0, "!=": v < 0, "<=": False, "<": False, "=": False}[assuming.op]
    never = {"<": v <= 0, "<=": v < 0, "=": v < 0, ">=": False, ">": False, "!=": False}[assuming.op]
    if not (every or never):
        return
    count = _describe_operand(assuming.left)
    span = node.span
    written = ctx.text[span.start:span.end] if span is not None and ctx.text else str(node)
    agg = written.split(assuming.op)[0].strip() if assuming.op in written else count
    ctx.error(f"ASSUMING holds for every row ({count} is never negative), so every row would be treated and none "
              "left as control" if every else
              f"ASSUMING holds for no row ({count} is never negative), so no row would be treated", span,
              hint=f"write {agg} > 0 for treated or not")


def _describe_operand(expr: BoundExpr) -> str:
    if isinstance(expr, BAggregation):
        return f"{expr.func}({expr.subject})"
    if isinstance(expr, BColumn):
        return f"'{expr.table}.{expr.column}'"
    return "the expression"


def _treatment_arms(assuming: BoundExpr | None) -> tuple[str, ...]:
    """A categorical treatment (``x IN ('a', 'b')``) has one arm per value."""
    if isinstance(assuming, BIn) and not assuming.negated:
        stype = getattr(assuming.expr, "stype", None) or getattr(assuming.expr, "result_stype", None)
        if stype in (SemanticType.CATEGORICAL, SemanticType.ID, SemanticType.TEXT):
            return tuple(str(v.value) for v in assuming.values)
    return ()


def _graph_tables(ctx: BindContext, db: Database, entity: Table, using: list[str],
                  exprs: tuple[BoundExpr | None, ...]) -> tuple[str, ...]:
    """USING's tables plus the entity and every table the query's expressions need; all tables without
    USING."""
    if not using:
        return db.table_names
    needed = list(dict.fromkeys([entity.name, *using]))
    for expr in exprs:
        for agg in iter_aggregations(expr):
            for name in (agg.table, *(fk.ref_table for fk in agg.path)):
                if name not in needed:
                    needed.append(name)
                    ctx.note(f"graph also uses '{name}' (the query needs it)")
    return tuple(needed)

