"""Timestamps written in PQL (`TIMESTAMP '…'`, `anchor_time`, cut-offs) as the engine compares them.

pql reads every time column as a naive TIMESTAMP in UTC (a `TIMESTAMP WITH TIME ZONE` column is
converted on reading), so a timestamp with an offset or zone is converted to UTC the same way and
a naive one is taken as UTC already: otherwise it could not be compared with the data.
"""
from __future__ import annotations

from datetime import datetime, timezone


def parse_timestamp(text: str) -> datetime:
    """ISO text ('2024-01-31', '2024-01-31 12:00', '2024-01-31T12:00:00+02:00') as naive UTC; ValueError if not."""
    return naive_utc(datetime.fromisoformat(text))


def naive_utc(value: datetime) -> datetime:
    """``value`` in UTC without tzinfo; a naive value is returned as it is."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)
