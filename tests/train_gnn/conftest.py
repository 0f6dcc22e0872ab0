"""One generated shop per test session and GNNs fitted once per query (fits are the slow part)."""
from __future__ import annotations

from pathlib import Path

import pytest

import pql
from engine.labels import training_table
from engine.train.base import TrainInputs
from engine.train.gnn_trainer import GNNTrainer
from tests.train_gnn.gnn_shop import build

#: small and quick, still enough to learn the planted signals
FAST = "WITH channels = 64, neighbors = 8"
CUSTOMER = "FOR EACH customers.customer_id"


@pytest.fixture(scope="session")
def shop_path(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("gnn_shop") / "shop.duckdb")


@pytest.fixture(scope="session")
def session(shop_path):
    with pql.connect(str(shop_path)) as s:
        yield s


def make_inputs(session, query: str, **kwargs) -> TrainInputs:
    bq = session.bind(query)
    tt = training_table(session.con, session.db, bq)
    return TrainInputs(con=session.con, db=session.db, bq=bq, tt=tt, seed=int(bq.option("seed", 0)), **kwargs)


def row_keys(inputs: TrainInputs, split: str):
    table = inputs.tt.split(split)
    return table, table.select([*inputs.bq.entity.key, "anchor_time"])


@pytest.fixture(scope="session")
def fitted(session):
    """``fitted(query) -> (inputs, trainer, val metrics)``, each query fitted once per session."""
    cache: dict[str, tuple] = {}

    def fit(query: str):
        if query not in cache:
            inputs = make_inputs(session, query)
            trainer = GNNTrainer()
            cache[query] = (inputs, trainer, trainer.fit(inputs))
        return cache[query]

    return fit
