"""A seeded ``NodeLoader`` over a graph with the temporal sampler: the one way batches are made."""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import torch
from torch_geometric.data import HeteroData
from torch_geometric.loader import NodeLoader

from engine.graph.build import GraphData
from engine.graph.meta import EdgeType
from engine.graph.sampler import Strategy, TemporalSampler


def temporal_loader(graph: GraphData | HeteroData, entity: str, nodes: torch.Tensor | np.ndarray | Sequence[int],
                    anchor_time: torch.Tensor | np.ndarray | Sequence[int] | int, *,
                    num_neighbors: Sequence[int] | Mapping[EdgeType, Sequence[int]] = (10, 10),
                    temporal_strategy: Strategy = "last", batch_size: int = 512, shuffle: bool = False,
                    seed: int = 0, sampler: TemporalSampler | None = None, **loader_kwargs) -> NodeLoader:
    """Batches of disjoint temporal subgraphs around ``entity`` nodes ``nodes`` (int64 [S]) at
    ``anchor_time`` (int64 seconds, [S] or one value for all). Pass ``sampler`` to reuse its
    neighbour index across loaders (building it sorts every edge type once)."""
    data = graph.data if isinstance(graph, GraphData) else graph
    index = torch.as_tensor(np.asarray(nodes), dtype=torch.long)
    times = torch.as_tensor(np.asarray(anchor_time), dtype=torch.long)
    if times.dim() == 0:
        times = times.expand(index.numel()).clone()
    if times.numel() != index.numel():
        raise ValueError(f"got {index.numel()} seed nodes but {times.numel()} anchor times")
    if sampler is None:
        sampler = TemporalSampler(data, num_neighbors=num_neighbors, temporal_strategy=temporal_strategy, seed=seed)
    with _root_logger_left_alone():
        return NodeLoader(data, node_sampler=sampler, input_nodes=(entity, index), input_time=times,
                          batch_size=batch_size, shuffle=shuffle,
                          generator=torch.Generator().manual_seed(seed), **loader_kwargs)


@contextmanager
def _root_logger_left_alone() -> Iterator[None]:
    """PyG's loader calls the module-level ``logging.debug()``, which runs ``logging.basicConfig()`` when
    the root logger has no handler: a StreamHandler on root that makes the user's own ``basicConfig``
    do nothing. A NullHandler on root while PyG runs gives it a handler, and is taken off after."""
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    guard = logging.NullHandler()
    root.addHandler(guard)
    try:
        yield
    finally:
        root.removeHandler(guard)
