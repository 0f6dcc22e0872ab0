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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from engine.experiments.analysis import (CONTROL_NAMES, MANY_ARMS, ExperimentAnalysis, analyze_experiment,
                                         list_arms)
from engine.experiments.outcome_coverage import check_outcome_windows
from engine.experiments.unit_outcomes import ASSIGNED, UnitDesign, UnitOutcomes, assigned_query, unassigned_query
from engine.labels.scope import ident
from engine.schema.model import Database, SemanticType, Table
from pql import ast
from pql.binder.context import BindContext, Unresolved
from pql.binder.expressions import ExpressionBinder
from pql.binder.names import resolve_column, resolve_table
from pql.binder.tasks import CONDITIONS
from pql.bound import BoundExpr
from pql.errors import EngineError, PQLErrorGroup, PQLInputError, PQLSyntaxError, QueryTextError, did_you_mean
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


def _assignment_time(table: Table, name: str) -> str:
    """``at`` names a timestamp column: the windows are measured from it (DuckDB cannot cast an arm to a time)."""
    column = table.column(name)
    assert column is not None
    if column.stype is SemanticType.TIMESTAMP:
        return name
    times = [c.name for c in table.columns if c.stype is SemanticType.TIMESTAMP]
    if len(times) == 1:
        hint = f"; did you mean '{times[0]}'?"
    elif times:
        hint = f"{did_you_mean(name, times)} (its time columns: {', '.join(times)})"
    else:
        hint = f" ('{table.name}' has no time column)"
    raise PQLInputError(f"the assignment time (at=…, --at) must be a timestamp column, but '{table.name}.{name}' is "
                        f"{column.dtype} ({column.stype}){hint}")


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
    at_column = _assignment_time(table, _resolve_column(db, table, at)) if at is not None else None
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
    except PQLSyntaxError as e:
        raise _in_own_text(_without_wrapper(e, text, what), text, offset=len("PREDICT "), what=what) from e
    except (QueryTextError, PQLErrorGroup) as e:
        raise _in_own_text(e, text, offset=len("PREDICT "), what=what) from e
    assert bound is not None
    return bound


def _without_wrapper(error: PQLSyntaxError, text: str, what: str) -> PQLSyntaxError:
    """A syntax error about the user's text, not the hidden ``FOR EACH`` after it: an unfinished text
    (``COUNT(…) >``) otherwise reads as "got the keyword FOR". Parsing ``PREDICT <text>`` alone meets the
    same tokens, then the text's end instead of FOR; only a complete text fails there for want of FOR."""
    from pql.parser import parse

    try:
        parse(f"PREDICT {text}")
    except PQLSyntaxError as alone:
        if "before its FOR clause" not in alone.message:
            return PQLSyntaxError(alone.message.replace("end of query", f"end of the {what}"), text=alone.text,
                                  span=alone.span, hint=alone.hint)
    return error


# The binder's hint for a table without a time column, in the words of this command (which has no WITH)
_WITH_SCHEMA = re.compile(r"set one with a schema override: WITH schema = '(time (.+?) = (.+?))'(.*)")


def _in_this_command(message: str, hint: str | None) -> tuple[str, str | None]:
    with_schema = _WITH_SCHEMA.match(hint or "")
    if with_schema:
        override, table, column, rest = with_schema.groups()
        return message, (f"set one with a schema override: --override '{override}' (pql experiment), "
                         f"overrides='{override}' in pql.connect, or [time_columns] {table} = \"{column}\" in "
                         f"pql_schema.toml next to the data{rest}")
    return message, hint


def _in_own_text(error, text: str, *, offset: int, what: str):
    """Errors about ``PREDICT <text> FOR EACH …`` pointed back into ``text`` as the user wrote it."""
    errors = error.errors if isinstance(error, PQLErrorGroup) else (error,)
    moved = []
    for e in errors:
        span = getattr(e, "span", None)
        if span is not None and offset <= span.start <= offset + len(text):  # at its end: the text stops short
            start = span.start - offset
            end = max(start + 1, min(span.end - offset, len(text)))
            at = Span.point(text, start)
            span = Span(start=start, end=end, line=at.line, column=at.column, end_line=at.line,
                        end_column=at.column + (end - start))
        else:
            span = None
        message, hint = _in_this_command(getattr(e, "message", str(e)), getattr(e, "hint", None))
        moved.append(type(e)(f"in the {what}: {message}", text=text, span=span, hint=hint))
    return moved[0] if len(moved) == 1 else PQLErrorGroup(moved)


def _run(con, query: exp.Expression, what: str) -> pa.Table:
    try:
        return con.sql(query.sql(dialect="duckdb")).to_arrow_table()
    except duckdb.Error as e:
        raise EngineError(f"computing the experiment's {what} failed in DuckDB: {e}") from e


def _parse_time(value) -> datetime | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise PQLInputError(f"control_at (--control-at) {value!r} is not a time; write a date or timestamp such as "
                            "2024-01-01 or '2024-01-01 09:00'")
    return stamp.to_pydatetime()


def _control_time(con, db: Database, design: UnitDesign, control_at: datetime | None) -> datetime:
    if control_at is not None:
        return control_at
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
    control_at = _parse_time(control_at)
    design = design_of(db, assignments=assignments, arm=arm, unit=unit, at=at)
    notes: list[str] = []
    if design.unit.name != design.assignments.name:
        notes.append(f"units are rows of '{design.unit.name}' ('{design.assignments.name}.{design.assignment_key}'"
                     f" -> '{design.unit.name}.{design.unit_key}'), each anchored at its assignment time")
    outcome_expr = _bind(db, design.unit, outcome, role="outcome", what="outcome")
    covariate_expr = _bind(db, design.unit, covariate, role="covariate", what="covariate") if covariate else None

    arms_present = _arms_present(con, db, design)
    if len(arms_present) > MANY_ARMS:
        raise PQLInputError(f"'{design.assignments.name}.{design.arm}' has {len(arms_present):,} distinct values "
                            f"({list_arms(arms_present)}): it looks like an id, not an arm column")
    if control is None and len([a for a in arms_present if a.lower() in CONTROL_NAMES]) != 1:
        raise PQLInputError(f"cannot tell which arm is the control among {list_arms(arms_present)}; name it "
                            "(control=…, --control), or name a new arm for the units with no row in "
                            f"'{design.assignments.name}'")
    same_but_case = [a for a in arms_present if control is not None and a.lower() == str(control).lower()]
    if control is not None and str(control) not in arms_present and same_but_case:
        raise PQLInputError(f"no arm is called '{control}'; did you mean '{same_but_case[0]}'? (arms: "
                            f"{list_arms(arms_present)}; an arm no row names stands for the units with no "
                            f"row in '{design.assignments.name}')")
    if control is not None and str(control) not in arms_present:
        _check_units_without_a_row(con, db, design, str(control), arms_present)
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
    warnings += check_outcome_windows(con, db, outcome_expr, units)
    units = units.rename_columns(["unit", "arm", "anchor_time", outcome, *([covariate] if covariate else [])])
    analysis = analyze_experiment(units, arm="arm", outcome=outcome, unit="unit", control=control,
                                  covariate=covariate, expected_split=expected_split, alpha=alpha,
                                  outcome_type="binary" if isinstance(outcome_expr, CONDITIONS) else "continuous")
    if analysis.srm.mismatch and analysis.srm.designed:
        warnings.append("sample ratio mismatch: the arms' sizes do not match the designed split")
    elif analysis.srm.mismatch:
        warnings.append("sample ratio mismatch: the arms' sizes are not equal; if the design split them unequally, "
                        "give the split (expected_split=…, --expected-split holdout=0.1,treatment=0.9)")
    return ExperimentReport(analysis=analysis, units=units, sql=query.sql(dialect="duckdb", pretty=True),
                            notes=tuple(notes), warnings=tuple(warnings))


def _check_units_without_a_row(con, db: Database, design: UnitDesign, control: str, arms: set[str]) -> None:
    """An arm no row names stands for the units with no row: there must be some."""
    if design.unit.name != design.assignments.name:
        rows = unassigned_query(dataclasses.replace(design, control=control))  # only counted: no time needed
        count = (exp.select(exp.alias_(exp.Count(this=exp.Star()), "n"))
                 .from_(exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier("y"))))
                 .with_(ident(ASSIGNED), as_=assigned_query(db, design), copy=False))
        if _run(con, count, "units without a row").column("n")[0].as_py():
            return
    raise PQLInputError(f"control arm '{control}' is not among the arms ({list_arms(arms)}), and it cannot stand for "
                        f"the units with no row in '{design.assignments.name}': every {design.unit.name} unit has "
                        f"one{did_you_mean(control, arms)}")


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
