"""Save → load in a fresh trainer predicts identically; fits are deterministic; the Session API runs it
end to end and the registry reuses the saved model for the same query."""
from __future__ import annotations

import json

import numpy as np
import pytest

import pql
from engine.run import run
from engine.train.lightgbm_trainer import STATE_FILE, LightGBMTrainer
from pql.errors import EngineError
from tests.fixtures.shop import CUSTOMER
from tests.fixtures.training import make_inputs, row_keys
from tests.train_lgbm.test_lgbm_learns import BUYS, CHANNEL, CHANNELS, MONTHLY, NEXT, SPEND
from tests.train_lgbm.test_lgbm_uplift import MAILED


@pytest.mark.parametrize("query", [BUYS, SPEND, CHANNEL, NEXT, CHANNELS, MONTHLY, MAILED])
def test_a_reloaded_trainer_predicts_identically(fitted, session, tmp_path, query):
    inputs, trainer, _, _ = fitted(query)
    trainer.save(tmp_path)
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert all((tmp_path / "models" / name / "model.txt").exists() for name in state["models"])
    assert not list(tmp_path.rglob("*.pkl"))
    fresh_inputs = make_inputs(session, query)  # what engine.run hands a reloaded model: a new TrainInputs
    loaded = LightGBMTrainer.load(tmp_path, fresh_inputs)
    _, rows = row_keys(inputs, "test")
    before, after = trainer.predict(inputs, rows), loaded.predict(fresh_inputs, rows)
    np.testing.assert_array_equal(before.scores, after.scores)
    assert before.classes == after.classes
    if before.items is not None:
        assert before.items.tolist() == after.items.tolist()


def test_loading_for_another_task_is_refused(fitted, session, tmp_path):
    _, trainer, _, _ = fitted(BUYS)
    trainer.save(tmp_path)
    with pytest.raises(EngineError, match="retrain"):
        LightGBMTrainer.load(tmp_path, make_inputs(session, SPEND))


def test_the_same_seed_gives_the_same_model(session):
    a, b = LightGBMTrainer(), LightGBMTrainer()
    inputs = make_inputs(session, BUYS + " WITH seed = 3")
    a.fit(inputs)
    b.fit(make_inputs(session, BUYS + " WITH seed = 3"))
    _, rows = row_keys(inputs, "test")
    np.testing.assert_array_equal(a.predict(inputs, rows).scores, b.predict(inputs, rows).scores)


def test_end_to_end_through_the_session_and_reused_on_the_second_run(shop_path, tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path))
    query = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER} WITH model = 'lightgbm'"
    with pql.connect(str(shop_path)) as s:
        metrics = s.evaluate(query).to_pylist()
        test_auroc = [m["value"] for m in metrics
                      if (m["model"], m["split"], m["metric"]) == ("lightgbm", "test", "auroc")]
        assert test_auroc and test_auroc[0] > 0.75
        predictions = s.predict(query)
        assert predictions.column_names[:2] == ["customer_id", "anchor_time"]
        assert {"probability", "prediction"} <= set(predictions.column_names)
        first = run(s.bind(query), s.db, s.con)
        second = run(s.bind(query), s.db, s.con)
    assert first.reused and second.reused and second.chosen == "lightgbm"  # trained by s.evaluate above
    np.testing.assert_array_equal(first.table.column("probability").to_numpy(),
                                  second.table.column("probability").to_numpy())
