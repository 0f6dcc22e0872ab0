"""Stable feature hashing of tokens into a fixed number of buckets (no vocabulary, nothing downloaded).

Python's ``hash`` is salted per process, so buckets come from CRC-32: the same token lands in the
same bucket on every machine and run, which keeps saved models valid. Hashing runs once per
*distinct* token; rows are then assembled with sparse matrix products, never Python loops over rows.
"""
from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp


def token_bucket(token: str, buckets: int) -> int:
    return zlib.crc32(token.encode("utf-8")) % buckets


def char_trigrams(word: str) -> list[str]:
    """Character 3-grams of ``#word#`` (the padding marks word starts and ends)."""
    padded = f"#{word}#"
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def _occurrences(tokens: pa.ListArray) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Per non-empty (trimmed) token occurrence: its row, the distinct tokens, and each occurrence's token id."""
    rows = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(tokens).cast(pa.string()))
    keep = pc.and_(pc.is_valid(flat), pc.greater(pc.utf8_length(flat), 0))
    rows = rows[keep.to_numpy(zero_copy_only=False)]
    encoded = pc.dictionary_encode(pc.filter(flat, keep))
    token_ids = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return rows.astype(np.int64), encoded.dictionary, token_ids


def hashed_counts(tokens: pa.ListArray, num_rows: int, buckets: int, *, trigrams: bool) -> sp.csr_matrix:
    """Sparse [num_rows, buckets] counts of each row's tokens (and, if asked, their char 3-grams)."""
    rows, vocabulary, token_ids = _occurrences(tokens)
    per_token_cols: list[int] = []
    per_token_rows: list[int] = []
    for t, token in enumerate(vocabulary.to_pylist()):  # distinct tokens only
        pieces = [token, *char_trigrams(token)] if trigrams else [token]
        per_token_cols.extend(token_bucket(p, buckets) for p in pieces)
        per_token_rows.extend([t] * len(pieces))
    token_to_bucket = sp.csr_matrix(
        (np.ones(len(per_token_cols), dtype=np.float32), (per_token_rows, per_token_cols)),
        shape=(len(vocabulary), buckets))
    row_to_token = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, token_ids)), shape=(num_rows, len(vocabulary)))
    return (row_to_token @ token_to_bucket).tocsr()
