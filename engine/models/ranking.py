"""Link ranking: score entity embeddings against item embeddings by dot product.

Items are embedded either by a learned item table (``num_items > 0``: one row per item key, the
two-tower / shallow-embedding baseline of RelBench's link tasks) or by the caller, e.g. the GNN's
embeddings of the item table's nodes (``item_in_channels > 0``: projected by a Linear).

Training pairs are the observed future links ``(pos_rows[p], pos_items[p])`` -- entity row ``b`` of
the batch and item index ``i`` -- against sampled negatives, with either

- ``softmax``: cross-entropy of each positive against every other item when the catalog has at most
  ``num_negatives`` items, else against ``num_negatives`` uniformly sampled items shared by the batch, or
- ``bpr``: ``-log sigmoid(s_pos - s_neg)`` against ``num_negatives`` items per positive.

Sampled negatives that happen to be positives of the same entity ("accidental hits") are masked.

With ``spec.item_history`` the score of (entity, item) also gets a learned function of the pair's
history features (`engine.graph.item_history`: how often, how lately and how recently the entity took
the item, its share of the entity's history, and the item's recent popularity), 0 for items the entity
never took. Repeat behaviour is the
strongest signal of most recommendation data, and a dot product of two learned towers finds it
slowly; the pair scorer starts as ``log1p(count)`` and learns what to add. Popularity, the next
strongest, gets a learned bias per item (learned item table only), which `init_item_bias` starts at the
items' log frequency in the training labels; the item table starts near zero, so the scorer begins as
popularity plus repeats and learns what to add to them. What sells changes over time (seasons, new
products), so a learned function of each item's recent popularity at the seed's anchor (`ItemTrend`:
rows in the last 7/30/90/365 days) adds an anchor-dependent bias; it starts at 0. With that trend the
static bias can be left out (``spec.item_bias = False``, as the GNN does): learned from the training
period's labels, it is stale by the time of prediction, while the trend reads popularity at the anchor. With
``spec.pair_context > 0`` the pair scorer also reads a projection of the entity's embedding (as
ContextGNN's pair scores do): how much a past item counts depends on who the entity is (a weekly
restocker repeats, a gift buyer does not), which pair features alone cannot say.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.graph.item_history import PAIR_FEATURES, TREND_WINDOWS_DAYS, ItemTrend
from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError


@dataclass(frozen=True)
class ItemHistory:
    """Sparse (entity row, item) pairs: ``rows``, ``items`` int64 ``[H]``, ``values`` float ``[H]`` (a score
    each) or ``[H, F]`` (pair features, turned into scores by `scored`). Pairs must be distinct."""

    rows: Tensor
    items: Tensor
    values: Tensor

    def scored(self, scorer: torch.nn.Module, context: Tensor | None = None) -> "ItemHistory":
        """The same pairs with ``values = scorer(features, context[rows])`` ``[H]`` (``context``: ``[B, c]``
        per entity row, or None)."""
        if self.values.dim() == 1:
            return self
        if not self.rows.numel():
            return ItemHistory(rows=self.rows, items=self.items, values=self.values.new_zeros(0))
        values = scorer(self.values, None if context is None else context[self.rows]).reshape(-1)
        return ItemHistory(rows=self.rows, items=self.items, values=values)

    def add_to(self, scores: Tensor) -> Tensor:
        """``scores [B, I]`` plus the (scalar) values at the history's pairs."""
        if self.rows.numel() == 0:
            return scores
        return scores.index_put((self.rows, self.items), self.values.to(scores.dtype), accumulate=True)

    def lookup(self, rows: Tensor, items: Tensor, num_items: int) -> Tensor:
        """History values of the pairs ``(rows, items)`` (any equal shapes), 0 where absent."""
        if self.rows.numel() == 0:
            return torch.zeros(rows.shape, device=rows.device)
        keys = self.rows * num_items + self.items
        order = torch.argsort(keys)
        sorted_keys, sorted_values = keys[order], self.values[order]
        wanted = (rows * num_items + items).reshape(-1)
        pos = torch.searchsorted(sorted_keys, wanted).clamp(max=sorted_keys.numel() - 1)
        found = sorted_keys[pos] == wanted
        return torch.where(found, sorted_values[pos], torch.zeros_like(sorted_values[pos])).reshape(rows.shape)


ITEM_INIT_STD = 0.01


class PairScorer(torch.nn.Module):
    """Score of an (entity, item) pair from its history features ``[H, F]`` -> ``[H, 1]``.

    A linear part that starts as ``log1p(count)`` (the first feature) plus a small MLP that starts at 0,
    so training begins from "items taken more often rank higher" and learns recency and share. The MLP
    also reads ``context`` ``[H, context_channels]`` (the pair's entity, projected) when given.
    """

    def __init__(self, in_features: int, hidden: int = 16, context_channels: int = 0):
        super().__init__()
        self.linear = torch.nn.Linear(in_features, 1)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(in_features + context_channels, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, 1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.weight[0, 0] = 1.0
            self.linear.bias.zero_()
            self.mlp[0].reset_parameters()
            self.mlp[2].weight.zero_()
            self.mlp[2].bias.zero_()

    def forward(self, features: Tensor, context: Tensor | None = None) -> Tensor:
        inputs = features if context is None else torch.cat([features, context], dim=-1)
        return self.linear(features) + self.mlp(inputs)


class LinkRankingHead(torch.nn.Module):
    """Dot-product scorer of entities ``[B, C]`` against items ``[I, *]``.

    Args:
        spec: a link-ranking task (``num_items``, ``loss``, ``num_negatives``).
        in_channels: width ``C`` of the entity embeddings.
        channels: width ``d`` of the shared scoring space.
        item_in_channels: width of caller-given item embeddings; 0 when the learned table is used.
    """

    def __init__(self, spec: TaskSpec, in_channels: int, *, channels: int | None = None, item_in_channels: int = 0):
        super().__init__()
        if spec.task is not TaskType.LINK_RANKING:
            raise EngineError(f"LinkRankingHead needs a link ranking task, got {spec.task}")
        if (spec.num_items > 0) == (item_in_channels > 0):
            raise EngineError("link ranking needs exactly one item source: num_items (learned table) "
                              "or item_in_channels (caller-given embeddings)")
        self.spec = spec
        self.channels = channels or in_channels
        self.entity_lin = torch.nn.Linear(in_channels, self.channels)
        self.item_table = torch.nn.Embedding(spec.num_items, self.channels) if spec.num_items > 0 else None
        self.item_lin = torch.nn.Linear(item_in_channels, self.channels) if item_in_channels > 0 else None
        context = spec.pair_context if spec.item_history else 0
        self.history_scorer = (PairScorer(PAIR_FEATURES + len(TREND_WINDOWS_DAYS), context_channels=context)
                               if spec.item_history else None)
        self.pair_context = torch.nn.Linear(in_channels, context) if context else None
        self.trend_scorer = (torch.nn.Sequential(torch.nn.Linear(len(TREND_WINDOWS_DAYS), 16), torch.nn.ReLU(),
                                                 torch.nn.Linear(16, 1)) if spec.item_history else None)
        self.item_bias = (torch.nn.Parameter(torch.zeros(spec.num_items)) if spec.num_items > 0 and spec.item_bias
                          else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.entity_lin.reset_parameters()
        if self.item_table is not None:  # near zero: the first scores are the bias and the history
            torch.nn.init.normal_(self.item_table.weight, std=ITEM_INIT_STD)
        if self.item_lin is not None:
            self.item_lin.reset_parameters()
        if self.history_scorer is not None:
            self.history_scorer.reset_parameters()
        if self.pair_context is not None:
            self.pair_context.reset_parameters()
        if self.trend_scorer is not None:
            self.trend_scorer[0].reset_parameters()
            torch.nn.init.zeros_(self.trend_scorer[2].weight)
            torch.nn.init.zeros_(self.trend_scorer[2].bias)
        if self.item_bias is not None:
            torch.nn.init.zeros_(self.item_bias)

    @torch.no_grad()
    def init_item_bias(self, counts: Tensor) -> None:
        """Start the item biases at ``log1p(counts [I])`` (each item's positives in training), centred."""
        if self.item_bias is None:
            return
        log_counts = torch.log1p(counts.to(self.item_bias.dtype).to(self.item_bias.device))
        self.item_bias.copy_(log_counts - log_counts.mean())

    def _bias(self, items: Tensor) -> Tensor | float:
        return self.item_bias[items] if self.item_bias is not None else 0.0

    def entity_embedding(self, h: Tensor) -> Tensor:
        """``[B, C]`` -> ``[B, d]``."""
        return self.entity_lin(h)

    def item_embedding(self, items: Tensor | None = None) -> Tensor:
        """The learned table ``[I, d]``, or caller-given item embeddings ``[I, C_item]`` projected to ``[I, d]``."""
        if self.item_table is not None:
            if items is not None:
                raise EngineError("this head embeds items with its own table; do not pass item embeddings")
            return self.item_table.weight
        if items is None:
            raise EngineError("this head needs the item embeddings [I, C_item]")
        return self.item_lin(items)

    def _pair_context(self, h: Tensor) -> Tensor | None:
        return None if self.pair_context is None else self.pair_context(h)

    def _trend_bias(self, trend: ItemTrend | None) -> Tensor | None:
        """``[B, I]``: each item's learned recent-popularity score at each seed's anchor (None: no trend)."""
        if trend is None or self.trend_scorer is None:
            return None
        return self.trend_scorer(trend.features).squeeze(-1)[trend.index]

    def forward(self, h: Tensor, items: Tensor | None = None, history: ItemHistory | None = None,
                trend: ItemTrend | None = None) -> Tensor:
        """Scores of every entity against every item: ``[B, I]``."""
        scores = self.entity_embedding(h) @ self.item_embedding(items).t()
        if self.item_bias is not None:
            scores = scores + self.item_bias[None, :]
        dynamic = self._trend_bias(trend)
        if dynamic is not None:
            scores = scores + dynamic
        if history is not None and self.history_scorer is not None:
            scores = history.scored(self.history_scorer, self._pair_context(h)).add_to(scores)
        return scores

    @torch.no_grad()
    def rank(self, h: Tensor, k: int, items: Tensor | None = None,
             history: ItemHistory | None = None, trend: ItemTrend | None = None) -> tuple[Tensor, Tensor]:
        """Top-``k`` items per entity: ``(scores [B, k], item indices [B, k])``, best first."""
        scores = self.forward(h, items, history, trend)
        return torch.topk(scores, min(k, scores.size(1)), dim=1)

    def _history(self, history: ItemHistory | None, rows: Tensor, items: Tensor, num_items: int) -> Tensor | float:
        if history is None:
            return 0.0
        return history.lookup(rows, items, num_items)

    def loss(self, h: Tensor, pos_rows: Tensor, pos_items: Tensor, items: Tensor | None = None,
             *, generator: torch.Generator | None = None, history: ItemHistory | None = None,
             trend: ItemTrend | None = None) -> Tensor:
        """Ranking loss of the positives ``(pos_rows [P], pos_items [P])`` against sampled negatives."""
        entity = self.entity_embedding(h)
        item = self.item_embedding(items)
        num_items = item.size(0)
        if pos_rows.numel() == 0:
            return entity.sum() * 0.0 + item.sum() * 0.0
        pos_rows, pos_items = pos_rows.long(), pos_items.long()
        if history is not None:
            history = (history.scored(self.history_scorer, self._pair_context(h))
                       if self.history_scorer is not None else None)
        k = self.spec.num_negatives
        if self.spec.loss == "softmax" and num_items <= k:
            return self._exact_softmax(h, items, pos_rows, pos_items, history, trend)
        anchor = entity[pos_rows]  # [P, d]
        pos_score = ((anchor * item[pos_items]).sum(-1) + self._bias(pos_items)
                     + self._history(history, pos_rows, pos_items, num_items))
        dynamic = self._trend_bias(trend)
        if dynamic is not None:
            pos_score = pos_score + dynamic[pos_rows, pos_items]
        pos_keys = pos_rows * num_items + pos_items
        if self.spec.loss == "bpr":
            neg = torch.randint(num_items, (pos_rows.numel(), k), device=item.device, generator=generator)
            neg_score = torch.einsum("pd,pkd->pk", anchor, item[neg]) + self._bias(neg)  # [P, k]
            neg_score = neg_score + self._history(history, pos_rows[:, None].expand_as(neg), neg, num_items)
            if dynamic is not None:
                neg_score = neg_score + dynamic[pos_rows[:, None], neg]
            valid = ~torch.isin(pos_rows[:, None] * num_items + neg, pos_keys)
            per_pair = -F.logsigmoid(pos_score[:, None] - neg_score)
            return (per_pair * valid).sum() / valid.sum().clamp(min=1)
        neg = torch.randint(num_items, (k,), device=item.device, generator=generator)
        # The negatives are shared by the batch and the accidental-hit mask depends only on the row, so
        # every positive of a row shares one masked log-sum-exp over the negatives: computed per row
        # ([B, k]), not per positive ([P, k]; a retail basket row has dozens of positives).
        rows = torch.arange(entity.size(0), device=entity.device)
        neg_score = entity @ item[neg].t() + self._bias(neg)  # [B, k] (+ [k] broadcast)
        neg_score = neg_score + self._history(history, rows[:, None].expand(-1, neg.numel()),
                                              neg[None, :].expand(rows.numel(), -1), num_items)
        if dynamic is not None:
            neg_score = neg_score + dynamic[:, neg]
        hit = torch.isin(rows[:, None] * num_items + neg[None, :], pos_keys)
        row_lse = torch.logsumexp(neg_score.masked_fill(hit, float("-inf")), dim=1)  # [B]
        # cross-entropy of [pos, negatives] at index 0 = log(e^pos + sum e^neg) - pos
        return (torch.logaddexp(pos_score, row_lse[pos_rows]) - pos_score).mean()

    def _exact_softmax(self, h: Tensor, items: Tensor | None, pos_rows: Tensor, pos_items: Tensor,
                       history: ItemHistory | None, trend: ItemTrend | None) -> Tensor:
        """Each positive against every item that is not a positive of its row (the full score matrix).

        Uniform sampled negatives are mostly items nobody buys: easy to beat, so the ranking among the
        plausible items (popular ones, ones the entity bought before) is barely trained. Every item
        as a negative trains exactly that ranking.
        """
        scores = self.forward(h, items, history, trend)  # [B, I]
        pos_score = scores[pos_rows, pos_items]
        hit = torch.zeros_like(scores, dtype=torch.bool)
        hit[pos_rows, pos_items] = True
        row_lse = torch.logsumexp(scores.masked_fill(hit, float("-inf")), dim=1)  # [B]
        return (torch.logaddexp(pos_score, row_lse[pos_rows]) - pos_score).mean()

    def extra_repr(self) -> str:
        source = f"num_items={self.spec.num_items}" if self.item_table is not None else "items=given"
        return f"channels={self.channels}, {source}, loss={self.spec.loss}"
