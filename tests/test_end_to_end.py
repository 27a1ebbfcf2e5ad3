"""End to end on real data: train -> split -> align -> evaluate, on slices of the shared Bibles.

English (KJV) and Finnish (FinPR) skip-gram vectors are trained on the first 8000 verses of each
(Genesis to Judges, the same text in both), the MUSE en-fi dictionary is split into
frequency-matched train and test dictionaries for these vocabularies, and the two spaces are
aligned with VecMap's supervised recipe through the ``offramp`` command line.

What is asserted is that the pipeline runs, reports coverage, and translates far better than chance,
not a tuned score: 8000 verses (about 0.2M tokens per language) give word vectors too noisy for
the P@1 of Wikipedia-scale embeddings; this run measures P@1 (CSLS) around 7%.
"""
import json

import pytest
from click.testing import CliRunner
from scipy.stats import binom

from offramp.bootstrap.io.dictionaries import read_dictionary, write_dictionary
from offramp.bootstrap.io.embeddings import save_embeddings
from offramp.bootstrap.lexicon.split import frequency_split
from offramp.bootstrap.training import train_embeddings
from offramp.cli.main import main

N_VERSES = 8000


@pytest.mark.slow
def test_bible_en_fi_supervised_alignment(shared_data, tmp_path):
    bible = shared_data / "corpora" / "bible"
    spaces = {}
    for lang, module in (("en", "KJV"), ("fi", "FinPR")):
        kv = train_embeddings(bible / f"{lang}.{module}.tsv", model="skipgram", dim=50, epochs=5, min_count=3,
                              workers=1, random_state=0, max_lines=N_VERSES, progress=False)
        save_embeddings(kv, tmp_path / f"{lang}.vec")
        spaces[lang] = kv
    en, fi = spaces["en"], spaces["fi"]
    assert len(en) > 2000 and len(fi) > 2000

    gold = read_dictionary(shared_data / "dictionaries" / "muse" / "en-fi.txt")
    train, test, info = frequency_split(gold, en.index_to_key, fi.index_to_key, n_test=200, max_train=2000)
    assert info["n_test_words"] >= 150 and info["n_train_words"] >= 300
    assert not {s for s, _ in train} & {s for s, _ in test}  # no test word is seen in training
    write_dictionary(train, tmp_path / "train.txt")
    write_dictionary(test, tmp_path / "test.txt")

    runner = CliRunner()
    result = runner.invoke(main, ["align", str(tmp_path / "en.vec"), str(tmp_path / "fi.vec"), "--seed-dict",
                                  str(tmp_path / "train.txt"), "--preset", "supervised", "--quiet",
                                  "--out-src", str(tmp_path / "en.mapped.vec"),
                                  "--out-tgt", str(tmp_path / "fi.mapped.vec"), "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["seed"]["n_seed_pairs"] == info["n_train_pairs"]  # every training pair is in vocabulary

    result = runner.invoke(main, ["evaluate", str(tmp_path / "en.mapped.vec"), str(tmp_path / "fi.mapped.vec"),
                                  str(tmp_path / "test.txt"), "--retrieval", "csls", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    # split kept only pairs with both words in the vocabularies: all test words are covered
    assert scores["coverage"] == 100.0 and scores["n_test"] == scores["n_covered"] == info["n_test_words"]
    assert scores["p@1"] <= scores["p@5"] <= scores["p@10"] <= 100

    # Chance level: a map unrelated to the languages puts one of a word's g gold translations first
    # with probability g / n_tgt; with the mean g of this test set, the number of hits among n test
    # words is Binomial(n, p0). Require more hits than such a map reaches with probability 1e-6, and
    # a P@1 of at least 5 times the chance rate.
    n = scores["n_covered"]
    p0 = (info["n_test_pairs"] / n) / len(fi)
    hits = round(scores["p@1"] * n / 100)
    assert hits > binom.isf(1e-6, n, p0), (hits, scores)
    assert scores["p@1"] > 5 * 100 * p0
