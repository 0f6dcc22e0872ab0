"""Per-edge-type neighbour index and the vectorised 'last' / 'uniform' temporal picks.

For an edge type ``(src, rel, dst)`` messages flow src → dst, so sampling walks the other way: from a
frontier of dst nodes to their src neighbours. The index is a CSR over dst rows whose entries (the src
neighbours) are sorted by the neighbour's time, ties by edge id, so "visible at time b" is a prefix
of each row, found for all frontier nodes at once with one ``torch.searchsorted``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from engine.graph.timecode import ALWAYS_VISIBLE


def _ranges(start: Tensor, count: Tensor) -> tuple[Tensor, Tensor]:
    """Flattened ``[start_i, start_i + count_i)`` for all i: (positions [sum count], owner i of each)."""
    owner = torch.repeat_interleave(torch.arange(len(count)), count)
    first = torch.cumsum(count, 0) - count
    offset = torch.arange(int(count.sum())) - first[owner]
    return start[owner] + offset, owner


@dataclass(frozen=True, kw_only=True, eq=False)
class NeighbourIndex:
    """Time-sorted CSR of one edge type, indexed by destination node."""

    rowptr: Tensor  # int64 [N_dst + 1]
    neighbour: Tensor  # int64 [E] src node of each entry
    edge_id: Tensor  # int64 [E] column of the entry in the edge type's edge_index
    time_key: Tensor | None  # int64 [E] dst * (R + 1) + rank of the src time; None: src untimed
    distinct_times: Tensor | None  # int64 [R] sorted distinct src times of the entries

    @classmethod
    def build(cls, edge_index: Tensor, num_dst: int, src_time: Tensor | None) -> "NeighbourIndex":
        """``edge_index``: int64 [2, E] (src, dst); ``src_time``: int64 [N_src] or None (static)."""
        src, dst = edge_index[0].long(), edge_index[1].long()
        order = torch.arange(src.numel())
        # Untimed neighbours (ALWAYS_VISIBLE) pass every bound: no time key needed.
        timed = src_time is not None and bool((src_time[src] != ALWAYS_VISIBLE).any())
        if timed:
            order = torch.sort(src_time[src], stable=True).indices
        order = order[torch.sort(dst[order], stable=True).indices]  # by dst, then time, then edge id
        rowptr = torch.zeros(num_dst + 1, dtype=torch.long)
        rowptr[1:] = torch.cumsum(torch.bincount(dst, minlength=num_dst), 0)
        time_key = distinct = None
        if timed:
            times = src_time[src[order]]
            distinct = torch.unique(times)
            time_key = dst[order] * (distinct.numel() + 1) + torch.searchsorted(distinct, times)
        return cls(rowptr=rowptr, neighbour=src[order].contiguous(), edge_id=order, time_key=time_key,
                   distinct_times=distinct)

    def visible(self, dst: Tensor, bound: Tensor) -> tuple[Tensor, Tensor]:
        """(start, count) per frontier node: its entries with neighbour time <= ``bound`` (int64 [F])."""
        start = self.rowptr[dst]
        if self.time_key is None:
            return start, self.rowptr[dst + 1] - start
        ranks_below = torch.searchsorted(self.distinct_times, bound, right=True)
        end = torch.searchsorted(self.time_key, dst * (self.distinct_times.numel() + 1) + ranks_below)
        return start, end - start

    def sample(self, dst: Tensor, bound: Tensor, k: int, strategy: str,
               generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """Up to ``k`` visible neighbours per frontier node (all when k < 0), without replacement.

        Returns (entry positions [S], owner [S]: index into ``dst`` of the node each was drawn for).
        """
        start, count = self.visible(dst, bound)
        if k < 0:
            return _ranges(start, count)
        if strategy == "last":
            take = count.clamp(max=k)
            return _ranges(start + count - take, take)
        if strategy == "uniform":
            return _uniform(start, count, k, generator)
        raise ValueError(f"unknown temporal strategy {strategy!r}; expected 'last' or 'uniform'")


def _uniform(start: Tensor, count: Tensor, k: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """All entries where count <= k; elsewhere k distinct uniform picks by Floyd's algorithm,
    vectorised over nodes (a Python loop over the k draws only, O(nodes * k^2))."""
    small = count <= k
    pos_small, owner_small = _ranges(start[small], count[small])
    owner_small = torch.nonzero(small).flatten()[owner_small]
    big = torch.nonzero(~small).flatten()
    if big.numel() == 0:
        return pos_small, owner_small
    n = count[big]
    chosen = torch.empty(big.numel(), k, dtype=torch.long)
    for i in range(k):
        j = n - k + i  # Floyd: draw t in [0, j]; if already chosen, take j itself
        t = (torch.rand(big.numel(), generator=generator, dtype=torch.float64) * (j + 1)).long().clamp(max=j)
        taken = (chosen[:, :i] == t[:, None]).any(dim=1)
        chosen[:, i] = torch.where(taken, j, t)
    pos_big = (start[big][:, None] + chosen).reshape(-1)
    owner_big = big.repeat_interleave(k)
    return torch.cat([pos_small, pos_big]), torch.cat([owner_small, owner_big])
