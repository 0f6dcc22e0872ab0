"""The relational GNN (RelBench's RDL baseline): row encoders, relative-time encoder,
heterogeneous GraphSAGE, and the model that joins them to a task head. Imports torch."""
from engine.models.gnn.io import load_model, save_model
from engine.models.gnn.metadata import EdgeType, GraphMetadata, NodeFeatures
from engine.models.gnn.model import RelationalGNN
from engine.models.gnn.sage import HeteroGraphSAGE, to_adj_t
from engine.models.gnn.row_encoder import HeteroRowEncoder, RowEncoder
from engine.models.gnn.time_encoder import UNTIMED, RelativeTimeEncoder

__all__ = [
    "EdgeType", "GraphMetadata", "HeteroGraphSAGE", "HeteroRowEncoder", "NodeFeatures", "RelationalGNN",
    "RelativeTimeEncoder", "RowEncoder", "UNTIMED", "load_model", "save_model", "to_adj_t",
]
