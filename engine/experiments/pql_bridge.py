"""Analyse a randomized test recorded in the database, its outcome written in PQL.

    report = analyze_experiment_db(con, db, assignments="email", arm="campaign",
                                   outcome="COUNT(visit.*, 0, 14, days) > 0", control="No E-Mail")
    print(report.render())

The assignment table holds one row per unit: the unit (its own row, or a foreign key to the unit
table), the arm, and when the unit was assigned. The outcome (and the optional CUPED covariate) is a
PQL expression evaluated per unit from *its* assignment time: outcome windows look forward
(``COUNT(visit.*, 0, 14, days) > 0``), covariate windows look back (``SUM(purchase.amount, -90, 0)``)
or read a column of the unit table.

A control arm that is not in the assignment table (an e-mail log holds only the e-mailed) is every
other unit of the unit table, anchored at the one assignment time all rows share (or ``control_at``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from engine.experiments.analysis import CONTROL_NAMES, ExperimentAnalysis, analyze_experiment
from engine.experiments.unit_outcomes import UnitDesign, UnitOutcomes, assigned_query
from engine.schema.model import Database, Table
from pql import ast
from pql.binder.context import BindContext, Unresolved
from pql.binder.expressions import ExpressionBinder
from pql.binder.names import resolve_column, resolve_table
from pql.binder.tasks import CONDITIONS
from pql.bound import BoundExpr
from pql.errors import EngineError, PQLErrorGroup, PQLInputError, QueryTextError
from pql.span import Span


@dataclass(frozen=True, kw_only=True)
class ExperimentReport:
    """The analysis plus how the per-unit table was built."""

    analysis: ExperimentAnalysis
    units: pa.Table  # unit, arm, anchor_time, <outcome text>[, <covariate text>]
    sql: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_arrow(self) -> pa.Table:
        return self.analysis.to_arrow()

    def render(self) -> str:
        lines = [f"note: {n}" for n in self.notes]
        lines.append(self.analysis.render())
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _resolve_table(db: Database, name: str, what: str) -> Table:
    ctx = BindContext(db=db, text=None)
    try:
        return resolve_table(ctx, name, None)
    except Unresolved:
        ctx.raise_if_errors()
        raise PQLInputError(f"unknown {what} table '{name}'") from None


def _resolve_column(db: Database, table: Table, name: str) -> str:
    ctx = BindContext(db=db, text=None)
    try:
        return resolve_column(ctx, table, name, None).name
    except Unresolved:
        ctx.raise_if_errors()
        raise PQLInputError(f"table '{table.name}' has no column '{name}'") from None


def _single_key(table: Table) -> str:
    if len(table.primary_key) != 1:
        raise PQLInputError(f"the unit table '{table.name}' needs a one-column primary key, it has "
                            f"{list(table.primary_key) or 'none'}")
    return table.primary_key[0]


def design_of(db: Database, *, assignments: str, arm: str, unit: str | None = None,
              at: str | None = None) -> UnitDesign:
    """Which table holds the units and which column of the assignments points at them."""
    table = _resolve_table(db, assignments, "assignment")
    arm_column = _resolve_column(db, table, arm)
    at_column = _resolve_column(db, table, at) if at is not None else None
    fks = [fk for fk in db.foreign_keys_from(table.name) if len(fk.columns) == 1]
    if unit is not None:
        unit_table = _resolve_table(db, unit, "unit")
        fks = [fk for fk in fks if fk.ref_table == unit_table.name]
        if unit_table.name != table.name and len(fks) != 1:
            raise PQLInputError(f"'{table.name}' needs exactly one foreign key to the unit table "
                                f"'{unit_table.name}', it has {len(fks)}")
    elif len(fks) > 1:
        names = ", ".join(f"{fk.columns[0]} -> {fk.ref_table}" for fk in fks)
        raise PQLInputError(f"'{table.name}' references several tables ({names}); say which one holds the "
                            "units (unit=…, --unit)")
    else:
        unit_table = db.table(fks[0].ref_table) if fks else table
    assert unit_table is not None
    if unit_table.name == table.name:
        key = _single_key(table)
        return UnitDesign(assignments=table, arm=arm_column, unit=table, unit_key=key, assignment_key=key,
                          at=at_column)
    fk = fks[0]
    return UnitDesign(assignments=table, arm=arm_column, unit=unit_table, unit_key=fk.ref_columns[0],
                      assignment_key=fk.columns[0], at=at_column)


def _bind(db: Database, unit: Table, text: str, *, role: str, what: str) -> BoundExpr:
    """Bind a PQL expression about one unit; errors point into ``PREDICT <text> FOR EACH <unit>``."""
    from pql.parser import parse

    statement = f"PREDICT {text} FOR EACH {unit.name}"
    try:
        (parsed,) = parse(statement)
        assert isinstance(parsed, ast.PredictStatement)
        if isinstance(parsed.target, ast.NamedTarget):
            raise PQLInputError(f"the {what} must be a PQL expression such as COUNT(visit.*, 0, 14, days) > 0, "
                                f"not the name '{parsed.target.name}'")
        ctx = BindContext(db=db, text=statement)
        try:
            bound = ExpressionBinder(ctx, unit).bind(parsed.target, role=role)
        except Unresolved:
            bound = None
        ctx.raise_if_errors()
    except (QueryTextError, PQLErrorGroup) as e:
        raise _in_own_text(e, text, offset=len("PREDICT "), what=what) from e
    assert bound is not None
    return bound


def _in_own_text(error, text: str, *, offset: int, what: str):
    """Errors about ``PREDICT <text> FOR EACH …`` pointed back into ``text`` as the user wrote it."""
    errors = error.errors if isinstance(error, PQLErrorGroup) else (error,)
    moved = []
    for e in errors:
        span = getattr(e, "span", None)
        if span is not None and offset <= span.start < offset + len(text):
            start, end = span.start - offset, min(span.end - offset, len(text))
            at = Span.point(text, start)
            span = Span(start=start, end=end, line=at.line, column=at.column, end_line=at.line,
                        end_column=at.column + max(end - start, 1))
        else:
            span = None
        moved.append(type(e)(f"in the {what}: {getattr(e, 'message', str(e))}", text=text, span=span,
                             hint=getattr(e, "hint", None)))
    return moved[0] if len(moved) == 1 else PQLErrorGroup(moved)


def _run(con, query: exp.Expression, what: str) -> pa.Table:
    try:
        return con.sql(query.sql(dialect="duckdb")).to_arrow_table()
    except duckdb.Error as e:
        raise EngineError(f"computing the experiment's {what} failed in DuckDB: {e}") from e


def _control_time(con, db: Database, design: UnitDesign, control_at) -> datetime:
    if control_at is not None:
        return pd.Timestamp(control_at).to_pydatetime()
    anchor = exp.column("anchor_time", quoted=True)
    times = exp.select(exp.alias_(exp.Min(this=anchor), "low"), exp.alias_(exp.Max(this=anchor.copy()), "high")).from_(
        exp.Subquery(this=assigned_query(db, design), alias=exp.TableAlias(this=exp.to_identifier("x"))))
    (row,) = _run(con, times, "assignment times").to_pylist()
    low, high = row["low"], row["high"]
    if low is None:
        raise PQLInputError(f"the assignment table '{design.assignments.name}' has no assignment times")
    if low != high:
        raise PQLInputError(f"units with no row in '{design.assignments.name}' form the control arm, but the "
                            f"assignments span {low} .. {high}: say when the control units were assigned "
                            "(control_at=…, --control-at)")
    return low


def analyze_experiment_db(con, db: Database, *, assignments: str, arm: str, outcome: str,
                          covariate: str | None = None, control: str | None = None, unit: str | None = None,
                          at: str | None = None, control_at=None, alpha: float = 0.05,
                          expected_split: Mapping[str, float] | None = None) -> ExperimentReport:
    """Per-arm outcome rates/means, lifts vs control with intervals and p-values, SRM check and (with
    ``covariate``) CUPED, for the experiment recorded in ``assignments``; see the module docstring."""
    design = design_of(db, assignments=assignments, arm=arm, unit=unit, at=at)
    notes: list[str] = []
    if design.unit.name != design.assignments.name:
        notes.append(f"units are rows of '{design.unit.name}' ('{design.assignments.name}.{design.assignment_key}'"
                     f" -> '{design.unit.name}.{design.unit_key}'), each anchored at its assignment time")
    outcome_expr = _bind(db, design.unit, outcome, role="outcome", what="outcome")
    covariate_expr = _bind(db, design.unit, covariate, role="where", what="covariate") if covariate else None

    arms_present = _arms_present(con, db, design)
    if control is None and len([a for a in arms_present if a.lower() in CONTROL_NAMES]) != 1:
        raise PQLInputError(f"cannot tell which arm is the control among {sorted(arms_present)}; name it "
                            "(control=…, --control), or name a new arm for the units with no row in "
                            f"'{design.assignments.name}'")
    same_but_case = [a for a in arms_present if control is not None and a.lower() == str(control).lower()]
    if control is not None and str(control) not in arms_present and same_but_case:
        raise PQLInputError(f"no arm is called '{control}'; did you mean '{same_but_case[0]}'? (arms: "
                            f"{', '.join(sorted(arms_present))}; an arm no row names stands for the units with no "
                            f"row in '{design.assignments.name}')")
    if control is not None and str(control) not in arms_present and design.unit.name != design.assignments.name:
        when = _control_time(con, db, design, control_at)
        design = dataclasses.replace(design, control=str(control), control_at=when)
        notes.append(f"control arm '{control}' = the units of '{design.unit.name}' with no row in "
                     f"'{design.assignments.name}', anchored at {when}")
    query = UnitOutcomes(db, design).compile(outcome_expr, covariate_expr)
    units = _run(con, query, "outcomes")

    warnings: list[str] = []
    units, dropped = _drop_nulls(units, ["anchor_time", "outcome", *(["covariate"] if covariate else [])])
    for column, count in dropped.items():
        reason = {"anchor_time": "no assignment time", "outcome": "no outcome (an empty window for "
                  "AVG/MIN/MAX/FIRST/LAST)", "covariate": "no covariate value"}[column]
        warnings.append(f"{count} units dropped: {reason}")
    _check_one_row_per_unit(units.column(0), design)
    units = units.rename_columns(["unit", "arm", "anchor_time", outcome, *([covariate] if covariate else [])])
    analysis = analyze_experiment(units, arm="arm", outcome=outcome, unit="unit", control=control,
                                  covariate=covariate, expected_split=expected_split, alpha=alpha,
                                  outcome_type="binary" if isinstance(outcome_expr, CONDITIONS) else "continuous")
    if analysis.srm.mismatch:
        warnings.append("sample ratio mismatch: the arms' sizes do not match the designed split")
    return ExperimentReport(analysis=analysis, units=units, sql=query.sql(dialect="duckdb", pretty=True),
                            notes=tuple(notes), warnings=tuple(warnings))


def _arms_present(con, db: Database, design: UnitDesign) -> set[str]:
    query = exp.select(exp.column("arm")).distinct().from_(
        exp.Subquery(this=assigned_query(db, design), alias=exp.TableAlias(this=exp.to_identifier("x"))))
    return {r["arm"] for r in _run(con, query, "arms").to_pylist() if r["arm"] is not None}


def _drop_nulls(table: pa.Table, columns: list[str]) -> tuple[pa.Table, dict[str, int]]:
    dropped: dict[str, int] = {}
    for name in columns:
        valid = pc.is_valid(table.column(name))
        if pa.types.is_floating(table.column(name).type):
            valid = pc.and_(valid, pc.invert(pc.is_nan(table.column(name))))
        missing = table.num_rows - pc.sum(pc.cast(valid, pa.int64())).as_py() if table.num_rows else 0
        if missing:
            dropped[name] = int(missing)
            table = table.filter(valid)
    return table, dropped


__all__ = ["ExperimentReport", "analyze_experiment_db", "design_of"]


def _check_one_row_per_unit(ids: pa.ChunkedArray, design: UnitDesign) -> None:
    """A randomized test assigns each unit once; several rows per unit is some other kind of table."""
    counts = pc.value_counts(ids)
    repeated = [c for c in counts.to_pylist() if c["counts"] > 1]
    if repeated:
        extra = sum(c["counts"] - 1 for c in repeated)
        raise PQLInputError(f"{len(repeated):,} {design.unit.name} units have more than one row in "
                            f"'{design.assignments.name}' ({extra:,} extra rows; e.g. {repeated[0]['values']!r} has "
                            f"{repeated[0]['counts']}): an experiment assigns each unit to one arm once; for "
                            "repeated treatments, predict with ASSUMING instead")
