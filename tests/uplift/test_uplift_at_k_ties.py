"""uplift@k treats tied scores as one group, as the Qini curve does: no row order breaks a tie."""
import numpy as np
import pytest

from engine.uplift import evaluate_uplift, uplift_at_k


def _data(n=500, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, size=n)
    y = rng.uniform(0, 40, size=n) + 3.0 * t
    return t, y


@pytest.mark.parametrize("strategy", ["overall", "by_group"])
def test_constant_score_gives_the_average_effect_in_any_row_order(strategy):
    t, y = _data()
    ate = y[t == 1].mean() - y[t == 0].mean()
    rng = np.random.default_rng(1)
    for _ in range(3):
        order = rng.permutation(len(t))
        for k in (0.1, 0.2, 0.3, 1.0):
            got = uplift_at_k(np.full(len(t), 19.606972842764947), t[order], y[order], k=k, strategy=strategy)
            assert got == pytest.approx(ate, rel=1e-9)


def test_constant_score_evaluation_matches_ate():
    t, y = _data(seed=3)
    ev = evaluate_uplift(np.zeros(len(t)), t, y)
    assert all(v == pytest.approx(ev.average_treatment_effect, rel=1e-9) for _, v in ev.uplift_at_k)


def test_a_tied_group_split_by_the_cut_counts_in_proportion():
    # top 3 of 6: row 0 whole (treated, 1) and 2 of the 3 tied rows 1..3 (treated 0; control 1 and 0)
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.1])
    t = np.array([1, 1, 0, 0, 1, 0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    # treated: 1 + 2/3*0 over 1 + 2/3 rows -> 0.6; control: 2/3*(1+0) over 2/3*2 rows -> 0.5
    assert uplift_at_k(score, t, y, k=0.5) == pytest.approx(0.6 - 0.5)
    # the same rows in another order give the same number
    order = np.array([5, 3, 0, 2, 4, 1])
    assert uplift_at_k(score[order], t[order], y[order], k=0.5) == pytest.approx(0.1)


def test_distinct_scores_unchanged():
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    t = np.array([1, 0, 1, 0, 1, 0])
    y = np.array([1, 0, 1, 1, 0, 0])
    assert uplift_at_k(score, t, y, k=0.5) == pytest.approx(1.0)
