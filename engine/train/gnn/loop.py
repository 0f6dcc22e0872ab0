"""The GNN training loop: seeded epochs over sampled seeds, validation after each, best weights kept.

Each epoch draws ``settings.rows_per_epoch`` training rows (fresh seeded permutations), trains
on them in batches with Adam, then scores validation with the task's selection metric
(`engine.metrics.SELECTION`). The best epoch's ``state_dict`` is restored at the end; training stops
after ``settings.patience`` epochs without improvement (unless ``WITH epochs`` fixed the count) or
when the next epoch would not fit in the time budget. With ``settings.lr_decay`` < 1 the learning rate
drops after every ``lr_patience`` epochs without improvement; ``settings.lr_schedule`` (a refit) fixes
the rate of each epoch instead, and `FitOutcome.lrs` reports the rates a fit used.

With ``settings.weight_average`` the weights validated, kept and predicted with are an exponential
moving average of the trained weights over about the last epoch of optimizer steps (`WeightAverage`):
one epoch's weights differ from the next by the noise of their last batches (Online Retail next product:
validation MAP moved by ±0.003 from one epoch to the next), and the average sits where they agree.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from engine.metrics import better, shown, undefined
from engine.models.gnn import RelationalGNN
from engine.train.gnn.context import GraphContext
from engine.train.gnn.settings import GNNSettings
from pql.bound import TaskType

GRAD_CLIP = 1.0


@dataclass(frozen=True, kw_only=True)
class TrainSet:
    """Training seeds with their encoded targets, all aligned (``[m]`` along the first axis)."""

    nodes: np.ndarray  # int64 [m]
    times: np.ndarray  # int64 [m]
    y: torch.Tensor | None = None  # [m] / [m, K] / [m, S]
    treatment: torch.Tensor | None = None  # int64 [m]
    pos_offsets: np.ndarray | None = None  # int64 [m + 1], link ranking
    pos_items: np.ndarray | None = None  # int64 [P]
    features: np.ndarray | None = None  # float32 [m, F], tabular seed features

    def __len__(self) -> int:
        return len(self.nodes)


@dataclass(frozen=True, kw_only=True)
class FitOutcome:
    best_epoch: int  # 1-based; 0 when no epoch was scored
    best_metric: float | None
    epochs_run: int
    seconds: float
    lrs: tuple[float, ...] = ()  # the learning rate of each epoch run (a refit replays them)


def _positives(train: TrainSet, idx: np.ndarray, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Link ranking: (batch row, item position) pairs of the batch's rows, ``[P]`` each."""
    assert train.pos_offsets is not None and train.pos_items is not None
    starts, ends = train.pos_offsets[idx], train.pos_offsets[idx + 1]
    counts = ends - starts
    rows = np.repeat(np.arange(len(idx)), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    items = train.pos_items[np.repeat(starts, counts) + within]
    return torch.from_numpy(rows).to(device), torch.from_numpy(items).to(device)


def _epoch_order(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """``size`` training row positions: whole seeded permutations of ``[0, n)``, the last one cut."""
    passes = [rng.permutation(n) for _ in range(-(-size // n))]
    return np.concatenate(passes)[:size]


def batch_loss(model: RelationalGNN, batch, idx: np.ndarray, train: TrainSet, device: str,
               generator: torch.Generator) -> torch.Tensor:
    """Training loss of one batch whose seeds are training rows ``idx``."""
    if model.task.task is TaskType.LINK_RANKING:
        rows, items = _positives(train, idx, device)
        return model.head.loss(model.embed_seeds(batch), rows, items, generator=generator,
                               history=model.item_history(batch), trend=model.item_trend(batch))
    index = torch.from_numpy(idx)
    y = train.y[index].to(device)
    treatment = train.treatment[index].to(device) if train.treatment is not None else None
    return model.head.loss(model(batch), y, treatment=treatment)


class WeightAverage:
    """An exponential moving average of a model's floating-point weights, with the usual warm-up
    (``decay_t = min(decay, (1 + t) / (10 + t))``) so the first steps do not drag the average to the
    initial weights. The warm-up binds for the first few hundred steps: until then the average spans
    about the last ``t / 9`` steps (Online Retail next product: ~0.8 epoch at its best epoch, the 7th);
    after, ``horizon_steps``."""

    def __init__(self, model: torch.nn.Module, horizon_steps: int):
        self.decay = 1.0 - 1.0 / max(int(horizon_steps), 2)
        self.steps = 0
        self.average = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for name, value in model.state_dict().items():
            if value.is_floating_point():
                self.average[name].mul_(decay).add_(value.detach(), alpha=1.0 - decay)
            else:
                self.average[name].copy_(value)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.clone() for k, v in self.average.items()}


def fit_model(model: RelationalGNN, ctx: GraphContext, train: TrainSet, settings: GNNSettings, *,
              task: TaskType, metric: str, higher: bool, validate: Callable[[], float | None], device: str,
              log: Callable[[str], None], show_progress: bool, time_budget: float | None) -> FitOutcome:
    """Train ``model`` in place and leave it holding the best validation epoch's weights."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    optimizer = (torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
                 if settings.weight_decay > 0 else torch.optim.Adam(model.parameters(), lr=settings.lr))
    lr, lrs = settings.lr, []
    rng = np.random.default_rng(settings.seed)
    generator = torch.Generator(device=device).manual_seed(settings.seed)
    best_state, best_metric, best_epoch, stale = None, None, 0, 0
    epochs_run = 0
    per_epoch = settings.rows_per_epoch(len(train))
    average = WeightAverage(model, -(-per_epoch // settings.batch_size)) if settings.weight_average else None
    bar = tqdm(total=settings.epochs * -(-per_epoch // settings.batch_size), desc="gnn training", unit="batch",
               file=sys.stderr, disable=not show_progress, leave=False)
    try:
        for epoch in range(1, settings.epochs + 1):
            epoch_start = time.perf_counter()
            if settings.lr_schedule:  # a refit replays the rates its fit used
                lr = settings.lr_schedule[min(epoch, len(settings.lr_schedule)) - 1]
            for group in optimizer.param_groups:
                group["lr"] = lr
            lrs.append(lr)
            order = _epoch_order(rng, len(train), per_epoch)
            model.train()
            total, count = 0.0, 0
            features = train.features[order] if train.features is not None else None
            for positions, batch in ctx.batches(train.nodes[order], train.times[order], device, features):
                idx = order[positions]
                loss = batch_loss(model, batch, idx, train, device, generator)
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
                optimizer.step()
                if average is not None:
                    average.update(model)
                total += float(loss.detach()) * len(idx)
                count += len(idx)
                bar.update(1)
            trained = None
            if average is not None:  # validate the averaged weights; training goes on from its own
                trained = {k: v.detach().clone() for k, v in model.state_dict().items()}
                model.load_state_dict(average.state_dict())
            value = validate()
            epochs_run = epoch
            # Without any validation metric (no validation rows, or a metric undefined on them, such as
            # AUROC when every validation label is the same) the latest epoch is the best so far:
            # keeping the first would throw the rest of training away, and early stopping would end it.
            unvalidated = undefined(best_metric) and undefined(value)
            if best_state is None or unvalidated or better(value, best_metric, higher=higher):
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                best_metric, best_epoch, stale = value, epoch, 0
            else:
                stale += 1
                if stale % settings.lr_patience == 0 and settings.lr_decay < 1.0:
                    lr *= settings.lr_decay
                    log(f"gnn: learning rate {lr:.3g}, no better validation {metric} "
                        f"for {stale} epoch{'s' if stale != 1 else ''}")
            if trained is not None:
                model.load_state_dict(trained)
            seconds = time.perf_counter() - epoch_start
            scored = "" if value is None else f" · val {metric} {shown(value)}"  # None: no validation rows (a refit)
            log(f"gnn epoch {epoch}/{settings.epochs}: loss {total / max(count, 1):.4f}{scored} · {seconds:.1f}s")
            bar.set_postfix(epoch=epoch, loss=f"{total / max(count, 1):.4f}", **({} if value is None else {"val": shown(value)}))
            if not settings.fixed_epochs and stale >= settings.patience:
                log(f"gnn: stopping early, no better validation {metric} for {stale} epoch{'s' if stale != 1 else ''}")
                break
            elapsed = time.perf_counter() - started
            if time_budget is not None and elapsed + elapsed / epoch > time_budget and epoch < settings.epochs:
                # a warning, not a note: the model is short of training, and a busier machine stops it elsewhere
                log(f"warning: gnn: stopped after {epoch} of {settings.epochs} epochs to stay within the "
                    f"{time_budget:.0f}s time budget, so the same query and seed may stop at another epoch on a "
                    "busier machine; WITH time_budget = s allows more time, WITH epochs = n fixes the count")
                break
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return FitOutcome(best_epoch=best_epoch, best_metric=best_metric, epochs_run=epochs_run,
                      seconds=time.perf_counter() - started, lrs=tuple(lrs))
