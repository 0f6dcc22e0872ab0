"""A short digest of the code that builds an example database, so a cached file is rebuilt when it changes.

Cached databases (the demo's, the benchmarks') used to be keyed by name, size and seed only: after a
generator or loader changed, an old file kept being reused and benchmark numbers silently described
data the current code no longer makes. The digest covers every ``.py`` file of the builder's package
(helpers such as ``_common.py`` and ``loyalty_sim.py`` included).
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path


@cache
def code_digest(package: Path, length: int = 8) -> str:
    """Hex digest of the ``.py`` files directly in ``package`` (names and contents, in name order)."""
    h = hashlib.sha256()
    for path in sorted(Path(package).glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:length]


GENERATORS = Path(__file__).resolve().parent / "generators"
LOADERS = Path(__file__).resolve().parent / "loaders"
