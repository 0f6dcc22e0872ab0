"""``show_progress=True`` draws bars wherever stderr goes (a notebook's is no terminal); ``None`` (the
CLI's auto) only at a terminal; ``False``, the API's default, never."""
from __future__ import annotations

import io

import pql
from engine.run import _interactive
from tests.api.shop import tables

LIGHTGBM = "PREDICT COUNT(purchases.*, 0, 30) > 0 FOR EACH customers WITH model = 'lightgbm'"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_true_and_false_are_obeyed_and_auto_asks_the_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())  # a notebook, a log file
    assert _interactive(True) and not _interactive(False) and not _interactive(None)
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert _interactive(None) and not _interactive(False)


def test_a_session_asked_for_progress_shows_it_on_a_stderr_that_is_no_terminal(capsys):
    with pql.connect(tables(), log=lambda m: None, show_progress=True) as s:
        s.predict(LIGHTGBM)
    assert "lightgbm boosting" in capsys.readouterr().err


def test_by_default_a_session_shows_no_bars(capsys):
    with pql.connect(tables(), log=lambda m: None) as s:
        s.predict(LIGHTGBM)
    assert "lightgbm boosting" not in capsys.readouterr().err
