"""A DuckDB file whose timestamps were imported as text reads them as TIMESTAMP, as every other source
does, without changing the file; INTO still writes to it."""
import duckdb

import pql


def _write(path):
    con = duckdb.connect(str(path))
    con.execute("create table cust(id int primary key)")
    con.execute("create table ev(id int primary key, cust int references cust(id), ts varchar, note varchar)")
    con.execute("insert into cust select i from range(1, 31) t(i)")
    con.execute("insert into ev select i, 1 + i % 30, strftime(timestamp '2024-01-01' + to_days(i % 90), "
                "'%Y-%m-%d %H:%M:%S'), 'n' || i from range(1, 600) t(i)")
    con.close()


def test_text_timestamps_in_a_duckdb_file(tmp_path):
    path = tmp_path / "shop.duckdb"
    _write(path)
    before = path.read_bytes()
    db = pql.schema(str(path))
    ev = db.table("ev")
    assert ev.time_column == "ts" and next(c for c in ev.columns if c.name == "ts").dtype == "TIMESTAMP"
    assert any("ev.ts: text column holding timestamps" in n for n in db.notes)
    assert path.read_bytes() == before
    with pql.connect(str(path), log=lambda m: None) as s:
        s.predict("PREDICT COUNT(ev.*, 0, 7, days) > 0 FOR EACH cust WITH model = 'heuristic' INTO preds")
    con = duckdb.connect(str(path), read_only=True)
    assert con.sql("select count(*) from preds").fetchall() == [(30,)]
    assert con.sql("select data_type from duckdb_columns() where table_name = 'ev' and column_name = 'ts'"
                   ).fetchall() == [("VARCHAR",)]  # the stored column is untouched
    con.close()
