"""Task heads: the output layer, loss, label transform and activation for each task type.

A head turns entity embeddings ``h: [B, C]`` into raw outputs ``[B, spec.out_channels]``
(`forward`), scores raw outputs against labels in the loss space (`loss`), and maps raw outputs to
user-facing predictions (`predict`). Link ranking has its own head in `engine.models.ranking`.

A hurdle regression is for (nearly) non-negative targets that are often exactly 0 (spend in the next 90
days: most customers spend nothing). One L1 fit of ``log1p(y)`` would learn the median, which is 0
for every customer more likely to spend nothing than something, so their predictions tie at 0 and
lose the ordering among them. The hurdle head learns ``P(y > 0)`` (cross-entropy on every row) and
the value given ``y > 0`` (the task's loss, on the positive rows only) and predicts their product, or
``expm1(P * log1p(value))`` with ``hurdle_mix = "log"`` (`engine.models.task_spec.HURDLE_MIXES`).

Label shapes expected by `loss` (NaN marks a missing label where the task allows it):

    binary       y: [B] in {0, 1}               raw: [B, 1]   predict -> P(y=1): [B]
    regression   y: [B] (NaN masked)            raw: [B, 1]   predict -> value:  [B]
      hurdle     y: [B] (NaN masked)            raw: [B, 2]   predict -> P(y>0) mixed with value given y>0: [B]
    multiclass   y: [B] int in [0, K)           raw: [B, K]   predict -> probs:  [B, K]
    multilabel   y: [B, K] in {0, 1} (NaN mask) raw: [B, K]   predict -> probs:  [B, K]
    forecasting  y: [B, S] (NaN masked)         raw: [B, S]   predict -> values: [B, S]
    uplift       y: [B], treatment: [B] int arm raw: [B, A(+A)] predict -> per-arm outcome: [B, A]
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError


def _real_loss(kind: str, pred: Tensor, target: Tensor) -> Tensor:
    """Elementwise-mean L1 / Huber / MSE over the entries where ``target`` is not NaN."""
    mask = ~torch.isnan(target)
    if not bool(mask.any()):
        return pred.sum() * 0.0  # keeps the graph connected when a batch has no labels
    pred, target = pred[mask], target[mask]
    if kind == "l1":
        return F.l1_loss(pred, target)
    if kind == "huber":
        return F.huber_loss(pred, target, delta=1.0)
    return F.mse_loss(pred, target)


class TaskHead(torch.nn.Module):
    """Output layer and objective for every task but link ranking.

    Args:
        spec: the task.
        in_channels: width ``C`` of the entity embeddings.
        num_layers: 1 = a single Linear (RelBench's choice); 2 adds a hidden ReLU layer of width C.
    """

    def __init__(self, spec: TaskSpec, in_channels: int, *, num_layers: int = 1):
        super().__init__()
        if spec.task is TaskType.LINK_RANKING:
            raise EngineError("link ranking uses engine.models.ranking.LinkRankingHead, not TaskHead")
        if num_layers not in (1, 2):
            raise EngineError(f"a task head has 1 or 2 layers, got {num_layers}")
        self.spec = spec
        out = spec.out_channels
        if num_layers == 1:
            self.mlp = torch.nn.Sequential(torch.nn.Linear(in_channels, out))
        else:
            self.mlp = torch.nn.Sequential(
                torch.nn.Linear(in_channels, in_channels), torch.nn.ReLU(), torch.nn.Linear(in_channels, out)
            )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in self.mlp:
            if isinstance(layer, torch.nn.Linear):
                layer.reset_parameters()

    def forward(self, h: Tensor) -> Tensor:
        """``h: [B, C]`` -> raw outputs ``[B, spec.out_channels]``."""
        return self.mlp(h)

    # -- labels --------------------------------------------------------------------------------

    def encode_target(self, y: Tensor) -> Tensor:
        """Labels in user space -> the space the loss works in (``log1p`` when ``log_target``)."""
        spec = self.spec
        if spec.task is TaskType.MULTICLASS:
            return y.long()
        y = y.float()
        if spec.log_target:
            if bool((y[~torch.isnan(y)] < 0).any()):
                raise EngineError("log_target needs non-negative labels")
            y = torch.log1p(y)
        return y

    def decode_output(self, value: Tensor) -> Tensor:
        """Real-valued outputs in loss space -> user space: ``expm1`` and clamping to the label range."""
        if self.spec.log_target:
            value = torch.expm1(value)
        return self._clamp(value)

    def _clamp(self, value: Tensor) -> Tensor:
        if self.spec.label_range is not None:
            low, high = self.spec.label_range
            value = value.clamp(low, high)
        return value

    # -- objective -----------------------------------------------------------------------------

    def loss(self, raw: Tensor, y: Tensor, *, treatment: Tensor | None = None) -> Tensor:
        """Scalar training loss of raw outputs ``raw`` against user-space labels ``y``."""
        spec = self.spec
        t = spec.task
        if t is TaskType.REGRESSION and spec.hurdle:
            return self._hurdle_loss(raw, y.float().view(-1))
        target = self.encode_target(y)
        if t is TaskType.BINARY:
            return F.binary_cross_entropy_with_logits(raw.view(-1), target.view(-1))
        if t is TaskType.REGRESSION:
            return _real_loss(spec.loss, raw.view(-1), target.view(-1))
        if t is TaskType.MULTICLASS:
            return F.cross_entropy(raw, target.view(-1))
        if t is TaskType.MULTILABEL:
            mask = ~torch.isnan(target)
            if not bool(mask.any()):
                return raw.sum() * 0.0
            return F.binary_cross_entropy_with_logits(raw[mask], target[mask])
        if t is TaskType.FORECASTING:
            return _real_loss(spec.loss, raw, target)
        if t is TaskType.UPLIFT:
            return self._uplift_loss(raw, target, treatment)
        raise EngineError(f"no loss for task {t}")

    def _hurdle_loss(self, raw: Tensor, y: Tensor) -> Tensor:
        """Cross-entropy of ``P(y > 0)`` on labelled rows plus the value loss on the positive ones
        (a negative label, e.g. net spend after returns, counts as "not positive")."""
        known = ~torch.isnan(y)
        if not bool(known.any()):
            return raw.sum() * 0.0
        y, raw = y[known], raw[known]
        positive = y > 0
        loss = F.binary_cross_entropy_with_logits(raw[:, 0], positive.to(raw.dtype))
        return loss + _real_loss(self.spec.loss, raw[positive, 1], self.encode_target(y[positive]))

    def _uplift_loss(self, raw: Tensor, target: Tensor, treatment: Tensor | None) -> Tensor:
        """Shared encoder, one outcome head per arm: each row trains only the head of its own arm."""
        if treatment is None:
            raise EngineError("uplift training needs the treatment arm of every row")
        arms = self.spec.num_arms
        arm = treatment.long().view(-1, 1)
        own = raw[:, :arms].gather(1, arm).view(-1)
        if self.spec.outcome is TaskType.BINARY:
            loss = F.binary_cross_entropy_with_logits(own, target.view(-1))
        else:
            loss = _real_loss(self.spec.loss, own, target.view(-1))
        if self.spec.propensity:
            loss = loss + F.cross_entropy(raw[:, arms:], arm.view(-1))
        return loss

    # -- prediction ----------------------------------------------------------------------------

    @torch.no_grad()
    def predict(self, raw: Tensor) -> Tensor:
        """Raw outputs -> user-facing predictions (shapes in the module docstring)."""
        spec = self.spec
        t = spec.task
        if t is TaskType.BINARY:
            return torch.sigmoid(raw.view(-1))
        if t is TaskType.REGRESSION and spec.hurdle:
            p, value = torch.sigmoid(raw[:, 0]), self.decode_output(raw[:, 1])
            if spec.hurdle_mix == "log":  # see engine.models.task_spec.HURDLE_MIXES
                return self._clamp(spec.output_scale * torch.expm1(p * torch.log1p(value.clamp(min=0.0))))
            return self._clamp(spec.output_scale * p * value)
        if t is TaskType.REGRESSION:
            value = self.decode_output(raw.view(-1))
            return value if spec.output_scale == 1.0 else self._clamp(spec.output_scale * value)
        if t is TaskType.MULTICLASS:
            return torch.softmax(raw, dim=-1)
        if t is TaskType.MULTILABEL:
            return torch.sigmoid(raw)
        if t is TaskType.FORECASTING:
            return self.decode_output(raw)
        if t is TaskType.UPLIFT:
            outcome = raw[:, : spec.num_arms]
            return torch.sigmoid(outcome) if spec.outcome is TaskType.BINARY else self.decode_output(outcome)
        raise EngineError(f"no prediction for task {t}")

    @torch.no_grad()
    def propensity(self, raw: Tensor) -> Tensor:
        """Uplift with a propensity head: ``P(arm | x)``, ``[B, A]``."""
        if self.spec.task is not TaskType.UPLIFT or not self.spec.propensity:
            raise EngineError("this head has no propensity output")
        return torch.softmax(raw[:, self.spec.num_arms :], dim=-1)

    def extra_repr(self) -> str:
        return f"task={self.spec.task.value}, loss={self.spec.loss}"


def uplift_effects(per_arm: Tensor) -> Tensor:
    """Per-arm predictions ``[B, A]`` (arm 0 = control) -> effects against control ``[B, A-1]``."""
    return per_arm[:, 1:] - per_arm[:, :1]

