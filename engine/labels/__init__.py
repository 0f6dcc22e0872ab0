"""Training tables: (entity, anchor time, label, split) rows from a bound query, without leakage.

    tt = training_table(con, db, bound_query)   # TrainingTable
    tt.table / tt.prediction / tt.schedule / tt.warnings
    print(explain_sql(db, bound_query, tt.schedule))
"""
from engine.labels.compile import compile_training_sql
from engine.labels.run import explain_sql, schedule_for, train_table, training_table
from engine.labels.schedule import AnchorSchedule, build_schedule
from engine.labels.table import TrainingTable, write_parquet

__all__ = [
    "AnchorSchedule",
    "TrainingTable",
    "build_schedule",
    "compile_training_sql",
    "explain_sql",
    "schedule_for",
    "train_table",
    "training_table",
    "write_parquet",
]
