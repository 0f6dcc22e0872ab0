"""A monotone map from one score to a probability, fitted on the train split and saved as JSON.

Isotonic regression gives calibrated probabilities but flattens scores into plateaus, which would throw
away the score's ranking (and AUROC) inside each plateau. A tiny strictly increasing term keeps every
distinct score distinct, so the probabilities rank rows exactly as the score does. Rows without a score
(an empty MIN/MAX/AVG past window) get the positive rate of such rows in train.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: weight of the order-keeping term; far below any difference a calibrated probability means
_TIE_BREAK = 1e-6


@dataclass(frozen=True, kw_only=True)
class Calibration:
    knots_x: tuple[float, ...]
    knots_y: tuple[float, ...]
    missing_rate: float
    center: float  # median and spread of the train scores, to squash them for the order-keeping term
    scale: float

    @classmethod
    def fit(cls, scores: np.ndarray, labels: np.ndarray) -> "Calibration":
        """``scores`` [n] (NaN = no score), ``labels`` [n] booleans."""
        from sklearn.isotonic import IsotonicRegression

        s = np.asarray(scores, dtype=float)
        y = np.asarray(labels, dtype=float)
        prior = float(y.mean()) if len(y) else 0.5
        known = ~np.isnan(s)
        missing_rate = float(y[~known].mean()) if (~known).any() else prior
        if not known.any():
            return cls(knots_x=(0.0,), knots_y=(prior,), missing_rate=missing_rate, center=0.0, scale=1.0)
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s[known], y[known])
        spread = float(np.std(s[known])) or 1.0
        return cls(knots_x=tuple(float(v) for v in iso.X_thresholds_),
                   knots_y=tuple(float(v) for v in iso.y_thresholds_), missing_rate=missing_rate,
                   center=float(np.median(s[known])), scale=spread)

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """Probabilities [n] for ``scores`` [n] (NaN = no score)."""
        s = np.asarray(scores, dtype=float)
        known = ~np.isnan(s)
        out = np.full(len(s), self.missing_rate, dtype=float)
        if known.any():
            iso = np.interp(s[known], self.knots_x, self.knots_y)
            order = np.arctan((s[known] - self.center) / self.scale) / np.pi + 0.5  # in (0, 1), strictly increasing
            out[known] = iso * (1 - _TIE_BREAK) + _TIE_BREAK * order
        return out

    def to_json(self) -> dict[str, Any]:
        return {"knots_x": list(self.knots_x), "knots_y": list(self.knots_y), "missing_rate": self.missing_rate,
                "center": self.center, "scale": self.scale}

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> "Calibration":
        return cls(knots_x=tuple(state["knots_x"]), knots_y=tuple(state["knots_y"]),
                   missing_rate=float(state["missing_rate"]), center=float(state["center"]),
                   scale=float(state["scale"]))
