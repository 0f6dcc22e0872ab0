"""Link ranking with LightGBM: score (entity, anchor, candidate item) pairs with a binary model.

    candidates  `engine.features.candidate_features`: per row, the items the entity took before the
                anchor (most recent first) and the most popular items before the anchor, with pair,
                item-popularity and item-attribute features
    labels      1 when the candidate is in the row's target list (`label_candidates`)
    training    train rows whose target list is non-empty, a seeded sample bounded so that at most
                ``max_rank_pairs`` pairs are used (negatives are subsampled when still above it);
                early stopping on a sample of validation rows
    prediction  the ``rank_top`` best-scored candidates per row; rows with fewer candidates are padded
                with the most popular train items (score 0), then with None past the last of those

Items in `Predictions.items` are the item table's primary-key values.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from engine.features import candidate_features, label_candidates
from engine.features.candidates import item_column_names
from engine.models.lightgbm_model import LightGBMModel
from engine.schema.model import Database, ForeignKey
from engine.train.base import Predictions
from engine.train.lgbm.features import ANCHOR, FeatureSource, feature_database
from engine.train.lgbm.heads import fit_binary
from engine.train.lgbm.settings import LGBMSettings
from pql.bound import BoundQuery, TaskType, iter_aggregations
from pql.errors import EngineError, PQLError

PREDICT_CHUNK_SEEDS = 5_000  # distinct rows per candidate query at prediction time (bounds memory)
POPULAR_EXTRA = 50  # popular train items kept beyond k for padding


def item_foreign_key(db: Database, bq: BoundQuery) -> ForeignKey:
    """The foreign key ``LIST_DISTINCT(table.fk …)`` ranks the referenced rows of."""
    for agg in iter_aggregations(bq.target):
        if agg.func != "LIST_DISTINCT" or agg.column is None:
            continue
        for fk in db.foreign_keys:
            if fk.table == agg.table and fk.columns == (agg.column,) and fk.ref_table == bq.item_table:
                return fk
    raise EngineError(f"cannot find the foreign key the ranking target follows to {bq.item_table!r}; the LightGBM "
                      "ranker needs LIST_DISTINCT over a single-column foreign key")


class RankingModel:
    kind = "link_ranking"

    def __init__(self, *, k: int, popular: tuple[Any, ...] = (), model: LightGBMModel | None = None):
        self.k, self.popular, self.model = k, tuple(popular), model

    # -- candidates ----------------------------------------------------------------------------

    @staticmethod
    def _candidates(con, db: Database, bq: BoundQuery, source: FeatureSource, settings: LGBMSettings,
                    seeds: pa.Table) -> tuple[pa.Table, tuple[str, ...]]:
        view = feature_database(db, source.tables, source.exclude)
        fk = item_foreign_key(view, bq)
        horizon = None if source.horizon_days is None else timedelta(days=source.horizon_days)
        try:
            table = candidate_features(con, view, source.entity, seeds.select([*source.key, ANCHOR]), item_fk=fk,
                                       num_popular=settings.num_popular, max_history_items=settings.max_history_items,
                                       horizon=horizon, key_columns=source.key)
        except PQLError:
            raise
        except Exception as e:  # DuckDB / Arrow errors, wrapped with what was being done
            raise EngineError(f"building ranking candidates for {source.entity} failed: {e}") from e
        return table, item_column_names(fk, source.key)

    @staticmethod
    def _matrix(candidates: pa.Table, source: FeatureSource, items: tuple[str, ...]) -> pa.Table:
        return candidates.drop_columns([*source.key, ANCHOR, *items])

    @staticmethod
    def _positives(rows: pa.Table, key: tuple[str, ...], item: str) -> pa.Table:
        """One row per (key…, anchor, item) of the rows' target lists."""
        labels = rows.column("label").to_pylist()
        repeat = np.repeat(np.arange(rows.num_rows), [len(v or ()) for v in labels])
        base = rows.select([*key, ANCHOR]).take(pa.array(repeat, pa.int64()))
        flat = [v for row in labels for v in (row or ())]
        return base.append_column(item, pa.array(flat))

    def _labelled_pairs(self, con, db, bq, source, settings,
                        rows: pa.Table) -> tuple[pa.Table, np.ndarray, tuple[str, ...]]:
        """Candidates of ``rows`` (labelled rows) and whether each is in its row's target list."""
        cands, items = self._candidates(con, db, bq, source, settings, rows)
        if len(items) != 1:
            raise EngineError("the LightGBM ranker needs a single-column item key")
        positives = self._positives(rows, source.key, items[0])
        positives = positives.cast(pa.schema([cands.schema.field(c) for c in (*source.key, ANCHOR, items[0])]))
        y = label_candidates(cands, positives, key_columns=source.key, item_columns=items)
        return cands, y.to_numpy(zero_copy_only=False).astype(bool), items

    # -- fitting -------------------------------------------------------------------------------

    def fit(self, con, db: Database, bq: BoundQuery, source: FeatureSource, settings: LGBMSettings,
            train: pa.Table, val: pa.Table, log: Callable[[str], None]) -> None:
        rng = np.random.default_rng(settings.seed)
        labels = train.column("label").to_pylist()
        counts = Counter(v for row in labels for v in (row or ()))
        self.popular = tuple(v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
                             [: self.k + POPULAR_EXTRA])
        with_items = np.flatnonzero([bool(v) for v in labels])
        if len(with_items) == 0:
            raise EngineError("no train row has an item in its target window; nothing to rank")
        per_seed = settings.num_popular + settings.max_history_items // 2
        max_seeds = max(200, settings.max_rank_pairs // per_seed)
        chosen = np.sort(rng.choice(with_items, size=min(max_seeds, len(with_items)), replace=False))
        cands, y, items = self._labelled_pairs(con, db, bq, source, settings, train.take(pa.array(chosen)))
        truth = sum(len(labels[i] or ()) for i in chosen)
        log(f"lightgbm: ranking: {len(chosen):,} of {len(with_items):,} train rows with items, {cands.num_rows:,} "
            f"candidate pairs, candidates hold {y.sum() / max(truth, 1):.1%} of the true items")
        keep = self._bounded(y, settings.max_rank_pairs, rng)
        X = self._matrix(cands, source, items)
        X_tr, y_tr = X.take(pa.array(keep)), y[keep]
        X_va = y_va = None
        val_labels = val.column("label").to_pylist() if val.num_rows else []
        val_items = np.flatnonzero([bool(v) for v in val_labels])
        if len(val_items):
            pick = np.sort(rng.choice(val_items, size=min(settings.max_rank_val_seeds, len(val_items)), replace=False))
            vc, y_va, _ = self._labelled_pairs(con, db, bq, source, settings, val.take(pa.array(pick)))
            X_va = self._matrix(vc, source, items)
            if y_va.all() or not y_va.any():
                X_va = y_va = None
        self.model = fit_binary(X_tr, y_tr, X_va, y_va, settings)
        log(f"lightgbm: ranking model on {len(y_tr):,} pairs ({y_tr.mean():.1%} positive), "
            f"best iteration {self.model.best_iteration}")

    @staticmethod
    def _bounded(y: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
        """Indices of every positive and a seeded sample of negatives, at most ``limit`` in all."""
        if len(y) <= limit:
            return np.arange(len(y))
        pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
        room = max(limit - len(pos), min(len(neg), len(pos)))
        return np.sort(np.concatenate([pos, rng.choice(neg, size=min(room, len(neg)), replace=False)]))

    # -- prediction ----------------------------------------------------------------------------

    def predict(self, con, db: Database, bq: BoundQuery, source: FeatureSource, settings: LGBMSettings,
                rows: pa.Table) -> Predictions:
        if self.model is None:
            raise EngineError("the LightGBM ranker must be fitted or loaded before it predicts")
        key_cols = [*source.key, ANCHOR]
        keys = list(zip(*(rows.column(c).to_pylist() for c in key_cols))) if rows.num_rows else []
        distinct = list(dict.fromkeys(keys))
        ranked: dict[tuple, tuple[list, list]] = {}
        for start in range(0, len(distinct), PREDICT_CHUNK_SEEDS):
            chunk = distinct[start:start + PREDICT_CHUNK_SEEDS]
            seeds = pa.table({c: pa.array([k[i] for k in chunk], rows.schema.field(c).type)
                              for i, c in enumerate(key_cols)})
            cands, items = self._candidates(con, db, bq, source, settings, seeds)
            if cands.num_rows:
                scores = self.model.predict(self._matrix(cands, source, items))
                ranked.update(self._top(cands, scores, key_cols, items[0]))
        n = rows.num_rows
        out_items = np.empty((n, self.k), dtype=object)
        out_scores = np.zeros((n, self.k), dtype=np.float64)
        for i, key in enumerate(keys):
            its, scs = ranked.get(key, ([], []))
            its, scs = list(its), list(scs)
            taken = set(its)
            for item in self.popular:
                if len(its) >= self.k:
                    break
                if item not in taken:
                    its.append(item)
                    scs.append(0.0)
            its += [None] * (self.k - len(its))
            scs += [0.0] * (self.k - len(scs))
            out_items[i, :] = its
            out_scores[i, :] = scs
        return Predictions(task=TaskType.LINK_RANKING, scores=out_scores, items=out_items)

    def _top(self, cands: pa.Table, scores: np.ndarray, key_cols: list[str],
             item: str) -> dict[tuple, tuple[list, list]]:
        """Per (key…, anchor): the k best items and scores, best first (ties by item key)."""
        frame = cands.select([*key_cols, item]).to_pandas()
        frame["__score"] = scores
        frame = frame.sort_values([*key_cols, "__score", item], ascending=[*([True] * len(key_cols)), False, True],
                                  kind="mergesort")
        top = pa.Table.from_pandas(frame.groupby(key_cols, sort=False).head(self.k), preserve_index=False)
        top = top.cast(pa.schema([*(cands.schema.field(c) for c in (*key_cols, item)),
                                  pa.field("__score", pa.float64())]))
        out: dict[tuple, tuple[list, list]] = {}
        columns = [top.column(c).to_pylist() for c in key_cols]
        for key, it, sc in zip(zip(*columns), top.column(item).to_pylist(), top.column("__score").to_pylist()):
            entry = out.setdefault(key, ([], []))
            entry[0].append(it)
            entry[1].append(sc)
        return out

    # -- persistence ---------------------------------------------------------------------------

    def models(self) -> dict[str, LightGBMModel]:
        return {"pairs": self.model}

    def state(self) -> dict[str, Any]:
        return {"k": self.k, "popular": list(self.popular)}

    @classmethod
    def from_state(cls, state: dict[str, Any], models: dict[str, LightGBMModel]) -> "RankingModel":
        return cls(k=int(state["k"]), popular=tuple(state["popular"]), model=models["pairs"])
