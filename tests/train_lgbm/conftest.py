"""One generated shop per test session and LightGBM trainers fitted once per query."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import pql
from engine.labels import training_table
from engine.train.base import TrainInputs
from engine.train.lightgbm_trainer import LightGBMTrainer
from tests.train_lgbm.lgbm_shop import build

os.environ.setdefault("PQL_LGBM_THREADS", "1")

CUSTOMER = "FOR EACH customers.customer_id"


@pytest.fixture(scope="session")
def shop_path(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("lgbm_shop") / "shop.duckdb")


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
    """``fitted(query) -> (inputs, trainer, val metrics, log lines)``, each query fitted once per session."""
    cache: dict[str, tuple] = {}

    def fit(query: str, **trainer_kwargs):
        key = query + repr(sorted(trainer_kwargs.items()))
        if key not in cache:
            lines: list[str] = []
            inputs = make_inputs(session, query, log=lines.append)
            trainer = LightGBMTrainer(**trainer_kwargs)
            cache[key] = (inputs, trainer, trainer.fit(inputs), lines)
        return cache[key]

    return fit
