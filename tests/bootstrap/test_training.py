"""Monolingual training with gensim: reproducibility, counts, order, defaults and errors."""
import collections
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.io.corpora import Corpus
from offramp.bootstrap.io.embeddings import load_embeddings
from offramp.bootstrap.training import (DEFAULTS, MODELS, combine_runs, resolve_epochs, save_fasttext_model, save_model,
                                        train_embeddings)

ROOT = Path(__file__).resolve().parents[2]

# Tiny and fast: 8 dims, 2 epochs, a small n-gram table, one thread.
TINY = dict(dim=8, epochs=2, bucket=2000, workers=1, progress=False)


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """300 lines of 8 tokens over a 40-word Zipfian vocabulary; every word appears >= 3 times."""
    rng = np.random.default_rng(0)
    vocab = [f"sana{i}" for i in range(40)]
    p = 1.0 / np.arange(1, 41)
    p /= p.sum()
    lines = [" ".join(rng.choice(vocab, size=8, p=p)) for _ in range(300)]
    lines += [" ".join(vocab)] * 3
    lines += ["harvinainen kerran"]  # two words seen once: below min_count=3
    path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("model", MODELS)
def test_same_seed_one_worker_is_bit_identical(tiny_corpus, model):
    first = train_embeddings(tiny_corpus, model=model, random_state=7, **TINY)
    second = train_embeddings(tiny_corpus, model=model, random_state=7, **TINY)
    other = train_embeddings(tiny_corpus, model=model, random_state=8, **TINY)
    assert first.index_to_key == second.index_to_key == other.index_to_key
    assert np.array_equal(first.vectors, second.vectors)
    assert not np.array_equal(first.vectors, other.vectors)


def test_reproducible_across_processes(tiny_corpus):
    """gensim hashes with Python's salted ``hash`` by default; training must not depend on it."""
    code = ("import hashlib, sys; from offramp.bootstrap.training import train_embeddings; "
            "kv = train_embeddings(sys.argv[1], dim=8, epochs=1, bucket=2000, workers=1, progress=False); "
            "print(hashlib.sha256(kv.vectors.tobytes()).hexdigest())")
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", code, str(tiny_corpus)], env=env, capture_output=True,
                              text=True, check=True, cwd=ROOT)
        digests.add(done.stdout.strip())
    assert len(digests) == 1


@pytest.mark.parametrize("model", MODELS)
def test_counts_order_and_container(tiny_corpus, model):
    from gensim.models import KeyedVectors

    kv = train_embeddings(tiny_corpus, model=model, **TINY)
    expected = Corpus(tiny_corpus).count_words()
    kept = {w: n for w, n in expected.items() if n >= 3}
    assert type(kv) is KeyedVectors  # plain, even for fasttext: `word in kv` means "trained on it"
    assert "kerran" not in kv and "harvinainen" not in kv
    assert set(kv.index_to_key) == set(kept)
    counts = [kv.get_vecattr(w, "count") for w in kv.index_to_key]
    assert counts == [kept[w] for w in kv.index_to_key]
    assert counts == sorted(counts, reverse=True)
    assert kv.vectors.dtype == np.float32 and kv.vectors.shape == (len(kept), 8)
    assert np.all(np.isfinite(kv.vectors))


def test_return_model_and_resolved_epochs(tiny_corpus):
    from gensim.models import FastText, Word2Vec

    kv, model = train_embeddings(tiny_corpus, model="fasttext", return_model=True, **{**TINY, "epochs": None})
    assert isinstance(model, FastText)
    assert model.corpus_total_words == 300 * 8 + 3 * 40 + 2
    assert model.epochs == resolve_epochs(model.corpus_total_words, None, TINY["dim"]) == DEFAULTS["max_epochs"]
    assert np.array_equal(kv["sana0"], model.wv["sana0"])
    assert model.wv["unseenword"].shape == (8,)  # n-grams give unseen words a vector
    _, cbow = train_embeddings(tiny_corpus, model="cbow", return_model=True, **TINY)
    assert type(cbow) is Word2Vec and cbow.sg == 0 and cbow.epochs == 2


@pytest.mark.parametrize("n_tokens, epochs, dim, expected", [
    (20_000, None, 300, 50),       # tiny: capped at max_epochs
    (200_000, None, 300, 50),
    (800_000, None, 300, 32),      # a Bible: ceil(25M / 0.8M)
    (790_600, None, 100, 11),      # the KJV Bible at 100 dims: ceil(8.33M / 0.79M)
    (623_232, None, 100, 14),      # the FinPR Bible at 100 dims
    (2_000_000, None, 300, 13),    # all corpora of one language in the shared data
    (10_000_000, None, 300, 5),    # ceil(2.5) = 3, raised to min_epochs
    (30_000_000, None, 300, 5),    # large corpora: gensim's usual 5
    (800_000, 3, 300, 3),          # an explicit value wins
    (800_000, 3, 100, 3),
    (0, None, 300, 50),
])
def test_resolve_epochs(n_tokens, epochs, dim, expected):
    assert resolve_epochs(n_tokens, epochs, dim) == expected


def test_corpus_object_and_exclusion(tmp_path):
    path = tmp_path / "fi.tsv"
    path.write_text("".join(f"v{i}\tyksi kaksi kolme\n" for i in range(5)) + "v9\tneljä neljä neljä\n",
                    encoding="utf-8")
    kv = train_embeddings(path, exclude_ids={"v9"}, **TINY)
    assert sorted(kv.index_to_key) == ["kaksi", "kolme", "yksi"]  # 'neljä' held out
    assert [kv.get_vecattr(w, "count") for w in kv.index_to_key] == [5, 5, 5]
    corpus = Corpus(path, exclude_ids={"v0", "v1", "v2"})
    kv = train_embeddings(corpus, **TINY)
    assert kv.index_to_key == ["neljä"]  # 'yksi' etc. are left twice, below min_count=3
    assert kv.get_vecattr("neljä", "count") == 3
    assert corpus.n_excluded == 3


def test_list_of_token_lists_is_a_corpus(tmp_path):
    """A list of token lists trains like the file that holds the same lines (a list of paths is
    files); a mix of both is refused."""
    sentences = [["yksi", "kaksi", "kolme"]] * 4 + [["neljä"]] * 3
    kv = train_embeddings(sentences, **TINY)
    assert sorted(kv.index_to_key) == ["kaksi", "kolme", "neljä", "yksi"]
    assert kv.get_vecattr("yksi", "count") == 4
    path = tmp_path / "fi.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf-8")
    assert train_embeddings([path], **TINY).index_to_key == kv.index_to_key
    with pytest.raises(ValueError, match="not a mix"):
        train_embeddings([path, ["yksi"]], **TINY)


def test_unmatched_exclude_ids_warn(tiny_corpus):
    with pytest.warns(UserWarning, match="none of the 1 exclude_ids matched"):
        train_embeddings(tiny_corpus, exclude_ids={"Gen.1.1"}, **TINY)


def test_empty_corpus_is_a_format_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("...\n\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no tokens in the corpus") as info:
        train_embeddings(path, **TINY)
    assert str(path) in str(info.value)


def test_no_word_reaches_min_count(tmp_path):
    path = tmp_path / "few.txt"
    path.write_text("yksi kaksi kolme\n", encoding="utf-8")
    with pytest.raises(ValueError, match="few.txt: no word occurs at least min_count=3 times in 3 tokens"):
        train_embeddings(path, **TINY)
    assert len(train_embeddings(path, min_count=1, **TINY)) == 3


@pytest.mark.parametrize("kwargs, error, match", [
    ({"model": "glove"}, ValueError, "model must be one of"),
    ({"dim": 0}, ValueError, "dim must be >= 1; got 0"),
    ({"dim": 8.5}, TypeError, "dim must be an integer"),
    ({"window": 0}, ValueError, "window must be >= 1"),
    ({"min_count": 0}, ValueError, "min_count must be >= 1"),
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"negative": 0}, ValueError, "negative must be >= 1"),
    ({"workers": 0}, ValueError, "workers must be >= 1"),
    ({"random_state": -1}, ValueError, "random_state must be >= 0"),
    ({"random_state": True}, TypeError, "random_state must be an integer"),
    ({"sample": 1.5}, ValueError, "sample must be in"),
    ({"min_n": 5, "max_n": 3}, ValueError, "max_n must be >= min_n"),
])
def test_bad_parameters(tiny_corpus, kwargs, error, match):
    with pytest.raises(error, match=match):
        train_embeddings(tiny_corpus, **{**TINY, **kwargs})


@pytest.mark.parametrize("option", [{"max_lines": 3}, {"lang": "fr"}])
def test_corpus_options_need_files(tiny_corpus, option):
    with pytest.raises(ValueError, match="set them on the Corpus object"):
        train_embeddings(Corpus(tiny_corpus), **option, **TINY)


@pytest.mark.parametrize("lang, expected", [
    ("fr", {"l'": 6, "eau": 3, "homme": 3, "et": 3}),
    (None, {"l'eau": 3, "l'homme": 3, "et": 3}),
])
def test_language_splits_elisions(tmp_path, lang, expected):
    path = tmp_path / "fr.txt"
    path.write_text("L'eau et l'homme\n" * 3, encoding="utf-8")
    kv = train_embeddings(path, lang=lang, **TINY)
    assert {w: kv.get_vecattr(w, "count") for w in kv.index_to_key} == expected


def test_progress_bar_runs(tiny_corpus, capsys):
    train_embeddings(tiny_corpus, **{**TINY, "progress": True})
    assert "training fasttext" in capsys.readouterr().err


def test_saved_fasttext_model_gives_oov_vectors(tiny_corpus, tmp_path):
    kv, model = train_embeddings(tiny_corpus, return_model=True, **TINY)
    path = save_fasttext_model(model, tmp_path / "tiny.bin")
    loaded = load_embeddings(path)
    assert loaded.index_to_key == kv.index_to_key
    # The .bin stores the word and n-gram vectors; gensim recomputes each word's vector from them
    # in float32, so only rounding differs (8-dim vectors of norm ~1: 1e-5 is ~100 ulps).
    np.testing.assert_allclose(loaded.vectors, kv.vectors, atol=1e-5)
    np.testing.assert_allclose(loaded["unseenword"], model.wv["unseenword"], atol=1e-5)
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(TypeError, match="expected a gensim FastText model"):
        save_fasttext_model(kv, tmp_path / "x.bin")


def test_saved_word2vec_model_is_one_file(tiny_corpus, tmp_path):
    kv, model = train_embeddings(tiny_corpus, model="skipgram", return_model=True, **TINY)
    path = save_model(model, tmp_path / "tiny.model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.model"]
    loaded = load_embeddings(path, fmt="gensim")
    assert np.array_equal(loaded.vectors, kv.vectors)


def test_shared_bible_slice(shared_data):
    """FastText on the first 2000 verses of a Finnish Bible: inflected forms land together."""
    path = shared_data / "corpora" / "bible" / "fi.FinPR.tsv"
    corpus = Corpus(path, max_lines=2000)
    kv, model = train_embeddings(corpus, dim=50, epochs=10, bucket=50_000, workers=1, progress=False,
                                 return_model=True)
    assert corpus.n_lines == 2000 and 30_000 < corpus.n_tokens < 45_000
    counts = collections.Counter(w for line in corpus for w in line)
    assert kv.index_to_key[0] == "ja" and kv.get_vecattr("ja", "count") == counts["ja"]
    assert len(kv) == sum(n >= 3 for n in counts.values())
    # Shared n-grams pull 'jumala' (God) and its inflected forms together: the genitive is among
    # its 10 nearest neighbours, and far closer than an unrelated frequent word ('maa', earth).
    # Measured: 0.98 vs 0.49 (10 epochs); the 0.2 margin leaves room for other gensim/BLAS builds.
    assert "jumalan" in [w for w, _ in kv.most_similar("jumala", topn=10)]
    assert kv.similarity("jumala", "jumalan") > kv.similarity("jumala", "maa") + 0.2


@pytest.mark.parametrize("model", ["fasttext", "skipgram"])
def test_runs_give_the_mean_cosine_of_the_seeds(tiny_corpus, model):
    runs = [train_embeddings(tiny_corpus, model=model, random_state=5 + i, **TINY) for i in range(3)]
    kv, models = train_embeddings(tiny_corpus, model=model, random_state=5, runs=3, return_model=True, **TINY)
    assert len(models) == 3 and kv.vector_size == 24 and kv.vectors.dtype == np.float32
    assert kv.index_to_key == runs[0].index_to_key
    assert [kv.get_vecattr(w, "count") for w in kv.index_to_key] == \
        [runs[0].get_vecattr(w, "count") for w in kv.index_to_key]
    # one worker: each run is bit-identical to its separate training, so the ensemble's cosine is
    # the runs' mean cosine up to float32 rounding of 8-dim dot products (1e-6)
    pairs = [("sana0", "sana1"), ("sana3", "sana17"), ("sana39", "sana2")]
    for a, b in pairs:
        mean = np.mean([r.similarity(a, b) for r in runs])
        assert abs(float(kv.vectors[kv.key_to_index[a]] @ kv.vectors[kv.key_to_index[b]]) - mean) < 1e-6
    np.testing.assert_allclose(np.linalg.norm(kv.vectors, axis=1), 1.0, atol=1e-6)


def test_combine_runs_checks_vocabularies(tiny_corpus, tmp_path):
    one = train_embeddings(tiny_corpus, random_state=1, **TINY)
    other_text = tmp_path / "other.txt"
    other_text.write_text("muu sana muu sana muu sana\n" * 3, encoding="utf-8")
    other = train_embeddings(other_text, random_state=1, **TINY)
    with pytest.raises(ValueError, match="run 1 has another vocabulary .*same corpus"):
        combine_runs([one, other])
    with pytest.raises(ValueError, match="at least one"):
        combine_runs([])
    with pytest.raises(ValueError, match="runs"):
        train_embeddings(tiny_corpus, runs=0, **TINY)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("killed_after", [1, 3])
def test_a_killed_training_resumes_from_its_checkpoint_with_the_same_vectors(tiny_corpus, tmp_path, monkeypatch,
                                                                             model, killed_after):
    """Killed right after epoch k was saved, the same call resumes at k + 1 and ends bit for bit where an
    uninterrupted run ends (one worker); the finished checkpoint then answers without training."""
    from offramp.bootstrap import training

    options = dict(TINY, model=model, epochs=4, random_state=5)
    whole = train_embeddings(tiny_corpus, **options)
    save = training.EpochCheckpoint.save

    def save_then_die(self, model_, done, *args):
        save(self, model_, done, *args)
        if done == killed_after:
            raise KeyboardInterrupt  # a kill right after the checkpoint
    monkeypatch.setattr(training.EpochCheckpoint, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        train_embeddings(tiny_corpus, checkpoint_dir=tmp_path / "ckpt", **options)
    saved = []

    def save_and_note(self, model_, done, *args):
        saved.append(done)
        save(self, model_, done, *args)
    monkeypatch.setattr(training.EpochCheckpoint, "save", save_and_note)
    resumed, trained = train_embeddings(tiny_corpus, checkpoint_dir=tmp_path / "ckpt", return_model=True, **options)
    assert np.array_equal(resumed.vectors, whole.vectors) and resumed.index_to_key == whole.index_to_key
    assert trained.epochs == 4 and saved == list(range(killed_after + 1, 5))  # only the epochs not done
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == ["checkpoint.json", "model-004.pkl"]
    again = train_embeddings(tiny_corpus, checkpoint_dir=tmp_path / "ckpt", **options)  # done: no epoch
    assert np.array_equal(again.vectors, whole.vectors) and saved == list(range(killed_after + 1, 5))


def test_a_checkpoint_of_another_training_is_not_resumed(tiny_corpus, tmp_path):
    first = train_embeddings(tiny_corpus, checkpoint_dir=tmp_path, random_state=1, **TINY)
    other = train_embeddings(tiny_corpus, checkpoint_dir=tmp_path, random_state=2, **TINY)
    assert np.array_equal(other.vectors, train_embeddings(tiny_corpus, random_state=2, **TINY).vectors)
    assert not np.array_equal(first.vectors, other.vectors)
    with pytest.raises(ValueError, match="checkpoint_dir needs corpus files"):
        train_embeddings([["a", "b"]] * 5, min_count=1, checkpoint_dir=tmp_path, **TINY)


def test_a_100_mb_corpus_on_one_line_trains_in_bounded_memory(tmp_path):
    """100 MB of text without a line break: read and tokenised in pieces, so training peaks far below what
    reading the line whole took (1.2 GB for 50 MB); the bound is 600 MB of resident memory."""
    corpus = tmp_path / "one-line.txt"
    block = (" ".join(f"w{i % 997}" for i in range(100_000)) + " ").encode()
    with open(corpus, "wb") as handle:
        for _ in range(100 * 2**20 // len(block) + 1):
            handle.write(block)
    train = [sys.executable, "-m", "offramp.cli.main", "train", str(corpus), "--lang", "en", "--out",
             str(tmp_path / "v.vec"), "--model", "cbow", "--dim", "5", "--epochs", "1", "--min-count", "1",
             "--no-progress"]
    # a parent of its own, so that the peak is the training's alone
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    done = subprocess.run([sys.executable, "-c", code, *train], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.strip())
    assert peak_mb < 600, peak_mb
    assert len(load_embeddings(tmp_path / "v.vec")) == 997
