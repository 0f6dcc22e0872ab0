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
import json
import re
import subprocess
import sys

from rich.console import Console
from rich.table import Table

from bench.cases import CASES, database_path

CHILD = r"""
import json, sys, time, pql
db, statement = sys.argv[1], sys.argv[2]
lines, t = [], time.perf_counter()
with pql.connect(db, log=lambda m: lines.append(m)) as session:
    (result,) = session.run(statement)
print(json.dumps({"lines": lines, "total_s": time.perf_counter() - t, "val": result.run.metrics.get("val", {})}))
"""
EPOCH = re.compile(r"^gnn epoch \d+/\d+: .*· ([0-9.]+)s$")  # engine/train/gnn/loop.py's line per epoch


def epoch_seconds(lines: list[str]) -> list[float]:
    """Seconds of each epoch (training and its validation scoring), from the GNN's progress messages."""
    return [float(m.group(1)) for m in map(EPOCH.match, lines) if m]


def measure(case: str, device: str, *, epochs: int, channels: int, timeout: float) -> dict:
    spec = CASES[case]
    statement = (f"EVALUATE {spec.query} WITH model = 'gnn', device = '{device}', channels = {channels}, "
                 f"epochs = {epochs}, retrain = true, refit = false, seed = 0")
    done = subprocess.run([sys.executable, "-c", CHILD, str(database_path(spec.database)), statement],
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"epochs_s": epoch_seconds(out["lines"]), "total_s": out["total_s"], "val": out["val"].get(spec.metric)}


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
            table.add_row(case, device, f"{first[0]:.2f}" if first else "—",
                          f"{sum(later) / len(later):.2f}" if later else "—", f"{r['total_s']:.1f}",
                          f"{CASES[case].metric} {r['val']:.4f}" if r["val"] is not None else "—")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
