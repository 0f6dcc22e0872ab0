"""The real Hillstrom e-mail experiment: reproduce the published visit rates (64k rows, ~1 s)."""
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from engine.experiments import analyze_experiment

HILLSTROM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hillstrom" / "hillstrom.csv"


@pytest.fixture(scope="module")
def hillstrom():
    if not HILLSTROM.exists():
        pytest.skip(f"Hillstrom data not present at {HILLSTROM}")
    return pacsv.read_csv(HILLSTROM)


def test_published_visit_rates(hillstrom):
    result = analyze_experiment(hillstrom, arm="segment", outcome="visit", control="No E-Mail")
    rates = {a.arm: round(a.mean, 4) for a in result.arms}
    # MineThatData (Hillstrom, 2008): 18.28% Mens E-Mail, 15.14% Womens E-Mail, 10.62% No E-Mail
    assert rates == {"No E-Mail": 0.1062, "Mens E-Mail": 0.1828, "Womens E-Mail": 0.1514}
    assert sum(a.n for a in result.arms) == 64_000
    lifts = {c.arm: round(c.absolute_lift, 4) for c in result.comparisons}
    assert lifts == {"Mens E-Mail": 0.0766, "Womens E-Mail": 0.0452}
    assert all(c.p_value < 1e-40 for c in result.comparisons)
    assert not result.srm.mismatch  # assignment was a fair one-third split


def test_spend_with_cuped_on_history(hillstrom):
    result = analyze_experiment(hillstrom, arm="segment", outcome="spend", control="No E-Mail",
                                covariate="history")
    assert result.outcome_type == "continuous"
    assert result.cuped is not None and result.cuped.theta > 0
    assert 0 <= result.cuped.variance_reduction < 0.05  # history barely predicts spend
    raw = {c.arm: c for c in result.comparisons}
    adjusted = {c.arm: c for c in result.cuped_comparisons}
    assert adjusted["Mens E-Mail"].absolute_lift == pytest.approx(raw["Mens E-Mail"].absolute_lift, abs=0.01)
