"""``WITH metric = '…'``: validation picks the model, the GNN's epochs and a hurdle's mix by it, and
EVALUATE leads with it; a metric the task does not report is an error at the option."""
from __future__ import annotations

import pytest

import engine.run
import pql
from tests.fixtures.shop import CUSTOMER, ShopSpec, build

SPEND = f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("metric") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def _run(shop, tmp_path, monkeypatch, statement):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    lines: list[str] = []
    with pql.connect(str(shop), log=lambda m: lines.append(str(m))) as session:
        (result,) = session.run(statement)
    return result, lines


def test_the_named_metric_selects_and_leads(shop, tmp_path, monkeypatch):
    # the shop's validation is too small for 'auto' to train the GNN; here it must, to choose by the metric
    monkeypatch.setattr(engine.run, "MIN_VAL_ROWS_TO_COMPARE", 0)
    result, lines = _run(shop, tmp_path, monkeypatch,
                         f"EVALUATE {SPEND} WITH metric = 'spearman', epochs = 2, model = 'auto'")
    rows = result.table.to_pylist()
    firsts = {}
    for r in rows:
        firsts.setdefault((r["model"], r["split"]), r["metric"])
    assert set(firsts.values()) == {"spearman"}
    assert "val spearman" in result.run.summary
    assert any(line.startswith("gnn epoch 1/2") and "val spearman" in line for line in lines)  # epochs
    assert any(line.startswith("lightgbm: regression: ") and "(validation spearman" in line for line in lines)
    for family in ("lightgbm", "gnn"):  # the shop's spend is 0 for about a sixth: a hurdle, mixed by Spearman
        assert any(line.startswith(family) and "validation spearman" in line and "keeping" in line for line in lines)
    chosen = {m for (m, split) in firsts if split == "val" and m != "heuristic"}
    spearman = {r["model"]: r["value"] for r in rows if r["split"] == "val" and r["metric"] == "spearman"}
    others = [m for m in ("lightgbm", "gnn") if m not in chosen and m in spearman]
    assert all(spearman[next(iter(chosen))] >= spearman[m] for m in others)


def test_explain_names_the_metric(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    with pql.connect(str(shop)) as session:
        assert "keep the better on validation spearman" in session.explain(f"{SPEND} WITH metric = 'spearman'")
        assert "keep the better on validation mae" in session.explain(SPEND)
        assert "train lightgbm, choosing on validation r2" in session.explain(f"{SPEND} WITH model = 'lightgbm', "
                                                                              "metric = 'r2'")


def test_a_metric_the_task_does_not_report_is_an_error(shop, tmp_path, monkeypatch):
    with pytest.raises(pql.PQLError, match="not scored by 'auroc'; metric may be 'mae', 'rmse', 'r2', 'spearman'"):
        _run(shop, tmp_path, monkeypatch, f"{SPEND} WITH metric = 'auroc'")
    with pytest.raises(pql.PQLError, match="did you mean 'spearman'"):
        _run(shop, tmp_path, monkeypatch, f"{SPEND} WITH metric = 'spearmen'")
