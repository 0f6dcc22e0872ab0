import dataclasses

import pytest
import torch

from engine.models.heads import TaskHead, uplift_effects
from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError, PQLInputError

B, C = 6, 8


def _run(spec, y, **loss_kwargs):
    torch.manual_seed(0)
    head = TaskHead(spec, C, num_layers=2)
    raw = head(torch.randn(B, C))
    assert raw.shape == (B, spec.out_channels)
    loss = head.loss(raw, y, **loss_kwargs)
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None for p in head.parameters())
    return head, raw


def test_binary():
    head, raw = _run(TaskSpec(task=TaskType.BINARY), torch.tensor([0, 1, 1, 0, 1, 0.0]))
    p = head.predict(raw)
    assert p.shape == (B,) and bool(((p > 0) & (p < 1)).all())


def test_regression_with_log_target_and_clamp():
    spec = TaskSpec(task=TaskType.REGRESSION, loss="huber", log_target=True, label_range=(0.0, 5.0))
    y = torch.tensor([0.0, 1.0, float("nan"), 3.0, 4.0, 5.0])
    head, raw = _run(spec, y)
    assert torch.allclose(head.encode_target(torch.tensor([0.0, 9.0])), torch.tensor([0.0, 2.302585]))
    decoded = head.decode_output(torch.tensor([0.0, 1.0, 100.0]))
    assert torch.allclose(decoded, torch.tensor([0.0, 1.718282, 5.0]))  # expm1, then clamp to the range
    assert head.predict(raw).shape == (B,)
    with pytest.raises(EngineError, match="non-negative"):
        head.encode_target(torch.tensor([-1.0]))


def test_regression_loss_ignores_missing_labels():
    head = TaskHead(TaskSpec(task=TaskType.REGRESSION), C)
    raw = torch.tensor([[1.0], [100.0]])
    assert head.loss(raw, torch.tensor([0.0, float("nan")])).item() == pytest.approx(1.0)


def test_hurdle_regression_learns_how_likely_and_how_much():
    spec = TaskSpec(task=TaskType.REGRESSION, hurdle=True, log_target=True, label_range=(0.0, 100.0))
    y = torch.tensor([0.0, 0.0, float("nan"), 3.0, 0.0, 99.0])
    head, raw = _run(spec, y)
    assert raw.shape == (B, 2)
    # the value output only answers for the positive rows: changing it on a zero row changes nothing
    raw = torch.tensor([[0.0, 1.0], [2.0, 5.0], [0.0, 2.0]])
    labels = torch.tensor([-4.0, float("nan"), 3.0])  # a negative label (net returns) is "not positive"
    moved = raw.clone()
    moved[0, 1] = 50.0
    assert head.loss(moved, labels).item() == pytest.approx(head.loss(raw, labels).item())
    expected = (torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor([0.0, 0.0]), torch.tensor([0.0, 1.0]))
                + abs(2.0 - torch.log1p(torch.tensor(3.0))))
    assert head.loss(raw, labels).item() == pytest.approx(expected.item(), rel=1e-5)
    # prediction: P(y > 0) times the value given y > 0, clamped to the labels' range
    p = head.predict(torch.tensor([[0.0, float(torch.log1p(torch.tensor(9.0)))], [20.0, 10.0]]))
    assert p.tolist() == pytest.approx([4.5, 100.0], rel=1e-5)
    # or the expected log1p value mapped back: expm1(0.5 * log1p(9)) = sqrt(10) - 1
    p = TaskHead(dataclasses.replace(spec, hurdle_mix="log"), C).predict(torch.tensor([[0.0, float(torch.log1p(torch.tensor(9.0)))], [20.0, 10.0]]))
    assert p.tolist() == pytest.approx([10 ** 0.5 - 1, 100.0], rel=1e-5)
    with pytest.raises(PQLInputError, match="hurdle"):
        TaskSpec(task=TaskType.BINARY, hurdle=True)
    with pytest.raises(PQLInputError, match="hurdle_mix"):
        TaskSpec(task=TaskType.REGRESSION, hurdle=True, hurdle_mix="sum")


def test_multiclass():
    spec = TaskSpec(task=TaskType.MULTICLASS, num_classes=4)
    head, raw = _run(spec, torch.tensor([0, 1, 2, 3, 0, 1]))
    probs = head.predict(raw)
    assert probs.shape == (B, 4) and torch.allclose(probs.sum(1), torch.ones(B))


def test_multilabel():
    spec = TaskSpec(task=TaskType.MULTILABEL, num_labels=3)
    head, raw = _run(spec, torch.randint(0, 2, (B, 3)).float())
    assert head.predict(raw).shape == (B, 3)


def test_forecasting():
    spec = TaskSpec(task=TaskType.FORECASTING, num_steps=5, log_target=True)
    head, raw = _run(spec, torch.rand(B, 5) * 10)
    assert head.predict(raw).shape == (B, 5)


def test_uplift_trains_each_arm_on_its_own_rows():
    spec = TaskSpec(task=TaskType.UPLIFT, outcome=TaskType.BINARY, propensity=True)
    treatment = torch.tensor([0, 1, 0, 1, 1, 0])
    head, raw = _run(spec, torch.tensor([1, 0, 0, 1, 1, 0.0]), treatment=treatment)
    per_arm = head.predict(raw)
    assert per_arm.shape == (B, 2)
    assert uplift_effects(per_arm).shape == (B, 1)
    assert torch.allclose(head.propensity(raw).sum(1), torch.ones(B))
    # A row's label moves only its own arm's output.
    raw = torch.zeros(1, 4, requires_grad=True)
    head.loss(raw, torch.tensor([1.0]), treatment=torch.tensor([1])).backward()
    assert raw.grad[0, 0] == 0 and raw.grad[0, 1] != 0
    with pytest.raises(EngineError, match="treatment"):
        head.loss(raw, torch.tensor([1.0]))


def test_link_ranking_is_not_a_task_head():
    with pytest.raises(EngineError, match="LinkRankingHead"):
        TaskHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=3), C)
