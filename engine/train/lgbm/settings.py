"""`LGBMSettings`: the LightGBM trainer's knobs, resolved once per fit and saved with the model."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from typing import Any

from engine.models.lightgbm_model import LightGBMConfig
from pql.errors import EngineError

# LightGBM's OpenMP threads spin while they wait by default; on a busy machine (more runnable threads
# than cores) that made boosting 5-8x slower in our measurements. Passive waiting costs nothing when
# the machine is idle. Set before lightgbm (and its libgomp) is first loaded; a user's value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: environment variable that sets LightGBM's threads (tests set 1); else OMP_NUM_THREADS, else 2
THREADS_ENV = "PQL_LGBM_THREADS"
#: environment variable choosing the uplift learner: 't' (default) or 'x'
UPLIFT_LEARNER_ENV = "PQL_LGBM_UPLIFT_LEARNER"
UPLIFT_LEARNERS = ("t", "x")


def default_threads() -> int:
    for name in (THREADS_ENV, "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return max(1, int(value))
            except ValueError as e:
                raise EngineError(f"{name} must be a whole number of threads, got {value!r}") from e
    return 2


@dataclass(frozen=True, kw_only=True)
class LGBMSettings:
    """What the trainer decides before it trains; JSON round-trips through `to_dict` / `from_dict`.

    ``max_rank_pairs`` bounds the (entity, candidate item) pairs link ranking trains on;
    ``max_classes`` / ``max_labels`` bound multiclass classes and one-vs-rest multilabel models (the
    most frequent in train; rarer classes' rows are left out of training, rarer labels get no model).
    ``uplift_learner`` 't' fits one outcome model per arm; 'x' adds the X-learner's second stage when
    every group has at least ``min_x_rows`` train rows (else it falls back to 't').
    """

    seed: int = 0
    num_threads: int = 2
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 20
    max_rounds: int = 1000
    early_stopping_rounds: int = 50
    max_features: int = 400
    history_lags: tuple[int, ...] = (1, 2, 3, 0)  # 0 = all history up to the anchor
    max_history_aggregations: int = 3
    max_rank_pairs: int = 300_000
    max_rank_val_seeds: int = 2_000
    num_popular: int = 50
    max_history_items: int = 50
    max_classes: int = 50
    max_labels: int = 50
    uplift_learner: str = "t"
    min_x_rows: int = 200
    propensity_warning_auroc: float = 0.6

    @classmethod
    def from_inputs(cls, inputs: Any, **overrides: Any) -> "LGBMSettings":
        learner = os.environ.get(UPLIFT_LEARNER_ENV, "t").strip().lower() or "t"
        settings = cls(seed=int(inputs.seed), num_threads=default_threads(), uplift_learner=learner)
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
        if settings.uplift_learner not in UPLIFT_LEARNERS:
            raise EngineError(f"unknown uplift learner {settings.uplift_learner!r}; use one of "
                              f"{', '.join(UPLIFT_LEARNERS)}")
        return settings

    def config(self, **overrides: Any) -> LightGBMConfig:
        """The `LightGBMConfig` of one model; ``seed_offset`` gives sibling models their own seeds."""
        offset = int(overrides.pop("seed_offset", 0))
        base = LightGBMConfig(num_leaves=self.num_leaves, learning_rate=self.learning_rate,
                              max_rounds=self.max_rounds, early_stopping_rounds=self.early_stopping_rounds,
                              min_data_in_leaf=self.min_data_in_leaf, seed=self.seed + offset,
                              num_threads=self.num_threads)
        return replace(base, **overrides)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["history_lags"] = list(self.history_lags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LGBMSettings":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "history_lags" in known:
            known["history_lags"] = tuple(known["history_lags"])
        return cls(**known)
