"""Golden tests: bound-query output for representative queries (regenerate with PQL_UPDATE_GOLDEN=1)."""
import os
from pathlib import Path

import pytest

import pql
from pql.binder import bind, bind_script
from pql.bound import TaskType
from pql.bound_render import render_bound

GOLDEN = Path(__file__).parent.parent / "golden" / "bind"

CASES = {
    "binary_count": "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customers.customer_id",
    "plural_no_key": "PREDICT COUNT(order.*, 0, 30) = 0 FOR customer",
    "regression_two_hop": "PREDICT SUM(order_lines.qty, 0, 4, weeks) FOR EACH customers.customer_id",
    "where_filters": ("PREDICT AVG(orders.total WHERE orders.status = 'done', 0, 1, months) FOR EACH "
                      "customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0 AND customers.segment "
                      "IN ('a', 'b')"),
    "static_numeric": "PREDICT customers.age FOR customers.customer_id = 8",
    "static_bool": "PREDICT customers.vip FOR EACH customers.customer_id",
    "multiclass_first": "PREDICT FIRST(orders.status, 0, 7) FOR EACH customers.customer_id",
    "parent_attribute": "PREDICT FIRST(order_lines.product_id, 0, 7) FOR EACH customers",
    "ranking": "PREDICT LIST_DISTINCT(order_lines.product_id, 0, 30) RANK TOP 5 FOR EACH customers",
    "multilabel": "PREDICT LIST_DISTINCT(order_lines.product_id, 0, 30) CLASSIFY FOR EACH customers",
    "forecast": "PREDICT SUM(orders.total, 0, 7, days) FORECAST 4 TIMEFRAMES FOR customers.customer_id IN (1, 2)",
    "uplift": ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING COUNT(targeted.*, 0, 7) > 0 "
               "WITH model = 'lightgbm', seed = 3"),
    "template_total": "PREDICT total_total_90d FOR customer",
    "template_decline": "PREDICT decline_total_30d FOR customer",
    "growth": "PREDICT SUM(orders.total, 0, 30) < SUM(orders.total, -30, 0) FOR EACH customers",
    "template_next": "PREDICT next_product FOR customer USING customers, product, order_lines",
    "template_churn": "PREDICT churn_60d FOR customer USING customers, orders",
    "template_incremental": "PREDICT incremental_order FOR customer USING customers, orders, promotion",
    "ends_inf": "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE COUNT(orders.*, -INF, 0) > 2",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bound_golden(retail_db, name):
    (stmt,) = pql.parse(CASES[name])
    got = render_bound(bind(stmt, retail_db)) + "\n"
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("PQL_UPDATE_GOLDEN") or not path.exists():
        path.write_text(got)
    assert got == path.read_text()


@pytest.mark.parametrize("name,task", [
    ("binary_count", TaskType.BINARY), ("regression_two_hop", TaskType.REGRESSION),
    ("static_numeric", TaskType.REGRESSION), ("static_bool", TaskType.BINARY),
    ("multiclass_first", TaskType.MULTICLASS), ("ranking", TaskType.LINK_RANKING),
    ("multilabel", TaskType.MULTILABEL), ("forecast", TaskType.FORECASTING), ("uplift", TaskType.UPLIFT),
    ("template_next", TaskType.LINK_RANKING), ("template_churn", TaskType.BINARY),
    ("template_incremental", TaskType.UPLIFT), ("template_total", TaskType.REGRESSION),
    ("template_decline", TaskType.BINARY), ("growth", TaskType.BINARY),
])
def test_task_inference(retail_db, name, task):
    assert bind(pql.parse(CASES[name])[0], retail_db).task == task


def test_two_hop_path_and_inherited_time(retail_db):
    bq = bind(pql.parse(CASES["regression_two_hop"])[0], retail_db)
    agg = bq.target
    assert [fk.name for fk in agg.path] == ["order_lines.order_id->orders", "orders.customer_id->customers"]
    assert agg.time_column == "created_at"  # inherited from orders


def test_define_then_use(retail_db):
    stmts = pql.parse("DEFINE big_spender AS SUM(orders.total, 0, 30) > 100; "
                      "PREDICT big_spender FOR EACH customers")
    (bq,) = bind_script(stmts, retail_db)
    assert bq.task == TaskType.BINARY
    assert bq.expansion == "SUM(orders.total, 0, 30, days) > 100"


def test_using_adds_what_the_target_needs(retail_db):
    bq = bind(pql.parse("PREDICT SUM(order_lines.qty, 0, 30) FOR customers USING customers")[0], retail_db)
    assert bq.using == ("customers", "order_lines", "orders")
    assert any("graph also uses 'orders'" in n for n in bq.notes)


def test_self_referencing_links_prefer_plain_key(retail_db):
    # referral has two keys to customers (referrer_id, referred_id): neither is named after the table,
    # so counting referrals per customer is ambiguous and must say so.
    with pytest.raises(pql.PQLError, match="reaches 'customers' in 2 ways"):
        bind(pql.parse("PREDICT COUNT(referral.*, 0, 30) FOR EACH customers")[0], retail_db)


def test_categorical_treatment_arms(retail_db):
    bq = bind(pql.parse("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers "
                        "ASSUMING FIRST(targeted.channel, 0, 7) IN ('email', 'sms')")[0], retail_db)
    assert bq.treatment_arms == ("email", "sms")
