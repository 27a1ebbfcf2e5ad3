"""Errors that point at a place in a file and say what to do."""


class OfframpError(ValueError):
    """The base of offramp's documented errors: what went wrong, where, and what to do (a ValueError, so
    callers that catch ValueError keep working)."""


class FormatError(OfframpError):
    """A malformed input file.

    Parameters
    ----------
    path : str
        The file.
    line : int or None
        1-based line number, when the problem sits on one line.
    message : str
        What was expected and what came.
    fix : str, optional
        What the user can do about it.
    """

    def __init__(self, path, line, message, fix=None):
        self.path = str(path)
        self.line = line
        self.message = message
        self.fix = fix
        where = f"{self.path}:{line}" if line is not None else self.path
        text = f"{where}: {message}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class InputsError(OfframpError):
    """Inputs or options that cannot go together (two vector files of different runs, one file given
    twice, an option of a seed that the run does not use): a usage error, which the command line
    reports as one (exit status 2)."""
