"""INTO for a folder source (`engine.into_folder`): names checked before training, OR REPLACE across a
name's case, the umask's permissions; and the refusal for a dict of DataFrames."""
from __future__ import annotations

import os
import re
import stat

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import connectors
from engine.into_folder import check_folder_target, check_writable, into_folder, write_into_folder
from pql.errors import EngineError

PREDICTIONS = pa.table({"customer_id": [1, 2], "probability": [0.25, 0.75]})


@pytest.fixture
def folder(tmp_path):
    pd.DataFrame({"customer_id": [1, 2]}).to_csv(tmp_path / "customers.csv", index=False)
    return tmp_path


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_file_gets_the_umasks_permissions_and_is_left_out_of_the_source(folder, umask_022):
    path = write_into_folder(folder, "preds", PREDICTIONS, replace=False, query="PREDICT …")
    assert path == folder / "preds.parquet"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv", "preds.parquet"]  # no temporary left
    with connectors.open(folder) as source:
        assert source.table_names() == ("customers",)


def test_or_replace_replaces_the_table_whatever_the_case_of_its_name(folder):
    write_into_folder(folder, "preds", PREDICTIONS, replace=False)
    with pytest.raises(EngineError, match="already exists; write INTO OR REPLACE Preds"):
        check_folder_target(folder, "Preds", replace=False)
    path = write_into_folder(folder, "Preds", PREDICTIONS.slice(0, 1), replace=True)
    assert path == folder / "preds.parquet"  # replaced in place: one file for the table
    assert pq.read_table(path).num_rows == 1
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv", "preds.parquet"]


def test_a_table_another_format_holds_is_never_replaced_by_parquet_beside_it(folder):
    with pytest.raises(EngineError, match=r"customers.csv already holds table 'customers'.*another name"):
        check_folder_target(folder, "Customers", replace=True)


@pytest.mark.parametrize(("name", "why"), [
    ("/tmp/elsewhere", "path separator"),
    ("../up", "path separator"),
    ("sub/preds", "path separator"),
    ("a\\b", "path separator"),
    ("..", "starts with '.'"),
    (".hidden", "starts with '.'"),
    (" ", "empty"),
])
def test_a_name_that_is_no_plain_file_name_is_refused(folder, name, why):
    with pytest.raises(EngineError, match=f"no plain file name .*{why}"):
        check_folder_target(folder, name, replace=True)
    with pytest.raises(EngineError):
        write_into_folder(folder, name, PREDICTIONS, replace=True)
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv"]
    assert not (folder.parent / "up.parquet").exists()


@pytest.mark.parametrize(("name", "into"), [("preds.parquet", "preds"), ("Preds.CSV.gz", "Preds"),
                                          ("a.b.jsonl", '"a.b"')])
def test_a_file_name_for_a_table_name_points_at_the_table_name(folder, name, into):
    written = into.strip('"') + ".parquet"
    with pytest.raises(EngineError, match=re.escape(f"name the table, not the file: INTO {into} writes {written}")):
        check_folder_target(folder, name, replace=False)
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv"]


def test_into_folder_is_beside_a_single_file(folder):
    with connectors.open(folder / "customers.csv") as source:
        assert into_folder(source) == folder


def test_a_dict_of_frames_cannot_be_written(folder):
    with connectors.open({"customers": pd.DataFrame({"customer_id": [1]})}) as source:
        with pytest.raises(EngineError, match="in-memory tables .* cannot be written.*returned table.*-o FILE"):
            check_writable(source, "preds")
    with connectors.open(folder) as source:
        check_writable(source, "preds")  # a folder can
