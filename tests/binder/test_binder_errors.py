"""Golden binder errors: exact text, caret and did-you-mean."""
import pytest

import pql
from pql.binder import bind, bind_script
from pql.errors import PQLBindError, PQLErrorGroup

CASES = [
    ("PREDICT COUNT(order.*, 0, 30) > 0 FOR EACH custmers",
     "line 1, column 44: unknown table 'custmers'; did you mean 'customers'?\n"
     "  PREDICT COUNT(order.*, 0, 30) > 0 FOR EACH custmers\n"
     "                                             ^^^^^^^^"),
    ("PREDICT SUM(orders.totl, 0, 30) FOR EACH customers",
     "line 1, column 20: table 'orders' has no column 'totl'; did you mean 'total'?\n"
     "  PREDICT SUM(orders.totl, 0, 30) FOR EACH customers\n"
     "                     ^^^^"),
    ("PREDICT SUM(orders.status, 0, 30) FOR EACH customers",
     "line 1, column 9: SUM needs a numeric column, but 'orders.status' is categorical (VARCHAR)\n"
     "  PREDICT SUM(orders.status, 0, 30) FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^^^^^\n"
     "  hint: COUNT, COUNT_DISTINCT, FIRST, LAST or LIST_DISTINCT work on any column"),
    ("PREDICT COUNT(orders.*, -30, 0) > 0 FOR EACH customers",
     "line 1, column 9: every window of the target ends at or before the anchor, so its value is known when "
     "predicting: there is nothing to predict\n"
     "  PREDICT COUNT(orders.*, -30, 0) > 0 FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
     "  hint: a target needs a window after the anchor, e.g. SUM(…, 0, 30) > SUM(…, -30, 0); past windows alone "
     "belong in the entity WHERE clause"),
    ("PREDICT COUNT(orders.*, -INF, 30) > 0 FOR EACH customers",
     "line 1, column 23: a target window looks forward: its start must be 0 or later, not -INF\n"
     "  PREDICT COUNT(orders.*, -INF, 30) > 0 FOR EACH customers\n"
     "                        ^^^^^^^^^^\n"
     "  hint: past windows belong in the entity WHERE clause; a target may compare the future with a finite "
     "past window, e.g. COUNT(…, 0, 30) > COUNT(…, -30, 0)"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE COUNT(orders.*, 0, 10) > 0",
     "line 1, column 75: a WHERE window looks back: its end must be 0 or earlier, not 10\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WHERE COUNT(orders.*, 0, 10) > 0\n"
     "                                                                            ^^^^^^^\n"
     "  hint: future windows belong in the target or ASSUMING"),
    ("PREDICT COUNT(product.*, 0, 30) FOR EACH customers",
     "2 errors:\n"
     "line 1, column 9: cannot aggregate 'product' over time: it has no time column\n"
     "  PREDICT COUNT(product.*, 0, 30) FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^^^\n"
     "  hint: set one with a schema override: WITH schema = 'time product = <column>'\n"
     "line 1, column 9: table 'product' is not linked to the entity 'customers' through foreign keys\n"
     "  PREDICT COUNT(product.*, 0, 30) FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^^^\n"
     "  hint: aggregate a table that references 'customers' (directly or via its parents); "
     "`pql schema` shows the links"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH notes",
     "line 1, column 45: the entity table 'notes' has no primary key, so its rows cannot be told apart\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH notes\n"
     "                                              ^^^^^\n"
     "  hint: declare one, or override it: WITH schema = 'pk notes = <column>'; to predict per value of one "
     "of its columns, derive an entity table: WITH schema = 'entity <name> = notes.<column>'"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH notes.body",
     "line 1, column 45: the entity table 'notes' has no primary key, so its rows cannot be told apart\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH notes.body\n"
     "                                              ^^^^^\n"
     "  hint: to predict per body, derive an entity table from its values: WITH schema = 'entity body = "
     "notes.body', then FOR EACH body"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers.segment",
     "line 1, column 55: 'customers.segment' is not the primary key of 'customers' (customer_id)\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers.segment\n"
     "                                                        ^^^^^^^\n"
     "  hint: write FOR EACH customers.customer_id, or to predict per segment, derive an entity table from its "
     "values: WITH schema = 'entity segment = customers.segment', then FOR EACH segment"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH orders.customer_id",
     "line 1, column 52: 'orders.customer_id' is not the primary key of 'orders' (order_id)\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH orders.customer_id\n"
     "                                                     ^^^^^^^^^^^\n"
     "  hint: 'orders.customer_id' links to 'customers': write FOR EACH customers"),
    ("PREDICT SUM(orders.total, 0, 30) RANK TOP 5 FOR EACH customers",
     "line 1, column 9: RANK TOP k ranks items: it needs a LIST_DISTINCT(<table>.<foreign key>, …) target\n"
     "  PREDICT SUM(orders.total, 0, 30) RANK TOP 5 FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^^^^"),
    ("PREDICT LIST_DISTINCT(order_lines.product_id, 0, 30) FOR EACH customers",
     "line 1, column 9: LIST_DISTINCT of a foreign key predicts which items: add RANK TOP k (a ranking) or "
     "CLASSIFY (one yes/no per item)\n"
     "  PREDICT LIST_DISTINCT(order_lines.product_id, 0, 30) FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"),
    ("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH modle = 'gnn', epochs = 0",
     "2 errors:\n"
     "line 1, column 60: unknown option 'modle'; did you mean 'model'?\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH modle = 'gnn', epochs = 0\n"
     "                                                             ^^^^^^^^^^^^^\n"
     "line 1, column 75: option 'epochs' must be between 1 and 10000\n"
     "  PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH modle = 'gnn', epochs = 0\n"
     "                                                                            ^^^^^^^^^^"),
    ("PREDICT churn_90x FOR customers",
     "line 1, column 9: churn template: unknown unit 'x' (use h, d, w, m or y, or a word such as days, e.g. churn_90d)\n"
     "  PREDICT churn_90x FOR customers\n"
     "          ^^^^^^^^^\n"
     "  hint: write the target in plain PQL, or DEFINE it"),
    ("PREDICT churn_0d FOR customers",  # one error, not one per window of the expansion
     "line 1, column 9: churn_0d: a template's window must be at least 1 (e.g. churn_90d)\n"
     "  PREDICT churn_0d FOR customers\n"
     "          ^^^^^^^^\n"
     "  hint: write the target in plain PQL, or DEFINE it"),
    ("PREDICT next_tier FOR customers",
     "line 1, column 9: next_tier: no timed table links 'customers' to 'tier'\n"
     "  PREDICT next_tier FOR customers\n"
     "          ^^^^^^^^^\n"
     "  hint: write the target in plain PQL, or DEFINE it"),
    ("PREDICT big_spendr FOR customers",
     "line 1, column 9: unknown target name 'big_spendr'; did you mean 'big_spender'?\n"
     "  PREDICT big_spendr FOR customers\n"
     "          ^^^^^^^^^^\n"
     "  hint: named targets are DEFINEd names or templates: total_<measure>_<N><h|d|w|m|y>, "
     "decline_<measure>_<N><h|d|w|m|y>, next_<table>, churn_<N><unit>, incremental_<event>"),
    ("PREDICT COUNT(orders.* WHERE COUNT(order_lines.*, 0, 1) > 0, 0, 30) FOR EACH customers",
     "line 1, column 30: an aggregation's WHERE cannot contain another aggregation\n"
     "  PREDICT COUNT(orders.* WHERE COUNT(order_lines.*, 0, 1) > 0, 0, 30) FOR EACH customers\n"
     "                               ^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
     "  hint: filter on the aggregated table's own columns"),
    ("PREDICT customers.customer_id FOR EACH customers",
     "line 1, column 9: 'customers.customer_id' is an identifier; predicting it makes no sense\n"
     "  PREDICT customers.customer_id FOR EACH customers\n"
     "          ^^^^^^^^^^^^^^^^^^^^^\n"
     "  hint: predict an attribute, an aggregation or a condition instead"),
]


@pytest.mark.parametrize("query,expected", CASES, ids=[f"error{i}" for i in range(len(CASES))])
def test_binder_error_text(retail_db, query, expected):
    stmts = pql.parse("DEFINE big_spender AS SUM(orders.total, 0, 30) > 100;\n" + query)
    # the DEFINE shifts the query to line 2; report against the statement's own text
    with pytest.raises(pql.PQLError) as info:
        bind_script(stmts, retail_db)
    assert isinstance(info.value, (PQLBindError, PQLErrorGroup))
    assert isinstance(info.value, ValueError)
    assert str(info.value) == expected.replace("line 1,", "line 2,")


def test_all_errors_reported_together(retail_db):
    with pytest.raises(PQLErrorGroup) as info:
        bind(pql.parse("PREDICT SUM(ordrs.total, 0, 30) FOR EACH custmers")[0], retail_db)
    messages = [e.message for e in info.value.errors]
    assert messages == ["unknown table 'ordrs'; did you mean 'orders'?",
                        "unknown table 'custmers'; did you mean 'customers'?"]
