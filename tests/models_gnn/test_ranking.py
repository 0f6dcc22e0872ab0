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
    assert abs(float(head.item_bias.mean())) < 1e-6  # centred
    given = LinkRankingHead(TaskSpec(task=TaskType.LINK_RANKING), 8, channels=4, item_in_channels=5)
    assert given.item_bias is None  # caller-given items carry their own features
    given.init_item_bias(torch.tensor([1, 2]))  # a no-op, not an error
