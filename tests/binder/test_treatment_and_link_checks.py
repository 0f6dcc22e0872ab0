"""Queries that bound but meant nothing: a treatment after the outcome, a fixed attribute as a treatment,
FORECAST with ASSUMING, the entity's own link or table aggregated, an identifier as COST."""
import pytest

import pql
from pql.binder import bind
from pql.bound import TaskType
from tests.binder.first_error import first_bind_error

CASES = [  # (query, message start, the text the caret underlines)
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING COUNT(targeted.*, 0, 60) > 0",
     "the treatment window ends at 60 days, after the outcome window (which ends at 30 days)", ", 0, 60"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING COUNT(targeted.*, 0, 2, months) > 0",
     "the treatment window ends at 2 months, after the outcome window", ", 0, 2, months"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING customers.tier = 2",
     "ASSUMING reads a fixed attribute ('customers.tier')", "customers.tier = 2"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING tier.name = 'gold'",
     "ASSUMING reads a fixed attribute ('tier.name')", "tier.name = 'gold'"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING customers.age > 30",
     "ASSUMING reads a fixed attribute ('customers.age')", "customers.age > 30"),
    ("PREDICT SUM(orders.total, 0, 7) FORECAST 4 TIMEFRAMES FOR EACH customers ASSUMING COUNT(targeted.*, 0, 7) > 0",
     "ASSUMING (uplift) needs a yes/no or numeric target, not a forecasting target", "SUM(orders.total, 0, 7)"),
    ("PREDICT MAX(orders.customer_id, 0, 30) FOR EACH customers",
     "'orders.customer_id' links each row to its customers, so its value is the customers itself",
     "MAX(orders.customer_id, 0, 30)"),
    ("PREDICT COUNT_DISTINCT(targeted.customer_id, 0, 30) FOR EACH customers",
     "'targeted.customer_id' links each row to its customers", "COUNT_DISTINCT(targeted.customer_id, 0, 30)"),
    ("PREDICT SUM(orders.total, 0, 30) FOR EACH orders",
     "'orders' is the entity itself: an aggregation reads the rows linked to each orders",
     "SUM(orders.total, 0, 30)"),
    ("PREDICT COUNT(customers.*, 0, 30) FOR EACH customers",
     "'customers' is the entity itself", "COUNT(customers.*, 0, 30)"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING COUNT(targeted.*, 0, 7) > 0 "
     "ALLOCATE BUDGET 10 COST customers.tier", "'customers.tier' is an identifier; as COST it means nothing", "tier"),
    ("PREDICT COUNT(orders.* WHERE targeted.channel = 'x', 0, 30) FOR EACH customers",
     "column 'targeted.channel' is not a value of the aggregated table 'orders': ", "targeted.channel"),
]


@pytest.mark.parametrize("query,message,underlined", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_refused_where_written(retail_db, query, message, underlined):
    first = first_bind_error(query, retail_db)
    assert first.message.startswith(message), first.message
    assert first.hint
    assert query[first.span.start:first.span.end] == underlined


@pytest.mark.parametrize("query,task", [
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING COUNT(targeted.*, 0, 30) > 0", TaskType.UPLIFT),
    ("PREDICT COUNT(orders.*, 0, 1, months) > 0 FOR EACH customers ASSUMING COUNT(targeted.*, 0, 31) > 0",
     TaskType.UPLIFT),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers "
     "ASSUMING COUNT(targeted.*, 0, 7) > 0 AND customers.vip", TaskType.UPLIFT),
    ("PREDICT FIRST(order_lines.product_id, 0, 30) FOR EACH customers", TaskType.MULTICLASS),
    ("PREDICT COUNT_DISTINCT(order_lines.order_id, 0, 30) FOR EACH customers", TaskType.REGRESSION),
    ("PREDICT COUNT(order_lines.*, 0, 30) > 0 FOR EACH orders", TaskType.BINARY),
])
def test_still_bound(retail_db, query, task):
    assert bind(pql.parse(query)[0], retail_db).task == task
