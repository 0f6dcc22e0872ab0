"""An aggregation may read a formula over its rows' columns: ``SUM(lines.qty * lines.price, 0, 30)``."""
from __future__ import annotations

import pytest

import pql
from pql import ast


def _target(text: str) -> ast.Aggregation:
    (stmt,) = pql.parse(f"PREDICT {text} FOR EACH customers")
    return stmt.target


@pytest.mark.parametrize("text, canonical", [
    ("SUM(lines.quantity * lines.unit_price, 0, 90, days)", "SUM(lines.quantity * lines.unit_price, 0, 90, days)"),
    ("SUM(lines.q*lines.p-lines.d, 0, 9)", "SUM(lines.q * lines.p - lines.d, 0, 9, days)"),
    ("AVG(lines.q * (lines.p - lines.d) / 2, 0, 9)", "AVG(lines.q * (lines.p - lines.d) / 2, 0, 9, days)"),
    ("MIN(lines.a - (lines.b - lines.c), 0, 9)", "MIN(lines.a - (lines.b - lines.c), 0, 9, days)"),
    ("FIRST(-lines.q, 0, 9)", "FIRST(-lines.q, 0, 9, days)"),
    ("MAX(lines.q * -2 - -lines.p, 0, 9)", "MAX(lines.q * -2 - -lines.p, 0, 9, days)"),
    ("COUNT(lines.q / lines.p WHERE lines.q > 1, 0, 9)", "COUNT(lines.q / lines.p WHERE lines.q > 1, 0, 9, days)"),
    ('SUM("my lines".qty * "my lines"."unit price", 0, 9)', 'SUM("my lines".qty * "my lines"."unit price", 0, 9, days)'),
    ("SUM(lines.q * lines.p, 0, 30) / COUNT(lines.*, 0, 30) > 2",
     "SUM(lines.q * lines.p, 0, 30, days) / COUNT(lines.*, 0, 30, days) > 2"),
])
def test_a_formula_renders_back_to_the_same_statement(text, canonical):
    (stmt,) = pql.parse(f"PREDICT {text} FOR EACH customers")
    assert str(stmt) == f"PREDICT {canonical} FOR EACH customers"
    assert pql.parse(str(stmt)) == (stmt,)


def test_the_formula_is_arithmetic_over_column_refs_and_the_table_is_its_first_columns():
    agg = _target("SUM(lines.quantity * lines.unit_price, 0, 90)")
    assert (agg.table, agg.column) == ("lines", None)
    assert agg.formula == ast.Arithmetic(op="*", left=ast.ColumnRef(table="lines", column="quantity"),
                                         right=ast.ColumnRef(table="lines", column="unit_price"))


def test_a_lone_column_stays_a_column_and_a_star_a_star():
    assert _target("SUM((lines.amount), 0, 9)") == _target("SUM(lines.amount, 0, 9)")
    plain = _target("SUM(lines.amount, 0, 9)")
    assert (plain.column, plain.formula) == ("amount", None)
    star = _target("COUNT(lines.*, 0, 9)")
    assert (star.column, star.formula) == (None, None)


def test_the_syntax_tree_shows_the_formula():
    shown = ast.dump(pql.parse("PREDICT SUM(lines.q * lines.p, 0, 9) FOR EACH customers")[0])
    assert "formula: Arithmetic" in shown and "left: ColumnRef(table='lines', column='q')" in shown


def test_a_define_may_hold_a_formula():
    (define,) = pql.parse("DEFINE spend AS SUM(lines.q * lines.p, 0, 30)")
    assert str(define) == "DEFINE spend AS SUM(lines.q * lines.p, 0, 30, days)"
