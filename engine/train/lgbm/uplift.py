"""Uplift with LightGBM: meta-learners over per-arm outcome models.

T-learner (the default): one outcome model per arm, control included, each trained on the rows that
got that arm; the uplift of arm j is ``mu_j(x) - mu_0(x)``. It needs nothing but enough rows per arm.

X-learner (``LGBMSettings.uplift_learner = 'x'``, or ``PQL_LGBM_UPLIFT_LEARNER=x``; used for an arm
only when its treated and control groups both have ``min_x_rows`` train rows): the T-learner's models
impute each row's individual effect (treated: ``y - mu_0(x)``, control: ``mu_j(x) - y``), one
regression per group learns it (``tau1_j``, ``tau0_j``), and the propensity ``e_j(x)`` blends them:
``tau_j = e_j * tau0_j + (1 - e_j) * tau1_j``. It helps when one group is much smaller than the other.
T is the default because with a randomised, balanced treatment (the usual experiment) the two agree
and T has fewer moving parts; pql offers no WITH option for this on purpose.

Either way a propensity model ``P(arm j | x)`` (arm j vs control) is fitted and its validation AUROC
reported: features that predict who was treated (AUROC > ``propensity_warning_auroc``) mean the
treatment was not randomised and the uplift may be confounded, and the log says so.

Scores [n, A + 1]: column 0 the outcome under control, column j under arm j (binary outcomes are
probabilities, clipped to [0, 1] after the X-learner's shift).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from engine.evaluate import treatment_index
from engine.models.lightgbm_model import LightGBMModel
from engine.train.base import Predictions
from engine.train.lgbm.heads import FitData, Head, fit_binary, fit_regression, floats, rows_where
from pql.bound import TaskType
from pql.errors import EngineError

MIN_ARM_ROWS = 10


class _Constant:
    """Stands in for an outcome model when an arm's binary outcome never varies in train."""

    def __init__(self, value: float):
        self.value = value

    def predict(self, X: pa.Table) -> np.ndarray:
        return np.full(X.num_rows, self.value)


class UpliftHead(Head):
    kind = "uplift"

    def __init__(self, *, classes: tuple[str, ...] = (), binary: bool = True, learner: str = "t",
                 outcome: dict[int, Any] | None = None, effect: dict[int, dict[str, LightGBMModel]] | None = None):
        self.classes, self.binary, self.learner = tuple(classes), binary, learner
        self.outcome = dict(outcome or {})  # arm -> LightGBMModel | _Constant
        self.effect = dict(effect or {})  # arm -> {"tau0", "tau1", "propensity"} (X-learner arms)
        self.propensity_auroc: dict[int, float] = {}

    # -- fitting -------------------------------------------------------------------------------

    def _outcome_model(self, data: FitData, X: pa.Table, y: np.ndarray, X_v: pa.Table | None, y_v: np.ndarray | None,
                       arm: int) -> Any:
        name = self.classes[arm]
        if len(y) < MIN_ARM_ROWS:
            raise EngineError(f"only {len(y)} training rows got {name!r}; an outcome model per arm needs "
                              f"at least {MIN_ARM_ROWS}")
        if self.binary:
            yb = y.astype(bool)
            if yb.all() or not yb.any():
                data.log(f"lightgbm: uplift: the outcome never varies among {name!r} rows; using its rate")
                return _Constant(float(yb.mean()))
            return fit_binary(X, yb, X_v, None if y_v is None else y_v.astype(bool), data.settings, seed_offset=arm)
        return fit_regression(X, y, X_v, y_v, data.settings, data.log, what=f"outcome under {name}", seed_offset=arm)

    def fit(self, data: FitData) -> None:
        if data.rows_train is None:
            raise EngineError("uplift training needs the labelled rows with their treatment")
        arm_tr = treatment_index(data.rows_train, self.classes)
        y_tr = floats(data.y_train)
        ok_tr = np.isfinite(y_tr)
        has_val = data.X_val is not None and data.rows_val is not None and data.rows_val.num_rows > 0
        arm_va = treatment_index(data.rows_val, self.classes) if has_val else np.zeros(0, dtype=int)
        y_va = floats(data.y_val) if has_val else np.zeros(0)
        ok_va = np.isfinite(y_va)

        def part(X, y, arm, ok, j):
            keep = ok & (arm == j)
            return rows_where(X, keep), y[keep]

        for j in range(len(self.classes)):
            X, y = part(data.X_train, y_tr, arm_tr, ok_tr, j)
            X_v, y_v = part(data.X_val, y_va, arm_va, ok_va, j) if has_val else (None, None)
            self.outcome[j] = self._outcome_model(data, X, y, X_v, y_v, j)
        counts = ", ".join(f"{c} {(arm_tr == j).sum():,}" for j, c in enumerate(self.classes))
        data.log(f"lightgbm: uplift {self.learner.upper()}-learner, one outcome model per arm ({counts} train rows)")

        for j in range(1, len(self.classes)):
            propensity = self._propensity(data, arm_tr, arm_va, j, has_val)
            if self.learner == "x" and propensity is not None:
                self._fit_effects(data, j, propensity, arm_tr, y_tr, ok_tr, arm_va, y_va, ok_va, has_val)

    def _propensity(self, data: FitData, arm_tr: np.ndarray, arm_va: np.ndarray, j: int, has_val: bool):
        """P(arm j | x) among rows with arm j or control; its validation AUROC tests randomisation."""
        from sklearn.metrics import roc_auc_score

        pair_tr = (arm_tr == 0) | (arm_tr == j)
        t_tr = arm_tr[pair_tr] == j
        if t_tr.all() or not t_tr.any():
            return None
        X_v = t_v = None
        if has_val:
            pair_va = (arm_va == 0) | (arm_va == j)
            X_v, t_v = rows_where(data.X_val, pair_va), arm_va[pair_va] == j
        model = fit_binary(rows_where(data.X_train, pair_tr), t_tr, X_v, t_v, data.settings, seed_offset=100 + j)
        if t_v is not None and 0 < t_v.sum() < len(t_v):
            auroc = float(roc_auc_score(t_v, model.predict(X_v)))
            self.propensity_auroc[j] = auroc
            data.log(f"lightgbm: uplift: propensity AUROC of {self.classes[j]!r} vs control on validation {auroc:.3f}")
            if auroc > data.settings.propensity_warning_auroc:
                data.log(f"warning: lightgbm: the features predict who got {self.classes[j]!r} (propensity AUROC "
                         f"{auroc:.2f} > {data.settings.propensity_warning_auroc}); the treatment looks "
                         "non-randomised and the uplift may be confounded")
        return model

    def _fit_effects(self, data, j, propensity, arm_tr, y_tr, ok_tr, arm_va, y_va, ok_va, has_val) -> None:
        treated, control = ok_tr & (arm_tr == j), ok_tr & (arm_tr == 0)
        if min(treated.sum(), control.sum()) < data.settings.min_x_rows:
            data.log(f"lightgbm: uplift: too few rows for the X-learner on {self.classes[j]!r} "
                     f"(need {data.settings.min_x_rows} per group); T-learner for this arm")
            return

        def imputed(X: pa.Table, y: np.ndarray, group_is_treated: bool) -> np.ndarray:
            if group_is_treated:
                return y - self.outcome[0].predict(X)
            return self.outcome[j].predict(X) - y

        taus = {}
        for name, mask_tr, is_treated, arm_value in (("tau1", treated, True, j), ("tau0", control, False, 0)):
            X = rows_where(data.X_train, mask_tr)
            d = imputed(X, y_tr[mask_tr], is_treated)
            X_v = d_v = None
            if has_val:
                mask_va = ok_va & (arm_va == arm_value)
                if mask_va.any():
                    X_v = rows_where(data.X_val, mask_va)
                    d_v = imputed(X_v, y_va[mask_va], is_treated)
            config = data.settings.config(seed_offset=200 + 2 * j + int(is_treated), regression_loss="l2")
            taus[name] = LightGBMModel(config).fit(X, d, X_v, d_v, TaskType.REGRESSION)
        self.effect[j] = {**taus, "propensity": propensity}
        data.log(f"lightgbm: uplift: X-learner effect models for {self.classes[j]!r}")

    # -- prediction ----------------------------------------------------------------------------

    def predict(self, X: pa.Table) -> Predictions:
        scores = np.zeros((X.num_rows, len(self.classes)), dtype=np.float64)
        for j, model in self.outcome.items():
            scores[:, j] = model.predict(X)
        for j, parts in self.effect.items():
            e = parts["propensity"].predict(X)
            tau = e * parts["tau0"].predict(X) + (1.0 - e) * parts["tau1"].predict(X)
            scores[:, j] = scores[:, 0] + tau
        if self.binary:
            scores = np.clip(scores, 0.0, 1.0)
        return Predictions(task=TaskType.UPLIFT, scores=scores, classes=self.classes)

    # -- persistence ---------------------------------------------------------------------------

    def models(self) -> dict[str, LightGBMModel]:
        out = {f"outcome_{j}": m for j, m in self.outcome.items() if isinstance(m, LightGBMModel)}
        for j, parts in self.effect.items():
            out.update({f"{name}_{j}": m for name, m in parts.items()})
        return out

    def state(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "binary": self.binary, "learner": self.learner,
                "constants": {str(j): m.value for j, m in self.outcome.items() if isinstance(m, _Constant)},
                "effect_arms": sorted(self.effect),
                "propensity_auroc": {str(j): v for j, v in self.propensity_auroc.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "UpliftHead":
        outcome: dict[int, Any] = {int(j): _Constant(float(v)) for j, v in state["constants"].items()}
        for j in range(len(state["classes"])):
            if f"outcome_{j}" in models:
                outcome[j] = models[f"outcome_{j}"]
        effect = {int(j): {n: models[f"{n}_{j}"] for n in ("tau0", "tau1", "propensity")} for j in state["effect_arms"]}
        head = cls(classes=tuple(state["classes"]), binary=bool(state["binary"]), learner=state["learner"],
                   outcome=outcome, effect=effect)
        head.propensity_auroc = {int(j): float(v) for j, v in state.get("propensity_auroc", {}).items()}
        return head
