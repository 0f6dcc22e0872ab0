"""The generators' command line: a database too small to generate is a one-line usage error (exit status 2),
not a traceback, and --help shows each option's default."""
from __future__ import annotations

import pytest

from examples.generators import cross_sell, loyalty, ltv

GENERATORS = [loyalty, ltv, cross_sell]


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("args", [["--customers", "0"], ["--days", "30"], ["--seed", "-1"]])
def test_too_small_a_database_is_a_usage_error(generator, args, tmp_path, capsys):
    out = tmp_path / "x.duckdb"
    with pytest.raises(SystemExit) as exit_:
        generator.main(["--out", str(out), *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m examples.generators.")
    message = err.splitlines()[-1]
    assert message.startswith(f"python -m {generator.__name__}: error: ")
    assert ("need at least 10 customers" in message if args[0] != "--seed"
            else "argument --seed: invalid non-negative int value: '-1'" in message)
    assert not out.exists()


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.__name__.rsplit(".", 1)[-1])
def test_help_shows_the_defaults(generator, capsys):
    with pytest.raises(SystemExit) as exit_:
        generator.main(["--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    days = generator.generate.__kwdefaults__["days"]
    assert "number of customers (default: 3000)" in text
    assert "random seed (default: 0)" in text
    assert f"days of history (default: {days})" in text
