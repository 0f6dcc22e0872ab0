"""End to end: a target that aggregates a formula over invoice lines (spend = quantity × unit price), as
users of Online Retail-like data write it, through LightGBM (its history features read the formula), the
explanation, and a randomized experiment's outcome."""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

import pql

SPEND = "SUM(lines.quantity * lines.unit_price, 0, 30, days)"
START = datetime(2024, 1, 1)


@pytest.fixture(scope="module")
def invoices(tmp_path_factory) -> Path:
    """24 customers, 100 days of invoice lines, each customer buying at their own rate; customers 0..11
    were assigned to a test arm on day 60."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("invoices") / "lines.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, country VARCHAR)")
    con.execute("CREATE TABLE lines (line_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers "
                "(customer_id), quantity INTEGER, unit_price DECIMAL(8, 2), invoiced_at TIMESTAMP)")
    con.execute("CREATE TABLE assignment (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers "
                "(customer_id), arm VARCHAR, assigned_at TIMESTAMP)")
    con.executemany("INSERT INTO customers VALUES (?, ?)", [(c, ["UK", "FR"][c % 2]) for c in range(24)])
    rows = []
    for c in range(24):
        for day in np.nonzero(rng.random(100) < 0.05 + 0.1 * (c % 4))[0]:
            rows.append((len(rows), c, int(rng.integers(1, 6)), float(round(rng.uniform(1, 10), 2)),
                         START + timedelta(days=int(day), hours=int(rng.integers(0, 24)))))
    con.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO assignment VALUES (?, ?, ?, ?)",
                    [(c, c, "mail" if c % 2 else "none", START + timedelta(days=60)) for c in range(12)])
    con.close()
    return path


def test_lightgbm_predicts_a_formula_target_and_reads_its_history(invoices, pql_home):
    query = f"PREDICT {SPEND} FOR EACH customers.customer_id WITH model = 'lightgbm'"
    with pql.connect(str(invoices), log=lambda m: None) as session:
        (first,) = session.run(query)
        (again,) = session.run(query)
    table = first.table
    assert table.column_names == ["customer_id", "anchor_time", "prediction"] and table.num_rows == 24
    assert all(math.isfinite(p) for p in table.column("prediction").to_pylist())
    assert first.run.chosen == "lightgbm" and again.run.reused  # the saved history features rebuild
    assert again.table.column("prediction").to_pylist() == table.column("prediction").to_pylist()
    saved = "".join(p.read_text() for p in pql_home.rglob("lightgbm.json"))
    assert "history__target__sum_lines_quantity_times_unit_price__lag1" in saved


def test_explain_shows_the_formula(invoices):
    with pql.connect(str(invoices), log=lambda m: None) as session:
        text = session.explain(f"PREDICT {SPEND} > 50 FOR EACH customers")
    assert f"target:     {SPEND} > 50" in text
    assert '("r0"."quantity") * ("r0"."unit_price")' in " ".join(text.replace("\n", " ").split()).replace(
        "( ", "(").replace(" )", ")")


def test_an_experiment_outcome_may_be_a_formula(invoices):
    with pql.connect(str(invoices), log=lambda m: None) as session:
        outcome = "SUM(lines.quantity * lines.unit_price, 0, 14, days)"
        report = session.analyze_experiment("assignment", "arm", outcome, control="none")
        got = {r["unit"]: r[outcome] for r in report.units.to_pylist()}
    con = duckdb.connect(str(invoices), read_only=True)
    lines = con.execute("SELECT customer_id, quantity, unit_price, invoiced_at FROM lines").fetchall()
    con.close()
    assigned = START + timedelta(days=60)
    expected = {c: sum(q * float(p) for k, q, p, t in lines if k == c and assigned < t <= assigned + timedelta(days=14))
                for c in range(12)}
    assert sum(expected.values()) > 0 and got == pytest.approx(expected)
