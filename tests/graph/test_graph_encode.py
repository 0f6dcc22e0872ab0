"""Column encoders: values, null handling, caps, determinism and serialisation."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from engine.graph.encode import (
    CategoricalEncoder, EncoderConfig, TableEncoder, fit_column,
)
from engine.schema.model import Column, SemanticType as S

CONFIG = EncoderConfig(max_categories=2, multicategorical_buckets=8, text_buckets=16)


def encode(stype: S, values, dtype: str = "VARCHAR", config: EncoderConfig = CONFIG):
    column = Column(name="c", dtype=dtype, stype=stype)
    arr = pa.array(values)
    encoder = fit_column(column, arr, config)
    return encoder, encoder.transform(arr)


def test_numerical_clips_standardises_and_flags_nulls():
    values = [float(v) for v in range(100)] + [1e12, None]
    encoder, out = encode(S.NUMERICAL, values, "DOUBLE", EncoderConfig(clip_quantile=0.01))
    assert encoder.numerical_names == ("c", "c__is_null")
    z, is_null = out.num[:, 0], out.num[:, 1]
    assert is_null.tolist() == [0.0] * 101 + [1.0]
    assert z[-1] == 0.0  # missing → 0 after standardisation
    assert z[100] == pytest.approx(z[:100].max(), abs=1e-3)  # the outlier is clipped, not extreme
    assert abs(float(z[:101].mean())) < 0.05 and float(z[:101].std()) == pytest.approx(1.0, abs=0.05)
    assert out.num.dtype == np.float32 and out.cat.shape == (102, 0)


def test_numerical_without_nulls_has_no_flag_and_constant_column_is_safe():
    encoder, out = encode(S.NUMERICAL, [5.0, 5.0, 5.0], "DOUBLE")
    assert encoder.numerical_names == ("c",)
    assert out.num.tolist() == [[0.0], [0.0], [0.0]]
    _, all_null = encode(S.NUMERICAL, pa.array([None, None], type=pa.float64()), "DOUBLE")
    assert np.isfinite(all_null.num).all()


def test_categorical_caps_vocabulary_and_reserves_null_and_other():
    encoder, out = encode(S.CATEGORICAL, ["b", "a", "c", "a", "b", None, "a"])
    # frequency order a(3) > b(2); c is beyond the cap of 2 → other
    assert encoder.vocabulary == ("a", "b")
    assert encoder.categorical_cardinalities == (4,)
    assert out.cat[:, 0].tolist() == [3, 2, CategoricalEncoder.OTHER_CODE, 2, 3, CategoricalEncoder.NULL_CODE, 2]
    unseen = encoder.transform(pa.array(["zzz", "a"]))
    assert unseen.cat[:, 0].tolist() == [1, 2]


def test_categorical_ties_are_broken_by_value_for_determinism():
    first, _ = encode(S.CATEGORICAL, ["y", "x", "z"])
    second, _ = encode(S.CATEGORICAL, ["z", "y", "x"])
    assert first.vocabulary == second.vocabulary == ("x", "y")


def test_timestamp_cyclic_features():
    monday_jan = 1_704_067_200  # 2024-01-01 00:00 UTC, a Monday
    thursday_jul = 1_719_446_400  # 2024-06-27, a Thursday in June
    encoder, out = encode(S.TIMESTAMP, [monday_jan, thursday_jul, None], "BIGINT")
    names = encoder.numerical_names
    row = dict(zip(names, out.num[0]))
    assert row["c__dow_sin"] == pytest.approx(0.0, abs=1e-6) and row["c__dow_cos"] == pytest.approx(1.0)
    assert row["c__month_sin"] == pytest.approx(0.0, abs=1e-6) and row["c__month_cos"] == pytest.approx(1.0)
    june = dict(zip(names, out.num[1]))
    assert june["c__dow_sin"] == pytest.approx(np.sin(2 * np.pi * 3 / 7), abs=1e-6)
    assert june["c__month_cos"] == pytest.approx(np.cos(2 * np.pi * 5 / 12), abs=1e-6)
    assert out.num[2].tolist() == [0.0] * 5 + [1.0]


def test_multicategorical_strings_and_lists_hash_alike():
    _, from_text = encode(S.MULTICATEGORICAL, ["red|big", "big ; red", None, ""])
    _, from_list = encode(S.MULTICATEGORICAL, [["red", "big"], ["big", "red"], None, []], "VARCHAR[]")
    assert np.array_equal(from_text.num, from_list.num)
    assert set(np.unique(from_text.num)) <= {0.0, 1.0}
    assert from_text.num[0].sum() >= 1 and np.array_equal(from_text.num[0], from_text.num[1])
    assert from_text.num[2:].sum() == 0


def test_text_bag_is_l2_normalised_case_insensitive_and_stable():
    encoder, out = encode(S.TEXT, ["Coffee lover", "coffee LOVER", "tea", None, "!!"])
    norms = np.linalg.norm(out.num, axis=1)
    assert norms[:3] == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)
    assert norms[3:].tolist() == [0.0, 0.0]
    assert np.array_equal(out.num[0], out.num[1]) and not np.array_equal(out.num[0], out.num[2])
    again = encoder.transform(pa.array(["Coffee lover"]))
    assert np.array_equal(again.num[0], out.num[0])


def test_table_encoder_roundtrips_through_json():
    columns = (
        fit_column(Column(name="n", dtype="DOUBLE", stype=S.NUMERICAL), pa.array([1.0, None]), CONFIG),
        fit_column(Column(name="k", dtype="VARCHAR", stype=S.CATEGORICAL), pa.array(["a", "b"]), CONFIG),
        fit_column(Column(name="t", dtype="VARCHAR", stype=S.TEXT), pa.array(["x"]), CONFIG),
    )
    table = TableEncoder(table="t", columns=columns)
    again = TableEncoder.from_dict(json.loads(json.dumps(table.to_dict())))
    assert again == table
    x_num, x_cat = again.transform(pa.table({"n": [2.0], "k": ["b"], "t": ["x"]}), num_rows=1)
    assert x_num.shape == (1, 2 + 16) and x_cat.tolist() == [[3]]
