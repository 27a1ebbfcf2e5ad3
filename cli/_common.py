"""Helpers shared by the commands: error translation, warnings and reproducibility signatures."""
import contextlib
import functools
import json
import warnings

import click

from alignment._version import __version__


def signature(**fields):
    """``offramp:0.1.0|method:...|seed:...`` from keyword fields, in the order given."""
    parts = [f"offramp:{__version__}"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(map(str, value))
        parts.append(f"{key}:{value}")
    return "|".join(parts)


def user_errors(func):
    """Turn the library's ValueError/FileNotFoundError into a clean click error (exit 1/2)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, FileNotFoundError, FileExistsError, TypeError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@contextlib.contextmanager
def echo_warnings(category=UserWarning, label="warning"):
    """Show the library's warnings of ``category`` raised in the block as one line each on stderr,
    ``label: message``, not in Python's two-line format; other warnings are shown as Python shows
    them. Also when the block fails."""
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", category)
            yield
    finally:
        for warning in caught:  # shown outside catch_warnings, which would record them again
            if issubclass(warning.category, category):
                click.echo(f"{label}: {warning.message}", err=True)
            else:
                warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def write_json(path, payload):
    """Write a JSON report atomically."""
    from bootstrap._atomic import write_json as write

    write(path, payload)
