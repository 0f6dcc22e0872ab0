"""EVALUATE scores the heuristic baseline beside the model, on the same rows, as a yardstick."""
from __future__ import annotations

import pytest

import pql
from tests.fixtures.shop import CUSTOMER, ShopSpec, build

CHURN = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"
SPEND = f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("baseline") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def _evaluate(shop, tmp_path, monkeypatch, statement: str):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    with pql.connect(str(shop)) as session:
        (result,) = session.run(statement)
    if "model" not in result.table.column_names:  # a PREDICT's table holds predictions
        return result.run, {}
    rows = [(r["model"], r["split"], r["metric"], r["value"]) for r in result.table.to_pylist()]
    keyed = {row[:3]: row[3] for row in rows}
    assert len(keyed) == len(rows)  # no (model, split, metric) twice
    return result.run, keyed


@pytest.mark.parametrize("query,metric", [(CHURN, "auroc"), (SPEND, "mae")])
def test_the_baseline_is_the_heuristic_model_on_the_same_rows(shop, tmp_path, monkeypatch, query, metric):
    run, rows = _evaluate(shop, tmp_path / "model", monkeypatch, f"EVALUATE {query} WITH model = 'lightgbm'")
    alone, alone_rows = _evaluate(shop, tmp_path / "alone", monkeypatch, f"EVALUATE {query} WITH model = 'heuristic'")
    chosen = {m for (model, split, m) in rows if model == "lightgbm" and split == "test"}
    for split in ("test", "val"):
        base = {m: v for (model, s, m), v in rows.items() if model == "heuristic" and s == split}
        assert set(base) == chosen
        assert base == pytest.approx(alone.metrics[split], nan_ok=True)
    assert run.baseline["test"][metric] == pytest.approx(alone.metrics["test"][metric])
    assert f"(heuristic baseline {run.baseline['test'][metric]:.4f})" in run.summary
    assert alone.baseline == {}  # the heuristic itself gets no second copy of itself
    assert {model for (model, _, _) in alone_rows} == {"heuristic"}


def test_predict_computes_no_baseline(shop, tmp_path, monkeypatch):
    run, _ = _evaluate(shop, tmp_path, monkeypatch, f"{CHURN} WITH model = 'lightgbm'")
    assert run.baseline == {}


@pytest.mark.parametrize("query,metric", [(CHURN, "auroc"), (SPEND, "mae")])
def test_each_block_leads_with_the_selection_metric(shop, tmp_path, monkeypatch, query, metric):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    with pql.connect(str(shop)) as session:
        (result,) = session.run(f"EVALUATE {query} WITH model = 'lightgbm'")
    rows = result.table.to_pylist()
    blocks = [rows[i] for i in range(len(rows)) if i == 0 or (rows[i]["model"], rows[i]["split"])
              != (rows[i - 1]["model"], rows[i - 1]["split"])]
    assert [(b["model"], b["split"]) for b in blocks] == [("lightgbm", "test"), ("lightgbm", "val"),
                                                          ("heuristic", "test"), ("heuristic", "val")]
    assert all(b["metric"] == metric for b in blocks)
