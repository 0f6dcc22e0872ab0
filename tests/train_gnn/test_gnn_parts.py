"""The GNN trainer's small parts: label codec, settings, anchor seconds (no training)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest

from engine.train.gnn.context import anchor_seconds
from engine.train.gnn.settings import (CPU_CHANNELS, DEFAULT_TIME_BUDGET, MAX_EPOCHS, MIN_EPOCHS, MIN_PASSES,
                                        RANKING_DROPOUT, RANKING_LR, RANKING_SEED_VISITS, TARGET_SEED_VISITS,
                                        GNNSettings)
from engine.train.gnn.targets import MAX_LABELS, PAIR_CONTEXT, TargetCodec
from engine.schema.model import ForeignKey, SemanticType
from pql.bound import BAggregation, TaskType
from pql.errors import EngineError


def _bq(task: TaskType, **kw):
    fields = {"task": task, "outcome_task": None, "treatment_arms": (), "rank_top": None, "item_table": None,
              "forecast": None}
    return SimpleNamespace(**{**fields, **kw})


def _rows(labels, **columns) -> pa.Table:
    return pa.table({"label": labels, **columns})


def _roundtrip(codec: TargetCodec) -> TargetCodec:
    return TargetCodec.from_dict(json.loads(json.dumps(codec.to_dict())))


def test_heavy_tailed_non_negative_targets_train_on_log1p_and_keep_their_range():
    heavy = np.random.default_rng(0).lognormal(0, 2, size=500).tolist()
    codec = TargetCodec.fit(_bq(TaskType.REGRESSION), _rows(heavy))
    assert codec.log_target and codec.label_range == (min(heavy), max(heavy))
    assert codec.spec().log_target and codec.spec().label_range == codec.label_range
    symmetric = np.random.default_rng(0).normal(0, 1, size=500).tolist()
    assert not TargetCodec.fit(_bq(TaskType.REGRESSION), _rows(symmetric)).log_target
    assert _roundtrip(codec) == codec
    encoded = codec.encode(_rows([1.0, None, 3.0]))
    assert encoded.keep.tolist() == [True, False, True]


def test_targets_often_zero_get_a_hurdle_head():
    mostly_zero = [0.0] * 60 + np.random.default_rng(0).lognormal(3, 2, size=40).tolist()
    codec = TargetCodec.fit(_bq(TaskType.REGRESSION), _rows(mostly_zero))
    assert codec.hurdle and codec.spec().hurdle and codec.spec().out_channels == 2
    assert _roundtrip(codec) == codec
    rarely_zero = [0.0] * 5 + [1.0 + i for i in range(95)]
    assert not TargetCodec.fit(_bq(TaskType.REGRESSION), _rows(rarely_zero)).hurdle
    assert not TargetCodec.fit(_bq(TaskType.REGRESSION), _rows([-1.0] * 50 + [0.0] * 50)).hurdle  # signed
    after_returns = TargetCodec.fit(_bq(TaskType.REGRESSION), _rows([-5.0] + mostly_zero))  # a few net returns
    assert after_returns.hurdle and after_returns.log_target  # the skewed positives decide the scale
    assert after_returns.label_range == (-5.0, max(mostly_zero))
    assert not TargetCodec.fit(_bq(TaskType.REGRESSION), _rows([0.0] * 10)).hurdle  # nothing to tell apart


def test_multiclass_classes_come_from_train_and_unseen_classes_are_dropped():
    codec = TargetCodec.fit(_bq(TaskType.MULTICLASS), _rows(["b", "a", "b", None, "c", "b"]))
    assert codec.classes == ("b", "a", "c")  # by frequency, ties by value
    encoded = codec.encode(_rows(["a", "zzz", None, "c"]))
    assert encoded.y.tolist() == [1, -1, -1, 2] and encoded.keep.tolist() == [True, False, False, True]
    with pytest.raises(EngineError, match="distinct class"):
        TargetCodec.fit(_bq(TaskType.MULTICLASS), _rows(["a", "a"]))


def test_multilabel_vocabulary_is_capped_and_multi_hot():
    many = [[f"x{i}", "common"] for i in range(MAX_LABELS + 10)]
    codec = TargetCodec.fit(_bq(TaskType.MULTILABEL), _rows(many))
    assert len(codec.classes) == MAX_LABELS and codec.classes[0] == "common"
    y = codec.encode(_rows([["common"], [], None])).y
    assert y.shape == (3, MAX_LABELS) and y[0, 0] == 1 and y.sum() == 1


def test_link_ranking_positives_are_item_positions_in_csr_form():
    codec = TargetCodec.fit(_bq(TaskType.LINK_RANKING, rank_top=2, item_table="products"), _rows([[10]]),
                            item_keys=[30, 10, 20])
    t = codec.encode(_rows([[20, 10, 99], [], None, [30]]))
    assert t.pos_offsets.tolist() == [0, 2, 2, 2, 3] and t.pos_items.tolist() == [1, 2, 0]
    assert t.keep.tolist() == [True, False, False, True]
    spec = codec.spec()
    assert spec.num_items == 3 and spec.item_history and spec.pair_context == PAIR_CONTEXT and not spec.item_bias
    assert _roundtrip(codec) == codec


def test_uplift_arms_put_control_first_and_read_the_treatment():
    bq = _bq(TaskType.UPLIFT, outcome_task=TaskType.BINARY, treatment_arms=("email", "sms"))
    rows = _rows([True, False, True], treatment=["sms", None, "email"])
    codec = TargetCodec.fit(bq, rows)
    assert codec.classes == ("control", "email", "sms") and codec.spec().num_arms == 3
    assert codec.encode(rows).treatment.tolist() == [2, 0, 1]
    plain = TargetCodec.fit(_bq(TaskType.UPLIFT, outcome_task=TaskType.BINARY), _rows([True], treatment=[True]))
    assert plain.classes == ("control", "treated")


def test_forecast_labels_are_one_column_per_step():
    codec = TargetCodec.fit(_bq(TaskType.FORECASTING, forecast=3), _rows([[1.0, 2.0, 3.0]]))
    y = codec.encode(_rows([[1.0, None, 3.0], [None, None, None]])).y
    assert y.shape == (2, 3) and np.isnan(y[0, 1]) and codec.encode(_rows([[None, None, None]])).keep.tolist() == [False]


def _inputs(epochs=None, device="cpu", time_budget=None, bq=None, **options):
    return SimpleNamespace(epochs=epochs, seed=3, device=device, time_budget=time_budget,
                           bq=bq or _bq(TaskType.BINARY, target=None),
                           option=lambda name, default=None: options.get(name, default))


def _ranking_bq(hops: int):
    """A link-ranking query whose target aggregates a table ``hops`` foreign keys below the entity."""
    fk = ForeignKey(table="child", columns=("parent_id",), ref_table="parent", ref_columns=("id",))
    target = BAggregation(func="LIST_DISTINCT", table="lines", column="product_id", filter=None, window=None,
                          path=(fk,) * hops, time_column="t", result_stype=SemanticType.CATEGORICAL)
    return _bq(TaskType.LINK_RANKING, target=target, item_table="products")


def test_link_ranking_gets_enough_layers_to_reach_its_items():
    # customers <- invoices <- invoice_lines -> products: the products are three hops away
    assert GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2)), 1_000).layers == 3
    assert GNNSettings.from_inputs(_inputs(bq=_ranking_bq(1)), 1_000).layers == 2  # orders -> products: two
    assert GNNSettings.from_inputs(_inputs(bq=_ranking_bq(5)), 1_000).layers == 3  # capped
    assert GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2), layers=1), 1_000).layers == 1  # the user decides
    assert GNNSettings.from_inputs(_inputs(), 1_000).layers == 2


def test_link_ranking_defaults_to_no_tabular_features_a_slower_rate_averaged_weights_and_dropout():
    ranking = GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2)), 1_000)
    binary = GNNSettings.from_inputs(_inputs(), 1_000)
    assert (ranking.tabular_features, ranking.lr, ranking.weight_average, ranking.dropout) == (
        False, RANKING_LR, True, RANKING_DROPOUT)
    assert (binary.tabular_features, binary.lr, binary.weight_average, binary.dropout) == (
        True, GNNSettings().lr, False, 0.0)
    assert GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2), dropout=0.0), 1_000).dropout == 0.0
    assert not GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2), weight_average=False), 1_000).weight_average
    big_ranking = GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2)), 20_000)
    assert big_ranking.epochs == -(-RANKING_SEED_VISITS // 20_000) > GNNSettings.from_inputs(_inputs(), 20_000).epochs
    chosen = GNNSettings.from_inputs(_inputs(bq=_ranking_bq(2), tabular_features=True, lr=0.01), 1_000)
    assert (chosen.tabular_features, chosen.lr) == (True, 0.01)  # the user decides


def test_epochs_follow_the_data_size_unless_the_query_fixes_them():
    small, large = GNNSettings.from_inputs(_inputs(), 500), GNNSettings.from_inputs(_inputs(), 5_000_000)
    assert small.epochs == min(MAX_EPOCHS, -(-TARGET_SEED_VISITS // small.min_train_rows)) and not small.fixed_epochs
    middle = GNNSettings.from_inputs(_inputs(), 30_000)
    assert MIN_EPOCHS <= middle.epochs < small.epochs  # bigger epochs, fewer of them
    assert (middle.epochs - 1) * middle.max_train_rows < TARGET_SEED_VISITS <= middle.epochs * middle.max_train_rows
    # a large table: at least MIN_PASSES passes over its rows, in at most MAX_EPOCHS bigger epochs
    assert large.epochs == MAX_EPOCHS and large.epochs * large.max_train_rows >= MIN_PASSES * 5_000_000
    assert large.max_train_rows < 5_000_000 and middle.max_train_rows == GNNSettings().max_train_rows
    assert large.weight_average and not middle.weight_average  # big epochs validate averaged weights
    assert small.channels == CPU_CHANNELS and GNNSettings.from_inputs(_inputs(device="cuda"), 500).channels == 128
    assert small.rows_per_epoch(500) == small.min_train_rows and large.rows_per_epoch(5_000_000) == large.max_train_rows
    fixed = GNNSettings.from_inputs(_inputs(epochs=2, channels=33, neighbors=5), 500)
    assert fixed.epochs == 2 and fixed.fixed_epochs and fixed.channels == 34 and fixed.neighbors == 5 and fixed.seed == 3
    assert GNNSettings.from_dict(json.loads(json.dumps(fixed.to_dict()))) == fixed
    assert fixed.time_budget == DEFAULT_TIME_BUDGET and GNNSettings.from_inputs(_inputs(time_budget=9), 1).time_budget == 9


def test_anchor_seconds_match_the_graphs_epoch_seconds():
    naive = pa.array([datetime(2024, 1, 1, 0, 0, 1)], pa.timestamp("us"))
    aware = pa.array([datetime(2024, 1, 1, 1, 0, 1, tzinfo=timezone.utc)], pa.timestamp("ms", tz="UTC"))
    assert anchor_seconds(naive).tolist() == [1_704_067_201]
    assert anchor_seconds(aware).tolist() == [1_704_070_801]
    with pytest.raises(EngineError, match="no anchor_time"):
        anchor_seconds(pa.array([None], pa.timestamp("us")))
