"""Gradient-boosted trees over a feature table (see :mod:`engine.features`).

Tasks: binary, regression (optionally on ``log1p(y)``; predictions clamped to the training range),
multiclass (labels mapped to 0..C-1 and back) and link ranking as candidate scoring (a binary model
on (entity, candidate item) pairs from :func:`engine.features.candidate_features`).

String and dictionary columns are categorical: their values are mapped to integer codes learned on
the training data (most frequent first, capped) and stored with the model, so prediction on new
data uses the same codes; unseen values become missing. ``save`` writes LightGBM's own text model
and a JSON file of metadata, never a pickle.

lightgbm is imported inside the methods, so importing this module stays cheap.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.models.lightgbm_deadline import deadline_callback
from engine.models.lightgbm_progress import round_bar
from engine.models.lightgbm_refit import FitMaterial, keeping_material
from engine.models.native_output import native_stderr_captured
from pql.bound import TaskType
from pql.errors import EngineError, PQLInputError

FORMAT = "pql-lightgbm"
FORMAT_VERSION = 1
MODEL_FILE = "model.txt"
META_FILE = "meta.json"

SUPPORTED = (TaskType.BINARY, TaskType.REGRESSION, TaskType.MULTICLASS, TaskType.LINK_RANKING)
_REGRESSION_OBJECTIVES = {"l1": "regression_l1", "mse": "regression", "l2": "regression", "huber": "huber"}
_REGRESSION_METRICS = {"regression_l1": "l1", "regression": "l2", "huber": "huber"}


@dataclass(frozen=True, kw_only=True)
class LightGBMConfig:
    """Training options. ``num_threads`` and ``deterministic`` make runs bit-for-bit repeatable."""

    num_leaves: int = 31
    learning_rate: float = 0.05
    max_rounds: int = 1000
    early_stopping_rounds: int = 50
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    max_categories: int = 1000  # per categorical feature; rarer values become missing
    seed: int = 0
    num_threads: int = 1
    regression_loss: str = "l2"  # l1 | l2 | mse | huber; a TaskSpec's loss overrides it
    log_target: bool = False  # regression: fit log1p(y) (labels must be >= 0)


@dataclass(frozen=True, kw_only=True)
class FeatureEncoding:
    """How a table becomes LightGBM's float matrix: column order and categorical codes."""

    feature_names: tuple[str, ...]
    categories: dict[str, list[str]] = field(default_factory=dict)  # feature -> values in code order

    @classmethod
    def learn(cls, X: pa.Table, *, max_categories: int) -> FeatureEncoding:
        categories = {}
        for name in X.column_names:
            column = X.column(name)
            if _is_categorical(column.type):
                counts = pc.value_counts(column.cast(pa.string())).to_pylist()
                pairs = [(c["values"], c["counts"]) for c in counts if c["values"] is not None]
                ranked = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:max_categories]
                categories[name] = [v for v, _ in ranked]
        return cls(feature_names=tuple(X.column_names), categories=categories)

    def matrix(self, X: pa.Table) -> np.ndarray:
        """``[n, F]`` float64; categorical values as codes, missing and unseen values as NaN."""
        missing = [n for n in self.feature_names if n not in X.column_names]
        if missing:
            raise PQLInputError(f"prediction data lacks feature(s): {', '.join(missing[:10])}")
        out = np.empty((X.num_rows, len(self.feature_names)), dtype=np.float64)
        for j, name in enumerate(self.feature_names):
            column = X.column(name)
            if name in self.categories:
                known = pa.array(self.categories[name], pa.string())
                codes = pc.index_in(column.cast(pa.string()), value_set=known)  # null when unseen or missing
                out[:, j] = codes.cast(pa.float64()).to_numpy(zero_copy_only=False)
            else:
                out[:, j] = _numeric(column, name)
        return out

    @property
    def categorical_indices(self) -> list[int]:
        return [j for j, n in enumerate(self.feature_names) if n in self.categories]


class LightGBMModel:
    """``fit`` / ``predict`` / ``save`` / ``load`` over Arrow (or pandas) feature tables.

    ``predict`` returns: binary and link ranking P(y=1) ``[n]``; regression ``[n]`` in label units;
    multiclass class probabilities ``[n, C]`` ordered as :attr:`classes` (``predict_label`` gives
    the most likely class in the original label values).
    """

    def __init__(self, config: LightGBMConfig | None = None):
        self.config = config or LightGBMConfig()
        self.task: TaskType | None = None
        self.encoding: FeatureEncoding | None = None
        self.classes: list[Any] | None = None
        self.label_range: tuple[float, float] | None = None
        self.log_target = False
        self.best_iteration = 0
        self._booster = None
        self._material: FitMaterial | None = None  # kept only inside `keep_fit_material()`, for `refit`

    # --- training ----------------------------------------------------------------------------

    def fit(self, X_train, y_train, X_val, y_val, task) -> LightGBMModel:
        """Train with early stopping on ``(X_val, y_val)`` (pass ``None`` for a fixed number of rounds)."""
        import lightgbm as lgb

        self.task = _task_type(task)
        loss = getattr(task, "loss", None) or self.config.regression_loss
        self.log_target = bool(getattr(task, "log_target", False) or self.config.log_target)
        X_train = _as_arrow(X_train)
        self.encoding = FeatureEncoding.learn(X_train, max_categories=self.config.max_categories)
        y = self._encode_labels(np.asarray(y_train), fitting=True)
        train = lgb.Dataset(
            self.encoding.matrix(X_train),
            label=y,
            feature_name=_lightgbm_names(self.encoding.feature_names),
            categorical_feature=self.encoding.categorical_indices,
            free_raw_data=True,
        )
        params = self._params(loss)
        valid_sets, callbacks = [], []
        self._material = None
        if X_val is not None and y_val is not None:
            X_val = _as_arrow(X_val)
            y_v = np.asarray(y_val)
            keep = self._known_label_rows(y_v)
            X_val, y_v = X_val.filter(pa.array(keep)), y_v[keep]
            if X_val.num_rows > 0:
                y_v_encoded = self._encode_labels(y_v)
                valid_sets = [train.create_valid(self.encoding.matrix(X_val), label=y_v_encoded)]
                callbacks = [lgb.early_stopping(self.config.early_stopping_rounds, verbose=False)]
                if keeping_material():
                    self._material = FitMaterial(X_train=X_train, y_train=y, X_val=X_val, y_val=y_v_encoded,
                                                 loss=loss, val_range=_regression_range(y_v, self.task))
        deadline = deadline_callback()
        if deadline is not None:
            callbacks = [*callbacks, deadline]
        try:
            with round_bar(self.config.max_rounds) as progress:
                booster = lgb.train(params, train, num_boost_round=self.config.max_rounds, valid_sets=valid_sets,
                                    callbacks=callbacks if progress is None else [*callbacks, progress])
        except lgb.basic.LightGBMError as e:
            raise EngineError(f"LightGBM training failed: {e}") from e
        self._booster = booster
        self.best_iteration = booster.best_iteration or booster.current_iteration()
        return self

    def refit(self) -> bool:
        """Train again on the training and validation rows of the last `fit` for its best number of rounds.

        Validation chose the rounds (early stopping); the rows it held are the most recent labels,
        which the final model should learn from. Returns False (model unchanged) when `fit` kept no
        material: it ran outside `keep_fit_material()` or without validation rows.
        """
        import lightgbm as lgb

        m = self._material
        if m is None or self._booster is None:
            return False
        # the material holds Arrow tables (shared with the trainer's feature cache), not the float matrices
        # fit built: re-encoding costs far less than training, and nothing is held twice meanwhile
        X = np.vstack([self.encoding.matrix(m.X_train), self.encoding.matrix(m.X_val)])
        y = np.concatenate([m.y_train, m.y_val])
        data = lgb.Dataset(X, label=y, feature_name=_lightgbm_names(self.encoding.feature_names),
                           categorical_feature=self.encoding.categorical_indices, free_raw_data=True)
        deadline = deadline_callback()
        rounds = max(self.best_iteration, 1)
        try:
            with round_bar(rounds, desc="lightgbm refit") as progress:
                booster = lgb.train(self._params(m.loss), data, num_boost_round=rounds,
                                    callbacks=[c for c in (deadline, progress) if c is not None])
        except lgb.basic.LightGBMError as e:
            raise EngineError(f"LightGBM refit failed: {e}") from e
        self._booster, self._material = booster, None
        self.best_iteration = booster.current_iteration()
        if self.label_range is not None and m.val_range is not None:  # predictions may now reach val's labels
            self.label_range = (min(self.label_range[0], m.val_range[0]), max(self.label_range[1], m.val_range[1]))
        return True

    def _params(self, loss: str) -> dict[str, Any]:
        c = self.config
        params: dict[str, Any] = {
            "num_leaves": c.num_leaves,
            "learning_rate": c.learning_rate,
            "min_data_in_leaf": c.min_data_in_leaf,
            "feature_fraction": c.feature_fraction,
            "bagging_fraction": c.bagging_fraction,
            "bagging_freq": c.bagging_freq,
            "lambda_l2": c.lambda_l2,
            "seed": c.seed,
            "num_threads": c.num_threads,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        if self.task in (TaskType.BINARY, TaskType.LINK_RANKING):
            params.update(objective="binary", metric=["binary_logloss"])
        elif self.task is TaskType.MULTICLASS:
            params.update(objective="multiclass", num_class=len(self.classes), metric=["multi_logloss"])
        else:
            objective = _REGRESSION_OBJECTIVES.get(loss)
            if objective is None:
                raise PQLInputError(f"unknown regression loss '{loss}'; use one of {', '.join(_REGRESSION_OBJECTIVES)}")
            params.update(objective=objective, metric=[_REGRESSION_METRICS[objective]])
        return params

    def _encode_labels(self, y: np.ndarray, *, fitting: bool = False) -> np.ndarray:
        if self.task in (TaskType.BINARY, TaskType.LINK_RANKING):
            y = y.astype(np.float64)
            if not np.isin(y, (0.0, 1.0)).all():
                raise PQLInputError("binary labels must be 0/1 or booleans")
            return y
        if self.task is TaskType.MULTICLASS:
            values = [_plain(v) for v in y.tolist()]
            if fitting:
                self.classes = sorted(set(values), key=lambda v: (type(v).__name__, v))
                if len(self.classes) < 2:
                    raise PQLInputError(f"multiclass training needs at least 2 classes, got {self.classes}")
            index = {v: i for i, v in enumerate(self.classes)}
            return np.array([index[v] for v in values], dtype=np.float64)
        y = y.astype(np.float64)
        if not np.isfinite(y).all():
            raise PQLInputError("regression labels must be finite numbers")
        if fitting:
            self.label_range = (float(y.min()), float(y.max()))
        if self.log_target:
            if (y < 0).any():
                raise PQLInputError("log_target needs non-negative regression labels")
            y = np.log1p(y)
        return y

    def _known_label_rows(self, y: np.ndarray) -> np.ndarray:
        """Validation rows whose class was seen in training (others cannot be scored)."""
        if self.task is not TaskType.MULTICLASS:
            return np.ones(len(y), dtype=bool)
        known = set(self.classes)
        return np.array([_plain(v) in known for v in y.tolist()], dtype=bool)

    # --- prediction --------------------------------------------------------------------------

    def predict(self, X) -> np.ndarray:
        booster = self._require_fitted()
        raw = booster.predict(self.encoding.matrix(_as_arrow(X)), num_iteration=self.best_iteration)
        if self.task is TaskType.REGRESSION:
            if self.log_target:
                raw = np.expm1(raw)
            return np.clip(raw, *self.label_range)
        return np.asarray(raw)

    def predict_label(self, X) -> np.ndarray:
        """Multiclass: the most likely original class; binary: 0/1 at threshold 0.5."""
        p = self.predict(X)
        if self.task is TaskType.MULTICLASS:
            return np.array(self.classes, dtype=object)[p.argmax(axis=1)]
        if self.task in (TaskType.BINARY, TaskType.LINK_RANKING):
            return (p >= 0.5).astype(np.int64)
        return p

    def feature_importance(self) -> dict[str, float]:
        """Total split gain per feature, largest first."""
        gains = self._require_fitted().feature_importance(importance_type="gain", iteration=self.best_iteration)
        pairs = sorted(zip(self.encoding.feature_names, gains.tolist(), strict=True), key=lambda kv: -kv[1])
        return dict(pairs)

    def _require_fitted(self):
        if self._booster is None:
            raise EngineError("the LightGBM model is not trained yet")
        return self._booster

    # --- persistence -------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write ``model.txt`` (LightGBM text format) and ``meta.json`` into ``directory``."""
        booster = self._require_fitted()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        booster.save_model(str(out / MODEL_FILE), num_iteration=self.best_iteration)
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "task": self.task.value,
            "feature_names": list(self.encoding.feature_names),
            "categories": self.encoding.categories,
            "classes": self.classes,
            "label_range": list(self.label_range) if self.label_range is not None else None,
            "log_target": self.log_target,
            "best_iteration": self.best_iteration,
            "config": asdict(self.config),
        }
        (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
        return out

    @classmethod
    def load(cls, directory: str | Path) -> LightGBMModel:
        import lightgbm as lgb

        src = Path(directory)
        try:
            meta = json.loads((src / META_FILE).read_text())
            booster = _booster_from(src / MODEL_FILE)
        except (OSError, json.JSONDecodeError, lgb.basic.LightGBMError) as e:
            raise EngineError(f"cannot load a LightGBM model from {src}: {e}") from e
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise EngineError(f"{src / META_FILE} is not a {FORMAT} v{FORMAT_VERSION} model")
        model = cls(LightGBMConfig(**meta["config"]))
        model.task = TaskType(meta["task"])
        model.encoding = FeatureEncoding(feature_names=tuple(meta["feature_names"]), categories=meta["categories"])
        model.classes = meta["classes"]
        model.label_range = tuple(meta["label_range"]) if meta["label_range"] is not None else None
        model.log_target = meta["log_target"]
        model.best_iteration = meta["best_iteration"]  # the saved model holds exactly these rounds
        model._booster = booster
        return model


# --- helpers ---------------------------------------------------------------------------------


def _booster_from(path: Path):
    """LightGBM's model file as a Booster, its native ``[LightGBM] [Fatal] …`` line kept off the terminal:
    a damaged file is pql's to report (the registry warns and retrains), with LightGBM's reason."""
    import lightgbm as lgb

    with native_stderr_captured() as printed:
        try:
            return lgb.Booster(model_file=str(path))
        except lgb.basic.LightGBMError as e:
            failure = e
    reason = str(failure) or "; ".join(printed.lines("[LightGBM] [Fatal] ")) or "unreadable model file"
    raise lgb.basic.LightGBMError(reason) from failure


def _task_type(task) -> TaskType:
    value = getattr(task, "task", task)  # a TaskSpec carries its type in .task
    try:
        t = TaskType(value)
    except ValueError as e:
        raise PQLInputError(f"unknown task type '{value}'") from e
    if t not in SUPPORTED:
        raise PQLInputError(f"the LightGBM model does not handle {t} tasks; use one of {', '.join(map(str, SUPPORTED))}")
    return t


def _regression_range(y: np.ndarray, task: TaskType) -> tuple[float, float] | None:
    if task is not TaskType.REGRESSION or len(y) == 0:
        return None
    values = y.astype(np.float64)
    return float(values.min()), float(values.max())


def _as_arrow(X) -> pa.Table:
    if isinstance(X, pa.Table):
        meta = X.schema.metadata or {}
        keys = set(json.loads(meta[b"pql.key_columns"])) if b"pql.key_columns" in meta else set()
        drop = [c for c in X.column_names if c in keys or c == "anchor_time"]
        return X.drop_columns(drop) if drop else X
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(X, pd.DataFrame):
        return pa.Table.from_pandas(X, preserve_index=False)
    raise PQLInputError(f"features must be a pyarrow.Table or pandas DataFrame, not {type(X).__name__}")


def _is_categorical(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t) or pa.types.is_boolean(t)


def _numeric(column: pa.ChunkedArray, name: str) -> np.ndarray:
    t = column.type
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        raise PQLInputError(f"feature '{name}' is a timestamp; express it as an age (engine.features does)")
    try:
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise PQLInputError(f"feature '{name}' of type {t} is neither numeric nor categorical") from e


def _plain(v: Any) -> Any:
    """numpy scalars to Python values, so classes survive JSON."""
    return v.item() if isinstance(v, np.generic) else v


def _lightgbm_names(names: tuple[str, ...]) -> list[str]:
    """LightGBM rejects some characters in feature names; the readable names live in meta.json."""
    out, seen = [], set()
    for i, n in enumerate(names):
        safe = re.sub(r"[^0-9A-Za-z_]", "_", n) or f"f{i}"
        if safe in seen:
            safe = f"{safe}_{i}"
        seen.add(safe)
        out.append(safe)
    return out
