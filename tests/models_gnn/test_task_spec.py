import dataclasses
import json

import numpy as np
import pytest

from engine.models.task_spec import TaskSpec, mae_scale
from pql.bound import TaskType
from pql.errors import PQLInputError


def test_defaults_follow_the_task():
    binary = TaskSpec(task=TaskType.BINARY)
    assert (binary.loss, binary.metric, binary.higher_is_better, binary.out_channels) == ("bce", "auroc", True, 1)
    reg = TaskSpec(task="regression")
    assert (reg.task, reg.loss, reg.metric, reg.higher_is_better) == (TaskType.REGRESSION, "l1", "mae", False)
    assert TaskSpec(task=TaskType.UPLIFT, outcome=TaskType.REGRESSION).loss == "l1"
    assert TaskSpec(task=TaskType.UPLIFT, outcome=TaskType.BINARY, num_arms=3, propensity=True).out_channels == 6
    assert TaskSpec(task=TaskType.FORECASTING, num_steps=4).out_channels == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"task": TaskType.MULTICLASS, "num_classes": 1}, "at least 2 classes"),
    ({"task": TaskType.BINARY, "loss": "l1"}, "does not fit"),
    ({"task": TaskType.BINARY, "log_target": True}, "real-valued"),
    ({"task": TaskType.UPLIFT, "outcome": TaskType.MULTICLASS}, "binary or regression"),
    ({"task": TaskType.UPLIFT, "outcome": TaskType.BINARY, "loss": "l1"}, "does not fit"),
    ({"task": TaskType.REGRESSION, "label_range": (3.0, 1.0)}, "low <= high"),
    ({"task": TaskType.FORECASTING}, "at least 1 step"),
    ({"task": TaskType.LINK_RANKING, "num_items": 5, "pair_context": -1}, "pair_context"),
])
def test_invalid_specs_are_rejected(kwargs, message):
    with pytest.raises(PQLInputError, match=message):
        TaskSpec(**kwargs)


def test_round_trips_through_json():
    spec = TaskSpec(task=TaskType.REGRESSION, loss="huber", log_target=True).with_label_range(0, 12.5)
    again = TaskSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.label_range == (0.0, 12.5)


def test_ranking_specs_saved_before_pair_context_load_as_they_were_built():
    spec = TaskSpec(task=TaskType.LINK_RANKING, num_items=9, item_history=True, pair_context=16, item_bias=False)
    assert TaskSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    older = TaskSpec.from_dict({k: v for k, v in spec.to_dict().items() if k not in ("pair_context", "item_bias")})
    assert older.pair_context == 0 and older.item_bias  # no entity context, a static bias per item


def test_better_respects_direction():
    assert TaskSpec(task=TaskType.BINARY).better(0.8, 0.7)
    assert TaskSpec(task=TaskType.REGRESSION).better(1.0, 2.0)
    assert not TaskSpec(task=TaskType.REGRESSION).better(2.0, 1.0)


def test_mae_scale_finds_the_factor_with_the_lowest_mean_absolute_error():
    rng = np.random.default_rng(0)
    p = rng.lognormal(3.0, 1.0, 400)
    y = np.where(rng.random(400) < 0.3, 0.0, 2.5 * p * rng.lognormal(0.0, 0.5, 400))
    y[:5] = np.nan  # rows without a label do not count
    c = mae_scale(y, p)
    grid = np.linspace(0.1, 10.0, 2_000)
    mae = [np.nanmean(np.abs(y - g * p)) for g in grid]
    assert np.nanmean(np.abs(y - c * p)) <= min(mae) + 1e-9
    assert mae_scale(100 * p, p) == 10.0 and mae_scale(0 * p, p) == 0.1  # kept within the bounds
    assert mae_scale(y, np.zeros_like(p)) == 1.0  # nothing positive to scale


def test_the_output_scale_multiplies_a_regression_head_s_predictions():
    import torch

    from engine.models.heads import TaskHead

    raw = torch.tensor([[0.0, float(np.log1p(9.0))], [20.0, 10.0]])
    spec = TaskSpec(task=TaskType.REGRESSION, hurdle=True, log_target=True, label_range=(0.0, 100.0))
    scaled = dataclasses.replace(spec, output_scale=2.0)
    assert TaskHead(scaled, 8).predict(raw).tolist() == pytest.approx([9.0, 100.0], rel=1e-5)  # clamped after
    assert TaskSpec.from_dict(json.loads(json.dumps(scaled.to_dict()))).output_scale == 2.0
    plain = TaskSpec(task=TaskType.REGRESSION, log_target=True, output_scale=0.5, label_range=(0.0, 100.0))
    assert TaskHead(plain, 8).predict(torch.tensor([[float(np.log1p(9.0))]])).tolist() == pytest.approx([4.5])
