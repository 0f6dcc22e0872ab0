"""Arithmetic in targets: ``SUM(x, 0, 30) / COUNT(x.*, 0, 30)`` (average order value) and
``SUM(x, 0, 30) < 0.5 * SUM(x, -30, 0)`` (spend halves). A division by zero is missing: the row drops."""
from __future__ import annotations

from datetime import datetime

import pytest

import pql
from engine.labels import AnchorSchedule, training_table
from engine.train.heuristic.past import shifted
from pql import ast
from pql.bound import BArith, TaskType, iter_aggregations
from tests.labels.builders import A, SHOP, agg, cmp, lit, query, shop_connection


def _labels(target, task=TaskType.REGRESSION):
    tt = training_table(shop_connection(), SHOP, query(target, task=task),
                        schedule=AnchorSchedule(train=(A,), prediction_time=datetime(2024, 3, 1)))
    return {r["customer_id"]: r["label"] for r in tt.split("train").to_pylist()}


def test_labels_compute_the_arithmetic():
    spend, orders = agg("SUM", "orders", "amount", 0, 10), agg("COUNT", "orders", None, 0, 10)
    past = agg("SUM", "orders", "amount", -30, 0)
    # customer 1: 18 over 2 orders; customers 2 and 4 have no order in the window: 0 / 0 drops the row
    assert _labels(BArith(op="/", left=spend, right=orders)) == {1: 9.0}
    assert _labels(BArith(op="-", left=spend, right=past)) == {1: 13.0, 2: -4.0, 4: 0.0}
    halves = cmp("<", spend, BArith(op="*", left=lit(0.5), right=past))
    assert _labels(halves, TaskType.BINARY) == {1: False, 2: True, 4: False}


def test_the_target_history_moves_through_arithmetic():
    ratio = BArith(op="/", left=agg("SUM", "orders", "amount", 0, 10), right=agg("COUNT", "orders", None, 0, 10))
    assert [(a.window.start, a.window.end) for a in iter_aggregations(shifted(ratio, 1))] == [(-10, 0), (-10, 0)]


@pytest.mark.parametrize("text, canonical", [
    ("PREDICT a.x - b.y - c.z FOR EACH t", "PREDICT a.x - b.y - c.z FOR EACH t"),
    ("PREDICT a.x - (b.y - c.z) FOR EACH t", "PREDICT a.x - (b.y - c.z) FOR EACH t"),
    ("PREDICT (a.x + b.y) * 2 > 3 FOR EACH t", "PREDICT (a.x + b.y) * 2 > 3 FOR EACH t"),
    ("PREDICT a.x + b.y * 2 FOR EACH t", "PREDICT a.x + b.y * 2 FOR EACH t"),
    ("PREDICT a.x -1 FOR EACH t", "PREDICT a.x - 1 FOR EACH t"),
    ("PREDICT -a.x FOR EACH t", "PREDICT -a.x FOR EACH t"),
    ("PREDICT a.x * - b.y FOR EACH t", "PREDICT a.x * -b.y FOR EACH t"),
    ("PREDICT a.x - -b.y FOR EACH t", "PREDICT a.x - -b.y FOR EACH t"),
    ("PREDICT -(a.x + b.y) < -3 FOR EACH t", "PREDICT -(a.x + b.y) < -3 FOR EACH t"),
    ("PREDICT -SUM(a.x, 0, 30) FOR EACH t", "PREDICT -SUM(a.x, 0, 30, days) FOR EACH t"),
    ("PREDICT -(-3) < a.x FOR EACH t", "PREDICT 3 < a.x FOR EACH t"),
    ("PREDICT - (3) < a.x FOR EACH t", "PREDICT -3 < a.x FOR EACH t"),
    ("PREDICT -(-a.x) FOR EACH t", "PREDICT -(-a.x) FOR EACH t"),
])
def test_precedence_and_round_trip(text, canonical):
    (stmt,) = pql.parse(text)
    assert str(stmt) == canonical and pql.parse(str(stmt)) == (stmt,)
    assert isinstance(stmt.target, (ast.Arithmetic, ast.Negation, ast.Comparison))


def test_a_negation_labels_the_negated_value():
    (stmt,) = pql.parse("PREDICT -SUM(orders.amount, 0, 10) FOR EACH customers")
    assert isinstance(stmt.target, ast.Negation)
    negated = BArith(op="-", left=lit(0), right=agg("SUM", "orders", "amount", 0, 10))  # how `-x` binds
    assert _labels(negated) == {k: -v for k, v in _labels(agg("SUM", "orders", "amount", 0, 10)).items()}
