"""An aggregation's formula reads numeric columns of the aggregated table only; errors point at the column."""
from __future__ import annotations

import pytest

import pql
from engine.schema.model import SemanticType
from pql.binder import bind
from pql.bound import BAggregation, BArith, BColumn, BLiteral, TaskType
from pql.bound_render import expr_text
from pql.errors import PQLError


def _bind(retail_db, text: str):
    return bind(pql.parse(text)[0], retail_db)


@pytest.mark.parametrize("func", ["SUM", "AVG", "MIN", "MAX", "FIRST", "LAST", "COUNT"])
def test_a_formula_binds_to_columns_of_the_aggregated_table(retail_db, func):
    bq = _bind(retail_db, f"PREDICT {func}(order_lines.qty * order_lines.price, 0, 30) FOR EACH customers")
    agg = bq.target
    assert isinstance(agg, BAggregation) and agg.table == "order_lines" and agg.column is None
    assert agg.formula == BArith(op="*", left=BColumn(table="order_lines", column="qty", stype=agg.formula.left.stype,
                                                      dtype="INTEGER"),
                                 right=BColumn(table="order_lines", column="price", stype=agg.formula.right.stype,
                                               dtype="DOUBLE"))
    assert agg.formula.left.path == () and not agg.reads_rows
    assert agg.result_stype == SemanticType.NUMERICAL and bq.task == TaskType.REGRESSION
    assert expr_text(agg) == f"{func}(order_lines.qty * order_lines.price, 0, 30, days)"


def test_a_negation_and_numbers_in_a_formula(retail_db):
    agg = _bind(retail_db, "PREDICT SUM(-(order_lines.qty - 1) * 2.5, 0, 30) FOR EACH customers").target
    assert isinstance(agg.formula.left, BArith) and agg.formula.left.left == BLiteral(value=0, kind="number")
    assert expr_text(agg) == "SUM(-(order_lines.qty - 1) * 2.5, 0, 30, days)"


def test_a_formula_in_a_condition_and_in_the_entity_where(retail_db):
    bq = _bind(retail_db, "PREDICT SUM(order_lines.qty * order_lines.price, 0, 30) > 10 FOR EACH customers "
                          "WHERE AVG(order_lines.qty * order_lines.price, -90, 0) > 1")
    assert bq.task == TaskType.BINARY and bq.where.left.formula is not None
    assert "target:     SUM(order_lines.qty * order_lines.price, 0, 30, days) > 10" in str(bq)


@pytest.mark.parametrize("text, message, caret, hint", [
    ("PREDICT SUM(order_lines.qty * order_lines.prise, 0, 30) FOR EACH customers",
     "table 'order_lines' has no column 'prise'; did you mean 'price'?", "prise", None),
    ("PREDICT SUM(order_lines.qty * orders.total, 0, 30) FOR EACH customers",
     "an aggregation's formula reads one table's columns: order_lines.qty and orders.total", "orders.total",
     "aggregate each table on its own"),
    ("PREDICT SUM(orders.total * orders.status, 0, 30) FOR EACH customers",
     "an aggregation's formula needs numeric columns, but 'orders.status' is categorical (VARCHAR)",
     "orders.status", None),
    ("PREDICT SUM(order_lines.qty * order_lines.product_id, 0, 30) FOR EACH customers",
     "an aggregation's formula needs numeric columns, but 'order_lines.product_id' is an identifier",
     "order_lines.product_id", None),
    ("PREDICT COUNT_DISTINCT(order_lines.qty * order_lines.price, 0, 30) FOR EACH customers",
     "COUNT_DISTINCT reads one column, not a formula", "COUNT_DISTINCT", "SUM, AVG, MIN, MAX, FIRST, LAST take a formula"),
    ("PREDICT LIST_DISTINCT(order_lines.qty * 2, 0, 30) RANK TOP 3 FOR EACH customers",
     "LIST_DISTINCT reads one column, not a formula", "LIST_DISTINCT", None),
    ("PREDICT SUM(order_lines.qty / 0, 0, 30) FOR EACH customers", "division by 0", "0, 0", None),
    ("PREDICT SUM(order_lines.qty * order_lines.price) FOR EACH customers", "needs a time window", "SUM",
     "e.g. SUM(order_lines.qty * order_lines.price, 0, 30, days)"),
])
def test_errors_point_at_the_formula(retail_db, text, message, caret, hint):
    with pytest.raises(PQLError) as info:
        _bind(retail_db, text)
    error = getattr(info.value, "errors", [info.value])[0]
    assert message in str(error)
    assert text[error.span.start:].startswith(caret)
    if hint is not None:
        assert hint in error.hint


def test_every_bad_column_of_a_formula_is_reported_at_once(retail_db):
    with pytest.raises(PQLError) as info:
        _bind(retail_db, "PREDICT SUM(order_lines.qtty * order_lines.prise, 0, 30) FOR EACH customers")
    assert "'qtty'" in str(info.value) and "'prise'" in str(info.value)


def test_a_formula_in_a_define_is_checked_when_defined(retail_db):
    from pql.binder.statement import Defines, check_define

    (define,) = pql.parse("DEFINE spend AS SUM(order_lines.qty * order_lines.prise, 0, 30)")
    with pytest.raises(PQLError, match="did you mean 'price'"):
        check_define(define, retail_db, Defines())


@pytest.mark.parametrize("text, says, never", [
    # product has no time column: SUM(product.price, …) would not bind, so it is not suggested
    ("PREDICT SUM(order_lines.qty * product.price, 0, 30) FOR EACH customers",
     ["'product' has no time column", "WHERE", "view joining 'order_lines' and 'product'"], "SUM(product.price"),
    # a key is no amount: SUM(targeted.id, …) would not bind either
    ("PREDICT SUM(orders.total * targeted.id, 0, 30) FOR EACH customers",
     ["targeted.id is an identifier", "view joining 'orders' and 'targeted'"], "SUM(targeted.id"),
    ("PREDICT SUM(order_lines.qty * orders.total, 0, 30) FOR EACH customers",
     ["aggregate each table on its own", "SUM(orders.total, …)"], "view"),
])
def test_a_two_table_formula_suggests_only_what_binds(retail_db, text, says, never):
    with pytest.raises(PQLError) as info:
        _bind(retail_db, text)
    hint = getattr(info.value, "errors", [info.value])[0].hint
    assert all(s in hint for s in says) and never not in hint
