"""The `pql` command line. Thin: each command is a few lines over a same-named API function, and
every `PQLError` becomes a `click.ClickException` (printed as `Error: …`, exit code 1)."""
from __future__ import annotations

import functools
import sys

import click

from pql.errors import PQLError


def friendly(fn):
    """Turn library errors into clean CLI errors: no traceback for anything the user can fix."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PQLError as e:
            raise click.ClickException(str(e)) from e

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pql")
def main() -> None:
    """pql: predictive queries over relational databases."""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
