"""`GraphContext`: the graph a GNN trains and predicts on, with its sampler and seed lookup.

Seeds are ``(entity node index, anchor seconds)``; the sampler only lets a seed see rows whose time is
at or before its anchor (`engine.graph.TemporalSampler`), so labels (strictly after the anchor) never
leak into features. The ``'last'`` temporal strategy takes each node's most recent visible neighbours,
so a row's subgraph, and hence its prediction, is the same in training, evaluation and prediction,
and does not change when rows after its anchor are added.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from engine.graph import GraphData, TableEncoder, TemporalSampler, build_graph, temporal_loader
from engine.graph.item_history import ItemHistoryWalker, ItemTrendCounter, history_path
from engine.train.gnn.settings import GNNSettings
from pql.errors import EngineError

MICROS = 1_000_000


def anchor_seconds(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int64 [n] epoch seconds of an ``anchor_time`` column (timestamps as UTC, as the graph's times)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if arr.null_count:
        raise EngineError(f"{arr.null_count} rows have no anchor_time; cannot place them in time")
    if pa.types.is_date(arr.type):
        arr = arr.cast(pa.timestamp("s"))
    if not pa.types.is_timestamp(arr.type):
        raise EngineError(f"anchor_time must be a timestamp, got {arr.type}")
    micros = arr.cast(pa.timestamp("us", arr.type.tz)).cast(pa.int64()).to_numpy(zero_copy_only=False)
    return np.floor_divide(micros, MICROS).astype(np.int64)


@dataclass(frozen=True, kw_only=True)
class Seeds:
    """Rows placed in the graph: entity node ids and anchor seconds, with the rows they came from."""

    rows: np.ndarray  # int64 [m], positions in the rows table
    nodes: np.ndarray  # int64 [m]
    times: np.ndarray  # int64 [m]
    missing: int  # rows whose entity key is not a node of the graph


@dataclass(frozen=True, kw_only=True, eq=False)
class GraphContext:
    graph: GraphData
    entity: str
    entity_key: tuple[str, ...]
    sampler: TemporalSampler
    settings: GNNSettings
    identity: Mapping[str, torch.Tensor]  # node type -> int64 [N_type] identity index, -1 = none
    identity_size: Mapping[str, int] = field(default_factory=dict)  # node type -> number of identities
    history: ItemHistoryWalker | None = None  # link ranking: each seed's full item history (batch.history_*)
    trend: ItemTrendCounter | None = None  # link ranking: items' recent popularity at the anchors (batch.trend_*)

    @classmethod
    def build(cls, con, db, *, entity: str, entity_key: Sequence[str], tables: Sequence[str] | None,
              settings: GNNSettings, exclude: Mapping[str, Sequence[str]] | None = None,
              encoders: Mapping[str, TableEncoder] | None = None, fit_cutoff: int | None = None) -> "GraphContext":
        graph = build_graph(con, db, tables=tables, encoders=encoders, fit_cutoff=fit_cutoff,
                            exclude_columns=exclude)
        if entity not in graph.meta.node_type_names:
            raise EngineError(f"the entity table {entity!r} is not part of the graph "
                              f"({', '.join(graph.meta.node_type_names)})")
        sampler = TemporalSampler(graph.data, num_neighbors=[settings.neighbors] * settings.layers,
                                  temporal_strategy=settings.temporal_strategy, seed=settings.seed)
        return cls(graph=graph, entity=entity, entity_key=tuple(entity_key), sampler=sampler, settings=settings,
                   identity={})

    def summary(self) -> str:
        """One line for the log: the graph's size (large graphs take a while to build and index)."""
        data = self.graph.data
        return (f"{sum(int(data[nt].num_nodes) for nt in data.node_types):,} rows in {len(data.node_types)} tables, "
                f"{sum(int(data[et].num_edges) for et in data.edge_types):,} edges in {len(data.edge_types)} edge types")

    def with_identity(self, node_type: str, keys: Sequence[Any]) -> "GraphContext":
        """Give the nodes of ``node_type`` the identity index of their key in ``keys`` (-1 if absent)."""
        node_keys = self.graph.keys[node_type]
        if node_keys.num_columns != 1:
            raise EngineError(f"link ranking needs a single-column primary key on {node_type!r}")
        position = {k: i for i, k in enumerate(keys)}
        ids = np.array([position.get(k, -1) for k in node_keys.column(0).to_pylist()], dtype=np.int64)
        return replace(self, identity={**self.identity, node_type: torch.from_numpy(ids)},
                       identity_size={**self.identity_size, node_type: len(keys)})

    def with_history(self, steps: Sequence[tuple[str, str, str]]) -> "GraphContext":
        """Attach each seed's item history along ``steps`` (``(from_table, fk_name, to_table)`` moves from the
        entity to the ranked items) to every batch; the items need identities (`with_identity`)."""
        path = history_path(self.graph.meta.edge_types, steps)
        walker = ItemHistoryWalker(self.sampler, path)
        if walker.item_type not in self.identity:
            raise EngineError(f"item histories need identities on {walker.item_type!r}; call with_identity first")
        last = path[-1]  # (item, rev_fk, rows): its forward edge (rows, fk, item) lists each item's rows by time
        forward = (last[2], last[1].removeprefix("rev_"), last[0])
        return replace(self, history=walker, trend=ItemTrendCounter(self.sampler, forward))

    def node_keys(self, node_type: str) -> list[Any]:
        """Primary-key values of every node of ``node_type``, in node order (single-column keys)."""
        keys = self.graph.keys[node_type]
        if keys.num_columns != 1:
            raise EngineError(f"link ranking needs a single-column primary key on {node_type!r}")
        return keys.column(0).to_pylist()

    def seeds(self, rows: pa.Table) -> Seeds:
        """Entity node and anchor of every row of ``rows`` (entity key…, anchor_time) found in the graph."""
        nodes = self.graph.node_index(self.entity, [rows.column(k) for k in self.entity_key])
        times = anchor_seconds(rows.column("anchor_time"))
        found = np.flatnonzero(nodes >= 0)
        return Seeds(rows=found.astype(np.int64), nodes=nodes[found].astype(np.int64), times=times[found],
                     missing=int(len(nodes) - len(found)))

    def batches(self, nodes: np.ndarray, times: np.ndarray, device: str,
                features: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, Any]]:
        """``(positions [B] into nodes/times, batch on device)`` over the seeds, in order.

        ``features``: float32 ``[m, F]`` aligned with ``nodes``; each batch then carries its seeds'
        rows as ``batch[entity].seed_features`` ``[B, F]`` (see `engine.train.gnn.seed_features`).
        """
        if len(nodes) == 0:
            return
        loader = temporal_loader(self.graph, self.entity, nodes, times, batch_size=self.settings.batch_size,
                                 shuffle=False, seed=self.settings.seed, sampler=self.sampler)
        for batch in loader:
            positions = batch[self.entity].input_id.numpy()
            for node_type, ids in self.identity.items():
                if node_type in batch.node_types:
                    batch[node_type].identity = ids[batch[node_type].n_id]
            if features is not None:
                batch[self.entity].seed_features = torch.from_numpy(features[positions])
            if self.history is not None:
                self._attach_history(batch, nodes[positions], times[positions])
            yield positions, batch.to(device)

    def _attach_history(self, batch: Any, nodes: np.ndarray, times: np.ndarray) -> None:
        """``batch.history_rows``/``history_items`` (item identity positions) ``[H]``, ``history_features`` ``[H, F]``."""
        assert self.history is not None
        pairs = self.history.pairs(torch.from_numpy(nodes), torch.from_numpy(times))
        ids = self.identity[self.history.item_type][pairs.items]
        known = ids >= 0
        batch.history_rows = pairs.rows[known]
        batch.history_items = ids[known]
        batch.history_features = pairs.features[known]
        if self.trend is not None:
            trend = self.trend.trend(torch.from_numpy(times))
            ids = self.identity[self.trend.item_type]
            known = torch.nonzero(ids >= 0).flatten()
            features = trend.features.new_zeros(trend.features.size(0), self.identity_size[self.trend.item_type],
                                                trend.features.size(2))
            features[:, ids[known]] = trend.features[:, known]
            batch.trend_index, batch.trend_features = trend.index, features


def label_exclusions(label_columns: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """``{table: [column…]}`` of a static target's columns, kept out of the features."""
    out: dict[str, list[str]] = {}
    for table, column in label_columns:
        out.setdefault(table, []).append(column)
    return out


def cutoff_seconds(value: Any) -> int | None:
    """Epoch seconds of a cut-off datetime (None stays None)."""
    if value is None:
        return None
    return int(anchor_seconds(pa.array([value], pa.timestamp("us")))[0])


__all__ = ["GraphContext", "Seeds", "anchor_seconds", "cutoff_seconds", "label_exclusions"]
