import torch
from torch_geometric.data import HeteroData

from engine.models.gnn import HeteroGraphSAGE, RelationalGNN, to_adj_t
from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from _gnn_batches import CONTAINS, EDGE_TYPES, PLACED_BY, make_batch, metadata


def test_adj_t_has_dst_rows_and_keeps_duplicates():
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 0, 1]])  # edge 1 -> 0 twice
    adj_t = to_adj_t(edge_index, num_src=3, num_dst=2)
    assert adj_t.shape == (2, 3)
    assert torch.equal(adj_t.to_dense(), torch.tensor([[0.0, 2.0, 0.0], [1.0, 0.0, 1.0]]))
    assert to_adj_t(torch.empty(2, 0, dtype=torch.long), 4, 3).to_dense().abs().sum() == 0


def _pair(**kwargs):
    torch.manual_seed(0)
    sparse = HeteroGraphSAGE(("customer", "order", "product"), EDGE_TYPES, 16, use_sparse=True, **kwargs)
    dense = HeteroGraphSAGE(("customer", "order", "product"), EDGE_TYPES, 16, use_sparse=False, **kwargs)
    dense.load_state_dict(sparse.state_dict())
    return sparse, dense


def test_sparse_path_equals_edge_index_path_with_gradients():
    sparse, dense = _pair(num_layers=3)
    g = torch.Generator().manual_seed(1)
    x = {"customer": torch.randn(5, 16, generator=g), "order": torch.randn(9, 16, generator=g),
         "product": torch.randn(4, 16, generator=g)}
    edges = {
        PLACED_BY: torch.tensor([[0, 1, 2, 3, 3, 8, 8], [0, 0, 1, 4, 4, 2, 2]]),  # duplicates, isolated dsts
        ("customer", "rev_placed_by", "order"): torch.tensor([[0, 0, 1, 4], [0, 1, 2, 3]]),
        CONTAINS: torch.empty(2, 0, dtype=torch.long),  # an edge type with no edges
        ("product", "rev_contains", "order"): torch.tensor([[0, 3], [5, 5]]),
    }
    out_s = sparse({k: v.clone().requires_grad_() for k, v in x.items()}, edges)
    out_d = dense({k: v.clone().requires_grad_() for k, v in x.items()}, edges)
    for nt in x:
        assert torch.allclose(out_s[nt], out_d[nt], atol=1e-5), nt
    sum(o.square().sum() for o in out_s.values()).backward()
    sum(o.square().sum() for o in out_d.values()).backward()
    for (name, p_s), (_, p_d) in zip(sparse.named_parameters(), dense.named_parameters()):
        assert torch.allclose(p_s.grad, p_d.grad, atol=1e-4), name


def test_whole_model_sparse_equals_edge_index():
    torch.manual_seed(0)
    spec = TaskSpec(task=TaskType.BINARY)
    a = RelationalGNN(metadata=metadata(), task=spec, channels=16, use_sparse=True, seed=3)
    b = RelationalGNN(metadata=metadata(), task=spec, channels=16, use_sparse=False, seed=3)
    batch, _ = make_batch(12, seed=5)
    assert torch.allclose(a(batch), b(batch), atol=1e-5)


def test_empty_and_missing_node_types():
    """A type with zero nodes, edge types with zero edges, and a type absent from the batch."""
    model = RelationalGNN(metadata=metadata(), task=TaskSpec(task=TaskType.BINARY), channels=8, seed=0)
    batch = HeteroData()
    batch["customer"].x_num = torch.randn(3, 1)
    batch["customer"].x_cat = torch.zeros(3, 1, dtype=torch.long)
    batch["customer"].time = torch.full((3,), torch.iinfo(torch.int64).min)
    batch["customer"].batch = torch.arange(3)
    batch["customer"].seed_time = torch.full((3,), 10**9)
    batch["customer"].batch_size = 3
    batch["order"].x_num = torch.empty(0, 2)
    batch["order"].x_cat = torch.empty(0, 1, dtype=torch.long)
    batch["order"].time = torch.empty(0, dtype=torch.long)
    batch["order"].batch = torch.empty(0, dtype=torch.long)
    batch[PLACED_BY].edge_index = torch.empty(2, 0, dtype=torch.long)
    for use_sparse in (True, False):
        model.gnn.use_sparse = use_sparse
        out = model(batch)
        assert out.shape == (3, 1) and torch.isfinite(out).all()
