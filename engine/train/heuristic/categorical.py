"""Persistence baselines for categories and items: multiclass, multilabel, link ranking.

Multiclass: the entity's most frequent class over its last `LAGS` past windows (ties: the most recent),
trusted as much as it was right on train; otherwise the train class distribution.
Multilabel: per label, its train rate when the label was / was not in the entity's last past window.
Link ranking: the entity's own items of its last `LAGS` past windows by how many windows hold them
(then recency), then the items most entities had in the last past window (popularity).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from engine.train.base import Predictions, TrainInputs
from engine.train.heuristic.base import Baseline, has_window, past, train_split
from engine.train.heuristic.past import past_values, shifted
from pql.bound import TaskType

#: past windows an entity's own history is read from
LAGS = 3


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, str(value))


def _past_lists(inputs: TrainInputs, rows: pa.Table, lags: int) -> list[list]:
    """Per row, the target's value in each of its last ``lags`` past windows (lag 1 first)."""
    if not has_window(inputs.bq.target):
        return [[] for _ in range(rows.num_rows)]
    per_lag = [past(inputs, inputs.bq.target, rows, lag=lag) for lag in range(1, lags + 1)]
    return [list(values) for values in zip(*per_lag)] if per_lag else [[] for _ in range(rows.num_rows)]


class ModeClass(Baseline):
    kind = "mode_class"

    def __init__(self, classes: tuple = (), prior: tuple[float, ...] = (), trust: float = 0.0):
        self.classes, self.prior, self.trust = tuple(classes), tuple(prior), trust

    @staticmethod
    def _modes(inputs: TrainInputs, rows: pa.Table) -> list:
        out = []
        for history in _past_lists(inputs, rows, LAGS):
            seen = [v for v in history if v is not None]
            if not seen:
                out.append(None)
                continue
            counts = Counter(seen)
            best = max(counts.values())
            out.append(next(v for v in seen if counts[v] == best))  # most recent among the most frequent
        return out

    def fit(self, inputs: TrainInputs) -> None:
        train = train_split(inputs)
        labels = train.column("label").to_pylist()
        counts = Counter(v for v in labels if v is not None)
        self.classes = tuple(sorted(counts, key=_sort_key))
        total = sum(counts.values()) or 1
        self.prior = tuple(counts[c] / total for c in self.classes)
        pairs = [(m, y) for m, y in zip(self._modes(inputs, train), labels) if m is not None and y is not None]
        self.trust = float(np.mean([m == y for m, y in pairs])) if pairs else 0.0

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        prior = np.asarray(self.prior, dtype=float)
        scores = np.tile(prior, (rows.num_rows, 1))
        index = {c: j for j, c in enumerate(self.classes)}
        for i, mode in enumerate(self._modes(inputs, rows)):
            if mode in index:
                scores[i] = (1 - self.trust) * prior
                scores[i, index[mode]] += self.trust
        return Predictions(task=TaskType.MULTICLASS, scores=scores, classes=self.classes)

    def state(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "prior": list(self.prior), "trust": self.trust}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "ModeClass":
        return cls(tuple(state["classes"]), tuple(state["prior"]), float(state["trust"]))


class PastLabels(Baseline):
    """Multilabel: P(label | it was in the last past window) and P(label | it was not), per label,
    shrunk towards the rates pooled over all labels (one pseudo-row)."""

    kind = "past_labels"

    def __init__(self, classes: tuple = (), p_seen: tuple[float, ...] = (), p_unseen: tuple[float, ...] = ()):
        self.classes, self.p_seen, self.p_unseen = tuple(classes), tuple(p_seen), tuple(p_unseen)

    def fit(self, inputs: TrainInputs) -> None:
        train = train_split(inputs)
        labels = [set(v or ()) for v in train.column("label").to_pylist()]
        last = [set(h[0] or ()) for h in _past_lists(inputs, train, 1)]
        self.classes = tuple(sorted(set().union(*labels) if labels else set(), key=_sort_key))
        n = len(labels)
        seen = Counter(c for s in last for c in s)
        seen_hit = Counter(c for s, y in zip(last, labels) for c in s & y)
        hit = Counter(c for y in labels for c in y)
        pooled_seen = sum(seen_hit.values()) / max(1, sum(seen.values()))
        unseen_cells = n * len(self.classes) - sum(seen.values())
        pooled_unseen = (sum(hit.values()) - sum(seen_hit.values())) / max(1, unseen_cells)
        self.p_seen = tuple((seen_hit[c] + pooled_seen) / (seen[c] + 1) for c in self.classes)
        self.p_unseen = tuple((hit[c] - seen_hit[c] + pooled_unseen) / (n - seen[c] + 1) for c in self.classes)

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        scores = np.tile(np.asarray(self.p_unseen, dtype=float), (rows.num_rows, 1))
        index = {c: j for j, c in enumerate(self.classes)}
        p_seen = np.asarray(self.p_seen, dtype=float)
        for i, history in enumerate(_past_lists(inputs, rows, 1)):
            cols = [index[c] for c in (history[0] or ()) if c in index]
            scores[i, cols] = p_seen[cols]
        return Predictions(task=TaskType.MULTILABEL, scores=scores, classes=self.classes)

    def state(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "p_seen": list(self.p_seen), "p_unseen": list(self.p_unseen)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "PastLabels":
        return cls(tuple(state["classes"]), tuple(state["p_seen"]), tuple(state["p_unseen"]))


class Popularity(Baseline):
    """Link ranking. Scores: own items ``windows holding it + 0.5 if in the last one + 0.49 * share``,
    popular fill-ins ``0.49 * share`` (share: fraction of entities with the item in the last past
    window at that anchor), so own items always rank first."""

    kind = "popularity"

    def fit(self, inputs: TrainInputs) -> None:  # nothing to learn: the ranking reads the data as of each anchor
        return None

    def _popularity(self, inputs: TrainInputs, rows: pa.Table) -> dict[Any, tuple[list, dict]]:
        """Per anchor: items by popularity (best first) and each item's share of entities."""
        if rows.num_rows == 0 or not has_window(inputs.bq.target):
            return {}
        frame = past_values(inputs.con, inputs.db, inputs.bq, shifted(inputs.bq.target, 1), rows.column("anchor_time"))
        out = {}
        for anchor, group in frame.groupby("anchor_time"):
            counts = Counter(item for items in group["value"] for item in (items if items is not None else ()))
            n = max(1, len(group))
            ranked = sorted(counts, key=lambda it: (-counts[it], _sort_key(it)))
            out[np.datetime64(anchor, "us")] = (ranked, {it: counts[it] / n for it in ranked})
        return out

    def predict(self, inputs: TrainInputs, rows: pa.Table) -> Predictions:
        k = inputs.bq.rank_top or 12
        popular = self._popularity(inputs, rows)
        anchors = rows.column("anchor_time").cast(pa.timestamp("us")).to_numpy()
        items = np.full((rows.num_rows, k), None, dtype=object)
        scores = np.full((rows.num_rows, k), np.nan, dtype=float)  # NaN: fewer than k items known
        for i, history in enumerate(_past_lists(inputs, rows, LAGS)):
            ranked, share = popular.get(np.datetime64(anchors[i], "us"), ([], {}))
            own: Counter = Counter()
            for lag, window_items in enumerate(history, start=1):
                for it in window_items if window_items is not None else ():
                    own[it] += 1 + (0.5 if lag == 1 else 0.0)
            candidates = {it: w + 0.49 * share.get(it, 0.0) for it, w in own.items()}
            for it in ranked:
                if len(candidates) >= k:
                    break
                candidates.setdefault(it, 0.49 * share[it])
            best = sorted(candidates, key=lambda it: (-candidates[it], _sort_key(it)))[:k]
            items[i, :len(best)] = best
            scores[i, :len(best)] = [candidates[it] for it in best]
        return Predictions(task=TaskType.LINK_RANKING, scores=scores, items=items)

    def state(self) -> dict[str, Any]:
        return {"lags": LAGS}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "Popularity":
        return cls()
