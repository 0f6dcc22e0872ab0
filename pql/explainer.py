"""`explain(text, db=None)`: what pql understood from a query, as text.

Each stage's output is printable (DESIGN convention 1); EXPLAIN shows them in order. Without a
database: the canonical PQL and the syntax tree of each statement. With one (``db``): the bound query
(resolved names, named-target expansion, task type, graph tables), the anchor schedule, the generated
training-table SQL and the model plan.
"""
from __future__ import annotations

from typing import Any

from pql.ast import Statement, dump
from pql.bound_render import render_bound


def explain_statement(statement: Statement) -> str:
    """Canonical PQL and the syntax tree of one parsed statement."""
    return "\n".join(["PQL:", f"  {statement}", "Syntax tree:", _indent(dump(statement), "  ")])


def explain(text: str, db: Any = None) -> str:
    """Explain every statement in ``text``; raises `PQLError` for invalid text."""
    from pql.parser import parse

    if db is not None:
        from pql.session import Session, connect

        if isinstance(db, Session):  # an open session: its DEFINEs and overrides apply
            return db.explain(text)
        with connect(db) as session:
            return session.explain(text)
    statements = parse(text)
    if not statements:
        return "(no statements)"
    _check_options(statements)
    blocks = []
    for i, statement in enumerate(statements, 1):
        header = f"-- statement {i} of {len(statements)}" if len(statements) > 1 else None
        blocks.append("\n".join(filter(None, [header, explain_statement(statement)])))
    return "\n\n".join(blocks)


def _check_options(statements) -> None:
    """Without a database nothing else can be checked, but WITH options can."""
    from pql import ast
    from pql.errors import PQLBindError, PQLErrorGroup
    from pql.options import check_option

    errors = []
    for statement in statements:
        for opt in getattr(statement, "options", ()) if isinstance(statement, ast.PredictStatement) else ():
            try:
                check_option(opt.name, opt.value.value)
            except ValueError as e:
                errors.append(PQLBindError(str(e), text=statement.source, span=opt.span))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise PQLErrorGroup(errors)


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line for line in text.splitlines())


def explain_bound(statements, session) -> str:
    """Every stage for each statement against a session's database: PQL, bound query, the training
    table's SQL and anchor schedule, and the model plan."""
    from pql import ast

    blocks = []
    for i, statement in enumerate(statements, 1):
        lines = [f"-- statement {i} of {len(statements)}"] if len(statements) > 1 else []
        lines += ["PQL:", f"  {statement}"]
        if isinstance(statement, ast.DefineStatement):
            from pql.binder import check_define

            notes = check_define(statement, session.db, session.defines)
            session.defines.add(statement)
            blocks.append("\n".join(lines + [f"  (defines '{statement.name}')", *(f"  note: {n}" for n in notes)]))
            continue
        bq = session._bind(statement)
        lines += ["Bound query:", _indent(render_bound(bq), "  ")]
        lines += _plan_lines(session, bq)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _plan_lines(session, bq) -> list[str]:
    from engine.labels import explain_sql, schedule_for
    from engine.labels.absent_values import absent_values
    from engine.labels.schedule import no_training_anchor
    from pql.errors import EngineError
    from engine.labels.checks import (listed_keys_not_in_table, not_yet_joined_before_training,
                                      rank_beyond_catalogue, timeless_entities)
    from engine.labels.snapshot_columns import snapshot_columns
    from engine.labels.time_outliers import time_outliers
    from engine.labels.unread_times import unread_time_columns

    db = session.db_for(bq.option("schema"))
    schedule = schedule_for(session.con, db, bq)
    absent = absent_values(session.con, bq)
    no_anchor = no_training_anchor(schedule)
    if no_anchor:  # the run would stop here: explain stops with the same error (`engine.run.run`)
        if absent:  # more likely the cause than the data's history, as in a run
            raise absent[0].error(bq.text, "no training rows")
        raise EngineError(no_anchor)
    found = ([value.message() for value in absent] + time_outliers(session.con, db, bq)
             + not_yet_joined_before_training(session.con, db, bq, schedule.train)
             + unread_time_columns(session.con, db, bq)
             + timeless_entities(session.con, db, bq) + snapshot_columns(session.con, db, bq, schedule.train)
             + listed_keys_not_in_table(session.con, bq))  # a run warns of these too (`unlisted_entities`)
    from engine.metrics import query_metric

    model = bq.option("model", "auto")
    metric = query_metric(bq)[0]
    plan = (f"train LightGBM and the GNN, keep the better on validation {metric} (LightGBM alone when "
            f"validation is too small to tell them apart)" if model == "auto"
            else f"train {model}, choosing on validation {metric}" if model != "heuristic"
            else "the heuristic: the target's own value over the previous window")
    from engine.evaluate import threshold_note

    warnings = ["Warnings:", *(f"  {w}" for w in found)] if found else []
    unused = threshold_note(bq)  # a run notes it too
    notes = [f"  note: {n}" for n in ([unused] if unused else []) + rank_beyond_catalogue(session.con, db, bq)]
    return [*warnings, "Anchors:", _indent(schedule.summary(), "  "), "Training-table SQL:",
            _indent(explain_sql(db, bq, schedule), "  "), "Plan:", f"  {plan}", *notes]
