"""The temporal heterogeneous graph of a database and its temporal neighbour sampler.

Graph (``build_graph(con, db) -> GraphData``), for every node type ``nt`` (one per table):

- ``data[nt].x_num``: float32 [N, F_nt] numerical features (F may be 0);
- ``data[nt].x_cat``: int64 [N, C_nt] categorical codes (C may be 0; 0 = null, 1 = other);
- ``data[nt].time``: int64 [N] seconds since epoch (static tables: int64 min, always visible;
  timed rows without a time: int64 max, never visible);
- ``data[nt].num_nodes``;
- ``data[(child, fk.name, parent)].edge_index`` int64 [2, E] (row 0 child, row 1 parent) and the
  reverse ``(parent, "rev_" + fk.name, child)``.

``GraphData.meta`` (``GraphMeta``, frozen, JSON via ``to_json``/``from_json``) gives per node type the
numerical feature names (``num_numerical``), categorical feature names and cardinalities (codes 0 and
1 included) and the edge types; ``GraphData.node_index(table, keys)`` maps key values to node ids.

Batches (``temporal_loader(...)``, i.e. PyG ``NodeLoader`` + ``TemporalSampler``; the same format as
``NeighborSampler(disjoint=True, temporal_strategy='last'|'uniform')``):

- ``batch[nt].n_id``: int64 [N_b] global node ids; ``batch[nt].batch``: int64 [N_b] seed position of
  each node (disjoint: every seed has its own subgraph); ``x_num``, ``x_cat``, ``time`` sliced by n_id;
- ``batch[entity].seed_time``: int64 [B] anchor of each seed; ``batch[entity].input_id``: [B] position
  of each seed in the loader's input; ``batch[entity].batch_size`` = B; the seeds are the first B
  ``entity`` nodes, in input order;
- ``batch[et].edge_index``: int64 [2, E_b] local ids (row 0 src, row 1 dst; messages flow src → dst,
  i.e. towards the seeds); ``batch[et].e_id``: ids of the edges in the full graph;
- ``batch[nt].num_sampled_nodes`` (per hop, hop 0 = seeds) and ``batch[et].num_sampled_edges`` (per
  hop) for ``trim_to_layer``;
- every non-seed node satisfies ``time <= seed_time[batch]``.
"""
from __future__ import annotations

from pql.lazy import lazy_getattr

# public name -> module; imported on first use, so torch-free modules of this package (keymatch, which
# LightGBM's features use) do not pay for importing torch and PyG
_LAZY = {
    "GraphData": "engine.graph.build", "build_graph": "engine.graph.build",
    "EncoderConfig": "engine.graph.encode", "TableEncoder": "engine.graph.encode",
    "temporal_loader": "engine.graph.loader",
    "EdgeType": "engine.graph.meta", "GraphMeta": "engine.graph.meta", "NodeTypeMeta": "engine.graph.meta",
    "TemporalSampler": "engine.graph.sampler",
    "ALWAYS_VISIBLE": "engine.graph.timecode", "NEVER_VISIBLE": "engine.graph.timecode",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
