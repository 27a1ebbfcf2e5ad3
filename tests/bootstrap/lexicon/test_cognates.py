"""Cognate seeds: :func:`offramp.bootstrap.lexicon.seeds.cognate_pairs`, the ``cognates`` seed modes, and the
alignment report.

Similarities are rapidfuzz's normalised Levenshtein similarity of the folded words,
``1 - dist / max(len)``; the hand values in the comments below are those fractions.
"""
from fractions import Fraction

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from fixtures.spaces import N_WORDS
from offramp.bootstrap.align import SEED_MODES, align_embeddings
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.lexicon.orthography import fold
from offramp.bootstrap.lexicon.seeds import COGNATE_DEFAULTS, MODES, cognate_pairs, numeral_pairs, seed_entries

# English / Latvian names and loan words, most frequent first. Folded similarities:
#   david/dāvids 5/6, altar/altāra 5/6, the/the 1, king/karalis 2/7 (no letter in common past k).
EN = ["david", "altar", "king", "the"]
LV = ["dāvids", "altāra", "karalis", "the"]


@pytest.mark.parametrize("kwargs, expected", [
    ({"min_len": 3}, [("david", "dāvids"), ("altar", "altāra"), ("the", "the")]),
    ({}, [("david", "dāvids"), ("altar", "altāra")]),  # default min_len 5 drops 'the'
    ({"min_len": 6}, []),  # 'david' and 'altar' have 5 letters: no source word is usable
    ({"min_len": 3, "min_similarity": 0.85}, [("the", "the")]),  # 5/6 = 0.833 < 0.85
    ({"min_len": 3, "min_similarity": 1}, [("the", "the")]),  # 1: identical after folding only
    ({"min_len": 3, "max_rank": 2}, [("david", "dāvids"), ("altar", "altāra")]),  # 'the' is at rank 4
    ({"min_len": 3, "max_rank": 1}, [("david", "dāvids")]),
    ({"min_len": 3, "max_rank": None}, [("david", "dāvids"), ("altar", "altāra"), ("the", "the")]),
])
def test_cognate_pairs_hand_example(kwargs, expected):
    assert cognate_pairs(EN, LV, **kwargs) == expected


def test_cognate_pairs_folds_case_and_accents():
    # 'David' folds to 'david', 'ĀLTĀRA' to 'altara': the output keeps the original spellings
    assert cognate_pairs(["David", "altar"], ["dāvids", "ĀLTĀRA"]) == [("David", "dāvids"), ("altar", "ĀLTĀRA")]


@pytest.mark.parametrize("src, tgt, expected", [
    # 'samuel' is closest to 'samuels' (6/7), but that target is closer to the source 'samuels' (1)
    (["samuel", "samuels"], ["samuels"], [("samuels", "samuels")]),
    (["samuels", "samuel"], ["samuels"], [("samuels", "samuels")]),
    # no fall-back to a second choice: 'samuelu' likes 'samuel' best, but 'samuel' ties (6/7) between
    # 'samuels' and 'samuelu' and ties go to the more frequent word, 'samuels', which is taken
    (["samuel", "samuels"], ["samuels", "samuelu"], [("samuels", "samuels")]),
    # the same tie with 'samuelu' more frequent: now 'samuel' and 'samuelu' choose each other
    (["samuel", "samuels"], ["samuelu", "samuels"], [("samuel", "samuelu"), ("samuels", "samuels")]),
    # a target that two source words tie on goes to the more frequent source word (jordan/jordans
    # vs jordāna: one insertion / one substitution, both 6/7)
    (["jordan", "jordans"], ["jordāna"], [("jordan", "jordāna")]),
    (["jordans", "jordan"], ["jordāna"], [("jordans", "jordāna")]),
])
def test_cognate_pairs_mutual_best(src, tgt, expected):
    assert cognate_pairs(src, tgt, max_rank_ratio=None) == expected


@pytest.mark.parametrize("src, tgt, similarity", [
    ("jeremiah", "jeremija", 0.75),  # 2 edits in 8
    ("absalom", "absaloms", 0.875),  # 1 edit in 8
    ("noah", "noa", 0.75),  # 1 edit in 4
])
def test_min_similarity_boundary(src, tgt, similarity):
    # Dyadic thresholds are exact in float32 and float64: the pair is kept at its own similarity
    # and dropped just above it. cognate_pairs accepts scores down to 1e-6 below the threshold
    # (float32 rounding), so "above" means more than that tolerance above.
    assert Levenshtein.normalized_similarity(fold(src), fold(tgt)) == similarity
    assert cognate_pairs([src], [tgt], min_similarity=similarity, min_len=3) == [(src, tgt)]
    assert cognate_pairs([src], [tgt], min_similarity=similarity + 1e-5, min_len=3) == []


@pytest.mark.parametrize("src, tgt, similarity", [
    ("jesus", "jēzus", 0.8),  # 1 edit in 5, at the default threshold (rapidfuzz's cutoff alone would drop it)
    ("zerubbabel", "zerubābels", 0.8),  # 2 edits in 10
    ("gethsemane", "getsemane", 0.9),  # 1 edit in 10: float32(0.9) < 0.9
])
def test_min_similarity_decimal_boundary(src, tgt, similarity):
    assert Levenshtein.normalized_similarity(fold(src), fold(tgt)) == similarity
    assert cognate_pairs([src], [tgt], min_similarity=similarity, min_len=3) == [(src, tgt)]


def test_words_without_letters_are_skipped():
    # '1990' and '....' are identical on both sides but have no letter (numerals are numeral_pairs' job)
    src, tgt = ["1990", "....", "david", "-x-"], ["1990", "....", "dāvids", "-x-"]
    assert cognate_pairs(src, tgt, min_len=1, max_rank_ratio=None) == [("david", "dāvids"), ("-x-", "-x-")]


# 'dāvids' is at target rank 4 while 'david' is at source rank 1 (ratio 4); altar: ranks 2 and 1.
RANK_SRC = ["david", "altar", "zzzzz"]
RANK_TGT = ["altāra", "qqqqq", "wwwww", "dāvids"]


@pytest.mark.parametrize("ratio, expected", [
    (None, [("david", "dāvids"), ("altar", "altāra")]),
    (4, [("david", "dāvids"), ("altar", "altāra")]),  # ratio exactly 4 is kept
    (np.nextafter(4.0, 0), [("altar", "altāra")]),
    (2, [("altar", "altāra")]),
    (1.5, []),
    (1, []),
])
def test_max_rank_ratio(ratio, expected):
    assert cognate_pairs(RANK_SRC, RANK_TGT, max_rank_ratio=ratio) == expected


@pytest.mark.parametrize("kwargs", [{"max_rank_ratio": None}, {"max_rank_ratio": 3}, {"max_rank": 2},
                                    {"max_rank": 4, "max_rank_ratio": 4}])
def test_target_as_key_to_index_mapping(kwargs):
    # a gensim key_to_index: insertion order differs from row order, and ranks come from the rows
    mapping = {"dāvids": 3, "wwwww": 2, "altāra": 0, "qqqqq": 1}
    assert cognate_pairs(RANK_SRC, mapping, **kwargs) == cognate_pairs(RANK_SRC, RANK_TGT, **kwargs)
    assert mapping == {"dāvids": 3, "wwwww": 2, "altāra": 0, "qqqqq": 1}  # the caller's mapping is untouched


# A larger vocabulary with ties and near-misses (isaac/īzaks, jacob/jēkabs, pharaoh/faraons) for the
# block-wise search, checked against an exact brute-force reference.
BIG_EN = ["the", "david", "jesus", "samuel", "samuels", "altar", "king", "jeremiah", "absalom", "israel", "1990",
          "moses", "aaron", "jordan", "gethsemane", "abraham", "isaac", "jacob", "egypt", "pharaoh", "jordans"]
BIG_LV = ["the", "dāvids", "jēzus", "samuelu", "samuels", "altāra", "karalis", "jeremija", "absaloms", "izraēls",
          "1990", "mozus", "ārons", "jordāna", "ģetzemane", "ābrahāms", "īzaks", "jēkabs", "ēģipte", "faraons"]


def _reference_cognates(src, tgt, min_similarity, min_len, max_rank_ratio):
    """Brute force with exact fractions: the full similarity matrix, first maximum in frequency order."""
    def usable(word):
        return len(word) >= min_len and any(c.isalpha() for c in word)

    rows = [i for i, w in enumerate(src) if usable(w)]
    cols = [j for j, w in enumerate(tgt) if usable(w)]

    def sim(i, j):
        a, b = fold(src[i]), fold(tgt[j])
        return 1 - Fraction(Levenshtein.distance(a, b), max(len(a), len(b)))

    S = {(i, j): sim(i, j) for i in rows for j in cols}
    out = []
    for i in rows:
        j = max(cols, key=lambda c: (S[i, c], -c))
        best_src = max(rows, key=lambda r: (S[r, j], -r))
        if S[i, j] < Fraction(min_similarity) or best_src != i:
            continue
        if max_rank_ratio is not None and max(i + 1, j + 1) > max_rank_ratio * min(i + 1, j + 1):
            continue
        out.append((src[i], tgt[j]))
    return out


@pytest.mark.parametrize("min_similarity, max_rank_ratio", [(0.5, None), (0.75, None), (0.5, 2)])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 2000])
def test_block_wise_search_matches_brute_force(min_similarity, max_rank_ratio, batch_size):
    # dyadic thresholds: the float comparison inside cognate_pairs agrees with exact fractions
    expected = _reference_cognates(BIG_EN, BIG_LV, min_similarity, 3, max_rank_ratio)
    got = cognate_pairs(BIG_EN, BIG_LV, min_similarity=min_similarity, min_len=3, max_rank_ratio=max_rank_ratio,
                        batch_size=batch_size, workers=1)
    assert got == expected


def test_brute_force_fixture_exercises_the_rules():
    """Guard for the fixture above: it holds mutual rejections and similarity rejections."""
    pairs = _reference_cognates(BIG_EN, BIG_LV, 0.5, 3, None)
    assert ("jordan", "jordāna") in pairs and "jordans" not in dict(pairs)  # lost the tie to 'jordan'
    assert ("samuel", "samuelu") in pairs and ("samuels", "samuels") in pairs
    assert not {"isaac", "jacob", "pharaoh", "king", "1990"} & set(dict(pairs))
    assert len(pairs) == 15
    assert len(_reference_cognates(BIG_EN, BIG_LV, 0.75, 3, None)) == 11


@pytest.mark.parametrize("src, tgt, kwargs", [
    ([], LV, {}),
    (EN, [], {}),
    (["1990", "2000"], ["1990", "2000"], {"min_len": 1}),  # no letters
    (["the", "king"], ["the", "kings"], {}),  # all shorter than min_len 5 on the source side
    (["zzzzz"], ["aaaaa"], {}),  # usable, but nothing similar enough
])
def test_nothing_usable_gives_empty_result(src, tgt, kwargs):
    assert cognate_pairs(src, tgt, **kwargs) == []


@pytest.mark.parametrize("kwargs, error, match", [
    ({"min_similarity": 0}, ValueError, r"min_similarity must be in \(0, 1\]; got 0"),
    ({"min_similarity": 1.5}, ValueError, r"min_similarity must be in \(0, 1\]; got 1.5"),
    ({"min_similarity": -0.2}, ValueError, "min_similarity must be in"),
    ({"min_similarity": float("nan")}, ValueError, "min_similarity must be in"),
    ({"min_len": 0}, ValueError, "min_len must be a positive integer; got 0"),
    ({"min_len": 2.5}, ValueError, "min_len must be a positive integer; got 2.5"),
    ({"max_rank_ratio": 0.5}, ValueError, "max_rank_ratio must be a number >= 1 or None; got 0.5"),
    ({"max_rank_ratio": True}, ValueError, "max_rank_ratio must be a number >= 1 or None; got True"),
    ({"max_rank_ratio": "2"}, ValueError, "max_rank_ratio must be a number >= 1 or None"),
    ({"max_rank": 0}, ValueError, "max_rank must be a positive integer or None; got 0"),
])
def test_cognate_pairs_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        cognate_pairs(EN, LV, **kwargs)


def test_single_string_vocabulary_is_a_type_error():
    with pytest.raises(TypeError, match="src_words must be a collection of words, not a single string"):
        cognate_pairs("david", LV)


# ---------------------------------------------------------------------------------------------
# seed_entries
# ---------------------------------------------------------------------------------------------

SEED_EN = ["the", "david", "1990", "altar", "12"]
SEED_LV = ["the", "12", "dāvids", "altāra", "1990"]


def test_seed_entries_cognate_modes():
    assert {"cognates", "cognates+numerals"} <= set(MODES) and {"cognates", "cognates+numerals"} <= set(SEED_MODES)
    cognates = [("david", "dāvids"), ("altar", "altāra")]  # defaults: min_len 5 drops 'the'
    assert seed_entries("cognates", SEED_EN, SEED_LV) == cognates
    # concatenated in the order given; numerals have no letters, so they are never cognates
    assert seed_entries("cognates+numerals", SEED_EN, SEED_LV) == cognates + [("1990", "1990"), ("12", "12")]
    assert seed_entries("numerals+cognates", SEED_EN, SEED_LV) == numeral_pairs(SEED_EN, SEED_LV) + cognates
    # 'the' is both identical and (with min_len 3) a cognate: listed once
    assert seed_entries("identical+cognates", SEED_EN, SEED_LV, require_letter=True, cognates={"min_len": 3}) == (
        [("the", "the"), ("david", "dāvids"), ("altar", "altāra")])


@pytest.mark.parametrize("cognates, expected", [
    ({"min_len": 3}, [("the", "the"), ("david", "dāvids"), ("altar", "altāra")]),
    ({"min_len": 3, "min_similarity": 0.9}, [("the", "the")]),
    ({"max_rank": 3}, [("david", "dāvids")]),  # 'altar'/'altāra' are at rank 4
    ({"max_rank": 2}, []),  # the target's top 2 are 'the' and '12'
    ({"max_rank_ratio": 1}, [("altar", "altāra")]),  # altar: rank 4 on both sides; david: 2 vs 3
])
def test_seed_entries_passes_cognate_options(cognates, expected):
    assert seed_entries("cognates", SEED_EN, SEED_LV, cognates=cognates) == expected
    # and the same through the combined mode, numerals appended
    assert seed_entries("cognates+numerals", SEED_EN, SEED_LV, cognates=cognates) == (
        expected + numeral_pairs(SEED_EN, SEED_LV))


@pytest.mark.parametrize("cognates, error, match", [
    ({"min_similarity": 0}, ValueError, "min_similarity must be in"),
    ({"min_len": 0}, ValueError, "min_len must be a positive integer"),
    ({"similarity": 0.9}, TypeError, "similarity"),
])
def test_seed_entries_bad_cognate_options(cognates, error, match):
    with pytest.raises(error, match=match):
        seed_entries("cognates+numerals", SEED_EN, SEED_LV, cognates=cognates)


# ---------------------------------------------------------------------------------------------
# align_embeddings
# ---------------------------------------------------------------------------------------------

# make_spaces: source words s{i} translate to t{i}; 5 names (name1..name9 at source ranks 12, 28, 44,
# 60, 76; target ranks 61, 2, 276, 260, 239) and 5 numerals are spelled alike.
@pytest.mark.parametrize("seed, cognates, n_seed", [
    # defaults (min_len 5, max_rank_ratio 10): name3 (ranks 28 / 2, ratio 14) is dropped
    ("cognates", None, 4),
    ("cognates+numerals", None, 9),
    ("cognates+numerals", {"max_rank_ratio": None}, 10),
    # 4-letter words at 3/4: every s{i} -> t{i} for i >= 100 (one substitution), plus the 5 names
    ("cognates", {"min_len": 4, "min_similarity": 0.75, "max_rank_ratio": None}, 200 + 5),
])
def test_align_with_cognate_seeds(spaces, seed, cognates, n_seed):
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed=seed, cognates=cognates, preset="procrustes", progress=False)
    report = result.report["seed"]
    assert report["mode"] == seed and report["n_seed_pairs"] == n_seed
    assert report["cognates"] == {**COGNATE_DEFAULTS, **(cognates or {})}
    assert "identical_rank_ratio" not in report
    if n_seed > 100:
        # the seed holds only true translations: Procrustes on it recovers the rotation
        out = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[:100], method="nn")
        assert out["p@1"] == 100.0 and out["coverage"] == 100.0


def test_align_cognate_seed_recovers_rotation_with_self_learning(spaces):
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="cognates+numerals", progress=False, random_state=0,
                              stochastic_interval=1)
    assert result.report["seed"]["n_seed_pairs"] == 9
    out = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], method="nn")
    assert out["p@1"] == 100.0 and out["n_test"] == N_WORDS - 100


@pytest.mark.parametrize("seed, match", [
    ("identical+foo", r"seed must be one of .* or a '\+'-joined combination of "
                      r"\('dictionary', 'identical', 'cognates', 'numerals', 'parallel'\); got 'identical\+foo'"),
    ("cognates+cognates", "got 'cognates\\+cognates'"),
    ("cognate", "got 'cognate'"),
    ("", "got ''"),
])
def test_align_unknown_seed_part(spaces, seed, match):
    src, tgt, _ = spaces
    with pytest.raises(ValueError, match=match):
        align_embeddings(src, tgt, seed=seed, progress=False)


def test_align_bad_cognate_options_and_empty_seed(spaces):
    src, tgt, _ = spaces
    with pytest.raises(ValueError, match="min_similarity must be in"):
        align_embeddings(src, tgt, seed="cognates", cognates={"min_similarity": 1.5}, progress=False)
    # min_len 6: no source word of make_spaces has 6 characters
    with pytest.raises(ValueError, match="seed mode 'cognates' found no seed pairs in these vocabularies"):
        align_embeddings(src, tgt, seed="cognates", cognates={"min_len": 6}, progress=False)
