"""Link ranking: score entity embeddings against item embeddings by dot product.

Items are embedded either by a learned item table (``num_items > 0``: one row per item key, the
two-tower / shallow-embedding baseline of RelBench's link tasks) or by the caller, e.g. the GNN's
embeddings of the item table's nodes (``item_in_channels > 0``: projected by a Linear).

Training pairs are the observed future links ``(pos_rows[p], pos_items[p])`` -- entity row ``b`` of
the batch and item index ``i`` -- against sampled negatives, with either

- ``softmax``: cross-entropy of each positive against ``num_negatives`` items shared by the batch
  (all items when there are no more than that), or
- ``bpr``: ``-log sigmoid(s_pos - s_neg)`` against ``num_negatives`` items per positive.

Sampled negatives that happen to be positives of the same entity ("accidental hits") are masked.

With ``spec.item_history`` the score of (entity, item) also gets ``history_weight * log1p(count)``,
where ``count`` says how often the item appears in the entity's sampled past neighbourhood
(`ItemHistory`, e.g. how many of its recent purchases were of that item). Repeat behaviour is the
strongest signal of most recommendation data, and a dot product of two learned towers finds it
slowly; this one learned scalar gives it directly. Popularity, the next strongest, gets a learned bias
per item (learned item table only), which `init_item_bias` starts at the items' log frequency in the
training labels, so the scorer begins as the popularity baseline and learns what to add to it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError


@dataclass(frozen=True)
class ItemHistory:
    """Sparse (entity row, item) features: ``rows``, ``items`` int64 ``[H]``, ``values`` float ``[H]``.

    Pairs must be distinct (the disjoint sampler reaches each item at most once per seed).
    """

    rows: Tensor
    items: Tensor
    values: Tensor

    def add_to(self, scores: Tensor, weight: Tensor) -> Tensor:
        """``scores [B, I]`` plus ``weight * values`` at the history's pairs."""
        if self.rows.numel() == 0:
            return scores
        return scores.index_put((self.rows, self.items), weight * self.values.to(scores.dtype), accumulate=True)

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
        self.history_weight = torch.nn.Parameter(torch.ones(1)) if spec.item_history else None
        self.item_bias = torch.nn.Parameter(torch.zeros(spec.num_items)) if spec.num_items > 0 else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.entity_lin.reset_parameters()
        if self.item_table is not None:
            torch.nn.init.normal_(self.item_table.weight, std=self.channels ** -0.5)
        if self.item_lin is not None:
            self.item_lin.reset_parameters()
        if self.history_weight is not None:
            torch.nn.init.ones_(self.history_weight)
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

    def forward(self, h: Tensor, items: Tensor | None = None, history: ItemHistory | None = None) -> Tensor:
        """Scores of every entity against every item: ``[B, I]``."""
        scores = self.entity_embedding(h) @ self.item_embedding(items).t()
        if self.item_bias is not None:
            scores = scores + self.item_bias[None, :]
        if history is not None and self.history_weight is not None:
            scores = history.add_to(scores, self.history_weight)
        return scores

    @torch.no_grad()
    def rank(self, h: Tensor, k: int, items: Tensor | None = None,
             history: ItemHistory | None = None) -> tuple[Tensor, Tensor]:
        """Top-``k`` items per entity: ``(scores [B, k], item indices [B, k])``, best first."""
        scores = self.forward(h, items, history)
        return torch.topk(scores, min(k, scores.size(1)), dim=1)

    def _history(self, history: ItemHistory | None, rows: Tensor, items: Tensor, num_items: int) -> Tensor | float:
        if history is None or self.history_weight is None:
            return 0.0
        return self.history_weight * history.lookup(rows, items, num_items)

    def loss(self, h: Tensor, pos_rows: Tensor, pos_items: Tensor, items: Tensor | None = None,
             *, generator: torch.Generator | None = None, history: ItemHistory | None = None) -> Tensor:
        """Ranking loss of the positives ``(pos_rows [P], pos_items [P])`` against sampled negatives."""
        entity = self.entity_embedding(h)
        item = self.item_embedding(items)
        num_items = item.size(0)
        if pos_rows.numel() == 0:
            return entity.sum() * 0.0 + item.sum() * 0.0
        pos_rows, pos_items = pos_rows.long(), pos_items.long()
        anchor = entity[pos_rows]  # [P, d]
        pos_score = ((anchor * item[pos_items]).sum(-1) + self._bias(pos_items)
                     + self._history(history, pos_rows, pos_items, num_items))
        pos_keys = pos_rows * num_items + pos_items
        k = self.spec.num_negatives
        if self.spec.loss == "bpr":
            neg = torch.randint(num_items, (pos_rows.numel(), k), device=item.device, generator=generator)
            neg_score = torch.einsum("pd,pkd->pk", anchor, item[neg]) + self._bias(neg)  # [P, k]
            neg_score = neg_score + self._history(history, pos_rows[:, None].expand_as(neg), neg, num_items)
            valid = ~torch.isin(pos_rows[:, None] * num_items + neg, pos_keys)
            per_pair = -F.logsigmoid(pos_score[:, None] - neg_score)
            return (per_pair * valid).sum() / valid.sum().clamp(min=1)
        if num_items <= k:  # exact softmax over every item
            neg = torch.arange(num_items, device=item.device)
        else:
            neg = torch.randint(num_items, (k,), device=item.device, generator=generator)
        neg_score = anchor @ item[neg].t() + self._bias(neg)  # [P, k] (+ [k] broadcast)
        neg_score = neg_score + self._history(history, pos_rows[:, None].expand(-1, neg.numel()),
                                              neg[None, :].expand(pos_rows.numel(), -1), num_items)
        hit = torch.isin(pos_rows[:, None] * num_items + neg[None, :], pos_keys)
        neg_score = neg_score.masked_fill(hit, float("-inf"))  # includes the row's own positive
        logits = torch.cat([pos_score[:, None], neg_score], dim=1)
        return F.cross_entropy(logits, torch.zeros_like(pos_rows))

    def extra_repr(self) -> str:
        source = f"num_items={self.spec.num_items}" if self.item_table is not None else "items=given"
        return f"channels={self.channels}, {source}, loss={self.spec.loss}"
