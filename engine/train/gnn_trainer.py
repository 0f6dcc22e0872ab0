"""The GNN family: RelBench's relational deep learning baseline behind the common `Trainer` contract.

    graph (engine.graph, temporal sampler) ─▶ RelationalGNN (engine.models.gnn) ─▶ task head

- seeds are (entity node, anchor seconds); a seed only sees rows at or before its anchor;
- labels are encoded by `engine.train.gnn.targets.TargetCodec` (class lists, vocabulary, item keys,
  log1p for heavy-tailed targets, label range), fitted on train;
- training: `engine.train.gnn.loop`, early stopping on the task's selection metric on validation;
  `refit` then trains a fresh model on train + validation for the epochs validation chose;
- link ranking: entity embeddings scored against a learned table of every item row; item nodes also
  carry a learned identity embedding so a customer's embedding can say *which* items it bought;
- uplift: one shared encoder, an outcome head per arm (control = arm 0) and a propensity head
  ``P(arm | features)``. The propensity head is always trained (it regularises the shared encoder, as
  in Dragonnet) and after training its spread on validation is checked: a treatment that features
  predict well was not randomised, and the log warns that the uplift may be confounded.

Saved state (no pickle): ``gnn.json`` (settings, label codec, graph encoders and layout) and
``model/config.json`` + ``model/weights.pt`` (tensors only, ``weights_only=True`` on load).
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from engine import saved_json
from engine.evaluate import score
from engine.metrics import better, query_metric
from engine.train.base import Predictions, Trainer, TrainInputs
from pql.bound import TaskType
from pql.errors import EngineError

if TYPE_CHECKING:  # torch-importing modules stay out of `import engine.train.gnn_trainer`
    from engine.models.gnn import RelationalGNN
    from engine.train.gnn.context import GraphContext
    from engine.train.gnn.loop import TrainSet
    from engine.train.gnn.seed_features import SeedFeatureCache, SeedFeatures
    from engine.train.gnn.settings import GNNSettings
    from engine.train.gnn.targets import TargetCodec

STATE_FILE = "gnn.json"
MODEL_DIR = "model"
FORMAT_VERSION = 4  # 2: tabular seed features; 3: link ranking scores full item histories; 4: seasonal trend
PROPENSITY_SPREAD_WARNING = 0.2  # p95 - p5 of P(treated) on validation


class GNNTrainer(Trainer):
    name = "gnn"

    def __init__(self, *, model: RelationalGNN | None = None, context: GraphContext | None = None,
                 codec: TargetCodec | None = None, settings: GNNSettings | None = None,
                 graph_spec: dict[str, Any] | None = None, seed_features: SeedFeatures | None = None):
        self.model, self.context, self.codec, self.settings = model, context, codec, settings
        self.graph_spec = graph_spec or {}
        self.seed_features = seed_features
        self.identity_keys: dict[str, list[Any]] = {}  # static table -> keys in identity order
        self._feature_cache: SeedFeatureCache | None = None
        # what `refit` needs from `fit`: the epoch validation chose (0: none) and the model's layout
        self._best_epoch = 0
        self._lrs: tuple[float, ...] = ()
        self._identity: dict[str, int] = {}
        self._item_type: str | None = None
        self._calibration: pa.Table | None = None  # training rows `_calibrate_scale` fits on

    # -- training ------------------------------------------------------------------------------

    def fit(self, inputs: TrainInputs) -> dict[str, float]:
        import torch

        from engine.train.gnn.context import GraphContext, cutoff_seconds, label_exclusions
        from engine.train.gnn.loop import fit_model
        from engine.train.gnn.settings import GNNSettings
        from engine.train.gnn.targets import TargetCodec

        bq, tt = inputs.bq, inputs.tt
        started = time.perf_counter()
        train_rows = tt.split("train")
        settings = GNNSettings.from_inputs(inputs, train_rows.num_rows)
        graph_spec = {"entity": bq.entity.table, "entity_key": list(bq.entity.key),
                      "tables": list(bq.using) or None, "exclude": label_exclusions(tt.label_columns)}
        context = GraphContext.build(inputs.con, inputs.db, entity=bq.entity.table, entity_key=bq.entity.key,
                                     tables=graph_spec["tables"], settings=settings, exclude=graph_spec["exclude"],
                                     fit_cutoff=cutoff_seconds(tt.schedule.val_cutoff))
        inputs.log(f"gnn graph: {context.summary()}, built and time-indexed in {time.perf_counter() - started:.1f}s")
        for note in context.graph.notes:
            inputs.log(f"gnn graph: {note}")
        item_table = self._item_table(inputs) if bq.task is TaskType.LINK_RANKING else None
        codec = TargetCodec.fit(bq, train_rows, item_keys=context.node_keys(item_table) if item_table else ())
        if codec.log_target:
            inputs.log("gnn: the target is heavy-tailed; training on log1p(target) with an L1 loss")
        if codec.hurdle:
            inputs.log("gnn: the target is often 0; learning P(target > 0) and the value when positive (hurdle)")
        identity: dict[str, int] = {}
        if item_table:
            context = _with_item_history(context.with_identity(item_table, codec.items), inputs)
            identity = {item_table: len(codec.items)}
        self.identity_keys = _small_static_tables(context, settings, skip=(bq.entity.table, item_table))
        for table, keys in self.identity_keys.items():
            context = context.with_identity(table, keys)
            identity[table] = len(keys)
        if self.identity_keys:
            inputs.log("gnn: learned embeddings per row of the small static table(s) "
                       + ", ".join(f"{t} ({len(k):,} rows)" for t, k in self.identity_keys.items()))
        self.seed_features, train_x = self._fit_seed_features(inputs, settings)
        train = self._train_set(inputs, context, codec, train_rows, train_x)
        if len(train) == 0:
            raise EngineError("no training rows the GNN can use (no entity in the graph with a label)")

        self.context, self.codec, self.settings, self.graph_spec = context, codec, settings, graph_spec
        self._identity, self._item_type = identity, item_table
        with torch.random.fork_rng(devices=[]):
            self.model = model = self._new_model(inputs, train)
            metric, higher = query_metric(bq)
            val = tt.split("val")
            early = _sample_rows(val, settings.max_val_rows, settings.seed)
            inputs.log(f"gnn: {len(train):,} training rows ({settings.rows_per_epoch(len(train)):,} per epoch), "
                       f"up to {settings.epochs} epochs, {settings.channels} channels, {settings.layers} layers, "
                       f"{settings.neighbors} neighbours, device {inputs.device}")

            self._calibration = _sample_rows(train_rows, settings.calibration_rows, settings.seed)

            def validate() -> float | None:
                if early.num_rows == 0:
                    return None
                self._calibrate_scale(inputs)
                return score(bq, early, self.predict(inputs, _row_keys(bq, early))).get(metric)

            outcome = fit_model(model, context, train, settings, task=bq.task, metric=metric, higher=higher,
                                validate=validate, device=inputs.device, log=inputs.log,
                                show_progress=inputs.show_progress, time_budget=settings.time_budget)
        self._calibrate_scale(inputs)  # for the weights kept, not the last epoch's
        metrics = {}
        if val.num_rows:
            predictions = self.predict(inputs, _row_keys(bq, val))
            if codec.hurdle:
                predictions = self._choose_hurdle_mix(inputs, val, predictions)
            metrics = score(bq, val, predictions)
        self._log_scale(inputs)
        if bq.task is TaskType.UPLIFT and val.num_rows:
            self._check_propensity(inputs, val)
        self._best_epoch = outcome.best_epoch if outcome.best_metric is not None else 0
        self._lrs = outcome.lrs
        inputs.log(f"gnn: best epoch {outcome.best_epoch} of {outcome.epochs_run}; "
                   f"trained in {time.perf_counter() - started:.1f}s")
        return metrics

    def _choose_hurdle_mix(self, inputs: TrainInputs, val: pa.Table, predictions: Predictions) -> Predictions:
        """Hurdle regression: keep the way of mixing ``P(target > 0)`` and the value
        (`engine.models.task_spec.HURDLE_MIXES`) with the better validation metric (MAE unless ``WITH
        metric`` names another), as LightGBM's head does; ``predictions`` are the validation rows' under
        the current mix. Returns the kept mix's."""
        from engine.models.task_spec import HURDLE_MIXES

        assert self.codec is not None
        metric, higher = query_metric(inputs.bq)
        candidates = {self.codec.hurdle_mix: (self.codec.output_scale, predictions)}
        for mix in HURDLE_MIXES:
            if mix not in candidates:
                self._set_codec(hurdle_mix=mix)
                self._calibrate_scale(inputs)
                candidates[mix] = (self.codec.output_scale, self.predict(inputs, _row_keys(inputs.bq, val)))
        value = {mix: score(inputs.bq, val, p).get(metric, float("nan")) for mix, (_, p) in candidates.items()}
        pick = next(iter(value))
        for mix in value:
            if better(value[mix], value[pick], higher=higher):
                pick = mix
        self._set_codec(hurdle_mix=pick, output_scale=candidates[pick][0])
        inputs.log(f"gnn: validation {metric} of the hurdle's mix of P(target > 0) and the value: "
                   + ", ".join(f"{mix} {v:.4g}" for mix, v in value.items()) + f"; keeping {pick}")
        return candidates[pick][1]

    def _calibrate_scale(self, inputs: TrainInputs) -> None:
        """Log-scale and hurdle regressions: multiply predictions by the factor with the lowest MAE on
        training rows (``self._calibration``, a seeded sample; `engine.models.task_spec.mae_scale`).

        An L1 loss on ``log1p(y)`` pins the median of the log, not the scale of the prediction mixed back
        from it, and that scale drifts from epoch to epoch: on the generated LTV shop (20,000 customers,
        mean label 470) the mean prediction went 183 -> 609 and validation MAE 302 -> 405 between epochs
        while the MAE at the best factor stayed within 300-311. Validation then picked the epoch whose
        scale happened to fit, and the refit, replaying the epoch count, drew a new scale: test MAE 407.
        One factor changes no ranking."""
        assert self.codec is not None
        if not self.codec.scales_output or self._calibration is None or self._calibration.num_rows == 0:
            return
        from engine.models.task_spec import mae_scale

        self._set_codec(output_scale=1.0)
        predicted = self.predict(inputs, _row_keys(inputs.bq, self._calibration)).scores
        labels = np.array([np.nan if v is None else v for v in self._calibration.column("label").to_pylist()],
                          dtype=np.float64)
        self._set_codec(output_scale=mae_scale(labels, predicted))

    def _log_scale(self, inputs: TrainInputs) -> None:
        if self.codec is not None and self.codec.scales_output and self._calibration is not None:
            inputs.log(f"gnn: predictions scaled by {self.codec.output_scale:.3g}, the factor with the lowest MAE "
                       f"on {self._calibration.num_rows:,} training rows")

    def _set_codec(self, **changes: Any) -> None:
        assert self.codec is not None and self.model is not None
        self.codec = replace(self.codec, **changes)
        self.model.task = self.model.head.spec = self.codec.spec()

    def _new_model(self, inputs: TrainInputs, train: TrainSet) -> RelationalGNN:
        """A freshly initialised model for the fitted graph, codec and settings (seeded)."""
        import torch

        from engine.models.gnn import GraphMetadata, RelationalGNN
        from engine.models.ranking import LinkRankingHead

        assert self.context is not None and self.codec is not None and self.settings is not None
        settings, codec = self.settings, self.codec
        torch.manual_seed(settings.seed)
        model = RelationalGNN(metadata=GraphMetadata.from_graph_meta(self.context.graph.meta, inputs.bq.entity.table),
                              task=codec.spec(), channels=settings.channels, num_layers=settings.layers,
                              aggr=settings.aggr, seed=settings.seed, identity=self._identity,
                              item_type=self._item_type, dropout=settings.dropout,
                              seed_features=self.seed_features.width if self.seed_features else 0).to(inputs.device)
        if train.pos_items is not None and isinstance(model.head, LinkRankingHead):
            model.head.init_item_bias(torch.bincount(torch.from_numpy(train.pos_items), minlength=len(codec.items)))
        return model

    def refit(self, inputs: TrainInputs) -> bool:
        """A fresh model trained on train + validation rows for the epochs validation chose.

        The validation rows hold the newest labels; without them the model's latest lesson is a whole
        validation period older than it could be. Same graph, label codec, seed features and seed as `fit`.
        """
        import torch

        from engine.train.gnn.loop import fit_model

        if self.model is None or self.context is None or self.settings is None:
            raise EngineError("the GNN must be fitted before it is refitted")
        val = inputs.tt.split("val")
        if self._best_epoch < 1 or val.num_rows == 0:
            return False
        parts = [inputs.tt.split("train"), val]
        # per split, so the seed features computed for fit (cached by row content) are reused, not rebuilt
        matrices = [self._seed_matrix(inputs, part) for part in parts]
        features = None if matrices[0] is None else np.concatenate(matrices)
        rows = pa.concat_tables(parts)
        train = self._train_set(inputs, self.context, self.codec, rows, features)
        settings = replace(self.settings, epochs=self._best_epoch, fixed_epochs=True,
                           lr_schedule=self._lrs[:self._best_epoch])
        budget = inputs.time_budget if inputs.time_budget is not None else settings.time_budget
        epochs = settings.epochs
        inputs.log(f"gnn: refitting on {len(train):,} train + validation rows "
                   f"for {epochs} epoch{'s' if epochs != 1 else ''}")
        metric, higher = query_metric(inputs.bq)
        with torch.random.fork_rng(devices=[]):
            model = self._new_model(inputs, train)
            fit_model(model, self.context, train, settings, task=inputs.bq.task, metric=metric, higher=higher,
                      validate=lambda: None, device=inputs.device, log=inputs.log,
                      show_progress=inputs.show_progress, time_budget=budget)
        self.model = model  # the run logs "gnn: refit done (… s)" (engine.run)
        self._calibration = _sample_rows(rows, settings.calibration_rows, settings.seed)
        self._calibrate_scale(inputs)
        self._log_scale(inputs)
        return True

    @staticmethod
    def _item_table(inputs: TrainInputs) -> str:
        if not inputs.bq.item_table:
            raise EngineError("this link ranking query names no item table")
        return inputs.bq.item_table

    def _fit_seed_features(self, inputs: TrainInputs, settings: GNNSettings
                           ) -> tuple[SeedFeatures | None, np.ndarray | None]:
        """The tabular seed features (fitted on train) and the training rows' matrix, or (None, None)."""
        if not settings.tabular_features:
            return None, None
        from engine.train.gnn.seed_features import SeedFeatureCache, SeedFeatures
        from engine.train.lgbm.features import FeatureSource
        from engine.train.lgbm.settings import LGBMSettings

        bq, tt = inputs.bq, inputs.tt
        lgbm = LGBMSettings()
        source = FeatureSource.for_query(bq, tt.label_columns, lags=lgbm.history_lags,
                                         max_aggregations=lgbm.max_history_aggregations,
                                         max_features=lgbm.max_features)
        self._feature_cache = SeedFeatureCache(source, inputs.log, inputs.shared.setdefault("feature_tables", {}))
        tables = self._feature_cache.tables(inputs.con, inputs.db, bq, {
            "train": tt.split("train"), "val": tt.split("val"), "test": tt.split("test")})
        if "train" not in tables:
            return None, None
        fitted = SeedFeatures.fit(source, tables["train"])
        inputs.log(f"gnn: {fitted.width} tabular history features per seed row feed the head")
        return fitted, fitted.transform(tables["train"])

    def _seed_matrix(self, inputs: TrainInputs, rows: pa.Table) -> np.ndarray | None:
        """Row-aligned tabular seed features for ``rows`` (None when the model reads none)."""
        if self.seed_features is None:
            return None
        if self._feature_cache is None:
            from engine.train.gnn.seed_features import SeedFeatureCache
            self._feature_cache = SeedFeatureCache(self.seed_features.source, inputs.log,
                                                   inputs.shared.setdefault("feature_tables", {}))
        return self._feature_cache.matrix(self.seed_features, inputs.con, inputs.db, inputs.bq, rows)

    @staticmethod
    def _train_set(inputs: TrainInputs, context: GraphContext, codec: TargetCodec, rows: pa.Table,
                   features: np.ndarray | None) -> TrainSet:
        import torch

        from engine.train.gnn.loop import TrainSet

        seeds = context.seeds(rows)
        if seeds.missing:
            inputs.log(f"warning: gnn: {seeds.missing} training rows name a {context.entity} key that is not in "
                       "the graph; they are left out")
        targets = codec.encode(rows.take(pa.array(seeds.rows)))
        keep = np.flatnonzero(targets.keep)
        dropped = len(seeds.rows) - len(keep)
        if dropped and codec.task is not TaskType.LINK_RANKING:  # ranking rows without items are expected
            inputs.log(f"gnn: {dropped} training rows have no usable label and are left out")
        pos_offsets = pos_items = None
        if targets.pos_offsets is not None and targets.pos_items is not None:
            counts = np.diff(targets.pos_offsets)[keep]
            pos_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            starts = targets.pos_offsets[keep]
            pos_items = np.concatenate([targets.pos_items[s:s + c] for s, c in zip(starts, counts)]
                                       or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
        y = torch.from_numpy(targets.y[keep]) if targets.y is not None else None
        treatment = torch.from_numpy(targets.treatment[keep]) if targets.treatment is not None else None
        x = features[seeds.rows[keep]] if features is not None else None
        return TrainSet(nodes=seeds.nodes[keep], times=seeds.times[keep], y=y, treatment=treatment,
                        pos_offsets=pos_offsets, pos_items=pos_items, features=x)

    def _check_propensity(self, inputs: TrainInputs, val: pa.Table) -> None:
        from engine.train.gnn.inference import placed_seeds, propensities

        sample = _sample_rows(val, self.settings.max_val_rows, self.settings.seed)
        p_treated = 1.0 - propensities(self.model, self.context, placed_seeds(self.context, sample),
                                       inputs.device, self._seed_matrix(inputs, sample))[:, 0]
        if len(p_treated) == 0:
            return
        low, high = np.quantile(p_treated, [0.05, 0.95])
        inputs.log(f"gnn: propensity P(treated) on validation spans {low:.2f} .. {high:.2f} (5th-95th pct)")
        if high - low > PROPENSITY_SPREAD_WARNING:
            inputs.log("warning: gnn: the features predict who was treated (propensity spread "
                       f"{high - low:.2f}); the treatment looks non-randomised and the uplift may be confounded")

    # -- prediction ----------------------------------------------------------------------------

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        if self.model is None or self.context is None or self.codec is None:
            raise EngineError("the GNN must be fitted or loaded before it predicts")
        from engine.train.gnn.inference import predict_rows

        return predict_rows(self.model, self.context, self.codec, rows, inputs.device,
                            features=self._seed_matrix(inputs, rows))

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        if self.model is None or self.context is None:
            raise EngineError("nothing to save: the GNN was never fitted")
        from engine.models.gnn import save_model

        directory = Path(directory)
        state = {"format": FORMAT_VERSION, "settings": self.settings.to_dict(), "codec": self.codec.to_dict(),
                 "seed_features": self.seed_features.to_dict() if self.seed_features else None,
                 "identity_keys": self.identity_keys,
                 "graph": {**self.graph_spec, "meta": self.context.graph.meta.to_dict(),
                           "encoders": {t: e.to_dict() for t, e in self.context.graph.encoders.items()}}}
        try:
            text = saved_json.dumps(state)
        except (TypeError, ValueError) as e:
            raise EngineError(f"cannot save the GNN: a class or item key is not JSON-serialisable ({e})") from e
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / STATE_FILE).write_text(text, encoding="utf-8")
        except OSError as e:
            raise EngineError(f"cannot save the GNN to {directory}: {e}") from e
        save_model(self.model, directory / MODEL_DIR)

    @classmethod
    def load(cls, directory: Path, inputs: TrainInputs) -> "GNNTrainer":
        from engine.graph import GraphMeta, TableEncoder
        from engine.models.gnn import load_model
        from engine.train.gnn.context import GraphContext
        from engine.train.gnn.seed_features import SeedFeatures
        from engine.train.gnn.settings import GNNSettings
        from engine.train.gnn.targets import TargetCodec

        path = Path(directory) / STATE_FILE
        try:
            state = saved_json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise EngineError(f"cannot read the saved GNN {path}: {e}") from e
        if state.get("format") != FORMAT_VERSION:
            raise EngineError(f"{path} is GNN format {state.get('format')}, this pql reads {FORMAT_VERSION}; retrain")
        settings = GNNSettings.from_dict(state["settings"])
        codec = TargetCodec.from_dict(state["codec"])
        graph = state["graph"]
        encoders = {t: TableEncoder.from_dict(e) for t, e in graph["encoders"].items()}
        context = GraphContext.build(inputs.con, inputs.db, entity=graph["entity"], entity_key=graph["entity_key"],
                                     tables=graph["tables"], settings=settings, exclude=graph["exclude"],
                                     encoders=encoders)
        _check_layout(GraphMeta.from_dict(graph["meta"]), context.graph.meta)
        if codec.task is TaskType.LINK_RANKING:
            context = _with_item_history(context.with_identity(cls._item_table(inputs), codec.items), inputs)
        identity_keys = state.get("identity_keys") or {}
        for table, keys in identity_keys.items():
            context = context.with_identity(table, keys)
        model = load_model(Path(directory) / MODEL_DIR, map_location=inputs.device)
        seed_features = (SeedFeatures.from_dict(state["seed_features"], inputs.bq)
                         if state.get("seed_features") else None)
        trainer = cls(model=model, context=context, codec=codec, settings=settings, seed_features=seed_features,
                      graph_spec={k: graph[k] for k in ("entity", "entity_key", "tables", "exclude")})
        trainer.identity_keys = identity_keys
        return trainer


def _with_item_history(context: GraphContext, inputs: TrainInputs) -> GraphContext:
    """Link ranking: every batch carries each seed's full item history along the target's path
    (entity -> … -> the aggregated rows -> the item they reference), see `engine.graph.item_history`."""
    from engine.train.lgbm.ranking import item_foreign_key
    from pql.bound import iter_aggregations

    target = next(iter_aggregations(inputs.bq.target))
    item_fk = item_foreign_key(inputs.db, inputs.bq)
    steps = [(fk.ref_table, fk.name, fk.table) for fk in reversed(target.path)]
    return context.with_history([*steps, (item_fk.table, item_fk.name, item_fk.ref_table)])


def _small_static_tables(context: GraphContext, settings: GNNSettings, skip: tuple[str | None, ...]
                         ) -> dict[str, list[Any]]:
    """``{table: keys}`` of the untimed tables small enough for one learned embedding per row.

    A product's hidden quality or a store's local pull shows in what happens to the entities linked
    to it, not in its columns; an identity embedding lets the GNN learn it from the labels (as
    RelBench's ID-GNN does for items). Timed tables grow with time and the entity table would only
    memorise its own labels, so neither gets one.
    """
    out: dict[str, list[Any]] = {}
    for nt in context.graph.meta.node_types:
        if (nt.name in skip or nt.is_timed or len(nt.primary_key) != 1
                or not 0 < nt.num_nodes <= settings.identity_max_rows):
            continue
        keys = context.node_keys(nt.name)
        if all(isinstance(k, (int, str)) for k in keys):  # saved as JSON with the model
            out[nt.name] = keys
    return out


def _row_keys(bq, rows: pa.Table) -> pa.Table:
    return rows.select([*bq.entity.key, "anchor_time"])


def _sample_rows(rows: pa.Table, limit: int, seed: int) -> pa.Table:
    """At most ``limit`` rows, a seeded random subset kept in table order."""
    if rows.num_rows <= limit:
        return rows
    keep = np.sort(np.random.default_rng(seed).choice(rows.num_rows, size=limit, replace=False))
    return rows.take(pa.array(keep))


def _check_layout(saved, current) -> None:
    """The rebuilt graph must have the saved feature layout and edge types (node counts may differ)."""
    def layout(meta):
        return ({nt.name: (nt.numerical_features, nt.categorical_features, nt.categorical_cardinalities)
                 for nt in meta.node_types}, tuple(meta.edge_types))

    if layout(saved) != layout(current):
        raise EngineError("the database's tables no longer match the saved GNN's graph (columns, types or keys "
                          "changed); WITH retrain = true trains a new model")
