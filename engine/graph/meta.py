"""What a model needs to know about a graph's shape, as a frozen JSON-serialisable description."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

EdgeType = tuple[str, str, str]


@dataclass(frozen=True, kw_only=True)
class NodeTypeMeta:
    """One node type (= table): its feature layout and whether its nodes carry times.

    ``categorical_cardinalities[i]`` counts every code of categorical column i, including 0 (null)
    and 1 (other), so an ``nn.Embedding(cardinality, dim)`` per column covers all codes.
    """

    name: str
    num_nodes: int
    numerical_features: tuple[str, ...]
    categorical_features: tuple[str, ...]
    categorical_cardinalities: tuple[int, ...]
    primary_key: tuple[str, ...] = ()
    is_timed: bool = False

    @property
    def num_numerical(self) -> int:
        return len(self.numerical_features)

    @property
    def num_categorical(self) -> int:
        return len(self.categorical_features)


@dataclass(frozen=True, kw_only=True)
class GraphMeta:
    node_types: tuple[NodeTypeMeta, ...]
    edge_types: tuple[EdgeType, ...]

    def node(self, name: str) -> NodeTypeMeta:
        for nt in self.node_types:
            if nt.name == name:
                return nt
        raise KeyError(name)

    @property
    def node_type_names(self) -> tuple[str, ...]:
        return tuple(nt.name for nt in self.node_types)

    def metadata(self) -> tuple[list[str], list[EdgeType]]:
        """PyG's ``HeteroData.metadata()`` shape, for ``to_hetero`` and friends."""
        return list(self.node_type_names), list(self.edge_types)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GraphMeta":
        def node(d: dict[str, Any]) -> NodeTypeMeta:
            return NodeTypeMeta(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

        return cls(node_types=tuple(node(d) for d in data["node_types"]),
                   edge_types=tuple(tuple(et) for et in data["edge_types"]))

    @classmethod
    def from_json(cls, text: str) -> "GraphMeta":
        return cls.from_dict(json.loads(text))
