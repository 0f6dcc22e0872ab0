import torch

from engine.models.gnn import UNTIMED, HeteroRowEncoder, RelativeTimeEncoder, RowEncoder
from _gnn_batches import DAY, metadata


def test_row_encoder_shapes_and_featureless_bias():
    torch.manual_seed(0)
    enc = RowEncoder(2, (4, 6), 16)  # codes 0..3 and 0..5
    out = enc(torch.randn(4, 2), torch.tensor([[0, 1], [3, 5], [1, 0], [2, 2]]), 4)
    assert out.shape == (4, 16)
    bare = RowEncoder(0, (), 16)
    rows = bare(None, None, 3)
    assert rows.shape == (3, 16) and torch.equal(rows[0], rows[2])
    assert any(p is bare.bias for p in bare.parameters())  # the featureless table still learns its vector
    assert bare(None, None, 0).shape == (0, 16)


def test_unseen_codes_and_nan_read_as_null():
    torch.manual_seed(0)
    enc = RowEncoder(1, (3,), 8)  # codes 0..2
    null = enc(torch.zeros(1, 1), torch.tensor([[0]]), 1)
    assert torch.equal(enc(torch.zeros(1, 1), torch.tensor([[3]]), 1), null)
    assert torch.equal(enc(torch.zeros(1, 1), torch.tensor([[-1]]), 1), null)
    assert not torch.equal(enc(torch.zeros(1, 1), torch.tensor([[2]]), 1), null)
    assert torch.equal(enc(torch.full((1, 1), float("nan")), torch.tensor([[0]]), 1), null)


def test_hetero_encoder_handles_empty_types():
    enc = HeteroRowEncoder(metadata(), 8)
    out = enc({"order": torch.empty(0, 2)}, {"order": torch.empty(0, 1, dtype=torch.long)}, {"order": 0, "product": 2})
    assert out["order"].shape == (0, 8) and out["product"].shape == (2, 8)


def test_relative_time_encoder_ignores_untimed_nodes():
    torch.manual_seed(0)
    enc = RelativeTimeEncoder(("order", "customer"), 8)
    seed_time = torch.tensor([1_000 * DAY, 2_000 * DAY])
    no_time = torch.iinfo(torch.int64).max
    time = {"order": torch.tensor([990 * DAY, UNTIMED, 1_500 * DAY, no_time]), "customer": torch.full((2,), UNTIMED)}
    batch = {"order": torch.tensor([0, 0, 1, 1]), "customer": torch.tensor([0, 1])}
    out = enc(seed_time, time, batch)
    assert torch.isfinite(out["order"]).all()
    assert torch.equal(out["order"][1], torch.zeros(8)) and torch.equal(out["order"][3], torch.zeros(8))
    assert torch.equal(out["customer"], torch.zeros(2, 8))
    assert out["order"][0].abs().sum() > 0 and not torch.allclose(out["order"][0], out["order"][2])


def test_relative_time_encoder_sees_only_the_gap_to_the_anchor():
    torch.manual_seed(0)
    enc = RelativeTimeEncoder(("order",), 8)
    batch = {"order": torch.tensor([0, 1])}
    a = enc(torch.tensor([100 * DAY, 200 * DAY]), {"order": torch.tensor([90 * DAY, 150 * DAY])}, batch)
    shift = 5_000 * DAY
    b = enc(torch.tensor([100 * DAY, 200 * DAY]) + shift, {"order": torch.tensor([90 * DAY, 150 * DAY]) + shift}, batch)
    assert torch.equal(a["order"], b["order"])
