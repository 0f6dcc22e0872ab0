"""Heterogeneous GraphSAGE over a sampled relational subgraph (RelBench's ``HeteroGraphSAGE``).

Each layer runs one ``SAGEConv`` per edge type (mean over neighbours, messages src -> dst), sums
the results per destination type (``HeteroConv(aggr='sum')``), then LayerNorm -> ReLU per node type,
and adds the layer's input back (residual). Node types that receive no message keep their input.

By default the edges are handed to ``SAGEConv`` as a torch sparse CSR ``adj_t`` (rows = dst,
cols = src) instead of ``edge_index``: the fused sparse-matrix product gave the same numbers about
3x faster here. ``use_sparse=False`` falls back to the scatter-based ``edge_index`` path.
"""
from __future__ import annotations

import warnings

import torch
from torch import Tensor
from torch_geometric.nn import HeteroConv, SAGEConv
from torch_geometric.nn.module_dict import ModuleDict

from engine.models.gnn.metadata import EdgeType
from engine.models.gnn.pyg_templates import remove_generated_sources


def to_adj_t(edge_index: Tensor, num_src: int, num_dst: int) -> Tensor:
    """``edge_index: [2, E]`` (src, dst) -> CSR ``adj_t`` of shape ``[num_dst, num_src]``.

    Built directly (stable sort by dst) rather than coalesced, so duplicate edges count as often
    as they occur, exactly as in the ``edge_index`` path.
    """
    src, dst = edge_index[0], edge_index[1]
    order = torch.argsort(dst, stable=True)
    crow = torch.zeros(num_dst + 1, dtype=torch.long, device=edge_index.device)
    crow[1:] = torch.cumsum(torch.bincount(dst, minlength=num_dst), dim=0)
    values = torch.ones(src.numel(), dtype=torch.float32, device=edge_index.device)
    with warnings.catch_warnings():  # torch flags sparse CSR as "beta" on first use
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(crow, src[order], values, size=(num_dst, num_src), check_invariants=False)


class HeteroGraphSAGE(torch.nn.Module):
    """``num_layers`` rounds of heterogeneous message passing at constant width ``channels``.

    Args:
        node_types: all node types.
        edge_types: all ``(src, rel, dst)`` edge types.
        channels: feature width in and out.
        num_layers: message-passing rounds (hops).
        aggr: neighbour aggregation inside each ``SAGEConv``.
        use_sparse: pass a sparse CSR ``adj_t`` (fast path) instead of ``edge_index``.
    """

    def __init__(self, node_types: tuple[str, ...], edge_types: tuple[EdgeType, ...], channels: int,
                 *, num_layers: int = 2, aggr: str = "mean", use_sparse: bool = True):
        super().__init__()
        self.use_sparse = use_sparse
        self.edge_types = tuple(edge_types)
        self.convs = torch.nn.ModuleList(
            HeteroConv({et: SAGEConv((channels, channels), channels, aggr=aggr) for et in edge_types}, aggr="sum")
            for _ in range(num_layers)
        )
        remove_generated_sources()  # PyG leaves its generated propagate's source in /tmp otherwise
        self.norms = torch.nn.ModuleList(
            ModuleDict({nt: torch.nn.LayerNorm(channels) for nt in node_types}) for _ in range(num_layers)
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        for norm_dict in self.norms:
            for norm in norm_dict.values():
                norm.reset_parameters()

    def adjacency(self, edge_index_dict: dict[EdgeType, Tensor],
                  num_nodes_dict: dict[str, int]) -> dict[EdgeType, Tensor]:
        """The edges each conv receives: ``edge_index [2, E]`` or CSR ``adj_t [n_dst, n_src]``.

        Edge types whose endpoints are missing from ``num_nodes_dict`` are dropped.
        """
        out: dict[EdgeType, Tensor] = {}
        for et, edge_index in edge_index_dict.items():
            src, _, dst = et
            if et not in self.edge_types or src not in num_nodes_dict or dst not in num_nodes_dict:
                continue
            if self.use_sparse:
                out[et] = to_adj_t(edge_index, num_nodes_dict[src], num_nodes_dict[dst])
            else:
                out[et] = edge_index
        return out

    def forward(self, x_dict: dict[str, Tensor], edge_index_dict: dict[EdgeType, Tensor]) -> dict[str, Tensor]:
        """``x_dict: {type: [n_type, channels]}``, ``edge_index_dict: {(src, rel, dst): [2, E]}``
        -> ``{type: [n_type, channels]}``."""
        num_nodes = {nt: x.size(0) for nt, x in x_dict.items()}
        adj = self.adjacency(edge_index_dict, num_nodes)
        for conv, norm_dict in zip(self.convs, self.norms):
            msg_dict = conv(x_dict, adj)
            x_dict = {
                nt: x + torch.relu(norm_dict[nt](msg_dict[nt])) if nt in msg_dict else x
                for nt, x in x_dict.items()
            }
        return x_dict
