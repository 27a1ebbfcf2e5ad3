"""Verse-aligned corpora (:mod:`offramp.bootstrap.lexicon.parallel`): Dice and IBM Model 1 association,
parallel seeds, the 'parallel' re-ranking feature."""
import collections

import numpy as np
import pytest

from fixtures.spaces import N_WORDS
from offramp.alignment import candidates
from offramp.alignment._backend import cuda_available
from offramp.alignment.retrieval import retrieve
from offramp.bootstrap.align import align_embeddings
from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.induce import induce_lexicon
from offramp.bootstrap.evaluation.rerankers import VERSE_CANDIDATES, LinearReranker, TreeReranker
from offramp.bootstrap.io.corpora import Corpus
from offramp.bootstrap.io.embeddings import finite_vectors
from offramp.bootstrap.lexicon.parallel import PARALLEL_DEFAULTS, ibm1_scores, read_verses, verse_association
from offramp.bootstrap.lexicon.seeds import seed_entries

# Three verses each side; v4 exists in English only and must be ignored.
EN = "v1\tThe dog runs\nv2\tthe cat sleeps\nv3\tA dog and a cat\nv4\tnothing shared here\n"
FR = "v1\tle chien court\nv2\tle chat dort\nv3\tun chien et un chat\n"
EN_WORDS = ["the", "dog", "cat", "runs", "sleeps", "a", "and", "unseen"]
FR_WORDS = ["le", "chien", "chat", "court", "dort", "un", "et"]
# Verse sets: the {1,2} dog {1,3} cat {2,3} runs {1} sleeps {2} a {3} and {3};
#             le {1,2} chien {1,3} chat {2,3} court {1} dort {2} un {3} et {3}.
# dice = 2 * shared / (n_s + n_t):
EXACT = {("dog", "chien"): 1.0, ("dog", "le"): 0.5, ("dog", "chat"): 0.5, ("runs", "court"): 1.0,
         ("runs", "chien"): 2 / 3, ("the", "le"): 1.0, ("a", "un"): 1.0, ("unseen", "le"): 0.0,
         ("sleeps", "chien"): 0.0}


@pytest.fixture()
def bible(tmp_path):
    (tmp_path / "en.tsv").write_text(EN, encoding="utf-8")
    (tmp_path / "fr.tsv").write_text(FR, encoding="utf-8")
    return tmp_path


@pytest.fixture()
def association(bible):
    return verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=1)


@pytest.mark.parametrize("pair, dice", sorted(EXACT.items()))
def test_dice_exact_values(association, pair, dice):
    s, t = pair
    # float32 storage of 2/3: exact to float32 rounding
    assert association.scores[EN_WORDS.index(s), FR_WORDS.index(t)] == pytest.approx(dice, rel=1e-6)


def test_association_info_counts_shared_verses_only(association):
    assert association.n_verses == 3
    assert association.info["n_src_verses"] == 4 and association.info["n_tgt_verses"] == 3
    assert association.info["n_src_words_seen"] == 7  # 'unseen' is in no verse
    assert association.scores.dtype == np.float32 and association.scores.shape == (8, 7)


def test_excluded_verses_count_on_neither_side(bible):
    # without v1, dog and chien share only v3, and runs/court occur in no shared verse
    assoc = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=1,
                              exclude_ids=["v1"])
    assert assoc.n_verses == 2 and assoc.info["n_excluded_ids"] == 1
    assert assoc.scores[EN_WORDS.index("dog"), FR_WORDS.index("chien")] == 1.0
    assert assoc.scores[EN_WORDS.index("runs"), FR_WORDS.index("court")] == 0.0
    assert "v1" not in read_verses(bible / "en.tsv", exclude_ids={"v1"})


def test_min_count_drops_pairs_sharing_fewer_verses(bible):
    assoc = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS)  # default min_count=2
    assert assoc.scores[EN_WORDS.index("dog"), FR_WORDS.index("chien")] == 1.0  # 2 shared verses
    assert assoc.scores[EN_WORDS.index("dog"), FR_WORDS.index("le")] == 0.0  # 1 shared verse


def test_pairs_are_mutual_best(association):
    pairs = association.pairs(min_count=1)
    for pair in [("the", "le"), ("dog", "chien"), ("cat", "chat"), ("runs", "court"), ("sleeps", "dort")]:
        assert pair in pairs
    assert len({s for s, _ in pairs}) == len(pairs) == len({t for _, t in pairs})
    # 'a' ties between 'un' and 'et' (both Dice 1) and 'and' too: at most one of them pairs with each
    assert all(s != "unseen" for s, _ in pairs)
    # source-frequency order
    assert [s for s, _ in pairs] == sorted((s for s, _ in pairs), key=EN_WORDS.index)


@pytest.mark.parametrize("options, expected", [
    ({"min_count": 1, "min_score": 1.0}, {("the", "le"), ("dog", "chien"), ("cat", "chat"), ("runs", "court"),
                                          ("sleeps", "dort")}),
    ({"min_count": 2}, {("the", "le"), ("dog", "chien"), ("cat", "chat")}),
    ({"min_count": 3}, set()),
    ({"min_count": 1, "max_rank": 2}, {("the", "le"), ("dog", "chien")}),
])
def test_pairs_thresholds(association, options, expected):
    got = set(association.pairs(**options))
    if options.get("min_score") == 1.0:
        got -= {("a", "un"), ("a", "et"), ("and", "un"), ("and", "et")}  # the tie: which one wins is unspecified
    assert got == expected


def test_feature_reads_dice_of_each_candidate(association):
    q = np.array([EN_WORDS.index("dog"), EN_WORDS.index("runs")])
    index = np.array([[FR_WORDS.index("chien"), FR_WORDS.index("le")],
                      [FR_WORDS.index("chien"), FR_WORDS.index("court")]])
    np.testing.assert_allclose(association.feature(q, index), [[1.0, 0.5], [2 / 3, 1.0]], rtol=1e-6)
    assert association.feature(q, np.zeros((2, 0), dtype=np.int64)).shape == (2, 0)


def test_several_files_per_side_are_joined_on_the_id(tmp_path):
    (tmp_path / "en1.tsv").write_text("v1\tdog\n", encoding="utf-8")
    (tmp_path / "en2.tsv").write_text("v1\tcat\nv2\tdog\n", encoding="utf-8")
    (tmp_path / "fr.tsv").write_text("v1\tchien chat\nv2\tchien\n", encoding="utf-8")
    verses = read_verses([tmp_path / "en1.tsv", tmp_path / "en2.tsv"])
    assert verses == {"v1": {"dog", "cat"}, "v2": {"dog"}}
    assoc = verse_association([tmp_path / "en1.tsv", tmp_path / "en2.tsv"], tmp_path / "fr.tsv", ["dog", "cat"],
                              ["chien", "chat"], min_count=1)
    assert assoc.scores[0, 0] == 1.0 and assoc.scores[1, 1] == 1.0


def test_corpus_items_yield_ids_and_whole_lines(bible):
    items = list(Corpus(bible / "en.tsv").items())
    assert items[0] == ("v1", ["the", "dog", "runs"]) and len(items) == 4


@pytest.mark.parametrize("en, fr, error, message", [
    ("v1\tdog\n", "w1\tchien\n", ValueError, "share no verse id"),
    ("v1 dog\n", "v1\tchien\n", FormatError, "en.tsv:1: expected ID<TAB>text"),
    (b"v1\tdog\nv2\tca\xfft\n", "v1\tchien\n", FormatError, "en.tsv:2: bytes are not UTF-8"),
    ("", "v1\tchien\n", FormatError, "no tokens in the corpus"),
    ("v1\tchien\n", "v1\tdog\n", ValueError, "are the source and target files swapped"),
])
def test_bad_input_is_named(tmp_path, en, fr, error, message):
    for name, text in (("en.tsv", en), ("fr.tsv", fr)):
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(error, match=None) as info:
        verse_association(tmp_path / "en.tsv", tmp_path / "fr.tsv", ["dog", "cat"], ["chien"], min_count=1)
    assert message in str(info.value)


# IBM Model 1 by hand: verse 1 holds a b / x y, verse 2 holds a / x; every pair shares a verse.
# One EM iteration from uniform probabilities: each target token's mass is shared among its verse's
# source words, so x in verse 2 is all a's: counts a: x 1.5, y 0.5 -> p(x|a) 0.75, p(y|a) 0.25;
# b: x 0.5, y 0.5. The other direction is symmetric: p(a|x) 0.75, p(b|x) 0.25, p(a|y) = p(b|y) 0.5.
# Scores are geometric means: a-x 0.75, a-y sqrt(0.25 * 0.5), b-x sqrt(0.5 * 0.25), b-y 0.5.
IBM1_ONE_ITERATION = {("a", "x"): 0.75, ("a", "y"): 0.125 ** 0.5, ("b", "x"): 0.125 ** 0.5, ("b", "y"): 0.5}


@pytest.fixture()
def tiny_bible(tmp_path):
    (tmp_path / "s.tsv").write_text("v1\ta b\nv2\ta\n", encoding="utf-8")
    (tmp_path / "t.tsv").write_text("v1\tx y\nv2\tx\n", encoding="utf-8")
    return tmp_path


def test_ibm1_one_iteration_matches_the_hand_computation(tiny_bible):
    assoc = verse_association(tiny_bible / "s.tsv", tiny_bible / "t.tsv", ["a", "b"], ["x", "y"], min_count=1,
                              measure="ibm1", iterations=1)
    assert assoc.info["measure"] == "ibm1" and assoc.info["iterations"] == 1
    for (s, t), value in IBM1_ONE_ITERATION.items():
        # float64 EM stored as float32
        assert assoc.scores[["a", "b"].index(s), ["x", "y"].index(t)] == pytest.approx(value, rel=1e-6)


def test_ibm1_explains_away_what_dice_credits_everywhere(bible):
    dice = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=1)
    ibm1 = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=1, measure="ibm1",
                             iterations=10)
    assert ibm1.scores.nnz <= dice.scores.nnz and ibm1.scores.dtype == np.float32
    # 'dog' and 'le' share verse 1 (Dice 0.5); once 'the' explains 'le' and 'chien' explains 'dog',
    # Model 1 keeps little for them, and each word's best target is its translation
    row = lambda w: EN_WORDS.index(w)  # noqa: E731
    col = lambda w: FR_WORDS.index(w)  # noqa: E731
    assert ibm1.scores[row("dog"), col("le")] < 0.2 < dice.scores[row("dog"), col("le")]
    best, ok = ibm1.top_targets([row(w) for w in ("the", "dog", "cat")], 1)
    assert [FR_WORDS[j] for j in best[:, 0]] == ["le", "chien", "chat"] and ok.all()
    assert ibm1.pairs(min_score=0.3, max_rank=None)[:3] == [("the", "le"), ("dog", "chien"), ("cat", "chat")]


def test_ibm1_with_no_pair_to_score_is_empty_like_dice(bible):
    for measure in ("dice", "ibm1"):
        assoc = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=5, measure=measure)
        assert assoc.scores.nnz == 0 and assoc.pairs() == []


def test_ibm1_probabilities_are_normalised(bible):
    """Each direction's probabilities sum to 1 over a word's partners, whatever the iterations."""
    import offramp.bootstrap.lexicon.parallel as P

    verses_s, verses_t = read_verses(bible / "en.tsv"), read_verses(bible / "fr.tsv")
    ids = sorted(set(verses_s) & set(verses_t))
    A = P._incidence(verses_s, ids, {w: i for i, w in enumerate(EN_WORDS)}, len(EN_WORDS))
    B = P._incidence(verses_t, ids, {w: i for i, w in enumerate(FR_WORDS)}, len(FR_WORDS))
    support = (A.T @ B).tocsr()
    support.sort_indices()
    pair, src_tok, tgt_tok = P._cooccurrence_triples(A, B, support)
    rows = np.repeat(np.arange(support.shape[0]), np.diff(support.indptr))
    t = P._model1(pair, tgt_tok, rows, support.nnz, 3)
    sums = np.bincount(rows, weights=t, minlength=len(EN_WORDS))
    np.testing.assert_allclose(sums[np.diff(support.indptr) > 0], 1.0, atol=1e-12)
    scores = ibm1_scores(A, B, support, iterations=3)
    assert scores.shape == support.shape and scores.data.max() <= 1.0


def test_directional_and_shared_verses(bible):
    """Dice's one-sided shares are shared / own verses; Model 1's are its two probabilities, whose
    geometric mean is the score."""
    row, col = EN_WORDS.index, FR_WORDS.index
    q = np.array([row("dog"), row("runs"), row("unseen")])
    index = np.array([[col("chien"), col("le")], [col("court"), col("chien")], [col("le"), col("le")]])
    dice = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=1)
    np.testing.assert_array_equal(dice.shared_verses(q, index), [[2, 1], [1, 1], [0, 0]])
    fwd, bwd = dice.directional(q, index)
    # dog {1,3}, runs {1}; chien {1,3}, le {1,2}, court {1}: exact halves and ones in float32
    np.testing.assert_array_equal(fwd, [[1, 0.5], [1, 1], [0, 0]])
    np.testing.assert_array_equal(bwd, [[1, 0.5], [1, 0.5], [0, 0]])
    ibm1 = verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, min_count=1, measure="ibm1")
    fwd, bwd = ibm1.directional(q, index)
    # float32 product and square root of float32 probabilities: a few ulps
    np.testing.assert_allclose(np.sqrt(fwd * bwd), ibm1.feature(q, index), rtol=1e-6)
    t_given_s = ibm1.directions[0]
    sums = np.asarray(t_given_s.sum(axis=1)).ravel()
    np.testing.assert_allclose(sums[:7], 1.0, rtol=1e-5)  # float32 sums of a handful of probabilities
    assert sums[row("unseen")] == 0
    with pytest.raises(ValueError, match="query_rows must have shape"):
        dice.directional(q[:2], index)


@pytest.mark.parametrize("kwargs, message", [
    ({"min_count": 0}, "min_count must be a positive integer"),
    ({"min_count": 1.5}, "min_count must be a positive integer"),
    ({"min_count": 3.0}, "min_count must be a positive integer"),  # a float, even a whole one
    ({"min_count": "3"}, "min_count must be a positive integer"),
    ({"measure": "pmi"}, "measure must be one of"),
    ({"measure": "ibm1", "iterations": 0}, "iterations must be a positive integer"),
])
def test_bad_parameters(bible, kwargs, message):
    with pytest.raises(ValueError, match=message):
        verse_association(bible / "en.tsv", bible / "fr.tsv", EN_WORDS, FR_WORDS, **kwargs)


def test_pairs_bad_parameters(association):
    with pytest.raises(ValueError, match="min_score must be in"):
        association.pairs(min_score=1.5)
    with pytest.raises(ValueError, match="min_count must be a positive integer"):
        association.pairs(min_count=0)


def test_check_vocabularies(association):
    association.check_vocabularies(EN_WORDS, FR_WORDS)
    with pytest.raises(ValueError, match="built for another target vocabulary"):
        association.check_vocabularies(EN_WORDS, FR_WORDS[:-1])


def test_seed_entries_parallel_part(association):
    got = seed_entries("parallel", EN_WORDS, FR_WORDS, parallel=association, parallel_options={"min_count": 2})
    assert got == [("the", "le"), ("dog", "chien"), ("cat", "chat")]
    with pytest.raises(ValueError, match="needs verse-aligned corpora"):
        seed_entries("parallel", EN_WORDS, FR_WORDS)
    with pytest.raises(ValueError, match="has no 'parallel' part"):
        seed_entries("identical", EN_WORDS, FR_WORDS, parallel_options={"min_count": 2})


# --- on the rotated spaces of fixtures.spaces.make_spaces, with the verses of the `rotated` fixture


def test_parallel_seed_recovers_the_rotation(rotated):
    src, tgt, gold, (src_file, tgt_file) = rotated
    result = align_embeddings(src, tgt, seed="parallel", parallel=([src_file], [tgt_file]), progress=False,
                              stochastic_interval=1)
    seed = result.report["seed"]
    assert seed["mode"] == "parallel" and seed["parallel"]["n_verses"] == 400
    assert seed["parallel"]["min_score"] == PARALLEL_DEFAULTS["min_score"]
    assert 30 <= seed["n_seed_pairs"] <= 60
    out = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], method="nn")
    assert out["p@1"] == 100.0


@pytest.mark.parametrize("purpose, refined", [("bli", False), ("transfer", True)])
def test_seed_auto_takes_the_verses_without_a_dictionary(rotated, purpose, refined):
    src, tgt, gold, (src_file, tgt_file) = rotated
    result = align_embeddings(src, tgt, seed="auto", parallel=([src_file], [tgt_file]), progress=False,
                              stochastic_interval=1, purpose=purpose)
    seed = result.report["seed"]
    assert seed["mode"] == "parallel" and seed["auto"].startswith("no dictionary; verse-aligned corpora")
    assert "|seed:parallel|" in result.signature and result.report["purpose"] == purpose
    # for a transfer, refine='auto' moves words along the verse seed's pairs
    assert (result.report["refine"] or {}).get("anchors") == ("seed" if refined else None)
    assert ("|refine:instance:" in result.signature) == refined


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": "parallel"}, "needs verse-aligned corpora"),
    ({"seed": "identical", "parallel": "FILES"}, "has no 'parallel' part"),
    ({"seed": "parallel", "parallel": 3}, "parallel must be a VerseAssociation, a pair"),
])
def test_align_parallel_errors(rotated, kwargs, message):
    src, tgt, gold, files = rotated
    if kwargs.get("parallel") == "FILES":
        kwargs["parallel"] = files
    with pytest.raises((ValueError, TypeError), match=message):
        align_embeddings(src, tgt, progress=False, **kwargs)


def test_parallel_feature_reranks_towards_the_verse_translation(rotated):
    src, tgt, gold, files = rotated
    # target rows scrambled against the source: plain retrieval is at chance, verses know the answer
    rng = np.random.default_rng(1)
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    noisy = make_keyed_vectors(tgt.index_to_key, rng.standard_normal(tgt.vectors.shape).astype(np.float32))
    test = gold[:60]
    plain = evaluate_bli(src, noisy, test, method="nn")
    reranker = LinearReranker(features=("parallel",), weights={"parallel": 10.0}, k=N_WORDS)
    with_verses = evaluate_bli(src, noisy, test, method="nn", rerank=reranker, parallel=files)
    assert plain["p@1"] < 10 and with_verses["p@1"] == 100.0
    assert with_verses["rerank"]["parallel"]["n_verses"] == 400
    rows = induce_lexicon(src, noisy, method="nn", max_src=5, rerank=reranker, parallel=files)
    assert [(s, t) for s, t, _, _ in rows] == gold[:5]


@pytest.mark.parametrize("kwargs, message", [
    ({"rerank": ("parallel",)}, "needs verse-aligned corpora of both languages"),
    ({"rerank": ("ortho",), "parallel": "FILES"}, "'parallel' is not among the re-ranking features"),
])
def test_rerank_parallel_errors(rotated, kwargs, message):
    src, tgt, gold, files = rotated
    if kwargs.get("parallel") == "FILES":
        kwargs["parallel"] = files
    with pytest.raises(ValueError, match=message):
        evaluate_bli(src, tgt, gold[:10], **kwargs)


# --- real data: two Bibles


def test_real_bibles_give_a_precise_seed(shared_data):
    bible = shared_data / "corpora" / "bible"
    en, fr = bible / "en.KJV.tsv", bible / "fr.FreJND.tsv"
    counts = {side: collections.Counter(w for _, toks in Corpus(path).items() for w in toks)
              for side, path in (("en", en), ("fr", fr))}
    words = {side: [w for w, c in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) if c >= 5][:5000]
             for side, c in counts.items()}
    assoc = verse_association(en, fr, words["en"], words["fr"])
    pairs = dict(assoc.pairs())
    # measured on these two Bibles: 2854 mutual pairs among the 5000 most frequent words of each
    assert len(pairs) > 2000
    for src, tgt in [("god", "dieu"), ("king", "roi"), ("house", "maison"), ("earth", "terre"),
                     ("father", "père"), ("son", "fils"), ("day", "jour"), ("city", "ville"), ("fire", "feu")]:
        assert pairs.get(src) == tgt, (src, pairs.get(src))


def test_verse_candidates_join_the_pool(rotated):
    """With k=1 retrieval offers one wrong candidate; the best-Dice words join it, and win."""
    src, tgt, gold, files = rotated
    rng = np.random.default_rng(1)
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    noisy = make_keyed_vectors(tgt.index_to_key, rng.standard_normal(tgt.vectors.shape).astype(np.float32))
    out = evaluate_bli(src, noisy, gold[:60], method="csls", parallel=files,
                       rerank=LinearReranker(features=("parallel",), weights={"parallel": 10.0}, k=1))
    assert out["p@1"] == 100.0 and out["rerank"]["verse_candidates"] == 3


@pytest.mark.parametrize("cells", [1, 1 << 22])  # a block per query, and one block of all of them
@pytest.mark.parametrize("method", ["nn", "csls"])
def test_verse_candidates_are_scored_like_retrieval(rotated, method, cells, monkeypatch):
    monkeypatch.setattr(candidates, "_GATHER_CELLS", cells)
    src, tgt, gold, (src_file, tgt_file) = rotated
    assoc = verse_association(src_file, tgt_file, src.index_to_key, tgt.index_to_key)
    X, Z = finite_vectors(src, normalize=True), finite_vectors(tgt, normalize=True)
    queries = np.arange(60)
    r_tgt = candidates.csls_r_tgt(X, Z, method, 10)
    scores, index = candidates.candidate_pool(X, Z, queries, method=method, csls_k=10, beta=30.0, k=5, r_tgt=r_tgt,
                                              extra=lambda rows: assoc.top_targets(rows, VERSE_CANDIDATES))
    full_scores, full_index = retrieve(X[queries], Z, Z.shape[0], method=method, csls_k=10, X=X, r_tgt=r_tgt)
    lookup = np.empty_like(full_scores)
    np.put_along_axis(lookup, full_index, full_scores, axis=1)
    real = np.isfinite(scores)
    assert scores.shape == (60, 8) and real[:, :5].all() and real[:, 5:].any()
    # same float32 products in another order (einsum vs matmul): equal to a few ulps of values near 1
    np.testing.assert_allclose(scores[real], np.take_along_axis(lookup, index, axis=1)[real], atol=1e-5)
    # padding repeats the first candidate and sorts last
    assert (index[~real] == np.broadcast_to(index[:, :1], index.shape)[~real]).all()


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="CuPy with a visible GPU is not available")
def test_verse_reranking_on_cuda_matches_cpu(rotated):
    src, tgt, gold, files = rotated
    result = align_embeddings(src, tgt, seed="parallel", parallel=files, progress=False, stochastic_interval=1)
    kwargs = {"rerank": ("ortho", "freq", "parallel"), "parallel": files, "tune_dict": gold[:50]}
    cpu = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], **kwargs)
    gpu = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], device="cuda", **kwargs)
    assert gpu["p@1"] == cpu["p@1"] and gpu["rerank"]["weights"] == cpu["rerank"]["weights"]


def test_trees_rerank_with_verses(rotated):
    """The verse features reach the trees: on scrambled vectors only the verses know the answer."""
    pytest.importorskip("sklearn", reason="the 'trees' re-ranking model needs scikit-learn")
    src, tgt, gold, files = rotated
    rng = np.random.default_rng(1)
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    noisy = make_keyed_vectors(tgt.index_to_key, rng.standard_normal(tgt.vectors.shape).astype(np.float32))
    # only the first 60 words occur in the verses: 40 to learn from, 20 to test
    out = evaluate_bli(src, noisy, gold[40:60], method="nn", rerank=TreeReranker(features=("parallel",), k=N_WORDS),
                       parallel=files, tune_dict=gold[:40])
    assert out["p@1"] == 100.0 and out["rerank"]["without_rerank"]["p@1"] < 10
    assert "parallel_forward" in out["rerank"]["trees"]["features"]


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="CuPy with a visible GPU is not available")
def test_trees_rerank_on_cuda_matches_cpu(rotated):
    pytest.importorskip("sklearn", reason="the 'trees' re-ranking model needs scikit-learn")
    src, tgt, gold, files = rotated
    result = align_embeddings(src, tgt, seed="parallel", parallel=files, progress=False, stochastic_interval=1)
    kwargs = {"rerank": TreeReranker(features=("ortho", "freq", "parallel")), "parallel": files,
              "tune_dict": gold[:100]}
    cpu = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], **kwargs)
    gpu = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], device="cuda", **kwargs)
    assert gpu["p@1"] == cpu["p@1"] and gpu["rerank"]["tune_p@1"] == cpu["rerank"]["tune_p@1"]


def test_verse_tokens_follow_a_vocabulary_trained_with_elisions(tmp_path):
    """Vectors trained with ``--lang fr`` hold ``l'`` and ``eau``; a verse's ``l'eau`` counts as both."""
    (tmp_path / "en.tsv").write_text("v1\tthe water\nv2\tthe man\n", encoding="utf-8")
    (tmp_path / "fr.tsv").write_text("v1\tl'eau\nv2\tl'homme\n", encoding="utf-8")
    split = verse_association(tmp_path / "en.tsv", tmp_path / "fr.tsv", ["the", "water", "man"],
                              ["l'", "eau", "homme"], min_count=1)
    assert dict(split.pairs(min_count=1)) == {"the": "l'", "water": "eau", "man": "homme"}
    whole = verse_association(tmp_path / "en.tsv", tmp_path / "fr.tsv", ["the", "water", "man"],
                              ["l'eau", "l'homme"], min_count=1)
    assert dict(whole.pairs(min_count=1)) == {"water": "l'eau", "man": "l'homme"}


def test_resolve_association_takes_options_and_names_bad_input(rotated):
    from offramp.bootstrap.lexicon.parallel import resolve_association

    src, tgt, _, (src_file, tgt_file) = rotated
    assoc = resolve_association(([src_file], [tgt_file], {"measure": "ibm1"}), src, tgt)
    assert assoc.info["measure"] == "ibm1"
    assert resolve_association(([src_file], [tgt_file], None), src, tgt).info["measure"] == "dice"
    with pytest.raises(TypeError, match="or \\(src_files, tgt_files, options\\)"):
        resolve_association(42, src, tgt)
