"""PREDICT … ASSUMING … ALLOCATE end to end on the tiny promotion database (heuristic uplift model)."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

import pql
from pql.cli import main

ARMS = "PREDICT COUNT(purchase.*, 0, 30, days) > 0 FOR EACH customer ASSUMING FIRST(promo.channel, 0, 7, days) IN ('email', 'sms') "
PLAIN = "PREDICT COUNT(purchase.*, 0, 30, days) > 0 FOR EACH customer ASSUMING COUNT(promo.*, 0, 7, days) > 0 "
HEURISTIC = " WITH model = 'heuristic'"


def run(db, text):
    with pql.connect(str(db)) as session:
        (statement,) = pql.parse(text)
        return session.execute(statement).run


def margins(db) -> dict[int, float]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.sql("select customer_id, margin from customer").fetchall())
    finally:
        con.close()


def test_per_arm_costs_values_and_capacity(promo_db):
    result = run(promo_db, ARMS + "ALLOCATE BUDGET 30 COST (email: 1, sms: 0.5) VALUE customer.margin "
                 "CAPACITY email 10" + HEURISTIC)
    plan = result.table
    assert plan.column_names == ["customer_id", "arm", "expected_incremental_value", "cost", "net_value"]
    assert result.allocation is not None and result.allocation.assignment is plan
    summary = result.allocation.result.summary
    assert summary.total_cost <= 30 + 1e-9 and summary.status == "optimal" and summary.gap < 1e-6
    arms = plan.column("arm").to_pylist()
    assert arms.count("email") <= 10
    # value = predicted uplift of the chosen arm × the entity's margin; cost from the per-arm map
    uplift = {(row["customer_id"], arm): row[f"uplift_{arm}"] for row in result.predictions.to_pylist()
              for arm in ("email", "sms")}
    margin = margins(promo_db)
    for row in plan.to_pylist():
        assert row["expected_incremental_value"] == pytest.approx(uplift[row["customer_id"], row["arm"]]
                                                                  * margin[row["customer_id"]])
        assert row["cost"] == {"email": 1.0, "sms": 0.5}[row["arm"]]
        assert row["net_value"] == pytest.approx(row["expected_incremental_value"] - row["cost"])
    assert len(set(plan.column("customer_id").to_pylist())) == plan.num_rows  # MAX 1 PER entity by default
    baselines = {b.name: b for b in result.allocation.result.baselines}
    assert summary.net_value >= baselines["random"].net_value
    assert "allocation of 150 entities × 2 arms, budget 30.00" in result.summary
    assert "objective: expected incremental value minus cost" in result.summary


def test_without_value_the_budget_counts_treated_entities(promo_db):
    result = run(promo_db, PLAIN + "ALLOCATE BUDGET 20" + HEURISTIC)
    uplift = np.array(result.predictions.column("uplift").to_pylist())
    assert (uplift > 0).all()  # treatment helps on average, and the baseline's uplift is a constant
    plan = result.table
    assert plan.num_rows == 20 and set(plan.column("arm").to_pylist()) == {"treated"}
    assert plan.column("cost").to_pylist() == [1.0] * 20
    # cost only limits: the objective is the incremental outcome itself, not outcome minus cost
    assert plan.column("net_value").to_pylist() == plan.column("expected_incremental_value").to_pylist()
    assert "no VALUE, so cost only limits the budget" in result.summary


def test_cost_column_nets_against_value(promo_db):
    result = run(promo_db, PLAIN + "ALLOCATE BUDGET 1000 COST customer.contact_cost VALUE 10" + HEURISTIC)
    uplift = dict(zip(result.predictions.column("customer_id").to_pylist(),
                      result.predictions.column("uplift").to_pylist()))
    con = duckdb.connect(str(promo_db), read_only=True)
    cost = dict(con.sql("select customer_id, contact_cost from customer").fetchall())
    con.close()
    worth = {c for c in uplift if 10 * uplift[c] > cost[c]}  # the budget never binds: take every gain
    assert set(result.table.column("customer_id").to_pylist()) == worth
    assert 0 < len(worth) < len(uplift)


def test_changing_the_budget_reuses_the_model(promo_db):
    first = run(promo_db, PLAIN + "ALLOCATE BUDGET 5" + HEURISTIC)
    second = run(promo_db, PLAIN + "ALLOCATE BUDGET 7" + HEURISTIC)
    assert second.reused and second.fingerprint == first.fingerprint
    assert (first.table.num_rows, second.table.num_rows) == (5, 7)


def test_into_writes_the_assignment(promo_db, tmp_path):
    import shutil

    db = tmp_path / "promo.duckdb"
    shutil.copy(promo_db, db)
    result = run(db, PLAIN + "ALLOCATE BUDGET 12" + HEURISTIC + " INTO promo_plan")
    con = duckdb.connect(str(db), read_only=True)
    try:
        written = con.sql("select * from promo_plan order by customer_id").to_arrow_table()
    finally:
        con.close()
    assert written.column_names == result.table.column_names and written.num_rows == 12


def test_cli_prints_the_allocation_summary(promo_db):
    out = CliRunner().invoke(main, ["query", PLAIN + "ALLOCATE BUDGET 5 VALUE 40" + HEURISTIC, "--db", str(promo_db),
                                    "--quiet"])
    assert out.exit_code == 0, out.output
    assert "allocation of 150 entities × 1 arms, budget 5.00" in out.output
    assert "cheapest arm" in out.output and "expected_incremental_value" in out.output
