"""bootstrap.multilingual: many languages on KeyedVectors linked to a hub (:func:`link_to_hub`), refined
jointly (:func:`align_multilingual`), scored per pair (:func:`evaluate_pairs`, :func:`format_table`) and
written (:func:`save_multilingual`).

Three toy languages share one base matrix: concept ``i`` is ``en{i}``, ``de{i}``, ``fr{i}``, except a few
concepts spelled as the same numeral in every language (so the default ``identical+numerals`` seed has
something to start from). Each language is the base turned by its own random rotation, plus a little
noise, most frequent first; the non-hub languages swap about half their neighbouring ranks, so a row index
never names the same concept in two languages by accident and a pair read backwards points at the wrong
word.
"""
import json

import numpy as np
import pytest
from gensim.models import KeyedVectors

from offramp.alignment.multilingual import JointAlignment
from offramp.bootstrap.errors import InputsError
from offramp.bootstrap.io.dictionaries import write_dictionary
from offramp.bootstrap.io.embeddings import make_keyed_vectors
from offramp.bootstrap.multilingual import (HubLink, MultilingualResult, align_multilingual, check_link_options,
                                            evaluate_pairs, format_table, link_to_hub, refine_anchors,
                                            save_multilingual)

N, DIM = 200, 16
CODES = ("en", "de", "fr")
SHARED = list(range(2, 80, 5))  # 16 concepts spelled as numerals alike in every language
SEED_CONCEPTS = range(0, 100)   # de's seed dictionary with the hub
TEST_CONCEPTS = range(100, N)   # never in a seed dictionary
REPORT_KEYS = {"hub", "languages", "links", "joint", "refine", "signature"}
# float32 normalisation: unit norms to a few ulps
NORM_ATOL = 1e-5


def word(code, concept):
    return str(1990 + SHARED.index(concept)) if concept in SHARED else f"{code}{concept}"


def gold(a, b, concepts):
    """A dictionary of ``concepts`` with ``a``'s word first (numerals left out: they are spelled alike)."""
    return [(word(a, i), word(b, i)) for i in concepts if i not in SHARED]


def make_languages(codes=CODES, *, n=N, dim=DIM, noise=0.02, random_state=0):
    rng = np.random.default_rng(random_state)
    # anisotropic, off-centre base (as fixtures.spaces.make_spaces): a rotation is found again exactly
    base = rng.standard_normal((n, dim)) * np.linspace(2.0, 0.5, dim)[None, :] + rng.standard_normal(dim)[None, :]
    out = {}
    for k, code in enumerate(codes):
        Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        order = np.arange(n)
        if k:  # the hub keeps the concepts' order; the others swap neighbouring ranks
            for j in range(0, n - 1, 2):
                if rng.random() < 0.5:
                    order[j], order[j + 1] = order[j + 1], order[j]
        vectors = base[order] @ Q + noise * rng.standard_normal((n, dim))
        out[code] = make_keyed_vectors([word(code, i) for i in order], vectors, np.arange(n, 0, -1) * 5)
    return out


def _norms(kv):
    return np.linalg.norm(np.asarray(kv.vectors, dtype=np.float64), axis=1)


@pytest.fixture(scope="module")
def languages():
    return make_languages()


@pytest.fixture(scope="module")
def result(languages):
    """The three languages aligned with the defaults: de by a dictionary, fr by the shared numerals."""
    return align_multilingual(languages, hub="en", seeds={"de": "dictionary"},
                              dictionaries={"de": gold("en", "de", SEED_CONCEPTS)}, progress=False)


@pytest.fixture(scope="module")
def de_link(languages):
    """de linked to the hub on its own, outside :func:`align_multilingual`."""
    return link_to_hub(languages["en"], languages["de"], seed="dictionary",
                       seed_dict=gold("en", "de", SEED_CONCEPTS), progress=False)


# --- link_to_hub ----------------------------------------------------------------------------------------


def test_links_of_two_languages_share_the_hub_frame(languages, result, de_link):
    fr_link = result.links["fr"]
    assert isinstance(de_link, HubLink) and isinstance(fr_link, HubLink)
    assert de_link.hub_vectors.dtype == np.float32 and de_link.hub_vectors.shape == (N, DIM)
    # the hub stays unmoved in every link, whatever the language and its seed: exactly one frame
    np.testing.assert_array_equal(de_link.hub_vectors, fr_link.hub_vectors)
    np.testing.assert_array_equal(de_link.hub_vectors, result.hub_only["en"].vectors)
    for link, code in ((de_link, "de"), (fr_link, "fr")):
        assert link.vectors.dtype == np.float32 and link.vectors.shape == (len(languages[code]), DIM)
        np.testing.assert_allclose(np.linalg.norm(link.vectors, axis=1), 1.0, atol=NORM_ATOL)
        np.testing.assert_allclose(np.linalg.norm(link.hub_vectors, axis=1), 1.0, atol=NORM_ATOL)


def test_a_dictionary_links_pairs_are_its_seed_as_hub_row_then_language_row(languages, de_link):
    hub, de = languages["en"], languages["de"]
    seed = gold("en", "de", SEED_CONCEPTS)
    expected = [[hub.key_to_index[h], de.key_to_index[w]] for h, w in seed]
    assert de_link.pairs.dtype == np.int64
    assert de_link.pairs.tolist() == expected
    # the loop's final dictionary holds the seed and the pairs it induced, oriented the same way
    final = de_link.final_pairs
    assert final.shape[1] == 2 and len(final) >= len(seed)
    assert np.mean([hub.index_to_key[a][2:] == de.index_to_key[b][2:] for a, b in final.tolist()]) >= 0.9
    assert de_link.report["seed"]["mode"] == "dictionary"


def test_an_induced_links_pairs_are_translations_as_hub_row_then_language_row(languages, result):
    hub, fr = languages["en"], languages["fr"]
    pairs = result.links["fr"].pairs
    assert pairs.dtype == np.int64 and pairs.ndim == 2 and pairs.shape[1] == 2 and len(pairs) >= N // 2
    # en12 -> fr12 and 1990 -> 1990 both agree after the two-letter prefix
    same = [hub.index_to_key[a][2:] == fr.index_to_key[b][2:] for a, b in pairs.tolist()]
    assert np.mean(same) >= 0.9  # a backwards reading would hit the swapped neighbour half the time


# --- align_multilingual -----------------------------------------------------------------------------------


def test_align_multilingual_gives_every_language_unit_rows_in_both_spaces(languages, result):
    assert isinstance(result, MultilingualResult)
    for space in (result.spaces, result.hub_only):
        assert list(space) == ["en", "de", "fr"]  # the hub first
        for code, kv in space.items():
            assert kv.index_to_key == languages[code].index_to_key
            assert kv.vectors.dtype == np.float32 and kv.vector_size == DIM
            np.testing.assert_allclose(_norms(kv), 1.0, atol=NORM_ATOL)
    assert set(result.links) == {"de", "fr"}
    assert isinstance(result.estimator, JointAlignment) and result.estimator.hub_ == "en"


def test_align_multilingual_reports_its_steps_and_signature(result):
    report = result.report
    assert REPORT_KEYS <= set(report)
    assert report["hub"] == "en" and report["languages"] == ["en", "de", "fr"]
    assert set(report["links"]) == {"de", "fr"}
    assert report["links"]["de"]["seed"] == "dictionary"
    assert report["links"]["fr"]["seed"] == "identical+numerals"
    assert report["joint"]["history"] == result.estimator.history_
    assert report["joint"]["n_iter"] == result.estimator.n_iter_
    # refine='auto' moves along the dictionary-seeded language only
    assert report["refine"]["method"] == "instance" and report["refine"]["languages"] == ["de"]
    assert result.signature == report["signature"]
    assert result.signature.startswith("offramp:") and "method:multi" in result.signature
    assert "hub:en" in result.signature and "langs:en,de,fr" in result.signature
    json.dumps(report)  # the command writes it as JSON


def test_joint_space_translates_non_hub_languages_at_least_as_well_as_the_hub_only_space(result):
    test = {("de", "fr"): gold("de", "fr", TEST_CONCEPTS)}
    joint = evaluate_pairs(result.spaces, test, method="nn")
    hub_only = evaluate_pairs(result.hub_only, test, method="nn")
    for pair in ("de-fr", "fr-de"):
        # the toy data is easy (both usually 100): the joint step must not lose what the links found
        assert joint[pair]["p@1"] >= hub_only[pair]["p@1"]
        assert joint[pair]["p@1"] >= 90.0


def test_joint_false_gives_the_hub_only_space(languages):
    two = {code: languages[code] for code in ("en", "fr")}
    result = align_multilingual(two, hub="en", joint=False, refine=None, progress=False)
    assert result.estimator is None and result.report["joint"] is None
    assert "joint:none" in result.signature
    assert result.report["refine"]["method"] is None
    for code in two:
        # only normalised again (float32 ulps)
        np.testing.assert_allclose(result.spaces[code].vectors, result.hub_only[code].vectors, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"hub": "xx"}, "hub 'xx'"),
    ({"hub": "en", "preset": "no-such-preset"}, "no-such-preset"),
    ({"hub": "en", "seeds": {"de": "no-such-seed"}}, "no-such-seed"),
    ({"hub": "en", "seeds": {"de": "dictionary"}}, "dictionary"),  # no dictionary given
])
def test_align_multilingual_refuses_bad_inputs_before_linking(languages, kwargs, match):
    with pytest.raises(InputsError, match=match):
        align_multilingual(languages, progress=False, **kwargs)


# --- refine_anchors ---------------------------------------------------------------------------------------


def _fake_links():
    def link(mode, k):
        return HubLink(np.zeros((1, 2), np.float32), np.zeros((1, 2), np.float32),
                       np.array([[k, k]], dtype=np.int64), {"seed": {"mode": mode}})

    return {"de": link("dictionary", 0), "fr": link("identical+numerals", 1), "es": link("dictionary+identical", 2),
            "it": link("unsupervised", 3)}


@pytest.mark.parametrize("refine, preset, expected", [
    ("auto", "offramp", ["de", "es"]),  # the languages whose seed has a dictionary part
    ("auto", "vecmap", []),             # 'auto' refines with the offramp preset only
    ("instance", "offramp", ["de", "fr", "es", "it"]),
    ("instance", "vecmap", ["de", "fr", "es", "it"]),
    (None, "offramp", []),
])
def test_refine_anchors_picks_the_languages_to_refine(refine, preset, expected):
    links = _fake_links()
    anchors = refine_anchors(links, refine, preset)
    assert list(anchors) == expected
    for code in expected:
        assert anchors[code] is links[code].pairs


@pytest.mark.parametrize("refine", ["yes", "Instance", True])
def test_refine_anchors_refuses_an_unknown_rule(refine):
    with pytest.raises(InputsError, match="refine"):
        refine_anchors(_fake_links(), refine)


# --- evaluate_pairs and format_table ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scores(result):
    test = {("de", "fr"): gold("de", "fr", TEST_CONCEPTS)}
    return {"hub_only": evaluate_pairs(result.hub_only, test), "joint": evaluate_pairs(result.spaces, test)}


def test_evaluate_pairs_scores_both_directions_without_oov_lists(scores):
    joint = scores["joint"]
    assert set(joint) == {"de-fr", "fr-de"}
    n_test = len(gold("de", "fr", TEST_CONCEPTS))
    for pair, s in joint.items():
        assert "oov" not in s
        assert s["n_test"] == n_test and "p@1" in s and "p@1" in s["counted_wrong"]


def test_evaluate_pairs_given_direction_reads_a_dictionary_file(result, tmp_path):
    path = tmp_path / "de-fr.txt"
    write_dictionary(gold("de", "fr", TEST_CONCEPTS), path)
    out = evaluate_pairs(result.spaces, {("de", "fr"): str(path)}, directions="given")
    assert set(out) == {"de-fr"} and "oov" not in out["de-fr"]
    both = evaluate_pairs(result.spaces, {("de", "fr"): gold("de", "fr", TEST_CONCEPTS)})
    assert out["de-fr"]["p@1"] == both["de-fr"]["p@1"]


def test_format_table_has_a_header_and_a_row_per_pair(scores):
    lines = format_table(scores).splitlines()
    assert lines[0].split() == ["pair", "n_test", "cov", "%", "hub_only", "joint"]
    assert [line.split()[0] for line in lines[1:]] == ["de-fr", "fr-de"]
    for line in lines[1:]:
        pair, n_test, coverage, *cells = line.split()
        assert int(n_test) == scores["joint"][pair]["n_test"]
        assert float(coverage) == pytest.approx(scores["joint"][pair]["coverage"], abs=0.05)
        assert [float(c) for c in cells] == pytest.approx(
            [scores[col][pair]["counted_wrong"]["p@1"] for col in ("hub_only", "joint")], abs=0.005)


def test_format_table_marks_a_pair_a_column_lacks(scores):
    lines = format_table({"all": scores["joint"], "some": {"de-fr": scores["joint"]["de-fr"]}}).splitlines()
    assert len(lines) == 3
    assert lines[2].split()[0] == "fr-de" and lines[2].split()[-1] == "-"


# --- save_multilingual and check_link_options -------------------------------------------------------------


def test_save_multilingual_writes_a_file_gensim_reads_and_one_per_language(result, tmp_path):
    paths = save_multilingual(result.spaces, tmp_path / "out")
    assert set(paths) == {"multilingual", "en", "de", "fr"}
    assert (tmp_path / "out" / "multilingual.vec").exists()
    merged = KeyedVectors.load_word2vec_format(str(tmp_path / "out" / "multilingual.vec"))
    assert len(merged) == sum(len(kv) for kv in result.spaces.values()) and merged.vector_size == DIM
    assert set(merged.index_to_key) == {f"{code}:{w}" for code, kv in result.spaces.items() for w in kv.index_to_key}
    # word2vec text keeps float32 to about 6 significant digits
    np.testing.assert_allclose(merged["de:de5"], result.spaces["de"]["de5"], atol=1e-6)
    np.testing.assert_allclose(merged["fr:1990"], result.spaces["fr"]["1990"], atol=1e-6)
    for code, kv in result.spaces.items():
        path = tmp_path / "out" / "aligned" / f"{code}.vec"
        assert path.exists()
        one = KeyedVectors.load_word2vec_format(str(path))
        assert one.index_to_key == kv.index_to_key
        np.testing.assert_allclose(one.vectors, kv.vectors, atol=1e-6)


def test_save_multilingual_refuses_spaces_of_two_dimensions(result, tmp_path):
    spaces = {"en": result.spaces["en"], "xx": make_keyed_vectors(["a", "b"], np.eye(2))}
    with pytest.raises(ValueError, match="different dimensions"):
        save_multilingual(spaces, tmp_path / "out")


@pytest.mark.parametrize("seed, options", [
    ("identical+numerals", {"preset": "no-such-preset"}),
    ("no-such-seed", {}),
    ("numerals", {"cognates": 0.5}),  # an option of a seed part the seed does not have
])
def test_check_link_options_refuses_options_that_cannot_work(seed, options):
    with pytest.raises(InputsError):
        check_link_options(seed, **options)


@pytest.mark.parametrize("seed", ["identical+numerals", "dictionary", "unsupervised"])
def test_check_link_options_accepts_the_usual_seeds(seed):
    assert check_link_options(seed) is None
