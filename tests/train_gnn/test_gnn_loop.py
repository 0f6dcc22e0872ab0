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
from tests.train_gnn.test_gnn_learns import BUYS, CHANNEL


def test_a_tiny_time_budget_stops_after_one_epoch_with_progress_on_stderr(session, capsys):
    logged: list[str] = []
    inputs = replace(make_inputs(session, CHANNEL), time_budget=0.001, log=logged.append, show_progress=True)
    val = GNNTrainer().fit(inputs)
    assert "macro_f1" in val
    assert [line for line in logged if line.startswith("gnn epoch")] == [
        next(line for line in logged if line.startswith("gnn epoch 1/"))]
    assert any(line.startswith("warning: gnn: stopped after 1 of") and "time budget" in line for line in logged)
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


def test_an_undefined_validation_metric_keeps_the_last_epoch_and_does_not_stop_early(session):
    """Every validation label the same: AUROC is nan each epoch, which must not pin the first epoch."""
    inputs = make_inputs(session, BUYS + ", epochs = 3")
    table = inputs.tt.table
    is_val = pc.equal(table.column("split"), "val")
    labels = pc.if_else(is_val, True, table.column("label"))
    table = table.set_column(table.column_names.index("label"), "label", labels)
    logged: list[str] = []
    val = GNNTrainer().fit(replace(inputs, tt=replace(inputs.tt, table=table), log=logged.append))
    assert val["auroc"] != val["auroc"]  # nan
    assert "gnn: best epoch 3 of 3" in "\n".join(logged)


def test_weight_average_is_an_exponential_moving_average_with_warm_up():
    import torch

    from engine.train.gnn.loop import WeightAverage

    model = torch.nn.Linear(1, 1, bias=False)
    model.register_buffer("calls", torch.tensor(0))  # integer buffers are copied, not averaged
    with torch.no_grad():
        model.weight.fill_(0.0)
    average = WeightAverage(model, horizon_steps=4)  # decay 0.75, warm-up (1 + t) / (10 + t) below it
    expected = 0.0
    for step in range(1, 31):
        with torch.no_grad():
            model.weight.fill_(float(step))
            model.calls.fill_(step)
        average.update(model)
        decay = min(0.75, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * step
    state = average.state_dict()
    assert state["weight"].item() == pytest.approx(expected, rel=1e-6)
    assert 26 < expected < 30 and state["calls"].item() == 30  # trails the latest weights by about the horizon


def test_weight_average_validates_and_keeps_the_averaged_weights(session):
    """Same seed, same steps: the plain fit keeps the last step's weights, the averaged one their average."""
    import torch

    weights = {}
    for averaged in (False, True):
        logged: list[str] = []
        inputs = make_inputs(session, CHANNEL + f", epochs = 1, weight_average = {str(averaged).lower()}")
        trainer = GNNTrainer()
        assert "macro_f1" in trainer.fit(replace(inputs, log=logged.append))
        assert trainer.settings.weight_average is averaged
        weights[averaged] = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
    assert weights[False].shape == weights[True].shape and not torch.allclose(weights[False], weights[True])


def test_the_learning_rate_falls_on_a_plateau_and_a_refit_replays_it(session, monkeypatch):
    """Validation flat for ``lr_patience`` (2) epochs halves the rate; the refit trains the chosen epochs at
    the rates the fit used for them, not at the starting rate."""
    import engine.train.gnn.loop as loop
    import engine.train.gnn_trainer as gnn_trainer
    from engine.metrics import selection_metric

    inputs = make_inputs(session, CHANNEL + ", epochs = 5, lr = 0.004, lr_decay = 0.5")
    metric, _ = selection_metric(inputs.bq.task)
    per_epoch = iter([0.1, 0.1, 0.1, 0.2, 0.1])  # best at epoch 1, flat, best again at epoch 4
    monkeypatch.setattr(gnn_trainer, "score", lambda *a, **k: {metric: next(per_epoch, 0.0)})
    replayed = []
    fit_model = loop.fit_model
    monkeypatch.setattr(loop, "fit_model", lambda *a, **k: replayed.append(a[3].lr_schedule) or fit_model(*a, **k))

    logged: list[str] = []
    trainer = GNNTrainer()
    trainer.fit(replace(inputs, log=logged.append))
    assert [line for line in logged if line.startswith("gnn: learning rate")] == [
        f"gnn: learning rate 0.002, no better validation {metric} for 2 epochs"]  # after epoch 3, not after 5
    assert "gnn: best epoch 4 of 5" in "\n".join(logged)
    assert trainer.refit(replace(inputs, log=logged.append))
    assert replayed == [(), (0.004, 0.004, 0.004, 0.002)]  # the fit's own schedule, then the refit's replay


def test_weight_decay_and_dropout_regularise_only_when_asked(session, monkeypatch):
    """``weight_decay`` swaps Adam for AdamW with that decay; ``dropout`` adds dropout layers that act in
    training only; both default to off, and a saved model rebuilds its dropout from its config."""
    import torch

    from engine.models.gnn import RelationalGNN

    optimizers = []
    for name in ("Adam", "AdamW"):
        cls = getattr(torch.optim, name)
        monkeypatch.setattr(torch.optim, name, lambda *a, _cls=cls, **k: optimizers.append((_cls.__name__, k)) or _cls(*a, **k))
    plain, regularised = GNNTrainer(), GNNTrainer()
    plain.fit(make_inputs(session, CHANNEL + ", epochs = 1"))
    regularised.fit(make_inputs(session, CHANNEL + ", epochs = 1, weight_decay = 0.1, dropout = 0.3"))
    assert optimizers[0] == ("Adam", {"lr": plain.settings.lr})
    assert optimizers[-1] == ("AdamW", {"lr": regularised.settings.lr, "weight_decay": 0.1})

    def dropouts(model):
        return [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)]

    assert dropouts(plain.model) == []
    assert dropouts(regularised.model) == [0.3, 0.3]  # in the seed-feature MLP and before the head
    rebuilt = RelationalGNN.from_config(regularised.model.config())
    assert dropouts(rebuilt) == [0.3, 0.3]

    model = regularised.model
    h = torch.ones(64, 8)
    model.train()
    assert bool((model.dropout(h) == 0).any())
    model.eval()
    assert torch.equal(model.dropout(h), h)


def test_a_models_warning_reaches_the_runs_warnings(session, tmp_path, monkeypatch):
    """`RunResult.warnings` holds what the models warned about, not only the training table's warnings."""
    monkeypatch.setenv("PQL_HOME", str(tmp_path))
    # 200 epochs cannot fit in one second (each validates), so the budget always cuts this run short
    (result,) = session.run(f"EVALUATE {CHANNEL}, model = 'gnn', epochs = 200, time_budget = 1, refit = false")
    assert any(w.startswith("gnn: stopped after") and "of 200 epochs" in w for w in result.run.warnings)
    assert len(set(result.run.warnings)) == len(result.run.warnings)
