"""Every item an entity reached along the ranking target's path at or before the anchor, with pair features.

Link ranking's strongest signals are repeat behaviour and recency: which items this customer took, how
often, how long ago. The sampled subgraph cannot say: it holds the ``neighbors`` most recent rows per
hop (16 invoice lines: about one basket). ContextGNN (RelBench, 2024) scores an entity's past items
with pair-wise features for exactly this reason. `ItemHistoryWalker` walks the target's path
(``customers -> invoices -> invoice_lines -> products``) over the sampler's time-sorted CSR with the
sampler's visibility rule (a row is visible when its time is at or before the seed's anchor), so it
can never see a label row, and returns per (seed, item) pair:

    log1p(count)                 how often the entity took the item
    log1p(days since the last)   recency of the last time
    count / entity's total       the item's share of the entity's history
    log1p(count in 30 / 90 days) how often lately
    log1p(entity's rows, items)  how much and how widely the entity buys at all (a heavy repeat buyer's
                                 history means more than a one-basket customer's)

Each seed keeps at most ``max_rows`` most recent rows per hop (heavy buyers stay bounded).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.graph.meta import EdgeType
from engine.graph.sampler import TemporalSampler
from engine.graph.timecode import ALWAYS_VISIBLE
from pql.errors import EngineError

PAIR_WINDOWS_DAYS = (30, 90)
PAIR_FEATURES = 5 + len(PAIR_WINDOWS_DAYS)
MAX_HISTORY_ROWS = 1_000
SECONDS_PER_DAY = 86_400.0
TREND_CACHE_BYTES = 64 << 20  # item-trend counts kept per anchor time (see ItemTrendCounter)


@dataclass(frozen=True, kw_only=True)
class HistoryPairs:
    """Distinct (seed row, item node) pairs: ``rows``, ``items`` int64 ``[H]``, ``features`` float32 ``[H, F]``."""

    rows: Tensor
    items: Tensor
    features: Tensor


def history_path(edge_types: Sequence[EdgeType], steps: Sequence[tuple[str, str, str]]) -> tuple[EdgeType, ...]:
    """The edge types walked for ``steps`` = ``(from_table, fk_name, to_table)`` moves.

    A move from a parent down to its children along foreign key ``fk`` uses the forward edge
    ``(child, fk, parent)`` (the CSR of a parent lists its children); a move from a child up to the
    parent it references uses the reverse edge ``(parent, "rev_" + fk, child)``.
    """
    known = set(edge_types)
    path = []
    for start, fk, end in steps:
        down, up = (end, fk, start), (end, "rev_" + fk, start)
        et = down if down in known else up if up in known else None
        if et is None:
            raise EngineError(f"the graph has no edge for {start} -> {end} via {fk!r}; cannot read item histories")
        path.append(et)
    return tuple(path)


class ItemHistoryWalker:
    """Pair features of the items reached from seeds along ``path`` (edge types, walked dst -> src)."""

    def __init__(self, sampler: TemporalSampler, path: Sequence[EdgeType], *, max_rows: int = MAX_HISTORY_ROWS):
        if not path:
            raise EngineError("an item history needs a path of at least one edge type")
        for (_, _, dst), (src, _, _) in zip(path[1:], path[:-1]):
            if dst != src:
                raise EngineError(f"item history path does not connect: {list(path)}")
        self.sampler, self.path, self.max_rows = sampler, tuple(path), int(max_rows)
        self.item_type = path[-1][0]

    def pairs(self, nodes: Tensor, bound: Tensor) -> HistoryPairs:
        """History pairs of seeds ``nodes`` (int64 ``[B]``, entity nodes) at anchors ``bound`` (int64 ``[B]``)."""
        nodes, bound = nodes.long(), bound.long()
        frontier, owner = nodes, torch.arange(nodes.numel())
        when = torch.full((nodes.numel(),), ALWAYS_VISIBLE, dtype=torch.long)
        for et in self.path:
            index = self.sampler.index[et]
            pos, parent = index.sample(frontier, bound[owner], self.max_rows, "last", self.sampler.generator)
            frontier, owner, when = index.neighbour(pos), owner[parent], when[parent]
            times = self.sampler.node_time[et[0]]
            if times is not None:
                t = times[frontier]
                when = torch.where(t != ALWAYS_VISIBLE, t, when)
            frontier, owner, when = _most_recent(frontier, owner, when, self.max_rows)
        return _aggregate(owner, frontier, when, bound, self.sampler.num_nodes[self.item_type])


def _most_recent(node: Tensor, owner: Tensor, when: Tensor, limit: int) -> tuple[Tensor, Tensor, Tensor]:
    """At most ``limit`` entries per owner, the most recent ones."""
    counts = torch.bincount(owner)
    if counts.numel() == 0 or int(counts.max()) <= limit:
        return node, owner, when
    order = torch.argsort(when, descending=True, stable=True)
    order = order[torch.argsort(owner[order], stable=True)]
    first = torch.cumsum(counts, 0) - counts
    rank = torch.arange(order.numel()) - first[owner[order]]
    keep = order[rank < limit]
    return node[keep], owner[keep], when[keep]


def _aggregate(owner: Tensor, item: Tensor, when: Tensor, bound: Tensor, num_items: int) -> HistoryPairs:
    if owner.numel() == 0:
        empty = torch.empty(0, dtype=torch.long)
        return HistoryPairs(rows=empty, items=empty, features=torch.empty(0, PAIR_FEATURES))
    keys, inverse, count = torch.unique(owner * num_items + item, return_inverse=True, return_counts=True)
    last = torch.full((keys.numel(),), torch.iinfo(torch.long).min, dtype=torch.long)
    last = last.scatter_reduce(0, inverse, when, reduce="amax")
    rows, items = keys // num_items, keys % num_items
    total = torch.bincount(owner, minlength=bound.numel()).to(torch.float32)
    known = last != ALWAYS_VISIBLE
    days = torch.where(known, (bound[rows] - last).clamp(min=0).to(torch.float32) / SECONDS_PER_DAY,
                       torch.zeros_like(rows, dtype=torch.float32))
    count = count.to(torch.float32)
    age = bound[owner] - when  # seconds before the anchor, per history row
    recent = [torch.zeros(keys.numel()).index_add_(0, inverse, (age <= w * SECONDS_PER_DAY).to(torch.float32))
              for w in PAIR_WINDOWS_DAYS]
    distinct = torch.bincount(rows, minlength=bound.numel()).to(torch.float32)
    features = torch.stack([torch.log1p(count), torch.log1p(days), count / total[rows],
                            *[torch.log1p(r) for r in recent], torch.log1p(total[rows]),
                            torch.log1p(distinct[rows])], dim=1)
    return HistoryPairs(rows=rows, items=items, features=features)


#: (from, to) days before the anchor: the item's rows with ``anchor - from < t <= anchor - to``. The last
#: window is the same 30 days a year earlier that follow the anchor's date: what sold last Christmas
#: sells again (seasonal goods), which no window ending at the anchor can say.
TREND_WINDOWS_DAYS = ((7, 0), (30, 0), (90, 0), (365, 0), (365, 335))


@dataclass(frozen=True, kw_only=True)
class ItemTrend:
    """Recent popularity of every item at each distinct anchor of a batch.

    ``index`` int64 ``[B]``: the row of ``features`` each seed's anchor uses; ``features`` float32
    ``[U, I, F]``: ``log1p`` of the item's rows in each of ``TREND_WINDOWS_DAYS`` before the anchor.
    """

    index: Tensor
    features: Tensor


class ItemTrendCounter:
    """How often each item was taken in the last 7/30/90/365 days before an anchor, and in the 30 days after
    the anchor's date a year earlier (all entities together).

    A learned per-item bias is the same at every anchor, but what sells changes: seasonal goods, new
    products, discontinued ones. Counted on the CSR of ``edge_type`` (the aggregated rows -> the
    item they reference) with the sampler's visibility rule, so only rows at or before the anchor count.
    """

    def __init__(self, sampler: TemporalSampler, edge_type: EdgeType, *, cache_bytes: int = TREND_CACHE_BYTES):
        self.sampler, self.edge_type = sampler, edge_type
        self.item_type = edge_type[2]
        self.num_items = sampler.num_nodes[self.item_type]
        # Training anchors are a few dozen times, met again in every batch and epoch: the counts at one
        # anchor depend on nothing else, so each is counted once (up to ``cache_bytes`` of them).
        per_anchor = max(1, self.num_items * len(TREND_WINDOWS_DAYS) * 4)
        self._max_cached = max(1, cache_bytes // per_anchor)
        self._cache: dict[int, Tensor] = {}

    def trend(self, bound: Tensor) -> ItemTrend:
        """Trend features for seeds at anchors ``bound`` (int64 ``[B]``)."""
        anchors, index = torch.unique(bound.long(), return_inverse=True)
        features = torch.stack([self._at(t) for t in anchors.tolist()]) if anchors.numel() else \
            torch.empty(0, self.num_items, len(TREND_WINDOWS_DAYS))
        return ItemTrend(index=index, features=features)

    def _at(self, t: int) -> Tensor:
        """float32 ``[I, F]``: each item's rows in each window before anchor ``t`` (log1p)."""
        cached = self._cache.get(t)
        if cached is not None:
            return cached
        items = torch.arange(self.num_items)
        csr = self.sampler.index[self.edge_type]
        # each distinct window edge is counted once (four windows end at the anchor itself)
        edges = sorted({int(d * SECONDS_PER_DAY) for window in TREND_WINDOWS_DAYS for d in window})
        upto = {e: csr.visible(items, torch.full((self.num_items,), t - e, dtype=torch.long))[1] for e in edges}
        out = torch.stack([torch.log1p((upto[int(end * SECONDS_PER_DAY)] - upto[int(start * SECONDS_PER_DAY)])
                                       .to(torch.float32)) for start, end in TREND_WINDOWS_DAYS], dim=1)
        if len(self._cache) < self._max_cached:
            self._cache[t] = out
        return out
