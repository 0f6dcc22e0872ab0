"""Per-edge-type neighbour index and the vectorised 'last' / 'uniform' temporal picks.

For an edge type ``(src, rel, dst)`` messages flow src → dst, so sampling walks the other way: from a
frontier of dst nodes to their src neighbours. The index is a CSR over dst rows whose entries (the src
neighbours) are sorted by the neighbour's time, ties by edge id, so "visible at time b" is a prefix
of each row. Its end is found for all frontier nodes at once by a binary search vectorised over the
frontier (one step per bit of the longest row), reading the neighbours' times through the src node
types' own ``time`` tensor: the index stores no per-entry time.

Memory: entries are int32 where the node and edge counts allow (they do below 2^31), so an edge type
costs 8 bytes per edge plus its row pointers; a 47M-row event table's four edge types take ~1.5 GiB.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from engine.graph.timecode import ALWAYS_VISIBLE

_INT32_MAX = torch.iinfo(torch.int32).max


def _ranges(start: Tensor, count: Tensor) -> tuple[Tensor, Tensor]:
    """Flattened ``[start_i, start_i + count_i)`` for all i: (positions [sum count], owner i of each)."""
    owner = torch.repeat_interleave(torch.arange(len(count)), count)
    first = torch.cumsum(count, 0) - count
    offset = torch.arange(int(count.sum())) - first[owner]
    return start[owner] + offset, owner


def _compact(values: Tensor, upper: int) -> Tensor:
    """``values`` (all in [0, upper)) as int32 when ``upper`` fits, else int64."""
    return values.to(torch.int32 if upper <= _INT32_MAX else torch.int64).contiguous()


@dataclass(frozen=True, kw_only=True, eq=False)
class NeighbourIndex:
    """Time-sorted CSR of one edge type, indexed by destination node."""

    rowptr: Tensor  # int64 [N_dst + 1]
    entries: Tensor  # int32/int64 [E] src node of each entry (see `neighbour`)
    edge_ids: Tensor  # int32/int64 [E] column of each entry in the edge type's edge_index (see `edge_id`)
    src_time: Tensor | None  # int64 [N_src] the src node type's times (shared, not copied); None: untimed

    @classmethod
    def build(cls, edge_index: Tensor, num_dst: int, src_time: Tensor | None) -> "NeighbourIndex":
        """``edge_index``: int64 [2, E] (src, dst); ``src_time``: int64 [N_src] or None (static)."""
        src, dst = edge_index[0], edge_index[1]
        num_edges = src.numel()
        # Untimed neighbours (ALWAYS_VISIBLE) pass every bound: no search needed.
        timed = src_time is not None and bool((src_time != ALWAYS_VISIBLE).any())
        if timed:
            order = torch.sort(src_time[src], stable=True).indices
            order = order[torch.sort(dst[order], stable=True).indices]  # by dst, then time, then edge id
        else:
            order = torch.sort(dst, stable=True).indices
        rowptr = torch.zeros(num_dst + 1, dtype=torch.long)
        rowptr[1:] = torch.cumsum(torch.bincount(dst, minlength=num_dst), 0)
        num_src = int(src.max()) + 1 if num_edges else 0
        return cls(rowptr=rowptr, entries=_compact(src[order], num_src), edge_ids=_compact(order, num_edges),
                   src_time=src_time.long() if timed else None)

    def neighbour(self, pos: Tensor) -> Tensor:
        """int64 src node of the entries at ``pos``."""
        return self.entries[pos].long()

    def edge_id(self, pos: Tensor) -> Tensor:
        """int64 edge_index column of the entries at ``pos``."""
        return self.edge_ids[pos].long()

    def visible(self, dst: Tensor, bound: Tensor) -> tuple[Tensor, Tensor]:
        """(start, count) per frontier node: its entries with neighbour time <= ``bound`` (int64 [F])."""
        start, end = self.rowptr[dst], self.rowptr[dst + 1]
        if self.src_time is None or dst.numel() == 0:
            return start, end - start
        # Binary search for the first entry later than the bound, all rows at once: lo..hi narrows
        # to it; rows already settled (lo == hi) read a clamped, ignored position.
        lo, hi = start.clone(), end.clone()
        last = max(self.entries.numel() - 1, 0)
        for _ in range(int((end - start).max()).bit_length()):
            mid = (lo + hi) // 2
            later = self.src_time[self.entries[mid.clamp(max=last)].long()] > bound
            open_ = lo < hi
            hi = torch.where(open_ & later, mid, hi)
            lo = torch.where(open_ & ~later, mid + 1, lo)
        return start, lo - start

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
