"""Temporal neighbour sampler for PyG's ``NodeLoader`` that needs neither pyg-lib nor torch-sparse.

Output matches ``NeighborSampler(disjoint=True, temporal_strategy=...)``: every seed grows its own
subgraph (a node reached twice *within* one seed's subgraph is one node; the same node under two
seeds is two nodes), each node carries ``batch`` = its seed's position, and a neighbour is only
visible when its time is <= the seed's anchor time. Nodes reached through several hops keep their
seed's bound, so no sampled node is ever later than its seed's anchor.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor
from torch_geometric.data import HeteroData
from torch_geometric.sampler import BaseSampler, HeteroSamplerOutput, NodeSamplerInput

from engine.graph.meta import EdgeType
from engine.graph.neighbours import NeighbourIndex
from engine.graph.timecode import ALWAYS_VISIBLE, NEVER_VISIBLE

Strategy = Literal["last", "uniform"]


@dataclass(frozen=True, kw_only=True)
class _Frontier:
    """Nodes added in the last hop: local ids within their type, global ids, seed positions."""

    local: Tensor
    node: Tensor
    batch: Tensor


@dataclass(frozen=True, kw_only=True)
class _Draw:
    """Neighbours drawn through one edge type in one hop, one entry per sampled edge."""

    edge_type: EdgeType
    node: Tensor  # global id of the src neighbour
    batch: Tensor  # seed it was drawn for
    dst_local: Tensor  # local id of the dst node it was drawn from
    edge_id: Tensor  # column in the full graph's edge_index


class _DisjointNodes:
    """The nodes of one node type in a batch, identified by (seed, global id), in arrival order."""

    def __init__(self, num_nodes: int):
        self.num_nodes = max(num_nodes, 1)
        self.sorted_keys = torch.empty(0, dtype=torch.long)
        self.sorted_local = torch.empty(0, dtype=torch.long)
        self.nodes: list[Tensor] = []
        self.batches: list[Tensor] = []
        self.size = 0

    def add(self, node: Tensor, batch: Tensor) -> tuple[Tensor, _Frontier]:
        """Local ids of the given (node, batch) pairs [M], registering unseen ones in first-seen
        order; also returns the newly added nodes as the next frontier."""
        keys = batch * self.num_nodes + node
        local = torch.empty_like(keys)
        known = torch.zeros_like(keys, dtype=torch.bool)
        if self.sorted_keys.numel():
            pos = torch.searchsorted(self.sorted_keys, keys).clamp(max=self.sorted_keys.numel() - 1)
            known = self.sorted_keys[pos] == keys
            local[known] = self.sorted_local[pos[known]]

        fresh = torch.nonzero(~known).flatten()
        distinct, inverse = torch.unique(keys[fresh], return_inverse=True)
        first_seen = torch.full((distinct.numel(),), fresh.numel(), dtype=torch.long)
        first_seen.scatter_reduce_(0, inverse, torch.arange(fresh.numel()), reduce="amin")
        arrival = torch.argsort(first_seen)  # distinct keys in first-seen order
        rank = torch.empty_like(arrival)
        rank[arrival] = torch.arange(arrival.numel())
        local[fresh] = self.size + rank[inverse]
        new_local = self.size + torch.arange(arrival.numel())

        first = fresh[first_seen[arrival]]
        added = _Frontier(local=new_local, node=node[first], batch=batch[first])
        self.nodes.append(added.node)
        self.batches.append(added.batch)
        merged = torch.cat([self.sorted_keys, distinct])
        order = torch.argsort(merged)
        self.sorted_keys = merged[order]
        self.sorted_local = torch.cat([self.sorted_local, self.size + rank])[order]
        self.size += arrival.numel()
        return local, added

    def node(self) -> Tensor:
        return torch.cat(self.nodes) if self.nodes else torch.empty(0, dtype=torch.long)

    def batch(self) -> Tensor:
        return torch.cat(self.batches) if self.batches else torch.empty(0, dtype=torch.long)


class TemporalSampler(BaseSampler):
    """Disjoint temporal neighbour sampling on a ``HeteroData`` whose node types carry ``time``.

    Args:
        data: the graph; ``data[nt][time_attr]`` int64 [N] seconds (absent → static node type).
        num_neighbors: neighbours per hop, e.g. ``[10, 10]``, for every edge type, or a mapping
            edge type → list (edge types left out sample nothing). ``-1`` takes all visible ones.
        temporal_strategy: ``'last'`` (the k most recent visible neighbours) or ``'uniform'``
            (k distinct visible neighbours uniformly at random).
        seed: seeds the sampler's own ``torch.Generator`` (uniform picks are reproducible given the
            same sequence of batches; with ``num_workers > 0`` each worker uses a copy of it).
    """

    def __init__(self, data: HeteroData, *, num_neighbors: Sequence[int] | Mapping[EdgeType, Sequence[int]],
                 temporal_strategy: Strategy = "last", time_attr: str = "time", seed: int = 0):
        if temporal_strategy not in ("last", "uniform"):
            raise ValueError(f"temporal_strategy must be 'last' or 'uniform', got {temporal_strategy!r}")
        self.node_types, self.edge_types = data.metadata()
        self.num_nodes = {nt: int(data[nt].num_nodes) for nt in self.node_types}
        self.node_time = {nt: (data[nt][time_attr].long() if time_attr in data[nt] else None)
                          for nt in self.node_types}
        self.num_neighbors = _per_edge_type(num_neighbors, self.edge_types)
        self.num_hops = len(next(iter(self.num_neighbors.values()), []))
        self.temporal_strategy = temporal_strategy
        self.index = {et: NeighbourIndex.build(data[et].edge_index, self.num_nodes[et[2]], self.node_time[et[0]])
                      for et in self.edge_types}
        self.generator = torch.Generator().manual_seed(seed)

    def _seed_bound(self, inputs: NodeSamplerInput) -> Tensor:
        """Each seed's anchor: the given input time, else the seed's own time (static: no bound)."""
        if inputs.time is not None:
            return inputs.time.long()
        own = self.node_time[inputs.input_type]
        if own is None:
            return torch.full((inputs.node.numel(),), NEVER_VISIBLE, dtype=torch.long)
        bound = own[inputs.node]
        return torch.where(bound == ALWAYS_VISIBLE, torch.full_like(bound, NEVER_VISIBLE), bound)

    def sample_from_nodes(self, inputs: NodeSamplerInput, **kwargs) -> HeteroSamplerOutput:
        seed_type = inputs.input_type
        if seed_type is None:
            raise ValueError("TemporalSampler needs input_nodes=(node_type, index)")
        seeds = inputs.node.long()
        bound = self._seed_bound(inputs)
        sets = {nt: _DisjointNodes(self.num_nodes[nt]) for nt in self.node_types}
        _, seed_frontier = sets[seed_type].add(seeds, torch.arange(seeds.numel()))
        frontier = {seed_type: seed_frontier}
        sampled_nodes = {nt: [seeds.numel() if nt == seed_type else 0] for nt in self.node_types}
        rows, cols, edges = defaultdict(list), defaultdict(list), defaultdict(list)
        sampled_edges: dict[EdgeType, list[int]] = {et: [] for et in self.edge_types}

        for hop in range(self.num_hops):
            drawn: dict[str, list[_Draw]] = defaultdict(list)
            for et in self.edge_types:
                src, _, dst = et
                k = self.num_neighbors[et][hop]
                if k == 0 or dst not in frontier or frontier[dst].node.numel() == 0:
                    continue
                f, index = frontier[dst], self.index[et]
                pos, owner = index.sample(f.node, bound[f.batch], k, self.temporal_strategy, self.generator)
                drawn[src].append(_Draw(edge_type=et, node=index.neighbour(pos), batch=f.batch[owner],
                                        dst_local=f.local[owner], edge_id=index.edge_id(pos)))
            frontier = {}
            hop_edges = dict.fromkeys(self.edge_types, 0)
            for src, draws in drawn.items():
                local, frontier[src] = sets[src].add(torch.cat([d.node for d in draws]),
                                                     torch.cat([d.batch for d in draws]))
                for d, src_local in zip(draws, local.split([d.node.numel() for d in draws])):
                    rows[d.edge_type].append(src_local)
                    cols[d.edge_type].append(d.dst_local)
                    edges[d.edge_type].append(d.edge_id)
                    hop_edges[d.edge_type] = d.node.numel()
            for nt in self.node_types:
                sampled_nodes[nt].append(frontier[nt].node.numel() if nt in frontier else 0)
            for et in self.edge_types:
                sampled_edges[et].append(hop_edges[et])

        empty = torch.empty(0, dtype=torch.long)
        return HeteroSamplerOutput(
            node={nt: sets[nt].node() for nt in self.node_types},
            row={et: torch.cat(rows[et]) if rows[et] else empty for et in self.edge_types},
            col={et: torch.cat(cols[et]) if cols[et] else empty for et in self.edge_types},
            edge={et: torch.cat(edges[et]) if edges[et] else empty for et in self.edge_types},
            batch={nt: sets[nt].batch() for nt in self.node_types},
            num_sampled_nodes=sampled_nodes,
            num_sampled_edges=sampled_edges,
            metadata=(inputs.input_id, bound),
        )

    def sample_from_edges(self, inputs, neg_sampling=None):
        raise NotImplementedError("TemporalSampler samples from seed nodes only (link tasks rank from nodes)")


def _per_edge_type(num_neighbors: Sequence[int] | Mapping[EdgeType, Sequence[int]],
                   edge_types: Sequence[EdgeType]) -> dict[EdgeType, list[int]]:
    if isinstance(num_neighbors, Mapping):
        unknown = set(num_neighbors) - set(edge_types)
        if unknown:
            raise ValueError(f"num_neighbors names unknown edge types: {sorted(unknown)}")
        hops = {len(v) for v in num_neighbors.values()}
        if len(hops) > 1:
            raise ValueError("num_neighbors must give the same number of hops for every edge type")
        depth = hops.pop() if hops else 0
        return {et: [int(k) for k in num_neighbors.get(et, [0] * depth)] for et in edge_types}
    return {et: [int(k) for k in num_neighbors] for et in edge_types}
