"""Helpers shared by the commands: error translation, warnings, output checks and reports."""
import contextlib
import functools
import sys
import warnings

import click


def user_errors(func):
    """Turn the library's ValueError, TypeError and OS errors (a missing file, no permission, a
    file where a directory should be: their messages name the path) into a clean click error
    (exit 1) instead of a traceback, its InputsError into a usage error (exit 2), and Ctrl-C into
    exit 130 (128 + SIGINT, as shells report it) with one line on stderr."""

    from ..bootstrap.errors import InputsError
    from ..bootstrap.io.atomic import release_locks

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputsError as exc:  # inputs that cannot go together: a usage error (exit 2)
            raise click.UsageError(str(exc)) from exc
        except (ValueError, OSError, TypeError) as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("interrupted: outputs already written are complete; the one in progress was not written",
                       err=True)
            sys.exit(130)
        finally:
            release_locks()  # the outputs' locks, taken by check_outputs

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


def check_outputs(outputs, **inputs):
    """Before a command's work: its output files (``{'--out': path}``) differ from each other and
    from its inputs (keyword name -> a path, a sequence of paths or None; ``SRC_VECTORS=...``,
    ``seed_dict=...`` is shown as ``--seed-dict``), and can be created; a usage error if not. Then
    each output is locked for the rest of the command (a second run on it is refused) and the debris
    of an earlier killed run of it removed."""
    from ..bootstrap.io.atomic import check_outputs as check

    named = []
    for name, value in inputs.items():
        shown = name if name.isupper() else "--" + name.replace("_", "-")
        for path in (value if isinstance(value, (list, tuple)) else [value]):
            named.append((shown, path))
    try:
        check(outputs, named, lock=True)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def lock_output_dirs(dirs):
    """Lock output directories (``{'--out': path}``) for the command, as :func:`check_outputs` locks files,
    and remove the temporary directories a killed run of them left; a usage error while another run holds
    one."""
    from ..bootstrap.io.atomic import lock_outputs

    try:
        lock_outputs(dirs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def write_json(path, payload):
    """Write a JSON report atomically."""
    from ..bootstrap.io.atomic import write_json as write

    write(path, payload)
