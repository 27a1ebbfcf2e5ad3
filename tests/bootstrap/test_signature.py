"""Reproducibility signatures (:mod:`offramp.bootstrap.signature`)."""
import pytest

from offramp._version import __version__
from offramp.bootstrap.signature import extend_signature, make_signature

V = f"offramp:{__version__}"


@pytest.mark.parametrize("fields, expected", [
    ({}, V),
    ({"method": "offramp", "csls": 10}, f"{V}|method:offramp|csls:10"),
    ({"csls": None, "seed": "dictionary"}, f"{V}|seed:dictionary"),          # None values are left out
    ({"norm": ["unit", "center", "unit"]}, f"{V}|norm:unit,center,unit"),   # sequences joined with commas
    ({"norm": ("unit",), "beta": 10.0}, f"{V}|norm:unit|beta:10.0"),
    ({"b": 1, "a": 2}, f"{V}|b:1|a:2"),                                      # in the order given
])
def test_make_signature(fields, expected):
    assert make_signature(**fields) == expected


@pytest.mark.parametrize("signature, fields, expected", [
    (f"{V}|retrieval:nn", {"max_vocab": 250}, f"{V}|retrieval:nn|max_vocab:250"),
    (f"{V}|retrieval:nn", {"max_vocab": None}, f"{V}|retrieval:nn"),
    (V, {"a": 1, "b": None, "c": (2, 3)}, f"{V}|a:1|c:2,3"),
])
def test_extend_signature_appends_at_the_end(signature, fields, expected):
    assert extend_signature(signature, **fields) == expected
