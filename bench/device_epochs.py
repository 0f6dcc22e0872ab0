"""GNN seconds per epoch on the CPU and on CUDA, on one machine, in one run (a benchmark, not a test).

    python -m bench.device_epochs [--cases cross-sell-next-product,ltv-total-spend-12m-20k]
                                  [--devices cpu,cuda] [--epochs 4] [--channels 128]

Each case's query runs as ``EVALUATE … WITH model = 'gnn', device = d, channels = c, epochs = n,
refit = false`` in a fresh process per device (the same model size on both, fixed epochs, no early
stop deciding the work), and the table gives the epochs' mean time (the first epoch separately: it
pays CUDA's warm-up) and the validation metric. The CPU side uses ``PQL_TORCH_THREADS`` threads
(default 1, as pql does). A device that is not there is reported, not fatal.
"""
from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.table import Table

from bench.cases import CASES, database_path
from bench.run import run_in_process


def measure(case: str, device: str, *, epochs: int, channels: int, timeout: float) -> dict:
    """One `bench.one_run` (a fresh process) of ``case`` on ``device`` with a fixed model size and epochs."""
    spec = {"case": case, "model": "gnn", "seed": 0, "database": str(database_path(CASES[case].database)),
            "with": f"device = '{device}', channels = {channels}, epochs = {epochs}, refit = false"}
    return run_in_process(spec, timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="cross-sell-next-product,ltv-total-spend-12m-20k")
    parser.add_argument("--devices", default="cpu,cuda")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    table = Table(title=f"GNN seconds per epoch ({args.channels} channels, {args.epochs} epochs, seed 0)")
    for column in ("case", "device", "first epoch s", "later epochs s (mean)", "run s", "val metric"):
        table.add_column(column)
    for case in [c.strip() for c in args.cases.split(",") if c.strip()]:
        for device in [d.strip() for d in args.devices.split(",") if d.strip()]:
            r = measure(case, device, epochs=args.epochs, channels=args.channels, timeout=args.timeout)
            if "error" in r:
                table.add_row(case, device, "—", "—", "—", r["error"][:60])
                continue
            first, later = r["epochs_s"][:1], r["epochs_s"][1:]
            val = r["val"].get(CASES[case].metric)
            table.add_row(case, device, f"{first[0]:.2f}" if first else "—",
                          f"{sum(later) / len(later):.2f}" if later else "—", f"{r['total_s']:.1f}",
                          f"{CASES[case].metric} {val:.4f}" if val is not None else "—")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
