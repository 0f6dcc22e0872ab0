"""bench.blend_check's bag of seeds, on made-up test scores (no model is trained)."""
import numpy as np
import pytest
from scipy.stats import rankdata, spearmanr

from bench import blend_check

LABEL = np.array([0.0, 5.0, 1.0, 9.0, 3.0, np.nan])
SCORES = {0: np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 1: np.array([0.0, 9.0, 1.0, 8.0, 2.0, 7.0])}


def test_a_bag_averages_the_seeds_ranks(monkeypatch):
    # last-bit differences in the labels (DuckDB sums) are the same rows
    monkeypatch.setattr(blend_check, "test_scores", lambda case, model, seed: (SCORES[seed], LABEL + seed * 1e-13))
    out = blend_check.bags("ltv-total-spend-12m", [0, 1])
    known = np.isfinite(LABEL)
    assert out[1] == pytest.approx(spearmanr(SCORES[0][known], LABEL[known]).statistic)
    mean_rank = (rankdata(SCORES[0]) + rankdata(SCORES[1])) / 2
    assert out[2] == pytest.approx(spearmanr(mean_rank[known], LABEL[known]).statistic)


def test_runs_over_different_rows_are_refused(monkeypatch):
    monkeypatch.setattr(blend_check, "test_scores", lambda case, model, seed: (SCORES[seed], LABEL + seed))
    with pytest.raises(RuntimeError, match="different test rows"):
        blend_check.bags("ltv-total-spend-12m", [0, 1])
