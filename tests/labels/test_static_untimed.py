"""A static target on a table without time still gets rows, as of the data's last timestamp anywhere."""
import duckdb

import pql
from engine.labels import training_table
from engine.schema.introspection import introspect


def test_static_target_on_an_untimed_table():
    con = duckdb.connect()
    con.execute("""
        create table product(product_id int primary key, category varchar, price double);
        create table orders(order_id int primary key, product_id int references product(product_id),
                            created_at timestamp);
        insert into product select i, ['a','b'][1 + i % 2], i * 1.5 from range(1, 41) t(i);
        insert into orders select i, 1 + i % 40, timestamp '2024-01-01' + to_days(i) from range(1, 100) t(i);
    """)
    db = introspect(con)
    bq = pql.bind(pql.parse("PREDICT product.price FOR EACH product")[0], db)
    tt = training_table(con, db, bq)
    assert sum(tt.counts().values()) == 40
    assert tt.prediction.num_rows == 40
    assert str(tt.schedule.prediction_time) == "2024-04-09 00:00:00"  # last order
