"""Spelling features of word pairs (:mod:`offramp.bootstrap.lexicon.orthography`): folding, string
similarity and the re-ranking features of candidates."""
import numpy as np
import pytest

from offramp.alignment.rerank import rank_gap
from offramp.bootstrap.lexicon.orthography import candidate_features, fold, string_similarity


@pytest.mark.parametrize("word, expected", [
    ("Nación", "nacion"),
    ("Šaul", "saul"),
    ("nation", "nation"),
    ("ÅNGSTRÖM", "angstrom"),
    ("Straße", "strasse"),  # case folding, not lower(): ß -> ss
    ("ﬁn", "fin"),  # NFKD splits the ligature
    ("İstanbul", "istanbul"),  # dotted capital I: NFKD gives I + combining dot, which is dropped
    ("Łódź", "łodz"),  # ł has no decomposition: only the accents go
    ("", ""),
])
def test_fold(word, expected):
    assert fold(word) == expected


# Levenshtein distances after folding: nation/nacion 1 (t -> c), music/musica 1 (+a),
# music/nacion 5 (one letter can be matched: 6 - 1), nation/muy 6 (no letter in common),
# paris/paris 0. Similarity = 1 - d / max(len).
SIM_SRC = ["nation", "music", "Paris"]
SIM_TGT = ["nación", "música", "París", "muy"]


def test_string_similarity_hand_values():
    sim = string_similarity(SIM_SRC, SIM_TGT, np.array([0, 1, 2]), np.array([[0, 3], [1, 0], [2, 2]]))
    expected = np.array([[1 - 1 / 6, 0.0], [1 - 1 / 6, 1 - 5 / 6], [1.0, 1.0]], dtype=np.float32)
    assert sim.dtype == np.float32
    np.testing.assert_array_equal(sim, expected)  # exact: the same float64 ratios, rounded once to float32
    # folding matters: without it nation/nación differ in two letters (t/c and o/ó)
    from rapidfuzz.distance import Levenshtein

    assert Levenshtein.normalized_similarity("nation", "nación") == pytest.approx(1 - 2 / 6)


def test_string_similarity_bad_shapes():
    with pytest.raises(ValueError, match=r"query_rows must have shape \(n,\) and index \(n, k\)"):
        string_similarity(SIM_SRC, SIM_TGT, np.array([0, 1]), np.array([[0, 1]]))
    with pytest.raises(ValueError, match=r"query_rows must have shape \(n,\) and index \(n, k\)"):
        string_similarity(SIM_SRC, SIM_TGT, np.array([0]), np.array([0, 1]))


def test_candidate_features():
    query_rows, index = np.array([0, 1, 2]), np.array([[0, 3], [1, 0], [2, 2]])
    out = candidate_features(["ortho", "freq"], SIM_SRC, SIM_TGT, query_rows, index)
    assert list(out) == ["ortho", "freq"] and all(v.dtype == np.float32 and v.shape == (3, 2) for v in out.values())
    np.testing.assert_array_equal(out["ortho"], string_similarity(SIM_SRC, SIM_TGT, query_rows, index))
    np.testing.assert_array_equal(out["freq"], rank_gap(query_rows, index))
    assert candidate_features([], SIM_SRC, SIM_TGT, query_rows, index) == {}
    with pytest.raises(ValueError, match=r"unknown re-ranking feature\(s\) \['lev'\]; choose from ortho, freq"):
        candidate_features(["ortho", "lev"], SIM_SRC, SIM_TGT, query_rows, index)
