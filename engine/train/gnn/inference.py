"""Running a trained `RelationalGNN` over rows (entity key…, anchor_time) into `Predictions`."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import torch

from engine.models.gnn import RelationalGNN
from engine.train.base import Predictions
from engine.train.gnn.context import GraphContext, Seeds
from engine.train.gnn.targets import TargetCodec
from pql.bound import TaskType
from pql.errors import EngineError


def placed_seeds(ctx: GraphContext, rows: pa.Table) -> Seeds:
    """Every row must be placed: predictions are row-aligned, so an unknown entity is an error."""
    seeds = ctx.seeds(rows)
    if seeds.missing:
        raise EngineError(f"{seeds.missing} of {rows.num_rows} rows name a {ctx.entity} key that is not in "
                          f"the graph; the data changed since the rows were made, run the query again")
    return seeds


@torch.no_grad()
def predict_rows(model: RelationalGNN, ctx: GraphContext, codec: TargetCodec, rows: pa.Table,
                 device: str, *, features: np.ndarray | None = None) -> Predictions:
    """Predictions for every row of ``rows`` in the layout `engine.train.base.Predictions` documents.

    ``features``: the rows' tabular seed features ``[n, F]`` when the model reads them."""
    seeds = placed_seeds(ctx, rows)
    x = features[seeds.rows] if features is not None else None
    model.eval()
    n = rows.num_rows
    if codec.task is TaskType.LINK_RANKING:
        k = min(codec.top_k, len(codec.items))
        scores = np.zeros((n, k), dtype=np.float64)
        index = np.zeros((n, k), dtype=np.int64)
        for positions, batch in ctx.batches(seeds.nodes, seeds.times, device, x):
            s, i = model.rank(batch, k)
            scores[seeds.rows[positions]] = s.cpu().double().numpy()
            index[seeds.rows[positions]] = i.cpu().numpy()
        items = np.asarray(codec.items, dtype=object)[index]  # [n, k] item keys
        return Predictions(task=codec.task, scores=scores, items=items)

    out: np.ndarray | None = None
    for positions, batch in ctx.batches(seeds.nodes, seeds.times, device, x):
        values = model.predict(batch).cpu().double().numpy()
        if out is None:
            out = np.zeros((n, *values.shape[1:]), dtype=np.float64)
        out[seeds.rows[positions]] = values
    if out is None:  # no rows
        out = np.zeros(_empty_shape(codec))
    classes = codec.classes if codec.task in (TaskType.MULTICLASS, TaskType.MULTILABEL, TaskType.UPLIFT) else ()
    return Predictions(task=codec.task, scores=out, classes=tuple(classes))


@torch.no_grad()
def propensities(model: RelationalGNN, ctx: GraphContext, seeds: Seeds, device: str,
                 features: np.ndarray | None = None) -> np.ndarray:
    """Uplift: the propensity head's ``P(arm | features)`` per seed, ``[m, A]`` (``features``: the
    tabular seed features of the rows ``seeds`` was placed from, when the model reads them)."""
    model.eval()
    out = np.zeros((len(seeds.nodes), model.task.num_arms), dtype=np.float64)
    x = features[seeds.rows] if features is not None else None
    for positions, batch in ctx.batches(seeds.nodes, seeds.times, device, x):
        out[positions] = model.head.propensity(model(batch)).cpu().double().numpy()
    return out


def _empty_shape(codec: TargetCodec) -> tuple[int, ...]:
    if codec.task in (TaskType.BINARY, TaskType.REGRESSION):
        return (0,)
    return (0, codec.num_steps if codec.task is TaskType.FORECASTING else len(codec.classes))
