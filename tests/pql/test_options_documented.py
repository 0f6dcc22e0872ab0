"""The README's option table is the option table: every option, its default and its help, as declared."""
from pathlib import Path

from pql.options import OPTIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def _default(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`'{value}'`" if isinstance(value, str) else f"`{value}`"


def test_every_option_is_in_the_readme_as_declared():
    text = README.read_text(encoding="utf-8")
    missing = [o.name for o in OPTIONS if f"| `{o.name}` | {_default(o.default)} | {o.help} |" not in text]
    assert not missing, f"README option table out of date for: {missing}"
