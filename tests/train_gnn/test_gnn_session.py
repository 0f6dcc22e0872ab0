"""The GNN through the public API: `WITH model = 'gnn'`, saved in the registry, reused on a repeat."""
from __future__ import annotations

import pytest

import pql
from bench.one_run import epoch_seconds
from tests.fixtures.shop import CUSTOMER, ShopSpec, build

QUERY = f"EVALUATE PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER} WITH model = 'gnn', channels = 32, neighbors = 8"


def test_evaluate_with_the_gnn_then_reuse_the_saved_model(tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    path = build(tmp_path / "shop.duckdb", ShopSpec(n_customers=120, days=200))
    logged: list[str] = []
    with pql.connect(str(path), log=logged.append) as session:
        first = session.run(QUERY)[0]
        second = session.run(QUERY)[0]
    assert first.run.chosen == "gnn" and not first.run.reused
    assert second.run.reused and second.run.fingerprint == first.run.fingerprint
    metrics = _metrics(first.table)
    assert metrics[("gnn", "test", "auroc")] > 0.6
    assert _metrics(second.table) == pytest.approx(metrics, abs=1e-9)  # reloaded model, same test scores
    assert any(line.startswith("gnn epoch 1/") for line in logged)
    seconds = epoch_seconds(logged)  # what bench/one_run.py reads from a run
    assert seconds and all(s >= 0 for s in seconds)


def _metrics(table) -> dict[tuple[str, str, str], float]:
    return {(r["model"], r["split"], r["metric"]): r["value"] for r in table.to_pylist()}
