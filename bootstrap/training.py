"""Monolingual word-embedding training with gensim (Word2Vec skip-gram / CBOW, FastText).

Defaults for small corpora (0.02 to 3M tokens)
----------------------------------------------
Every default lives in :data:`DEFAULTS`, so a sweep changes one place. The reasons:

``model='fasttext'``
    Skip-gram with character n-grams (Bojanowski et al. 2017). For Finnish, Hungarian, Estonian,
    Latvian or Slovene a 1M-token corpus sees most inflected forms a handful of times; sharing
    n-grams across forms gives rare forms usable vectors and out-of-vocabulary forms any vector.
``dim=300``
    The dimension of the MUSE/VecMap baselines and of the pre-trained fastText vectors that the
    aligned spaces get compared with. Training time grows about linearly with it, so 100 dims is
    the cheap alternative to try on the smallest corpora.
``window=5``, ``negative=10``
    word2vec's window; 5-20 negative samples are recommended for small data (Mikolov et al. 2013),
    the inner loop's cost grows with ``negative + 1``, so 10 costs up to 11/6 of gensim's 5.
    A smaller window loses; a larger one trains slower and gains no more than training seeds
    alone move a score, so ``window=10`` is only worth a try on a million tokens or more
    (docs/defaults.md, "Training window").
``min_count=3``
    A word seen once or twice gets a vector that is mostly its random initialisation (or, for
    fasttext, its n-grams); 3 keeps the vocabulary, and thus lexicon-induction coverage, larger
    than gensim's 5 on small corpora.
``sample=1e-3``
    gensim's default. fastText's 1e-4 subsamples every word more frequent than about 1e-4 of the
    tokens, which on a Bible-sized corpus is most of the text, leaving a small corpus fewer
    training pairs (docs/defaults.md).
``epochs=None`` (automatic)
    gensim's 5 epochs assume large corpora. Small corpora get more epochs, up to a budget of
    token passes that grows with the dimension: ``budget = 25M * dim / 300`` and
    ``epochs = clip(ceil(budget / n_tokens), 5, 50)``: e.g. 10 epochs for 2.5M tokens and 25 for
    1M at 300 dimensions, 11 for a 0.8M-token Bible at 100. At 300 dimensions more passes help
    up to this budget; at 100 dimensions the 300-dimension budget's passes score lower, hence a
    budget proportional to the dimension, which is also a fixed compute budget. On the smallest
    corpora (50k-250k tokens) the 50 epochs they get are what makes them usable
    (docs/defaults.md, "Training epochs").
``min_n=3``, ``max_n=6``
    fastText's n-gram range.
``bucket=500_000``
    Hash buckets for n-grams. gensim's 2M buckets x 300 dims take 2.4 GB of float32 (and so does
    a saved ``.bin``). A corpus of a few million tokens holds a few hundred thousand distinct
    n-grams, so 0.5M buckets keep most of them apart at a quarter of the memory (docs/defaults.md).
``workers=min(4, os.cpu_count())``
    gensim worker threads. Results are bit-identical for the same seed only with ``workers=1``:
    with several threads, the order in which jobs update the shared weights depends on scheduling.

The scores and timings these defaults were chosen by: docs/defaults.md.
"""
import contextlib
import math
import os
import time
import warnings
import zlib

import numpy as np

from .checkpoints import EpochCheckpoint
from .io.corpora import Corpus

__all__ = ["DEFAULTS", "MODELS", "train_embeddings", "combine_runs", "resolve_epochs", "save_fasttext_model",
           "save_model"]

MODELS = ("fasttext", "skipgram", "cbow")

DEFAULTS = {
    "model": "fasttext",
    "dim": 300,
    "window": 5,
    "min_count": 3,
    "epochs": None,
    "negative": 10,
    "sample": 1e-3,
    "min_n": 3,
    "max_n": 6,
    "bucket": 500_000,
    "workers": min(4, os.cpu_count() or 1),
    "epochs_token_budget": 25_000_000,
    "budget_dim": 300,
    "min_epochs": 5,
    "max_epochs": 50,
}


def _stable_hash(text):
    """A hash that does not change with PYTHONHASHSEED (gensim's default is ``hash``)."""
    return zlib.crc32(text.encode("utf-8"))


def resolve_epochs(n_tokens, epochs=None, dim=DEFAULTS["dim"]):
    """The number of epochs: ``epochs`` when given, else the automatic small-corpus rule.

    ``clip(ceil(budget / n_tokens), DEFAULTS['min_epochs'], DEFAULTS['max_epochs'])`` with
    ``budget = DEFAULTS['epochs_token_budget'] * dim / DEFAULTS['budget_dim']`` token passes
    (25M at 300 dimensions, 8.3M at 100).
    """
    if epochs is not None:
        return epochs
    if n_tokens <= 0:
        return DEFAULTS["max_epochs"]
    budget = DEFAULTS["epochs_token_budget"] * dim / DEFAULTS["budget_dim"]
    wanted = math.ceil(budget / n_tokens)
    return int(min(DEFAULTS["max_epochs"], max(DEFAULTS["min_epochs"], wanted)))


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}")
    return int(value)


class _EpochBar:
    """A gensim callback that advances a tqdm bar once per epoch."""

    def __init__(self, epochs, desc, disable):
        from gensim.models.callbacks import CallbackAny2Vec
        from ._progress import progress_bar

        # gensim checks callbacks with isinstance, so build a subclass on the fly.
        bar = progress_bar(total=epochs, desc=desc, unit="epoch", disable=disable)
        self.bar = bar

        class Callback(CallbackAny2Vec):
            def on_epoch_end(self, model):
                bar.update(1)

        self.callback = Callback()

    def close(self):
        self.bar.close()


def _is_paths(paths_or_corpus):
    """Whether ``train_embeddings`` was given corpus files (a path, or a list of them) rather than a
    ready corpus (a Corpus, or a list of token lists)."""
    if isinstance(paths_or_corpus, (str, os.PathLike)):
        return True
    if not isinstance(paths_or_corpus, (list, tuple)):
        return False
    paths = [isinstance(item, (str, os.PathLike)) for item in paths_or_corpus]
    if any(paths) and not all(paths):
        raise ValueError("give train_embeddings corpus files (paths) or token lists, not a mix of both")
    return all(paths)  # an empty list: no files, which Corpus reports


def train_embeddings(paths_or_corpus, *, model=DEFAULTS["model"], dim=DEFAULTS["dim"],
                     window=DEFAULTS["window"], min_count=DEFAULTS["min_count"], epochs=DEFAULTS["epochs"],
                     negative=DEFAULTS["negative"], sample=DEFAULTS["sample"], min_n=DEFAULTS["min_n"],
                     max_n=DEFAULTS["max_n"], bucket=DEFAULTS["bucket"], workers=DEFAULTS["workers"],
                     random_state=0, exclude_ids=None, lowercase=True, max_lines=None, lang=None, progress=True,
                     return_model=False, runs=1, prefix_len=None, checkpoint_dir=None):
    """Train monolingual word embeddings on a corpus with gensim.

    Parameters
    ----------
    paths_or_corpus : str, path-like, list of them, or Corpus
        Corpus files (read with :class:`bootstrap.io.corpora.Corpus`) or a ready corpus: any
        restartable iterable of token lists, such as a list of them.
    model : {'fasttext', 'skipgram', 'cbow'}
        ``fasttext`` is FastText skip-gram with character n-grams; the others are Word2Vec.
    dim : int
        Vector dimension.
    window : int
        Maximum distance between a word and its context words.
    min_count : int
        Words seen fewer times are dropped.
    epochs : int, optional
        Passes over the corpus; ``None`` picks them from the corpus size (:func:`resolve_epochs`).
    negative : int
        Negative samples per positive pair.
    sample : float
        Downsampling threshold for frequent words (0 disables it).
    min_n, max_n : int
        Character n-gram lengths (fasttext only).
    bucket : int
        Hash buckets for the n-gram vectors (fasttext only).
    workers : int
        Training threads; only ``workers=1`` is bit-reproducible.
    random_state : int
        Seed for the initial vectors, negative sampling, window shrinking and downsampling.
    exclude_ids, lowercase, max_lines, lang, prefix_len
        Passed to :class:`Corpus` when files are given; must be left at their defaults when a
        corpus object is given. ``lang`` (ISO 639-1) splits elided articles off in French,
        Italian, Catalan and Irish (``l'eau`` -> ``l'``, ``eau``: :func:`bootstrap.io.corpora.tokenize`).
        ``prefix_len`` cuts every token to its first characters (a crude stemmer for the auxiliary
        spaces of ``align --unsupervised --via`` on inflecting languages).
    progress : bool
        Show a tqdm bar over the vocabulary scan and the epochs.
    return_model : bool
        Also return the trained gensim model (for fasttext, it gives vectors to unseen words).
    runs : int, default 1
        Train this many models, with seeds ``random_state``, ``random_state + 1``, ..., and
        return their ensemble (:func:`combine_runs`): vectors of dimension ``runs * dim`` whose
        cosines are the mean cosines of the runs. Embeddings from small corpora vary from one
        seed to the next; the mean is steadier (docs/defaults.md, "Training runs").

    Returns
    -------
    kv : gensim.models.KeyedVectors
        ``kv.vectors`` is float32 of shape (n_words, runs * dim), words in descending frequency; each
        word's corpus count is ``kv.get_vecattr(word, 'count')``. A plain ``KeyedVectors`` even for
        fasttext, so ``word in kv`` means "in the trained vocabulary".
    model : gensim.models.Word2Vec or gensim.models.FastText
        Only with ``return_model=True``; ``model.epochs`` is the number of epochs run and
        ``model.corpus_total_words`` the number of tokens per epoch. With ``runs > 1``, the
        list of the runs' models.

    Raises
    ------
    ValueError
        For bad parameters, or when no word reaches ``min_count``.
    FormatError
        For an empty corpus or a damaged file (from :class:`Corpus`).
    """
    runs = _check_int("runs", runs, 1)
    if runs > 1:
        members, models = [], []
        for run in range(runs):
            kv, trained = train_embeddings(
                paths_or_corpus, model=model, dim=dim, window=window, min_count=min_count, epochs=epochs,
                negative=negative, sample=sample, min_n=min_n, max_n=max_n, bucket=bucket, workers=workers,
                random_state=_check_int("random_state", random_state, 0) + run, exclude_ids=exclude_ids,
                lowercase=lowercase, max_lines=max_lines, lang=lang, progress=progress, return_model=True,
                prefix_len=prefix_len,
                checkpoint_dir=None if checkpoint_dir is None else os.path.join(os.fspath(checkpoint_dir),
                                                                                f"run-{run}"))
            members.append(kv)
            models.append(trained)
        kv = combine_runs(members)
        return (kv, models) if return_model else kv

    from gensim.models import FastText, Word2Vec
    from ._progress import progress_bar

    from .io.embeddings import make_keyed_vectors

    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    dim = _check_int("dim", dim, 1)
    window = _check_int("window", window, 1)
    min_count = _check_int("min_count", min_count, 1)
    negative = _check_int("negative", negative, 1)
    workers = _check_int("workers", workers, 1)
    random_state = _check_int("random_state", random_state, 0)
    if epochs is not None:
        epochs = _check_int("epochs", epochs, 1)
    if not 0 <= float(sample) < 1:
        raise ValueError(f"sample must be in [0, 1); got {sample}")
    if model == "fasttext":
        min_n = _check_int("min_n", min_n, 1)
        max_n = _check_int("max_n", max_n, 0)
        bucket = _check_int("bucket", bucket, 1)
        if max_n and max_n < min_n:
            raise ValueError(f"max_n must be >= min_n (or 0 for no n-grams); got min_n={min_n}, max_n={max_n}")

    if _is_paths(paths_or_corpus):
        corpus = Corpus(paths_or_corpus, lowercase=lowercase, exclude_ids=exclude_ids, max_lines=max_lines,
                        lang=lang, prefix_len=prefix_len)
    else:
        if (exclude_ids is not None or max_lines is not None or lowercase is not True or lang is not None
                or prefix_len is not None):
            raise ValueError("exclude_ids, lowercase, max_lines, lang and prefix_len apply to corpus files; "
                             "set them on the Corpus object instead")
        corpus = paths_or_corpus

    checkpoint = None
    if checkpoint_dir is not None:
        if not isinstance(corpus, Corpus):
            raise ValueError("checkpoint_dir needs corpus files (paths or a Corpus), not token lists: a checkpoint "
                             "is matched to its files")
        options = dict(model=model, dim=dim, window=window, min_count=min_count, epochs=epochs, negative=negative,
                       sample=float(sample), min_n=min_n, max_n=max_n, bucket=bucket, workers=workers,
                       random_state=random_state)
        checkpoint = EpochCheckpoint(checkpoint_dir, corpus, options)
    resumed = checkpoint.load(corpus) if checkpoint is not None else None
    if resumed is not None:
        gensim_model, done, epochs, (alpha, min_alpha) = resumed
        n_tokens = int(gensim_model.corpus_total_words)
    else:
        common = dict(vector_size=dim, window=window, min_count=min_count, negative=negative, hs=0,
                      sample=float(sample), workers=workers, seed=random_state, hashfxn=_stable_hash)
        if model == "fasttext":
            gensim_model = FastText(sg=1, min_n=min_n, max_n=max_n, bucket=bucket, **common)
        else:
            gensim_model = Word2Vec(sg=int(model == "skipgram"), **common)

        scan = progress_bar(corpus, desc="scanning corpus", unit=" lines", disable=not progress, leave=False)
        try:
            gensim_model.build_vocab(corpus_iterable=scan)
        finally:
            scan.close()
        n_tokens = int(gensim_model.corpus_total_words)
        if len(gensim_model.wv) == 0:
            where = ", ".join(map(str, getattr(corpus, "paths", []))) or "the corpus"
            raise ValueError(f"{where}: no word occurs at least min_count={min_count} times in {n_tokens} tokens; "
                             "lower min_count (--min-count) or add text")
        held_out = getattr(corpus, "exclude_ids", None) or ()
        if held_out and getattr(corpus, "n_excluded", None) == 0:
            warnings.warn(f"none of the {len(held_out)} exclude_ids matched an ID<TAB>text line, so no text was "
                          "held out; is the corpus an ID<TAB>text file (.tsv, or id_column=True / --id-column yes)?",
                          stacklevel=2)
        epochs = resolve_epochs(n_tokens, epochs, dim)
        done, alpha, min_alpha = 0, gensim_model.alpha, gensim_model.min_alpha

    # one epoch per call, its share of the linear learning-rate decay given explicitly: the same
    # updates in the same order as one call over all epochs, with a checkpoint between epochs
    bar = _EpochBar(epochs, f"training {model}", disable=not progress)
    bar.bar.update(done)
    try:
        for epoch in range(done, epochs):
            gensim_model.train(corpus_iterable=corpus, total_examples=gensim_model.corpus_count,
                               total_words=n_tokens, epochs=1, callbacks=[bar.callback],
                               start_alpha=alpha - (alpha - min_alpha) * epoch / epochs,
                               end_alpha=alpha - (alpha - min_alpha) * (epoch + 1) / epochs)
            if checkpoint is not None:
                checkpoint.save(gensim_model, epoch + 1, epochs, (alpha, min_alpha), corpus)
    finally:
        bar.close()
    gensim_model.callbacks = ()
    gensim_model.epochs, gensim_model.alpha, gensim_model.min_alpha = epochs, alpha, min_alpha

    wv = gensim_model.wv
    words = list(wv.index_to_key)
    counts = np.array([wv.get_vecattr(w, "count") for w in words], dtype=np.int64)
    kv = make_keyed_vectors(words, wv.vectors[: len(words)])
    # gensim's set_vecattr takes one key at a time; fill the whole column at once.
    kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
    kv.expandos["count"][:] = counts
    if return_model:
        return kv, gensim_model
    return kv


def combine_runs(members):
    """One space from several trainings on the same corpus: the concatenation of each run's
    unit-length vectors, divided by ``sqrt(len(members))``.

    The cosine of two words in the result is the mean of their cosines over the runs, so
    neighbours that only one run's random start produced weigh less. Rows stay unit length.

    Parameters
    ----------
    members : list of gensim.models.KeyedVectors
        Same vocabulary (as the same corpus and ``min_count`` give), any dimensions.

    Returns
    -------
    kv : gensim.models.KeyedVectors
        Float32 of shape (n_words, sum of the dimensions), the first member's word order and
        counts.
    """
    from ..alignment.preprocess import unit

    from .io.embeddings import make_keyed_vectors, word_counts

    if not members:
        raise ValueError("combine_runs needs at least one KeyedVectors")
    words = list(members[0].index_to_key)
    parts = []
    for i, kv in enumerate(members):
        if len(kv) != len(words) or set(kv.index_to_key) != set(words):
            raise ValueError(f"run {i} has another vocabulary ({len(kv)} words against {len(words)}): the runs "
                             "of an ensemble must be trained on the same corpus with the same min_count")
        parts.append(unit(kv.vectors[[kv.key_to_index[w] for w in words]].astype(np.float32)))
    combined = make_keyed_vectors(words, np.concatenate(parts, axis=1) / np.float32(np.sqrt(len(parts))), copy=False)
    counts = word_counts(members[0])
    if counts is not None:
        combined.allocate_vecattrs(attrs=["count"], types=[np.int64])
        combined.expandos["count"][:] = counts
    return combined


def save_fasttext_model(model, path):
    """Write a gensim FastText model as a Facebook fastText ``.bin`` file, atomically.

    The file keeps the n-gram vectors, so ``load_embeddings(path)`` (or fastText itself) gives
    vectors to out-of-vocabulary words.
    """
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    from .io.atomic import atomic_path

    if not isinstance(model, FastText):
        raise TypeError(f"expected a gensim FastText model; got {type(model).__name__}")
    with atomic_path(path) as tmp:
        save_facebook_model(model, tmp)
    return os.fspath(path)


def save_model(model, path):
    """Save a trained model to one file, atomically.

    FastText -> Facebook ``.bin`` (:func:`save_fasttext_model`); Word2Vec -> one gensim pickle
    (``Word2Vec.load(path)``; ``load_embeddings(path, fmt='gensim')`` reads its vectors).
    """
    from gensim.models import FastText, Word2Vec

    from .io.atomic import atomic_path

    if isinstance(model, FastText):
        return save_fasttext_model(model, path)
    if not isinstance(model, Word2Vec):
        raise TypeError(f"expected a gensim Word2Vec or FastText model; got {type(model).__name__}")
    with atomic_path(path) as tmp:
        model.save(tmp, separately=[])
    return os.fspath(path)


def train_to_files(paths, out, *, save_model_to=None, report=None, binary=False, exclude_ids=None, max_lines=None,
                   lang=None, prefix_len=None, id_column="auto", runs=1, progress=True, model=DEFAULTS["model"],
                   dim=DEFAULTS["dim"], window=DEFAULTS["window"], min_count=DEFAULTS["min_count"],
                   epochs=DEFAULTS["epochs"], negative=DEFAULTS["negative"], sample=DEFAULTS["sample"],
                   min_n=DEFAULTS["min_n"], max_n=DEFAULTS["max_n"], workers=DEFAULTS["workers"], random_state=0,
                   checkpoint_dir=None):
    """Train on corpus files and write the vectors (and the full model, and a JSON report): what
    ``offramp train`` does. All files are written at the end, each to a temporary sibling renamed into
    place, so a failure leaves none of them.

    Parameters
    ----------
    paths : list of path-like
        Corpus files (see :class:`bootstrap.io.corpora.Corpus`).
    out : path-like
        The vectors (word2vec text, or binary with ``binary``).
    save_model_to : path-like, optional
        Also the full model (fastText ``.bin`` for ``fasttext``, a gensim file otherwise); one run only.
    report : path-like, optional
        Where to write the returned report as JSON.
    exclude_ids : path-like, optional
        A file of line ids to skip (see :func:`bootstrap.io.corpora.read_ids`).
    id_column : {'auto', 'yes', 'no'}
        Whether corpus lines start with ``ID<TAB>``.
    runs, model, dim, ..., random_state, checkpoint_dir
        See :func:`train_embeddings`.

    Returns
    -------
    dict
        ``command``, ``signature``, ``lang``, ``params``, ``n_tokens``, ``n_lines``, ``n_excluded``,
        ``n_words``, ``wall_s``, ``corpora``, ``out`` and ``model_out``.
    """
    from .errors import InputsError
    from .io.atomic import atomic_path, write_json
    from .io.corpora import read_ids
    from .io.embeddings import save_in
    from .signature import make_signature

    if save_model_to is not None and runs > 1:
        raise InputsError("save_model_to (--save-model) keeps one trained model; use it with one run (--runs 1)")
    ids = read_ids(exclude_ids) if exclude_ids is not None else None
    source = Corpus(paths, exclude_ids=ids, max_lines=max_lines, lang=lang, prefix_len=prefix_len,
                    id_column={"auto": "auto", "yes": True, "no": False}[id_column])
    params = dict(model=model, dim=dim, window=window, min_count=min_count, epochs=epochs, negative=negative,
                  sample=sample, min_n=min_n, max_n=max_n, workers=workers, random_state=random_state)
    start = time.perf_counter()
    kv, gensim_model = train_embeddings(source, progress=progress, return_model=True, runs=runs,
                                        checkpoint_dir=checkpoint_dir, **params)
    if runs > 1:
        gensim_model = gensim_model[0]
    params["epochs"] = gensim_model.epochs
    signature = make_signature(model=model, dim=dim, epochs=gensim_model.epochs, min_count=min_count,
                               seed=random_state, runs=runs if runs > 1 else None, lang=lang, prefix=prefix_len,
                               workers=workers)
    info = {"command": "train", "signature": signature, "lang": lang,
            "params": {**params, "runs": runs, "dim_out": kv.vector_size, "max_lines": max_lines,
                       "prefix_len": prefix_len, "id_column": id_column,
                       "exclude_ids": str(exclude_ids) if exclude_ids is not None else None},
            "n_tokens": source.n_tokens, "n_lines": source.n_lines, "n_excluded": source.n_excluded,
            "n_words": len(kv), "wall_s": None, "corpora": [str(p) for p in paths], "out": str(out),
            "model_out": str(save_model_to) if save_model_to is not None else None}
    with contextlib.ExitStack() as outputs:  # all files or none: each is renamed into place at the end
        save_in(outputs, kv, out, binary=binary)
        if save_model_to is not None:
            save_model(gensim_model, outputs.enter_context(atomic_path(save_model_to)))
        info["wall_s"] = round(time.perf_counter() - start, 3)
        if report is not None:
            write_json(outputs.enter_context(atomic_path(report)), info)
    return info
