"""DEFINEd names and templates inside a target: ``PREDICT spend_30 > 100 FOR …``."""
from __future__ import annotations

import pytest

import pql
from pql import ast
from pql.binder import bind, bind_script
from pql.errors import PQLError

SPEND = "DEFINE spend_30 AS SUM(orders.total, 0, 30);"


def _bind_last(text, db):
    return bind_script(pql.parse(text), db)[-1]


def _plain(text, db):
    return bind(pql.parse(text)[0], db)


def test_the_parser_reads_a_name_as_an_operand():
    (stmt,) = pql.parse("PREDICT spend_30 > 100 FOR EACH customers")
    assert isinstance(stmt.target, ast.Comparison) and stmt.target.left == ast.NamedTarget(name="spend_30")
    assert pql.parse(str(stmt)) == (stmt,)


@pytest.mark.parametrize("text, plain", [
    (f"{SPEND} PREDICT spend_30 > 100 FOR EACH customers", "SUM(orders.total, 0, 30) > 100"),
    (f"{SPEND} DEFINE big AS spend_30 > 100; PREDICT big FOR EACH customers", "SUM(orders.total, 0, 30) > 100"),
    (f"{SPEND} DEFINE big AS spend_30 > 100; PREDICT big AND COUNT(orders.*, 0, 30) > 2 FOR EACH customers",
     "SUM(orders.total, 0, 30) > 100 AND COUNT(orders.*, 0, 30) > 2"),
    ("PREDICT total_total_30d < 50 FOR EACH customers", "SUM(orders.total, 0, 30) < 50"),
    (f"{SPEND} PREDICT spend_30 < SUM(orders.total, -30, 0) FOR EACH customers",
     "SUM(orders.total, 0, 30) < SUM(orders.total, -30, 0)"),
])
def test_names_inside_a_target_mean_their_plain_pql(retail_db, text, plain):
    bq = _bind_last(text, retail_db)
    assert bq.target == _plain(f"PREDICT {plain} FOR EACH customers", retail_db).target


@pytest.mark.parametrize("text, message, caret", [
    ("PREDICT next_product > 3 FOR customers", "'next_product' brings clauses of its own", "next_product"),
    (f"{SPEND} PREDICT COUNT(orders.*, 0, 30) > 0 FOR customers WHERE spend_30 > 0",
     "'spend_30' alone is neither a value nor a column", "spend_30"),
    ("DEFINE a AS a > 1;", "'a' cannot be defined through itself", "a > 1"),
    (f"{SPEND} DEFINE b AS spend_3 > 1;", "unknown target name 'spend_3'; did you mean 'spend_30'?", "spend_3 >"),
    ("DEFINE bad AS SUM(orders.status, 0, 30); PREDICT bad > 1 FOR customers", "SUM needs a numeric column",
     "bad > 1"),
    ("PREDICT FIRST(orders.status, 0, 30) = done FOR customers", "unknown target name 'done'", "done"),
])
def test_errors_point_at_the_name(retail_db, text, message, caret):
    with pytest.raises(PQLError) as info:
        bind_script(pql.parse(text), retail_db)
    error = info.value
    assert message in str(error)
    span = error.span if getattr(error, "span", None) is not None else error.errors[0].span
    assert text[span.start:].startswith(caret.split()[0])
