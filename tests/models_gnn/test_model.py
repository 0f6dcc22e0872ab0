import json

import pytest
import torch

from engine.models.gnn import GraphMetadata, RelationalGNN, load_model, save_model
from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError
from _gnn_batches import make_batch, metadata


@pytest.mark.parametrize("spec, width", [
    (TaskSpec(task=TaskType.BINARY), 1),
    (TaskSpec(task=TaskType.REGRESSION, log_target=True), 1),
    (TaskSpec(task=TaskType.MULTICLASS, num_classes=4), 4),
    (TaskSpec(task=TaskType.MULTILABEL, num_labels=3), 3),
    (TaskSpec(task=TaskType.FORECASTING, num_steps=6), 6),
    (TaskSpec(task=TaskType.UPLIFT, outcome=TaskType.BINARY, propensity=True), 4),
    (TaskSpec(task=TaskType.LINK_RANKING, num_items=9), 9),
])
def test_output_width_per_task(spec, width):
    model = RelationalGNN(metadata=metadata(), task=spec, channels=8, seed=0)
    batch, _ = make_batch(5, seed=0)
    assert model(batch).shape == (5, width)


def test_learns_a_label_that_lives_in_the_neighbours():
    """The label is the sign of the mean of the seed's orders' feature: chance is ~50%."""
    torch.manual_seed(0)
    model = RelationalGNN(metadata=metadata(), task=TaskSpec(task=TaskType.BINARY), channels=32, seed=0)
    train = [make_batch(64, seed=s) for s in range(16)]
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    first = last = None
    for step in range(200):
        batch, y = train[step % len(train)]
        opt.zero_grad()
        loss = model.head.loss(model(batch), y)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
        last = loss.item()
    model.eval()
    batch, y = make_batch(512, seed=999)
    accuracy = ((model.predict(batch) > 0.5).float() == y).float().mean().item()
    assert last < 0.5 * first
    assert accuracy > 0.85


def test_save_load_round_trip_is_exact(tmp_path):
    spec = TaskSpec(task=TaskType.REGRESSION, loss="huber", log_target=True, label_range=(0.0, 50.0))
    model = RelationalGNN(metadata=metadata(), task=spec, channels=16, num_layers=3, seed=4).eval()
    config = model.config()
    assert json.loads(json.dumps(config)) == config
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    batch, _ = make_batch(10, seed=2)
    assert torch.equal(model(batch), loaded(batch))
    assert torch.equal(model.predict(batch), loaded.predict(batch))
    assert loaded.task == spec and loaded.metadata == model.metadata


def test_load_rejects_mismatched_weights(tmp_path):
    model = RelationalGNN(metadata=metadata(), task=TaskSpec(task=TaskType.BINARY), channels=8, seed=0)
    save_model(model, tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["channels"] = 16
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(EngineError, match="do not fit"):
        load_model(tmp_path)
    with pytest.raises(EngineError, match="cannot read"):
        load_model(tmp_path / "missing")


def test_seed_makes_initialisation_reproducible():
    spec = TaskSpec(task=TaskType.BINARY)
    a = RelationalGNN(metadata=metadata(), task=spec, channels=8, seed=7)
    b = RelationalGNN(metadata=metadata(), task=spec, channels=8, seed=7)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


def test_metadata_from_hetero_data():
    batch, _ = make_batch(50, seed=0)
    md = GraphMetadata.from_hetero_data(batch, "customer")
    assert md.node("order").num_numerical == 2 and md.node("product").cat_cardinalities == ()
    assert md.node("customer").cat_cardinalities == (6,)  # codes 0..5 present in 50 rows
    assert GraphMetadata.from_dict(json.loads(json.dumps(md.to_dict()))) == md
    with pytest.raises(EngineError, match="entity type"):
        GraphMetadata(nodes=md.nodes, edge_types=md.edge_types, entity_type="nope")


def test_link_ranking_model_learns_planted_items():
    """Each customer's positive item is its segment code; the model must put it first."""
    torch.manual_seed(0)
    spec = TaskSpec(task=TaskType.LINK_RANKING, num_items=6, num_negatives=8)
    model = RelationalGNN(metadata=metadata(), task=spec, channels=16, seed=0)
    train = [make_batch(32, seed=s)[0] for s in range(8)]
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for step in range(120):
        batch = train[step % len(train)]
        rows = torch.arange(32)
        opt.zero_grad()
        model.head.loss(model.embed_seeds(batch), rows, batch["customer"].x_cat[:, 0]).backward()
        opt.step()
    batch, _ = make_batch(200, seed=123)
    _, top = model.eval().rank(batch, 1)
    hit_rate = (top[:, 0] == batch["customer"].x_cat[:, 0]).float().mean().item()
    assert hit_rate > 0.95


def test_link_ranking_with_gnn_embedded_items():
    model = RelationalGNN(metadata=metadata(), task=TaskSpec(task=TaskType.LINK_RANKING), channels=8, seed=0)
    batch, _ = make_batch(4, seed=0)
    items = model.embed_seeds(make_batch(7, seed=1)[0])  # items embedded by the same GNN
    assert model(batch, items).shape == (4, 7)
    scores, idx = model.rank(batch, 3, items)
    assert idx.shape == (4, 3)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    model = RelationalGNN(metadata=metadata(), task=TaskSpec(task=TaskType.BINARY), channels=16, seed=0).eval()
    batch, _ = make_batch(32, seed=0)
    cpu = model(batch)
    gpu = model.to("cuda")(batch.to("cuda"))
    assert torch.allclose(cpu, gpu.cpu(), atol=1e-4)
