import pytest
import torch

from engine.models.ranking import LinkRankingHead
from engine.models.task_spec import TaskSpec
from pql.bound import TaskType
from pql.errors import EngineError


def test_scores_entities_against_items():
    torch.manual_seed(0)
    table = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=7), 8, channels=4)
    assert table(torch.randn(3, 8)).shape == (3, 7)
    given = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING), 8, channels=4, item_in_channels=5)
    assert given(torch.randn(3, 8), torch.randn(11, 5)).shape == (3, 11)
    scores, idx = given.rank(torch.randn(3, 8), 4, torch.randn(11, 5))
    assert idx.shape == (3, 4) and bool((scores[:, :-1] >= scores[:, 1:]).all())
    with pytest.raises(EngineError, match="item embeddings"):
        given(torch.randn(3, 8))


@pytest.mark.parametrize("loss, num_items", [("softmax", 40), ("softmax", 10), ("bpr", 40)])
def test_planted_positive_ranks_first_after_training(loss, num_items):
    """Entity ``e`` of 8 (one-hot features) buys item ``3 * e``; every other item is a negative."""
    torch.manual_seed(0)
    num_entities = 8
    head = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=num_items, loss=loss, num_negatives=16),
                           num_entities, channels=16)
    h = torch.eye(num_entities)
    planted = (torch.arange(num_entities) * 3) % num_items
    opt = torch.optim.Adam(head.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(0)
    for _ in range(150):
        opt.zero_grad()
        head.loss(h, torch.arange(num_entities), planted, generator=g).backward()
        opt.step()
    _, top = head.rank(h, 1)
    assert torch.equal(top.view(-1), planted)


def test_accidental_hits_are_masked():
    """With every item a positive of the row, no negative is left and the softmax loss is 0."""
    head = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=4, num_negatives=8), 2)
    rows = torch.zeros(4, dtype=torch.long)
    assert head.loss(torch.randn(1, 2), rows, torch.arange(4)).item() == pytest.approx(0.0, abs=1e-6)


def test_no_positives_gives_zero_loss_with_gradient_graph():
    head = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=4), 2)
    loss = head.loss(torch.randn(3, 2), torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long))
    assert loss.item() == 0.0
    loss.backward()


def test_item_bias_starts_at_popularity_and_ranks_it_before_any_training():
    torch.manual_seed(0)
    head = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=6), 8, channels=4)
    with torch.no_grad():
        head.entity_lin.weight.zero_()  # entities say nothing yet: only the bias can order the items
        head.entity_lin.bias.zero_()
    head.init_item_bias(torch.tensor([0, 50, 3, 900, 7, 0]))
    _, top = head.rank(torch.randn(2, 8), 3)
    assert top.tolist() == [[3, 1, 4], [3, 1, 4]]
    assert abs(float(head.item_bias.detach().mean())) < 1e-6  # centred
    given = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING), 8, channels=4, item_in_channels=5)
    assert given.item_bias is None  # caller-given items carry their own features
    given.init_item_bias(torch.tensor([1, 2]))  # a no-op, not an error
    trended = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=6, item_bias=False), 8, channels=4)
    trended.init_item_bias(torch.tensor([0, 50, 3, 900, 7, 0]))  # popularity comes from the trend instead
    assert trended.item_bias is None and "item_bias" not in dict(trended.named_parameters())
    assert trended(torch.randn(2, 8)).shape == (2, 6)


def _pad(values, fill: float = 0.3) -> torch.Tensor:
    """Pair features: the given leading columns (log1p count first), the rest ``fill``."""
    width = _history_head().history_scorer.linear.in_features
    out = torch.full((len(values), width), fill)
    out[:, :len(values[0])] = torch.tensor(values)
    return out


def _history_head(num_items: int = 6, pair_context: int = 0) -> LinkRankingHead:
    return LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=num_items, item_history=True,
                                    pair_context=pair_context), 8, channels=4)


@pytest.mark.parametrize("pair_context", [0, 3])
def test_history_scorer_starts_as_log_count_and_scores_only_past_items(pair_context):
    from engine.models.ranking import ItemHistory

    torch.manual_seed(0)
    head = _history_head(pair_context=pair_context)
    history = ItemHistory(rows=torch.tensor([0, 0, 1]), items=torch.tensor([2, 5, 2]),
                          values=_pad([[0.7, 1.0, 0.5], [2.0, 0.0, 0.5], [0.1, 3.0, 1.0]]))
    h = torch.randn(2, 8)
    delta = head(h, history=history) - head(h)
    expected = torch.zeros(2, 6)
    expected[0, 2], expected[0, 5], expected[1, 2] = 0.7, 2.0, 0.1
    assert torch.allclose(delta, expected, atol=1e-6)


def test_history_scores_in_the_loss_match_the_forward_scores():
    """The loss reads the same pair scores as ranking: its positive logit is the forward score."""
    from engine.models.ranking import ItemHistory

    torch.manual_seed(0)
    head = _history_head(num_items=4)
    with torch.no_grad():
        head.history_scorer.mlp[2].weight.normal_()  # a non-trivial scorer
    history = ItemHistory(rows=torch.tensor([0, 1]), items=torch.tensor([1, 3]),
                          values=_pad([[1.0, 0.5, 0.2], [0.3, 2.0, 1.0]], fill=0.4))
    h = torch.randn(2, 8)
    scores = head(h, history=history)
    rows, items = torch.tensor([0, 1]), torch.tensor([1, 0])
    expected = torch.nn.functional.cross_entropy(scores, items)  # 4 items <= num_negatives: exact softmax
    # the loss masks other positives of the row; here each row has one, so it is the plain softmax
    assert torch.allclose(head.loss(h, rows, items, history=history), expected, atol=1e-5)


def test_sampled_softmax_equals_the_per_positive_cross_entropy():
    """The per-row log-sum-exp is exactly the cross-entropy of each positive against the row's unmasked negatives."""
    torch.manual_seed(0)
    num_items, k = 50, 12
    head = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING, num_items=num_items, num_negatives=k), 8, channels=4)
    with torch.no_grad():
        head.item_table.weight.normal_()
        head.item_bias.normal_()
    h = torch.randn(4, 8)
    rows = torch.tensor([0, 0, 0, 1, 3, 3])
    items = torch.tensor([3, 7, 9, 3, 1, 2])
    loss = head.loss(h, rows, items, generator=torch.Generator().manual_seed(5))
    neg = torch.randint(num_items, (k,), generator=torch.Generator().manual_seed(5))
    scores = head(h)  # [B, I]
    keys = set((rows * num_items + items).tolist())
    expected = []
    for r, i in zip(rows.tolist(), items.tolist()):
        negs = [scores[r, j] for j in neg.tolist() if r * num_items + j not in keys]
        logits = torch.stack([scores[r, i], *negs])
        expected.append(torch.logsumexp(logits, 0) - scores[r, i])
    assert torch.allclose(loss, torch.stack(expected).mean(), atol=1e-5)


def test_pair_scores_read_the_entity_only_with_pair_context():
    """Two entities with the same history features: their pair scores differ only when the scorer
    reads the entity's embedding (a restocker's past item counts more than a gift buyer's)."""
    from engine.models.ranking import ItemHistory

    history = ItemHistory(rows=torch.tensor([0, 1]), items=torch.tensor([2, 2]),
                          values=_pad([[1.0, 0.5, 0.2], [1.0, 0.5, 0.2]]))
    h = torch.randn(2, 8, generator=torch.Generator().manual_seed(1))
    for width, differ in ((0, False), (4, True)):
        torch.manual_seed(0)
        head = _history_head(pair_context=width)
        with torch.no_grad():
            head.history_scorer.mlp[2].weight.normal_()  # a trained, non-trivial scorer
        pair = (head(h, history=history) - head(h))[:, 2]
        assert bool((pair[0] - pair[1]).abs() > 1e-4) is differ
        assert (head.pair_context is not None) is differ
