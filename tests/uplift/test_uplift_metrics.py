"""Uplift metrics against small examples worked out by hand (see the comments for the arithmetic)."""
import math

import numpy as np
import pytest

from engine.uplift import (
    auuc,
    correlation_with_truth,
    evaluate_uplift,
    evaluate_uplift_by_arm,
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    uplift_curve,
)
from pql.errors import PQLInputError

# Six rows already in score order.
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
TREAT = np.array([1, 0, 1, 0, 1, 0])
OUTCOME = np.array([1, 0, 1, 1, 0, 0])


def test_qini_curve_by_hand():
    # k=4: Y_T=2, Y_C=1, N_T/N_C=2/2 -> 1;  k=5: 2 - 1*3/2 = 0.5;  k=6: 2 - 1*3/3 = 1
    curve = qini_curve(SCORE, TREAT, OUTCOME)
    np.testing.assert_array_equal(curve.x, [0, 1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(curve.y, [0, 1, 1, 2, 1, 0.5, 1])
    assert curve.area() == pytest.approx(6.0)
    assert curve.random_area() == pytest.approx(3.0)


def test_perfect_qini_curve_groups_ties():
    # oracle score y(2t-1) = [1, 0, 1, -1, 0, 0]: steps after 2, 5 and 6 rows
    curve = perfect_qini_curve(TREAT, OUTCOME)
    np.testing.assert_array_equal(curve.x, [0, 2, 5, 6])
    np.testing.assert_allclose(curve.y, [0, 2, 2, 1])


def test_qini_coefficient_by_hand():
    # model gain 6 - 3 = 3; perfect gain 9.5 - 3 = 6.5
    assert qini_coefficient(SCORE, TREAT, OUTCOME) == pytest.approx(3 / 6.5)


def test_uplift_curve_and_auuc_by_hand():
    curve = uplift_curve(SCORE, TREAT, OUTCOME)
    np.testing.assert_allclose(curve.y, [0, 1, 2, 3, 2, 5 / 6, 2])
    # perfect (sklift): 2*(y==t)+t -> [3, 2, 3, 0, 1, 2]; steps at 2, 4, 5, 6 rows
    perfect = perfect_uplift_curve(TREAT, OUTCOME)
    np.testing.assert_allclose(perfect.x, [0, 2, 4, 5, 6])
    np.testing.assert_allclose(perfect.y, [0, 2, 4, 10 / 3, 2])
    # model gain 59/6 - 6 = 23/6; perfect gain 43/3 - 6 = 25/3
    assert auuc(SCORE, TREAT, OUTCOME) == pytest.approx(23 / 50)


def test_uplift_at_k_by_hand():
    # top 4 overall: treated outcomes [1, 1], control [0, 1]
    assert uplift_at_k(SCORE, TREAT, OUTCOME, k=0.7) == pytest.approx(0.5)
    assert uplift_at_k(SCORE, TREAT, OUTCOME, k=0.5) == pytest.approx(1.0)
    # top 1 row has no control row: undefined rather than a made-up number
    assert math.isnan(uplift_at_k(SCORE, TREAT, OUTCOME, k=0.2))
    # by group: top 1 treated [1] vs top 1 control [0]
    assert uplift_at_k(SCORE, TREAT, OUTCOME, k=0.5, strategy="by_group") == pytest.approx(1.0)


def test_random_and_reversed_rankings():
    constant = np.zeros(6)
    assert qini_coefficient(constant, TREAT, OUTCOME) == pytest.approx(0.0)
    assert auuc(constant, TREAT, OUTCOME) == pytest.approx(0.0)
    oracle = OUTCOME * (2 * TREAT - 1)
    assert qini_coefficient(oracle, TREAT, OUTCOME) == pytest.approx(1.0)
    assert qini_coefficient(-oracle, TREAT, OUTCOME) < 0


def test_evaluate_uplift_bundles_everything():
    truth = np.array([0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    ev = evaluate_uplift(SCORE, TREAT, OUTCOME, true_uplift=truth, ks=(0.5, 0.7))
    assert ev.n == 6 and ev.n_treated == 3 and ev.n_control == 3
    assert ev.average_treatment_effect == pytest.approx(1 / 3)
    assert ev.qini_coefficient == pytest.approx(3 / 6.5)
    assert ev.auuc == pytest.approx(0.46)
    assert ev.qini_area == pytest.approx(3.0)
    assert ev.uplift_at_k == ((0.5, 1.0), (0.7, 0.5))
    assert ev.pearson_with_truth == pytest.approx(1.0)
    assert ev.spearman_with_truth == pytest.approx(1.0)
    assert "Qini coefficient 0.4615" in ev.render()


def test_correlation_with_truth_matches_definition():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=200)
    pred = truth + rng.normal(scale=0.5, size=200)
    pearson, spearman = correlation_with_truth(pred, truth)
    assert pearson == pytest.approx(np.corrcoef(pred, truth)[0, 1])
    ranks = lambda a: np.argsort(np.argsort(a))  # noqa: E731 - no ties in continuous draws
    assert spearman == pytest.approx(np.corrcoef(ranks(pred), ranks(truth))[0, 1])
    assert all(math.isnan(v) for v in correlation_with_truth(np.ones(5), np.arange(5)))


def test_good_model_beats_noise_on_simulated_randomized_data():
    rng = np.random.default_rng(1)
    n = 4000
    true_uplift = rng.uniform(-0.1, 0.3, size=n)
    t = rng.integers(0, 2, size=n)
    y = (rng.uniform(size=n) < 0.2 + t * true_uplift).astype(float)
    good = evaluate_uplift(true_uplift + rng.normal(scale=0.02, size=n), t, y, true_uplift=true_uplift)
    noise = evaluate_uplift(rng.normal(size=n), t, y)
    assert good.qini_coefficient > noise.qini_coefficient + 0.1
    assert good.pearson_with_truth > 0.9


def test_continuous_outcome_uses_oracle_reference():
    y = np.array([5.0, 0.0, 3.0, 2.0, 0.0, 1.0])
    value = qini_coefficient(y * (2 * TREAT - 1), TREAT, y)
    assert value == pytest.approx(1.0)


@pytest.mark.parametrize(
    "args, message",
    [
        ((SCORE, [1, 0, 2, 0, 1, 0], OUTCOME), "treatment must be 0"),
        ((SCORE, np.ones(6), OUTCOME), "both treated and control"),
        ((SCORE[:5], TREAT, OUTCOME), "differ in length"),
        ((np.r_[SCORE[:5], np.nan], TREAT, OUTCOME), "missing or infinite"),
    ],
)
def test_bad_inputs_raise_input_errors(args, message):
    with pytest.raises(PQLInputError, match=message):
        qini_coefficient(*args)
    with pytest.raises(ValueError):  # PQLInputError is also a ValueError
        evaluate_uplift(*args)


def test_evaluate_uplift_by_arm_scores_each_arm_against_control_only():
    rng = np.random.default_rng(2)
    n = 3000
    arm = rng.choice(["none", "points", "coupon"], size=n)
    true = np.column_stack([rng.uniform(0, 0.2, n), rng.uniform(-0.1, 0.3, n)])  # points, coupon
    effect = np.where(arm == "points", true[:, 0], np.where(arm == "coupon", true[:, 1], 0.0))
    y = (rng.uniform(size=n) < 0.1 + effect).astype(float)
    results = evaluate_uplift_by_arm(true, arm, y, arms=["points", "coupon"], control="none", true_uplift=true)
    assert set(results) == {"points", "coupon"}
    for a, name in enumerate(["points", "coupon"]):
        rows = (arm == name) | (arm == "none")
        direct = evaluate_uplift(true[rows, a], (arm[rows] == name).astype(int), y[rows])
        assert results[name].qini_coefficient == pytest.approx(direct.qini_coefficient)
        assert results[name].n == rows.sum()
        assert results[name].pearson_with_truth == pytest.approx(1.0)
    with pytest.raises(PQLInputError, match="unknown arm"):
        evaluate_uplift_by_arm(true, np.where(arm == "none", "other", arm), y, arms=["points", "coupon"],
                               control="none")
    with pytest.raises(PQLInputError, match="one column per arm"):
        evaluate_uplift_by_arm(true[:, :1], arm, y, arms=["points", "coupon"], control="none")
