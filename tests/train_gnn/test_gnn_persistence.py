"""Save / load, determinism under the seed, and no leakage from rows after an anchor."""
from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

import pql
from engine.train.gnn_trainer import MODEL_DIR, STATE_FILE, GNNTrainer
from pql.errors import EngineError
from tests.fixtures.shop import append_orders
from tests.fixtures.training import make_inputs, row_keys
from tests.train_gnn.test_gnn_learns import BUYS, CHANNEL, NEXT, SPEND


def _same(a, b) -> None:
    np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-6)
    assert a.classes == b.classes
    if a.items is not None or b.items is not None:
        assert (a.items == b.items).all()


@pytest.mark.parametrize("query", [BUYS, NEXT])
def test_a_saved_model_loaded_into_a_fresh_trainer_predicts_the_same(fitted, tmp_path, query):
    inputs, trainer, _, _ = fitted(query)
    trainer.save(tmp_path)
    assert (tmp_path / STATE_FILE).is_file() and (tmp_path / MODEL_DIR / "weights.pt").is_file()
    loaded = GNNTrainer.load(tmp_path, inputs)
    _, rows = row_keys(inputs, "test")
    _same(trainer.predict(inputs, rows), loaded.predict(inputs, rows))
    _same(trainer.predict(inputs, inputs.tt.prediction), loaded.predict(inputs, inputs.tt.prediction))


def test_the_hurdle_mix_validation_chose_is_saved(fitted, tmp_path):
    inputs, trainer, _, _ = fitted(SPEND)
    trainer.save(tmp_path / "chosen")
    loaded = GNNTrainer.load(tmp_path / "chosen", inputs)
    assert loaded.codec.hurdle_mix == loaded.model.task.hurdle_mix == trainer.codec.hurdle_mix
    assert loaded.codec.output_scale == loaded.model.head.spec.output_scale == trainer.codec.output_scale
    other = "log" if trainer.codec.hurdle_mix == "product" else "product"
    loaded._set_codec(hurdle_mix=other)  # whichever validation picked, the other one round-trips too
    loaded.save(tmp_path / "other")
    again = GNNTrainer.load(tmp_path / "other", inputs)
    assert again.codec.hurdle_mix == again.model.head.spec.hurdle_mix == other
    _, rows = row_keys(inputs, "test")
    _same(loaded.predict(inputs, rows), again.predict(inputs, rows))
    assert not np.allclose(again.predict(inputs, rows).scores, trainer.predict(inputs, rows).scores)


def test_loading_needs_a_saved_model(tmp_path, fitted):
    inputs = fitted(BUYS)[0]
    with pytest.raises(EngineError, match="cannot read the saved GNN"):
        GNNTrainer.load(tmp_path, inputs)
    with pytest.raises(EngineError, match="fitted or loaded"):
        GNNTrainer().predict(inputs, inputs.tt.prediction)


def test_training_is_deterministic_under_the_seed(session, fitted):
    inputs, first, val, _ = fitted(CHANNEL)
    again = GNNTrainer()
    assert again.fit(make_inputs(session, CHANNEL)) == val
    _, rows = row_keys(inputs, "test")
    _same(first.predict(inputs, rows), again.predict(inputs, rows))
    other = GNNTrainer()
    other.fit(make_inputs(session, CHANNEL + ", seed = 7"))
    assert not np.allclose(other.predict(inputs, rows).scores, first.predict(inputs, rows).scores, atol=1e-4)


def test_predictions_for_an_anchor_ignore_rows_added_after_it(fitted, shop_path, shop_spec, tmp_path):
    inputs, trainer, _, _ = fitted(BUYS)
    trainer.save(tmp_path / "model")
    _, rows = row_keys(inputs, "test")
    expected = trainer.predict(inputs, rows)
    last_anchor = max(rows.column("anchor_time").to_pylist())

    def predict_on(path):
        with pql.connect(str(path)) as s:
            copied = replace(inputs, con=s.con, db=s.db)
            return GNNTrainer.load(tmp_path / "model", copied).predict(copied, rows)

    later = shutil.copy(shop_path, tmp_path / "later.duckdb")
    append_orders(later, shop_spec, after=last_anchor, count=400)
    _same(predict_on(later), expected)

    # The control: the same number of rows *before* the anchors does change the predictions.
    earlier = shutil.copy(shop_path, tmp_path / "earlier.duckdb")
    first_anchor = min(rows.column("anchor_time").to_pylist())
    append_orders(earlier, shop_spec, after=first_anchor - timedelta(days=21), count=400)  # all within 20 days
    assert not np.allclose(predict_on(earlier).scores, expected.scores, atol=1e-6)
