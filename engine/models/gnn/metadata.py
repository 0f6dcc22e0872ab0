"""What a GNN needs to know about the graph before seeing a batch (torch-free, JSON-serialisable).

Categorical codes follow the graph builder's convention (`engine.graph`): ``0`` is null and a
column's cardinality counts every code, null included, so codes are ``0..cardinality-1``. The model
reads codes outside that range as null.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pql.errors import EngineError

EdgeType = tuple[str, str, str]


@dataclass(frozen=True, kw_only=True)
class NodeFeatures:
    """Feature layout of one node type (one table)."""

    name: str
    num_numerical: int = 0  # columns of ``x_num``
    cat_cardinalities: tuple[int, ...] = ()  # one per column of ``x_cat``: number of codes, null (0) included

    @property
    def has_features(self) -> bool:
        return self.num_numerical > 0 or len(self.cat_cardinalities) > 0


@dataclass(frozen=True, kw_only=True)
class GraphMetadata:
    """Node types with their feature layout, edge types ``(src, rel, dst)``, and the entity type."""

    nodes: tuple[NodeFeatures, ...]
    edge_types: tuple[EdgeType, ...]
    entity_type: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "edge_types", tuple(tuple(et) for et in self.edge_types))
        names = self.node_types
        if len(set(names)) != len(names):
            raise EngineError(f"duplicate node types in graph metadata: {names}")
        if self.entity_type not in names:
            raise EngineError(f"entity type '{self.entity_type}' is not a node type of the graph")
        for src, rel, dst in self.edge_types:
            if src not in names or dst not in names:
                raise EngineError(f"edge type ({src}, {rel}, {dst}) joins an unknown node type")
        for node in self.nodes:
            if node.num_numerical < 0 or any(c < 0 for c in node.cat_cardinalities):
                raise EngineError(f"negative feature count or cardinality for node type '{node.name}'")

    @property
    def node_types(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def node(self, name: str) -> NodeFeatures:
        for n in self.nodes:
            if n.name == name:
                return n
        raise EngineError(f"unknown node type '{name}'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [
                {"name": n.name, "num_numerical": n.num_numerical, "cat_cardinalities": list(n.cat_cardinalities)}
                for n in self.nodes
            ],
            "edge_types": [list(et) for et in self.edge_types],
            "entity_type": self.entity_type,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GraphMetadata:
        return cls(
            nodes=tuple(
                NodeFeatures(name=n["name"], num_numerical=int(n["num_numerical"]),
                             cat_cardinalities=tuple(int(c) for c in n["cat_cardinalities"]))
                for n in d["nodes"]
            ),
            edge_types=tuple(tuple(et) for et in d["edge_types"]),
            entity_type=d["entity_type"],
        )

    @classmethod
    def from_graph_meta(cls, meta: Any, entity_type: str) -> GraphMetadata:
        """From the graph builder's `engine.graph.GraphMeta` (read by attribute, no import)."""
        return cls(
            nodes=tuple(
                NodeFeatures(name=nt.name, num_numerical=int(nt.num_numerical),
                             cat_cardinalities=tuple(int(c) for c in nt.categorical_cardinalities))
                for nt in meta.node_types
            ),
            edge_types=tuple(tuple(et) for et in meta.edge_types),
            entity_type=entity_type,
        )

    @classmethod
    def from_hetero_data(cls, data: Any, entity_type: str) -> GraphMetadata:
        """Read the layout off a full (unsampled) ``HeteroData`` with ``x_num``/``x_cat`` per node type.

        Cardinalities are taken as the largest code present, so build from the whole graph, not a batch.
        """
        nodes = []
        for nt in data.node_types:
            store = data[nt]
            x_num = store.get("x_num")
            x_cat = store.get("x_cat")
            cards: tuple[int, ...] = ()
            if x_cat is not None and x_cat.dim() == 2 and x_cat.size(1) > 0:
                if x_cat.size(0) > 0:
                    cards = tuple(int(v) + 1 for v in x_cat.max(dim=0).values.tolist())
                else:
                    cards = (1,) * x_cat.size(1)
            nodes.append(NodeFeatures(
                name=nt,
                num_numerical=int(x_num.size(1)) if x_num is not None and x_num.dim() == 2 else 0,
                cat_cardinalities=cards,
            ))
        return cls(nodes=tuple(nodes), edge_types=tuple(data.edge_types), entity_type=entity_type)
