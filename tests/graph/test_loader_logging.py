"""Building a loader leaves the root logger as it was: PyG's module-level ``logging.debug()`` would
otherwise run ``logging.basicConfig()`` and the user's own ``basicConfig`` would then do nothing."""
from __future__ import annotations

import logging

import pytest

pytest.importorskip("torch_geometric")

import graph_shop as shop  # noqa: E402
from engine.graph import build_graph, temporal_loader  # noqa: E402


def test_a_loader_adds_no_handler_to_an_unconfigured_root_logger(monkeypatch):
    monkeypatch.setattr(logging.root, "handlers", [])  # as in a fresh notebook (pytest adds its own)
    graph = build_graph(shop.connect(), shop.DB)
    next(iter(temporal_loader(graph, "customers", [0, 1], shop.T0 + 9 * shop.DAY, batch_size=2)))
    assert logging.root.handlers == []


def test_a_configured_root_logger_keeps_its_handlers(monkeypatch):
    mine = logging.NullHandler()
    monkeypatch.setattr(logging.root, "handlers", [mine])
    temporal_loader(build_graph(shop.connect(), shop.DB), "customers", [0], shop.T0, batch_size=1)
    assert logging.root.handlers == [mine]
