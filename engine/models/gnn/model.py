"""`RelationalGNN`: RelBench's RDL baseline model for one prediction task.

    batch ──row encoders──▶ x_dict ──+ relative time──▶ HeteroGraphSAGE ──▶ seed rows ──▶ head

The batch is a PyG ``HeteroData`` from the temporal ``NodeLoader`` (disjoint sampling):

- ``batch[t].x_num``: float32 ``[n_t, F_t]``; ``batch[t].x_cat``: int64 ``[n_t, C_t]`` (0 = null)
- ``batch[t].time``: int64 ``[n_t]`` seconds since epoch (untimed tables: INT64_MIN)
- ``batch[t].batch``: int64 ``[n_t]`` index of the seed each node was sampled for
- ``batch[seed].seed_time``: int64 ``[B]``; ``batch[seed].batch_size``: ``B``; the seeds are the
  first ``B`` nodes of the seed type
- ``batch[(src, rel, dst)].edge_index``: int64 ``[2, E]``, local indices, messages src -> dst

Node types may have zero nodes and edge types zero edges in a batch. The model is rebuilt from
`config()` (JSON) and a ``state_dict``; see `engine.models.gnn.io`.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch_geometric.nn.module_dict import ModuleDict

from engine.models.gnn.metadata import GraphMetadata
from engine.models.gnn.sage import HeteroGraphSAGE
from engine.models.gnn.row_encoder import HeteroRowEncoder
from engine.models.gnn.time_encoder import RelativeTimeEncoder
from engine.models.heads import TaskHead
from engine.graph.item_history import TREND_WINDOWS_DAYS, ItemTrend
from engine.models.ranking import ItemHistory, LinkRankingHead
from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError


def _num_nodes(store: Any) -> int:
    """Node count of one node store, read off its tensors so empty types count as 0."""
    for key in ("x_num", "x_cat", "time", "batch"):
        value = store.get(key)
        if isinstance(value, Tensor):
            return int(value.size(0))
    return int(store.num_nodes or 0)


class RelationalGNN(torch.nn.Module):
    """Table encoders + relative-time encoder + heterogeneous GraphSAGE + task head.

    Args:
        metadata: node types with their feature layout, edge types, entity type.
        task: what to predict.
        channels: hidden width (even).
        num_layers: message-passing rounds; match the sampler's number of hops.
        aggr: neighbour aggregation of each ``SAGEConv``.
        use_sparse: message passing through sparse CSR ``adj_t`` (fast) or ``edge_index``.
        head_layers: 1 or 2 layers in the task head.
        rank_channels: scoring width of the link-ranking head (default ``channels``).
        seed: seeds parameter initialisation without touching the global RNG.
        identity: ``{node_type: n}`` adds a learned embedding per node identity to those types
            (shallow "ID" features, e.g. for the item table of link ranking, whose rows often carry
            too few features to tell items apart). The batch gives ``batch[node_type].identity``:
            int64 ``[n_type]`` in ``[0, n)``, ``-1`` for a node without one (embedding 0).
        item_type: link ranking: the node type of the ranked items. With ``task.item_history``, the
            items in a seed's history (``batch.history_*``, see `item_history`) add a learned pair
            score to its scores (see `engine.models.ranking.ItemHistory`).
        seed_features: width ``F`` of tabular features per seed row (0: none). The batch then gives
            ``batch[entity].seed_features``: float32 ``[B, F]``, and a two-layer MLP of them is added to
            the seed embeddings (see `engine.train.gnn.seed_features`).
        dropout: while training, the fraction of the seed embedding's units (and of the seed-feature
            MLP's hidden units) zeroed before the head; 0 adds no layer.
    """

    def __init__(self, *, metadata: GraphMetadata, task: TaskSpec, channels: int = 128, num_layers: int = 2,
                 aggr: str = "mean", use_sparse: bool = True, head_layers: int = 1,
                 rank_channels: int | None = None, seed: int | None = None,
                 identity: dict[str, int] | None = None, item_type: str | None = None, seed_features: int = 0,
                 dropout: float = 0.0):
        super().__init__()
        if channels < 2 or channels % 2:
            raise EngineError(f"GNN channels must be even and at least 2, got {channels}")
        self.metadata = metadata
        self.task = task
        self._config = {"channels": channels, "num_layers": num_layers, "aggr": aggr, "use_sparse": use_sparse,
                        "head_layers": head_layers, "rank_channels": rank_channels, "seed": seed,
                        "identity": dict(identity or {}), "item_type": item_type,
                        "seed_features": int(seed_features), "dropout": float(dropout)}
        node_types = metadata.node_types
        unknown = set(identity or {}) - set(node_types)
        if unknown:
            raise EngineError(f"identity embeddings for unknown node types: {sorted(unknown)}")
        self.identity = ModuleDict({
            nt: torch.nn.Embedding(max(int(n), 1), channels) for nt, n in (identity or {}).items()})
        self.encoder = HeteroRowEncoder(metadata, channels)
        self.time_encoder = RelativeTimeEncoder(node_types, channels)
        self.gnn = HeteroGraphSAGE(node_types, metadata.edge_types, channels,
                                   num_layers=num_layers, aggr=aggr, use_sparse=use_sparse)
        self.seed_encoder = (torch.nn.Sequential(torch.nn.Linear(seed_features, channels), torch.nn.ReLU(),
                                                 *([torch.nn.Dropout(dropout)] if dropout > 0 else []),
                                                 torch.nn.Linear(channels, channels))
                             if seed_features > 0 else None)
        self.dropout = torch.nn.Dropout(dropout) if dropout > 0 else None
        self.head: TaskHead | LinkRankingHead
        if task.task is TaskType.LINK_RANKING:
            self.head = LinkRankingHead(task, channels, channels=rank_channels,
                                        item_in_channels=0 if task.num_items > 0 else channels)
        else:
            self.head = TaskHead(task, channels, num_layers=head_layers)
        self.reset_parameters(seed)

    def reset_parameters(self, seed: int | None = None) -> None:
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self.encoder.reset_parameters()
            self.time_encoder.reset_parameters()
            self.gnn.reset_parameters()
            self.head.reset_parameters()
            if self.seed_encoder is not None:
                for layer in self.seed_encoder:
                    if isinstance(layer, torch.nn.Linear):
                        layer.reset_parameters()
            for emb in self.identity.values():
                torch.nn.init.normal_(emb.weight, std=0.1)

    # -- embeddings ----------------------------------------------------------------------------

    def embed_nodes(self, batch: Any) -> dict[str, Tensor]:
        """Every node of the batch after message passing: ``{type: [n_type, channels]}``."""
        seed_type = self.metadata.entity_type
        return self._embed(batch, seed_type)

    def _embed(self, batch: Any, seed_type: str) -> dict[str, Tensor]:
        present = set(batch.node_types)
        node_types = [nt for nt in self.metadata.node_types if nt in present]
        num_nodes = {nt: _num_nodes(batch[nt]) for nt in node_types}
        x_num = {nt: batch[nt].x_num for nt in node_types if "x_num" in batch[nt]}
        x_cat = {nt: batch[nt].x_cat for nt in node_types if "x_cat" in batch[nt]}
        x_dict = self.encoder(x_num, x_cat, num_nodes)
        for nt, emb in self.identity.items():
            if nt in x_dict and "identity" in batch[nt]:
                ids = batch[nt].identity
                known = (ids >= 0).unsqueeze(-1).to(x_dict[nt].dtype)
                x_dict[nt] = x_dict[nt] + emb(ids.clamp(min=0)) * known

        seed_time = batch[seed_type].seed_time
        time_dict = {nt: batch[nt].time for nt in node_types if "time" in batch[nt]}
        batch_dict = {nt: batch[nt].batch for nt in node_types if "batch" in batch[nt]}
        for nt, rel in self.time_encoder(seed_time, time_dict, batch_dict).items():
            x_dict[nt] = x_dict[nt] + rel

        edges = {et: batch[et].edge_index for et in batch.edge_types if "edge_index" in batch[et]}
        return self.gnn(x_dict, edges)

    def embed_seeds(self, batch: Any, seed_type: str | None = None) -> Tensor:
        """Embeddings of the seed rows: ``[B, channels]``.

        ``seed_type`` defaults to the entity type; pass the item type to embed items for ranking
        from a batch sampled around item seeds.
        """
        seed_type = seed_type or self.metadata.entity_type
        store = batch[seed_type]
        batch_size = int(store.batch_size) if "batch_size" in store else int(store.seed_time.numel())
        h = self._embed(batch, seed_type)[seed_type][:batch_size]
        if self.seed_encoder is not None and seed_type == self.metadata.entity_type:
            if "seed_features" not in store:
                raise EngineError("this GNN reads tabular seed features, but the batch carries none")
            h = h + self.seed_encoder(store.seed_features)
        if self.dropout is not None:
            h = self.dropout(h)
        return h

    # -- outputs -------------------------------------------------------------------------------

    def forward(self, batch: Any, items: Tensor | None = None) -> Tensor:
        """Raw outputs ``[B, task.out_channels]``; link ranking: scores against all items ``[B, I]``.

        ``items``: link ranking with GNN-embedded items only, ``[I, channels]`` (see `embed_seeds`).
        """
        h = self.embed_seeds(batch)
        if isinstance(self.head, LinkRankingHead):
            return self.head(h, items, self.item_history(batch), self.item_trend(batch))
        return self.head(h)

    def item_history(self, batch: Any) -> ItemHistory | None:
        """Link ranking: the seeds' (row, item position, pair features) history, which the loader attaches as
        ``batch.history_rows``/``history_items`` ``[H]`` and ``batch.history_features`` ``[H, F]``
        (`engine.graph.item_history`); each pair also gets its item's recent popularity at the seed's
        anchor (`item_trend`), so "bought it before" can count less for an item nobody buys any more.
        None without ``item_type``/``task.item_history`` or a history."""
        if self._config["item_type"] is None or not self.task.item_history or "history_rows" not in batch:
            return None
        rows, items, values = batch.history_rows, batch.history_items, batch.history_features
        trend = self.item_trend(batch)
        if trend is not None:
            item_trend = trend.features[trend.index[rows], items]
        else:
            item_trend = values.new_zeros(values.size(0), len(TREND_WINDOWS_DAYS))
        return ItemHistory(rows=rows, items=items, values=torch.cat([values, item_trend], dim=1))

    def item_trend(self, batch: Any) -> ItemTrend | None:
        """Link ranking: each item's recent popularity at the seeds' anchors (``batch.trend_index`` ``[B]``,
        ``batch.trend_features`` ``[U, I, F]``, see `engine.graph.item_history.ItemTrendCounter`)."""
        if self._config["item_type"] is None or not self.task.item_history or "trend_index" not in batch:
            return None
        return ItemTrend(index=batch.trend_index, features=batch.trend_features)

    @torch.no_grad()
    def predict(self, batch: Any) -> Tensor:
        """User-facing predictions for the seeds (see `engine.models.heads.TaskHead.predict`)."""
        if isinstance(self.head, LinkRankingHead):
            raise EngineError("link ranking predicts with rank(batch, k)")
        return self.head.predict(self.forward(batch))

    @torch.no_grad()
    def rank(self, batch: Any, k: int, items: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Link ranking: ``(scores [B, k], item indices [B, k])``, best first."""
        if not isinstance(self.head, LinkRankingHead):
            raise EngineError(f"rank() needs a link ranking task, this model predicts {self.task.task}")
        return self.head.rank(self.embed_seeds(batch), k, items, self.item_history(batch), self.item_trend(batch))

    # -- persistence ---------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments; ``from_config(config())`` rebuilds the architecture."""
        return {"metadata": self.metadata.to_dict(), "task": self.task.to_dict(), **self._config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RelationalGNN:
        args = dict(config)
        try:
            metadata = GraphMetadata.from_dict(args.pop("metadata"))
            task = TaskSpec.from_dict(args.pop("task"))
            return cls(metadata=metadata, task=task, **args)
        except (KeyError, TypeError) as e:
            raise EngineError(f"not a RelationalGNN config: {e}") from e
