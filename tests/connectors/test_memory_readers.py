"""An Arrow RecordBatchReader (what DuckDB's ``.arrow()`` returns) is read once, in full, on connect."""
import pyarrow as pa

import pql


def test_a_record_batch_reader_is_read_in_full():
    table = pa.table({"id": [1, 2, 3], "x": [0.5, 1.5, 2.5]})
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1))
    with pql.connect({"items": reader}) as s:
        assert s.con.sql('select count(*) from "items"').fetchall() == [(3,)]
