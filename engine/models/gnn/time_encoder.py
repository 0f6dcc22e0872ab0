"""Relative-time encoder: how long before its seed's anchor time each row happened.

As in RelBench's ``HeteroTemporalEncoder``: ``(seed_time[batch] - time)`` in days goes through a
sinusoidal positional encoding and a per-type Linear, and the result is added to the row's
embedding. Rows of untimed tables carry ``time == INT64_MIN`` and get exactly zero (and the
subtraction is never done for them, since it would overflow int64); so do timed rows without a
time (``INT64_MAX``), which the sampler should never deliver anyway.
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import PositionalEncoding
from torch_geometric.nn.module_dict import ModuleDict

UNTIMED = torch.iinfo(torch.int64).min  # = engine.graph.ALWAYS_VISIBLE
NO_TIME = torch.iinfo(torch.int64).max  # = engine.graph.NEVER_VISIBLE
SECONDS_PER_DAY = 86_400.0


class RelativeTimeEncoder(torch.nn.Module):
    """Per node type: ``time: int64 [n]``, ``batch: int64 [n]``, ``seed_time: int64 [B]`` -> ``[n, channels]``.

    Args:
        node_types: the node types that get an encoding.
        channels: output width (even, for the sin/cos pairs).
    """

    def __init__(self, node_types: tuple[str, ...], channels: int):
        super().__init__()
        self.channels = channels
        # Frequencies span 1e-4..1 per day: periods from about a week to ~170 years.
        self.encoding = PositionalEncoding(channels)
        self.lins = ModuleDict({nt: torch.nn.Linear(channels, channels) for nt in node_types})
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.encoding.reset_parameters()
        for lin in self.lins.values():
            lin.reset_parameters()

    def forward(self, seed_time: Tensor, time_dict: dict[str, Tensor],
                batch_dict: dict[str, Tensor]) -> dict[str, Tensor]:
        """Encodings for every node type in ``time_dict`` that has a ``batch`` vector."""
        out: dict[str, Tensor] = {}
        for nt, time in time_dict.items():
            if nt not in batch_dict or nt not in self.lins:
                continue
            anchor = seed_time[batch_dict[nt]]
            timed = (time != UNTIMED) & (time != NO_TIME)
            safe_time = torch.where(timed, time, anchor)
            rel_days = (anchor - safe_time).to(torch.float32) / SECONDS_PER_DAY
            enc = self.lins[nt](self.encoding(rel_days))
            out[nt] = enc * timed.unsqueeze(-1).to(enc.dtype)
        return out
