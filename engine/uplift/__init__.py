"""Uplift (incrementality) evaluation: Qini, AUUC, uplift@k and correlation with a known truth."""
from engine.uplift.metrics import (
    Curve,
    UpliftEvaluation,
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

__all__ = [
    "Curve",
    "UpliftEvaluation",
    "auuc",
    "correlation_with_truth",
    "evaluate_uplift",
    "evaluate_uplift_by_arm",
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "qini_coefficient",
    "qini_curve",
    "uplift_at_k",
    "uplift_curve",
]
