"""Training-loop behaviour: the time budget, progress output, no validation rows, and rows whose entity is
not in the graph."""
from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from engine.train.gnn_trainer import GNNTrainer
from pql.errors import EngineError
from tests.fixtures.training import make_inputs
from tests.train_gnn.test_gnn_learns import CHANNEL


def test_a_tiny_time_budget_stops_after_one_epoch_with_progress_on_stderr(session, capsys):
    logged: list[str] = []
    inputs = replace(make_inputs(session, CHANNEL), time_budget=0.001, log=logged.append, show_progress=True)
    val = GNNTrainer().fit(inputs)
    assert "macro_f1" in val
    assert [line for line in logged if line.startswith("gnn epoch")] == [
        next(line for line in logged if line.startswith("gnn epoch 1/"))]
    assert any("time budget" in line for line in logged)
    assert "gnn training" in capsys.readouterr().err


def test_rows_of_unknown_entities_are_dropped_in_training_and_refused_in_prediction(session):
    inputs = make_inputs(session, CHANNEL + ", epochs = 1")
    table = inputs.tt.table
    ghost = inputs.tt.split("train").slice(0, 5).set_column(0, "customer_id", pa.array([10_000 + i for i in range(5)], pa.int32()))
    inputs = replace(inputs, tt=replace(inputs.tt, table=pa.concat_tables([ghost, table])))
    logged: list[str] = []
    trainer = GNNTrainer()
    trainer.fit(replace(inputs, log=logged.append))
    assert any("warning: gnn:" in line and "left out" in line for line in logged)
    with pytest.raises(EngineError, match="not in the graph"):
        trainer.predict(inputs, ghost.select(["customer_id", "anchor_time"]))


def test_without_validation_rows_the_last_epoch_is_kept(session):
    """No validation metric to choose by: the model of the last epoch, not of the first."""
    inputs = make_inputs(session, CHANNEL + ", epochs = 3")
    split = inputs.tt.table.column("split")
    table = inputs.tt.table.set_column(inputs.tt.table.column_names.index("split"), "split",
                                       pc.if_else(pc.equal(split, "val"), "train", split))
    logged: list[str] = []
    trainer = GNNTrainer()
    assert trainer.fit(replace(inputs, tt=replace(inputs.tt, table=table), log=logged.append)) == {}
    assert "gnn: best epoch 3 of 3" in "\n".join(logged)
