"""Dictionaries triangulated through a pivot language (:func:`offramp.bootstrap.lexicon.pivot.pivot_dictionary`)."""
import pytest

from fixtures.pivot_data import DE_ES, EN_DE, EN_FR, FR_ES
from offramp.bootstrap.lexicon.pivot import pivot_dictionary


@pytest.mark.parametrize("kwargs, entries, paths", [
    ({}, [("bank", "banco"), ("bank", "asiento"), ("bank", "orilla"), ("fast", "rápido"), ("fast", "casi"),
          ("dog", "perro"), ("cat", "gato")], {"1": 6, "2": 1}),
    # two paths first, then first-seen order
    ({"min_paths": 2}, [("fast", "rápido")], {"2": 1}),
    ({"max_per_src": 1}, [("bank", "banco"), ("fast", "rápido"), ("dog", "perro"), ("cat", "gato")],
     {"1": 3, "2": 1}),
    ({"exclude_src": {"dog", "bank"}}, [("fast", "rápido"), ("fast", "casi"), ("cat", "gato")], {"1": 2, "2": 1}),
])
def test_pivot_dictionary_exact(kwargs, entries, paths):
    got, info = pivot_dictionary(EN_DE, DE_ES, **kwargs)
    assert got == entries
    assert info["paths"] == paths and info["n_pairs"] == len(entries)
    # 'Bank', 'Ufer', 'schnell', 'rasch', 'fast', 'Hund', 'Katze' (not 'Baum', 'Vogel')
    assert info["n_pivot_words"] == 7


def test_pivot_counts_what_it_leaves_out():
    _, info = pivot_dictionary(EN_DE, DE_ES, min_paths=2, exclude_src={"dog"})
    assert info["n_excluded_src"] == 1 and info["n_below_min_paths"] == 5  # 3 bank, casi, gato


@pytest.mark.parametrize("first, second, match", [
    # es-de given for de-es: the fix names the second dictionary, whose swapped columns share 7 words
    (EN_DE, [(t, s) for s, t in DE_ES], "share no pivot word.*the second one shares 7 words.*--swap-second"),
    # de-en given for en-de ('fast' left out, spelled alike in both): its swapped columns meet de-es's German
    # in 'Bank', 'Ufer', 'Hund', 'Katze'
    ([(t, s) for s, t in EN_DE if s != "fast"], DE_ES, "share no pivot word.*the first one shares 4 words.*"
                                                       "--swap-first"),
    ([("a", "b")], [("c", "d")], "share no pivot word.*swapping either one's columns does not help"),
    (EN_DE, DE_ES, None),
])
def test_pivot_without_shared_words_says_so(first, second, match):
    if match is None:
        assert pivot_dictionary(first, second)[0]
        return
    with pytest.raises(ValueError, match=match):
        pivot_dictionary(first, second)


# a-x pairs and x-1 pairs, correct and with one dictionary the wrong way round: the wrong one still
# shares one word ('x' is also spelled the same in the other language) but more when swapped back
SRC_PIV = [("a", "x"), ("b", "y"), ("c", "z")]
PIV_TGT = [("x", "1"), ("y", "2"), ("z", "3")]


@pytest.mark.parametrize("first, second, way", [
    (SRC_PIV, PIV_TGT, None),
    (SRC_PIV, [("1", "x"), ("2", "y"), ("x", "z")], "second"),  # 3 shared when swapped, 1 as given
    ([("x", "a"), ("y", "b"), ("z", "c"), ("q", "x")], PIV_TGT, "first"),
])
def test_pivot_warns_when_a_dictionary_looks_the_other_way_round(first, second, way, recwarn):
    entries, info = pivot_dictionary(first, second)
    messages = [str(w.message) for w in recwarn.list if issubclass(w.category, UserWarning)]
    if way is None:
        assert not messages and info["n_pivot_words"] == 3
    else:
        assert len(messages) == 1 and f"the {way} dictionary" in messages[0] and f"--swap-{way}" in messages[0]
        assert "(3 against 1)" in messages[0] and info["n_pivot_words"] == 1


@pytest.mark.parametrize("kwargs", [{"min_paths": 0}, {"max_per_src": 0}])
def test_pivot_bad_parameters(kwargs):
    with pytest.raises(ValueError, match="must be >= 1"):
        pivot_dictionary(EN_DE, DE_ES, **kwargs)


@pytest.mark.parametrize("kwargs, entries, paths", [
    # paths summed over the routes: rápido 2 + 1, perro 1 + 1, banco 1 + 1; tree only through French
    ({}, [("bank", "banco"), ("bank", "asiento"), ("bank", "orilla"), ("fast", "rápido"), ("fast", "casi"),
          ("dog", "perro"), ("cat", "gato"), ("tree", "árbol")], {"1": 5, "2": 2, "3": 1}),
    ({"min_paths": 2}, [("bank", "banco"), ("fast", "rápido"), ("dog", "perro")], {"2": 2, "3": 1}),
])
def test_pivot_routes_sum_their_paths(kwargs, entries, paths):
    got, info = pivot_dictionary(EN_DE, DE_ES, more_routes=[(EN_FR, FR_ES)], **kwargs)
    assert got == entries and info["paths"] == paths
    assert info["routes"] == [{"n_pivot_words": 7, "n_pairs": 7}, {"n_pivot_words": 4, "n_pairs": 4}]
    assert info["n_pivot_words"] == 11


def test_a_route_without_shared_words_is_named():
    with pytest.raises(ValueError, match="^route 2: the two dictionaries share no pivot word"):
        pivot_dictionary(EN_DE, DE_ES, more_routes=[(EN_FR, [(b, a) for a, b in FR_ES])])
