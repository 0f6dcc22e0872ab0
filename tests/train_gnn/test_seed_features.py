"""Tabular seed features for the GNN: which columns, how they are scaled, and their saved form."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from engine.train.gnn.seed_features import SeedFeatures
from engine.train.lgbm.features import FeatureSource


def _source() -> FeatureSource:
    return FeatureSource(entity="customer", key=("id",), horizon_days=30.0, tables=(), exclude=(), history=())


def _table(amounts, visits, flags, countries) -> pa.Table:
    n = len(amounts)
    return pa.table({"id": pa.array(range(n), pa.int64()),
                     "anchor_time": pa.array([0] * n, pa.timestamp("us")),
                     "amount_sum": pa.array(amounts, pa.float64()),
                     "visits": pa.array(visits, pa.int64()),
                     "is_member": pa.array(flags, pa.bool_()),
                     "country": pa.array(countries, pa.string()).dictionary_encode()})


def test_numeric_columns_are_log_scaled_and_standardised_on_train():
    train = _table([0.0, 10.0, 1000.0, None], [1, 2, 3, 4], [True, False, True, False], ["uk", "fr", "uk", "de"])
    fitted = SeedFeatures.fit(_source(), train)
    assert fitted.columns == ("amount_sum", "visits", "is_member")  # keys, anchor and categoricals left out
    assert fitted.with_missing == (True, False, False)
    x = fitted.transform(train)
    assert x.shape == (4, 4) and x.dtype == np.float32
    observed = x[:3, 0]
    assert observed.mean() == pytest.approx(0.0, abs=1e-6) and observed.std() == pytest.approx(1.0, abs=1e-5)
    assert x[3, 0] == 0.0 and x[:, 3].tolist() == [0.0, 0.0, 0.0, 1.0]  # missing: 0 plus its indicator
    # signed log1p first: 1000 sits about one deviation above 10, not hundreds
    assert x[2, 0] - x[1, 0] < 2.0


def test_constant_and_all_missing_columns_stay_finite():
    train = _table([None, None], [5, 5], [True, True], ["uk", "uk"])
    fitted = SeedFeatures.fit(_source(), train)
    x = fitted.transform(_table([3.0, None], [5, 9], [False, True], ["fr", "uk"]))
    assert np.isfinite(x).all()
    assert x[0, 0] != 0.0  # a value where training only saw missing still reaches the model


def test_saved_form_round_trips_and_tolerates_a_missing_column():
    train = _table([1.0, 2.0, 4.0], [1, 2, 3], [True, False, True], ["a", "b", "a"])
    fitted = SeedFeatures.fit(_source(), train)
    again = SeedFeatures.from_dict(fitted.to_dict(), bq=None)
    assert again == fitted
    np.testing.assert_array_equal(again.transform(train), fitted.transform(train))
    later = train.drop_columns(["visits"])  # a column the rebuilt features no longer have: missing, not a crash
    assert again.transform(later)[:, 1].tolist() == [0.0, 0.0, 0.0]
