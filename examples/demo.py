"""``python -m examples.demo``: parse every ``examples/*.pql`` script and print what pql understood.

Temporary: until the engine runs end to end, the demo shows the parsed plans (canonical PQL and the
syntax tree of each statement). Exits non-zero if any script fails to parse.
"""
from __future__ import annotations

import sys
from pathlib import Path

from pql.errors import PQLError
from pql.explain import explain_statement
from pql.parser import parse

EXAMPLES = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for path in sorted(EXAMPLES.glob("*.pql")):
        try:
            statements = parse(path.read_text(encoding="utf-8"))
        except PQLError as e:
            failures += 1
            print(f"== {path.name}: error\n{e}\n", file=sys.stderr)
            continue
        print(f"== {path.name}: {len(statements)} statement(s)\n")
        for statement in statements:
            print(explain_statement(statement), end="\n\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
