"""The allocation summary: baselines averaged over draws, and a budget that nothing fits."""
import numpy as np
import pytest

from engine.allocation import allocate


def test_averaged_baselines_show_their_mean_not_a_truncated_count():
    # one entity fits the budget; the random walk reaches it first in some draws only
    result = allocate(np.ones((3, 1)), np.array([[10.0], [100.0], [100.0]]), budget=10)
    random = next(b for b in result.baselines if b.name == "random")
    assert random.draws == 5 and 0 < random.n_assigned < 1 and random.total_cost > 0
    row = next(line for line in result.render().splitlines() if line.strip().startswith("random"))
    assert row.split()[1] == f"{random.n_assigned:.1f}"  # 0.2, not 0 beside a cost of 2.00
    assert "(random, cheapest arm: the mean of 5 seeded draws)" in result.render()


@pytest.mark.parametrize("budget,cost", [(10, 100.0), (0.5, 1.0)])
def test_a_budget_below_the_cheapest_cost_says_so_instead_of_a_full_gap(budget, cost):
    result = allocate(np.full((4, 1), 1000.0), np.full((4, 1), cost), budget=budget)
    s = result.summary
    assert result.assignment.num_rows == 0 and s.nothing_fits
    assert s.status == "optimal" and s.gap == 0.0
    assert s.note == f"budget {budget:g} is below the cheapest cost ({cost:g}): nothing can be allocated"
    text = result.render()
    assert "gap to LP bound n/a (nothing fits the budget)" in text and "100.00000%" not in text


def test_a_plan_that_fits_is_not_flagged():
    result = allocate(np.full((4, 1), 1000.0), np.full((4, 1), 100.0), budget=250)
    assert not result.summary.nothing_fits and result.assignment.num_rows == 2
    assert "nothing can be allocated" not in result.render()
    # no pair worth giving at all (value below cost) is not "nothing fits the budget" either
    assert not allocate(np.ones((2, 1)), np.full((2, 1), 5.0), budget=1).summary.nothing_fits
