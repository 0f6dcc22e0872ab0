"""ALLOCATE's checks that need the data or the mode: COST column values before training, EVALUATE,
and a budget that nothing fits."""
from __future__ import annotations

import shutil

import duckdb
import pytest

import pql
from pql.errors import PQLBindError, PQLInputError

PLAIN = "PREDICT COUNT(purchase.*, 0, 30, days) > 0 FOR EACH customer ASSUMING COUNT(promo.*, 0, 7, days) > 0 "
HEURISTIC = " WITH model = 'heuristic'"


@pytest.fixture
def costs_db(promo_db, tmp_path):
    """The promotion database with cost columns: some negative, all zero, all null, some zero."""
    db = tmp_path / "costs.duckdb"
    shutil.copy(promo_db, db)
    con = duckdb.connect(str(db))
    for column in ("negative", "zero", "missing", "some_zero"):
        con.sql(f"alter table customer add column {column} double")
    con.sql("update customer set negative = case when customer_id % 3 = 0 then -5 else 2 end, zero = 0, "
            "some_zero = case when customer_id % 10 = 0 then 0 else 2 end")
    con.close()
    return db


def run(db, text, log=None):
    with pql.connect(str(db), log=log) as session:
        (statement,) = pql.parse(text)
        return session.execute(statement).run


@pytest.mark.parametrize("column,message", [
    ("negative", "a cost must not be negative, but customer.negative is negative in 50 of 150 rows (min -5)"),
    ("zero", "a cost must be positive, but customer.zero is 0 in every row, so the budget would limit nothing"),
    ("missing", "customer.missing is null in every row, so no entity has a cost and none can get an arm"),
])
def test_a_bad_cost_column_is_an_error_at_cost_before_anything_trains(costs_db, pql_home, column, message):
    text = PLAIN + f"ALLOCATE BUDGET 10 COST customer.{column}" + HEURISTIC
    logged: list[str] = []
    with pytest.raises(PQLBindError) as err:
        run(costs_db, text, log=logged.append)
    at = text.index(f"customer.{column}")
    assert err.value.message == message and err.value.span.start == at
    assert str(err.value).splitlines()[2].endswith(" " + "^" * len(f"customer.{column}"))  # a caret under it
    assert not (pql_home / "models").exists()  # checked before training, not after
    assert not any(line.startswith("training") for line in logged)


def test_a_bad_cost_column_in_a_script_stops_it_before_its_first_statement_trains(costs_db, pql_home):
    script = PLAIN + "ALLOCATE BUDGET 10" + HEURISTIC + ";\n" + PLAIN + "ALLOCATE BUDGET 10 COST customer.negative" \
        + HEURISTIC + ";"
    with pql.connect(str(costs_db)) as session, pytest.raises(PQLBindError) as err:
        session.run(script)
    assert err.value.span.line == 2
    assert not (pql_home / "models").exists()


def test_some_zero_costs_are_free_and_said_so(costs_db):
    result = run(costs_db, PLAIN + "ALLOCATE BUDGET 10 COST customer.some_zero" + HEURISTIC)
    assert ("15 entities have COST 0 (customer.some_zero): they are free, so each with a positive expected gain "
            "gets an arm outside the budget") in result.warnings
    plan = result.table.to_pylist()
    assert sum(row["cost"] == 0 for row in plan) == 15  # every free one (the uplift is positive for all)
    assert sum(row["cost"] for row in plan) <= 10


def test_a_per_arm_cost_must_be_positive_like_a_constant(promo_db):
    arms = ("PREDICT COUNT(purchase.*, 0, 30) > 0 FOR EACH customer ASSUMING FIRST(promo.channel, 0, 7) IN "
            "('email', 'sms') ")
    with pql.connect(str(promo_db)) as session, pytest.raises(PQLBindError) as err:
        session.bind(arms + "ALLOCATE BUDGET 10 COST (email: 0, sms: 1)")
    assert err.value.message == "a cost must be positive, not 0"


def test_a_budget_below_the_cheapest_cost_warns_that_nothing_can_be_allocated(promo_db):
    result = run(promo_db, PLAIN + "ALLOCATE BUDGET 10 COST 100" + HEURISTIC)
    assert result.table.num_rows == 0
    assert "budget 10 is below the cheapest cost (100): nothing can be allocated" in result.warnings
    assert "gap to LP bound n/a (nothing fits the budget)" in result.summary
    assert "100.00000%" not in result.summary


def test_evaluate_takes_no_allocate(promo_db):
    text = "EVALUATE " + PLAIN + "ALLOCATE BUDGET 5" + HEURISTIC
    with pql.connect(str(promo_db)) as session:
        with pytest.raises(PQLBindError) as err:
            session.bind(text)
        assert err.value.message == "EVALUATE reports the model's metrics and makes no plan, so it takes no ALLOCATE"
        assert err.value.span.start == text.index("ALLOCATE")
        with pytest.raises(PQLInputError, match="evaluate\\(\\) reports metrics and makes no plan; drop ALLOCATE"):
            session.evaluate(PLAIN + "ALLOCATE BUDGET 5" + HEURISTIC)


def test_a_treatment_every_training_row_got_is_an_error_at_assuming(promo_db):
    import pql
    from pql.errors import PQLBindError

    query = ("PREDICT COUNT(purchase.*, 0, 30) > 0 FOR EACH customer ASSUMING COUNT(promo.*, 0, 7) < 1000000 "
             "WITH model = 'lightgbm'")
    with pql.connect(str(promo_db)) as s, pytest.raises(PQLBindError) as e:
        s.predict(query)
    assert e.value.message.startswith("every training row is treated under ASSUMING")
    assert e.value.span.column == query.index("COUNT(promo") + 1
