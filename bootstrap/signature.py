"""Reproducibility signatures: ``offramp:0.1.0|method:offramp|seed:dictionary|...``, one string that
names what produced a result (as sacrebleu's do), recorded in reports and printed by every command."""
from .._version import __version__


def make_signature(**fields):
    """``offramp:VERSION|key:value|...`` from keyword fields in the order given; None values are left
    out and sequences are joined with commas.

    Returns
    -------
    str
    """
    parts = [f"offramp:{__version__}"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(map(str, value))
        parts.append(f"{key}:{value}")
    return "|".join(parts)


def extend_signature(signature, **fields):
    """``signature`` with more fields appended (e.g. how a command loaded its inputs)."""
    more = make_signature(**fields).split("|", 1)
    return signature if len(more) == 1 else f"{signature}|{more[1]}"
