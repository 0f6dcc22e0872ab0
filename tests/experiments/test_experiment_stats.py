"""Experiment analysis against hand-computed numbers and scipy.stats."""
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from engine.experiments import analyze_experiment, cuped_adjust, sample_ratio_check
from pql.errors import PQLInputError


def binary_table(successes: dict[str, int], n: dict[str, int]) -> pa.Table:
    arms, outcomes = [], []
    for arm, size in n.items():
        arms += [arm] * size
        outcomes += [1] * successes[arm] + [0] * (size - successes[arm])
    return pa.table({"unit": list(range(len(arms))), "arm": arms, "outcome": outcomes})


def test_two_proportions_by_hand():
    # control 10/100, treatment 20/100
    result = analyze_experiment(binary_table({"control": 10, "b": 20}, {"control": 100, "b": 100}), unit="unit")
    control, treated = result.arms
    assert (control.arm, control.mean, treated.mean) == ("control", 0.1, 0.2)
    assert control.std_error == pytest.approx(0.03) and treated.std_error == pytest.approx(0.04)
    (c,) = result.comparisons
    assert c.test == "two-proportion z" and c.df is None
    assert c.absolute_lift == pytest.approx(0.1)
    z = stats.norm.ppf(0.975)
    assert c.absolute_ci == pytest.approx((0.1 - z * 0.05, 0.1 + z * 0.05))  # unpooled se 0.05
    assert c.statistic == pytest.approx(0.1 / math.sqrt(0.15 * 0.85 * 0.02))  # pooled se
    assert c.p_value == pytest.approx(0.04767, abs=1e-5)  # z = 1.9803
    # the z-test is the uncorrected chi-square test of the 2x2 table
    chi2 = stats.chi2_contingency([[10, 90], [20, 80]], correction=False)
    assert c.p_value == pytest.approx(chi2.pvalue)
    # relative: 2 - 1 = 1, delta-method se sqrt(0.0016/0.01 + 0.04*0.0009/0.0001) = sqrt(0.52)
    assert c.relative_lift == pytest.approx(1.0)
    assert c.relative_ci == pytest.approx((1 - z * math.sqrt(0.52), 1 + z * math.sqrt(0.52)))


def test_welch_matches_scipy():
    data = {"arm": ["control"] * 3 + ["treated"] * 4, "outcome": [2.0, 4.0, 6.0, 1.0, 2.0, 3.0, 4.0]}
    (c,) = analyze_experiment(data).comparisons
    ref = stats.ttest_ind([1, 2, 3, 4], [2, 4, 6], equal_var=False)
    assert c.test == "Welch t"
    assert c.absolute_lift == pytest.approx(-1.5)
    assert c.statistic == pytest.approx(ref.statistic)
    # se_t^2 = (5/3)/4, se_c^2 = 4/3: df = 1.75^2 / ((5/12)^2/3 + (4/3)^2/2)
    assert c.df == pytest.approx(ref.df) and c.df == pytest.approx(3.0625 / ((5 / 12) ** 2 / 3 + (4 / 3) ** 2 / 2))
    assert c.p_value == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert c.absolute_ci == pytest.approx((ci.low, ci.high))


def test_welch_matches_scipy_on_random_data_and_alpha():
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 3, size=500), rng.normal(10.4, 5, size=700)
    frame = pd.DataFrame({"group": ["holdout"] * 500 + ["promo"] * 700, "spend": np.r_[a, b]})
    result = analyze_experiment(frame, arm="group", outcome="spend", alpha=0.1)
    assert result.control == "holdout"  # found by name
    (c,) = result.comparisons
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert c.p_value == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.9)
    assert c.absolute_ci == pytest.approx((ci.low, ci.high))


def test_sample_ratio_mismatch_by_hand():
    check = sample_ratio_check(["a", "b"], [100, 130])
    assert check.chi2 == pytest.approx(450 / 115)
    assert check.p_value == pytest.approx(stats.chi2.sf(450 / 115, 1))
    assert not check.mismatch
    assert sample_ratio_check(["a", "b"], [1000, 1200]).mismatch
    weighted = sample_ratio_check(["a", "b"], [100, 300], {"a": 1, "b": 3})
    assert weighted.chi2 == pytest.approx(0.0) and weighted.expected_share == (0.25, 0.75)


def test_srm_flag_reaches_the_analysis():
    table = binary_table({"control": 50, "b": 50}, {"control": 1000, "b": 1300})
    result = analyze_experiment(table)
    assert result.srm.mismatch
    assert "MISMATCH" in result.render()
    fine = analyze_experiment(table, expected_split={"control": 10, "b": 13})
    assert not fine.srm.mismatch


def test_cuped_by_hand():
    adjusted, summary = cuped_adjust(np.array([2.0, 4.0, 5.0, 9.0]), np.array([1.0, 2.0, 3.0, 4.0]), name="pre")
    # cov = 11/3, var = 5/3 -> theta 2.2; adjusted [5.3, 5.1, 3.9, 5.7]
    assert summary.theta == pytest.approx(2.2)
    np.testing.assert_allclose(adjusted, [5.3, 5.1, 3.9, 5.7])
    assert summary.variance_reduction == pytest.approx(1 - 0.6 / (26 / 3))


def test_cuped_narrows_the_interval_and_keeps_the_effect():
    rng = np.random.default_rng(1)
    n = 4000
    pre = rng.gamma(2.0, 10.0, size=n)
    treated = rng.integers(0, 2, size=n)
    post = 0.8 * pre + 2.0 * treated + rng.normal(0, 4, size=n)
    data = {"arm": np.where(treated == 1, "t", "control"), "outcome": post, "pre": pre}
    result = analyze_experiment(data, covariate="pre")
    (raw,) = result.comparisons
    (adj,) = result.cuped_comparisons
    assert adj.adjustment == "cuped"
    assert result.cuped.variance_reduction > 0.7  # corr^2 = 0.64*200 / (0.64*200 + 16)
    assert adj.absolute_ci[1] - adj.absolute_ci[0] < 0.6 * (raw.absolute_ci[1] - raw.absolute_ci[0])
    assert adj.absolute_ci[0] < 2.0 < adj.absolute_ci[1]
    table = result.to_arrow()
    assert table.num_rows == 4
    assert table.column("adjustment").to_pylist() == ["none", "none", "cuped", "cuped"]


def test_arrow_output_has_nulls_on_control_rows():
    table = analyze_experiment(binary_table({"control": 5, "x": 9, "y": 7},
                                            {"control": 50, "x": 50, "y": 50})).to_arrow()
    assert table.column("arm").to_pylist() == ["control", "x", "y"]
    assert table.column("is_control").to_pylist() == [True, False, False]
    assert table.column("absolute_lift").to_pylist()[0] is None
    assert table.column("absolute_lift").to_pylist()[1] == pytest.approx(0.08)
    assert table.schema.field("p_value").type == pa.float64()


def test_relative_lift_undefined_when_control_is_zero():
    result = analyze_experiment(binary_table({"control": 0, "b": 3}, {"control": 20, "b": 20}))
    (c,) = result.comparisons
    assert math.isnan(c.relative_lift)
    assert result.to_arrow().column("relative_lift").to_pylist() == [None, None]
    assert "n/a" in result.render()


@pytest.mark.parametrize(
    "data, kwargs, message",
    [
        ({"arm": ["a", "b"], "outcom": [1, 0]}, {}, "did you mean 'outcom'"),
        ({"arm": ["a", "a"], "outcome": [1, 0]}, {}, "at least two arms"),
        ({"arm": ["a", "b"] * 2, "outcome": [1, 0] * 2}, {}, "pass control="),
        ({"arm": ["a", "b"] * 2, "outcome": [1, 0] * 2}, {"control": "c"}, "not among the arms"),
        ({"arm": ["control", "b"] * 2, "outcome": [1.0, None, 0, 1]}, {}, "1 missing values"),
        ({"arm": ["control", "b", None, "b"], "outcome": [1, 0, 0, 1]}, {}, "no arm"),
        ({"arm": ["control", "b"] * 2, "outcome": [1, 0, 2, 1]}, {"outcome_type": "binary"}, "declared binary"),
        ({"arm": ["control", "b"] * 2, "outcome": [1, 0, 0, 1], "id": [1, 2, 2, 3]}, {"unit": "id"},
         "appear more than once"),
        ({"arm": ["control", "b", "b"], "outcome": [1, 0, 1]}, {}, "fewer than 2 units"),
        ({"arm": ["control", "b"] * 2, "outcome": [1, 0, 0, 1], "pre": [3, 3, 3, 3]}, {"covariate": "pre"},
         "constant"),
        ({"arm": ["control", "b"] * 2, "outcome": [1, 0, 0, 1]}, {"expected_split": {"control": 1}},
         "expected_split must name exactly"),
        ({"arm": ["control", "b"] * 2, "outcome": [1, 0, 0, 1]}, {"alpha": 5}, "alpha"),
        ([1, 2, 3], {}, "must be a pyarrow Table"),
    ],
)
def test_bad_input_is_a_clear_input_error(data, kwargs, message):
    with pytest.raises(PQLInputError, match=message):
        analyze_experiment(data, **kwargs)
