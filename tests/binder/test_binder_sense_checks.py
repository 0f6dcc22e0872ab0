"""Queries DuckDB would reject late (or run to no purpose) are refused by the binder, at the right place."""
import pytest

import pql
from pql.binder import bind, bind_script
from pql.bound import TaskType
from pql.errors import PQLBindError
from tests.binder.first_error import first_bind_error

CASES = [  # (query, message start, the text the caret underlines)
    ("PREDICT COUNT(targeted.* WHERE targeted.channel > 5, 0, 30) > 0 FOR EACH customers",
     "cannot compare the text column 'targeted.channel' with a number", "5"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.age LIKE 'x%'",
     "LIKE matches text, but 'customers.age' is a number", "customers.age LIKE 'x%'"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.signup > 5",
     "cannot compare 'customers.signup' (timestamp) with 5 (number)", "customers.signup > 5"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR customers.customer_id = 'abc'",
     "customers.customer_id is INTEGER, so 'abc' is not one of its keys", "'abc'"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR customers.customer_id IN (1, 2.5)",
     "customers.customer_id holds whole numbers, so 2.5 is not one of its keys", "2.5"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR customers.customer_id = NULL", "NULL is never a key", "NULL"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.segment = NULL",
     "nothing equals NULL, not even NULL", "NULL"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.age",
     "WHERE needs a condition, but 'customers.age' is a number", "customers.age"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 AND SUM(orders.total, 0, 30) FOR EACH customers",
     "AND needs a condition, but SUM(orders.total) is a number", "SUM(orders.total, 0, 30)"),
    ("PREDICT NOT COUNT(orders.*, 0, 30) FOR EACH customers",
     "NOT needs a condition, but COUNT(orders.*) is a number", "COUNT(orders.*, 0, 30)"),
    ("PREDICT 1 > 0 FOR EACH customers", "the target reads no column or aggregation", "1 > 0"),
    ("PREDICT LAST(orders.created_at, 0, 30) FOR EACH customers", "pql does not predict timestamps",
     "LAST(orders.created_at, 0, 30)"),
    ("PREDICT SUM(orders.total, 0, 30) CLASSIFY FOR EACH customers", "CLASSIFY turns a LIST_DISTINCT target",
     "SUM(orders.total, 0, 30)"),
    ("PREDICT SUM(order_lines.product_id, 0, 30) FOR EACH customers",
     "'order_lines.product_id' is an identifier; its SUM means nothing", "SUM(order_lines.product_id, 0, 30)"),
    ("PREDICT COUNT(orders.*, 0, 99999999999) > 0 FOR EACH customers",
     "a window may reach at most 100 years from the anchor", ", 0, 99999999999"),
    ("PREDICT SUM(orders.total, 0, 30) FORECAST 100000 TIMEFRAMES FOR EACH customers",
     "100000 timeframes reach 8,214 years ahead", "SUM(orders.total, 0, 30)"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH model = lightgbm, model = gnn",
     "option 'model' is given twice", "model = gnn"),
    ("EVALUATE PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers INTO ev",
     "EVALUATE reports metrics and writes no predictions", "INTO"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers USING customers, ordrs",
     "unknown table 'ordrs'; did you mean 'orders'?", "ordrs"),
    ("PREDICT churn_0d FOR customers", "churn_0d: a template's window must be at least 1", "churn_0d"),
]


@pytest.mark.parametrize("query,message,underlined", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_refused_where_written(retail_db, query, message, underlined):
    first = first_bind_error(query, retail_db)
    assert first.message.startswith(message), first.message
    assert query[first.span.start:first.span.end] == underlined


def test_a_word_compared_with_a_link_column_points_at_the_linked_tables_text(retail_db):
    query = "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.tier = 'gold'"
    with pytest.raises(PQLBindError) as info:
        bind(pql.parse(query)[0], retail_db)
    assert info.value.message == "cannot compare a number with the string 'gold'"
    assert info.value.hint == ("customers.tier links to tier; compare a text column of tier instead, "
                                 "e.g. tier.name = 'gold'")
    bind(pql.parse(query.replace("customers.tier", "tier.name"))[0], retail_db)  # and the hint's query binds


def test_a_define_of_a_define_is_a_clean_error(retail_db):
    stmts = pql.parse("DEFINE a AS COUNT(orders.*, 0, 30) > 0; DEFINE b AS a; PREDICT b FOR EACH customers")
    with pytest.raises(PQLBindError, match="'b' is defined as another name, 'a'"):
        bind_script(stmts, retail_db)


def test_first_of_a_boolean_is_binary(retail_db):
    bq = bind(pql.parse("PREDICT FIRST(customers.vip, 0, 30) FOR EACH tier")[0], retail_db)
    assert bq.task == TaskType.BINARY


def test_still_accepted(retail_db):
    for query in ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.vip",
                  "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.signup > '2020-01-05'",
                  "PREDICT COUNT(orders.* WHERE orders.status = 'open', 0, 30) > 0 FOR customers.customer_id IN (1, 2)",
                  "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE customers.segment IS NOT NULL"):
        bind(pql.parse(query)[0], retail_db)


def test_table_id_suggests_the_key(retail_db):
    with pytest.raises(PQLBindError, match=r"has no column 'tier_id'; did you mean 'id' \(the key of 'tier'\)\?"):
        bind(pql.parse("PREDICT COUNT(customers.*, 0, 30) > 0 FOR EACH tier.tier_id")[0], retail_db)


def test_template_table_typos_get_a_suggestion(retail_db):
    with pytest.raises(PQLBindError, match=r"next_prodct: no table 'prodct'; did you mean 'product'\?"):
        bind(pql.parse("PREDICT next_prodct FOR customers")[0], retail_db)


def test_a_define_is_checked_when_written(retail_db):
    with pytest.raises(PQLBindError, match="unknown table 'ordrs'; did you mean 'orders'"):
        bind_script(pql.parse("DEFINE a AS COUNT(ordrs.*, 0, 30) > 0"), retail_db)


def test_redefining_and_shadowing_a_template_are_noted(retail_db):
    from pql.binder import Defines, check_define

    defines = Defines()
    first, second = pql.parse("DEFINE churn_30d AS COUNT(orders.*, 0, 30) = 0; DEFINE churn_30d AS COUNT(orders.*, 0, 9) = 0")
    assert check_define(first, retail_db, defines) == ("'churn_30d' hides the built-in template of that name",)
    defines.add(first)
    assert check_define(second, retail_db, defines)[0].startswith("'churn_30d' was defined as COUNT(orders.*, 0, 30")


def test_a_treatment_counted_from_the_outcome_table_is_noted(retail_db):
    bq = bind(pql.parse("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers "
                        "ASSUMING COUNT(orders.*, 0, 7) > 0")[0], retail_db)
    assert any("both count rows of orders" in n for n in bq.notes)


def test_an_unknown_table_named_like_a_key_column_hints_at_deriving_the_entity(retail_db):
    with pytest.raises(PQLBindError) as e:
        bind(pql.parse("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH line")[0], retail_db)
    assert e.value.message == "unknown table 'line'"
    assert e.value.hint == ("to predict per line_id, derive the entity table from its values: "
                            "WITH schema = 'entity line = order_lines.line_id'")
