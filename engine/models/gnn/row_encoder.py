"""Per-table row encoders: a row's numerical and categorical columns -> one ``channels`` vector.

We have no torch_frame, so this is a small stand-in for RelBench's ``HeteroEncoder``: numerical
columns go through one Linear, each categorical column through its own Embedding, the parts are
summed with a learned per-table bias (the whole signal of a table without features), then
LayerNorm -> ReLU -> Linear gives the encoder a nonlinearity across columns.
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn.module_dict import ModuleDict

from engine.models.gnn.metadata import GraphMetadata


class RowEncoder(torch.nn.Module):
    """Encodes the rows of one table.

    Args:
        num_numerical: ``F``, columns of ``x_num`` (may be 0).
        cat_cardinalities: per column of ``x_cat`` the number of codes, null (0) included; codes
            outside ``[0, card)`` (categories unseen when the graph was built) are read as null.
        channels: output width.
    """

    def __init__(self, num_numerical: int, cat_cardinalities: tuple[int, ...], channels: int):
        super().__init__()
        self.num_numerical = num_numerical
        self.cat_cardinalities = tuple(cat_cardinalities)
        self.num_lin = torch.nn.Linear(num_numerical, channels, bias=False) if num_numerical > 0 else None
        self.cat_embs = torch.nn.ModuleList(torch.nn.Embedding(max(card, 1), channels) for card in self.cat_cardinalities)
        self.register_buffer("cat_card", torch.tensor(self.cat_cardinalities, dtype=torch.long), persistent=False)
        self.bias = torch.nn.Parameter(torch.empty(channels))
        self.norm = torch.nn.LayerNorm(channels)
        self.out = torch.nn.Linear(channels, channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.num_lin is not None:
            self.num_lin.reset_parameters()
        for emb in self.cat_embs:
            torch.nn.init.normal_(emb.weight, std=0.1)
        torch.nn.init.normal_(self.bias, std=0.1)
        self.norm.reset_parameters()
        self.out.reset_parameters()

    def forward(self, x_num: Tensor | None, x_cat: Tensor | None, num_nodes: int) -> Tensor:
        """``x_num: float [n, F]``, ``x_cat: int64 [n, C]`` -> ``[n, channels]``."""
        h = self.bias.expand(num_nodes, -1)
        if self.num_lin is not None and x_num is not None:
            # Nulls should be imputed by the graph builder; a stray NaN must not poison the batch.
            h = h + self.num_lin(torch.nan_to_num(x_num.float(), nan=0.0, posinf=0.0, neginf=0.0))
        if len(self.cat_embs) > 0 and x_cat is not None:
            codes = x_cat.long()
            codes = torch.where((codes >= 0) & (codes < self.cat_card), codes, torch.zeros_like(codes))
            for col, emb in enumerate(self.cat_embs):
                h = h + emb(codes[:, col])
        return self.out(torch.relu(self.norm(h)))

    def extra_repr(self) -> str:
        return f"num_numerical={self.num_numerical}, cat_cardinalities={list(self.cat_cardinalities)}"


class HeteroRowEncoder(torch.nn.Module):
    """One `RowEncoder` per node type: batch -> ``{node_type: [n_type, channels]}``."""

    def __init__(self, metadata: GraphMetadata, channels: int):
        super().__init__()
        self.encoders = ModuleDict({
            n.name: RowEncoder(n.num_numerical, n.cat_cardinalities, channels) for n in metadata.nodes
        })

    def reset_parameters(self) -> None:
        for enc in self.encoders.values():
            enc.reset_parameters()

    def forward(self, x_num_dict: dict[str, Tensor], x_cat_dict: dict[str, Tensor],
                num_nodes_dict: dict[str, int]) -> dict[str, Tensor]:
        """Encodes every node type in ``num_nodes_dict`` (types with zero nodes give ``[0, channels]``)."""
        return {
            nt: self.encoders[nt](x_num_dict.get(nt), x_cat_dict.get(nt), n)
            for nt, n in num_nodes_dict.items()
        }
