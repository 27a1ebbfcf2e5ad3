"""WECHSEL and FOCUS, run through their authors' packages offline, for the transfer benchmark.

Both packages are an optional extra (``pip install offramp[peers]``: ``wechsel``, ``deepfocus``; they
pull in the ``fasttext`` C++ package, ``datasets``, ``nltk``, ``entmax``, ``fastdist`` and ``numba``)
and are imported inside the functions. Their methods run unmodified; what this module changes is
only what they read and where they write, so that nothing is downloaded:

WECHSEL (Minixhofer et al. 2022; package ``wechsel`` 0.0.4), :func:`wechsel_matrix`
    ``WECHSEL(source, target, align_strategy="bilingual_dictionary", bilingual_dictionary=PATH)`` then
    ``.apply(source_tokenizer, target_tokenizer, source_matrix)`` with the package's defaults
    (fastText subword vectors of the token strings, Procrustes on the dictionary, 10 neighbours,
    temperature 0.1, special tokens copied). Changed: (1) the fastText models are not the
    ``cc.XX.300.bin`` files its ``load_embeddings`` downloads, but models trained with gensim (offramp's
    training), written in Facebook's ``.bin`` format by gensim's ``save_facebook_model``
    (:func:`save_fasttext_bin`) and loaded with ``fasttext.load_model``: WECHSEL gets genuine
    ``fasttext`` models, whose word and subword vectors equal gensim's. (2) The dictionary must be an
    existing file (here MUSE's ``en-XX.0-5000.txt``): the package downloads a dictionary from GitHub
    whenever the argument is not a path, so a missing file raises FileNotFoundError instead. (3) Two
    inputs the package mishandles are refused first: models of different dimensions (its
    ``reduce_model`` call shrinks the source model in both branches) and a dictionary with no pair in
    both vocabularies (its Procrustes step fails with an IndexError).
FOCUS (Dobler and de Melo 2023; package ``deepfocus`` 1.0.1), :func:`focus_matrix`
    ``FOCUS(target_tokenizer, source_tokenizer, source_embeddings,
    auxiliary_embedding_mode="fasttext-tokenlevel", target_training_data_path=TEXT)`` with the
    package's defaults: it tokenises the ``.txt`` file with the target tokenizer (``datasets``), trains
    its own auxiliary fastText (``fasttext.train_unsupervised``, CBOW, dimension 100, 3 epochs,
    ``minCount`` 10), copies the source rows of exactly matching tokens and gives every other token a
    sparsemax mix of them. Changed: ``cache_dir`` replaces, for the call only, the package's cache
    folder (``deepfocus.fasttext_embs.CACHE_DIR``, ``~/.cache/deepfocus``: the tokenised text and the
    fastText model) and ``datasets``' cache (``datasets.config.HF_DATASETS_CACHE``), and ``datasets`` is
    held offline for the call (its ``HF_HUB_OFFLINE``, ``HF_DATASETS_OFFLINE`` and download-count ping). The
    ``language_identifier`` mode, which downloads ``cc.XX.300.bin``, is never used.
"""
import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_open, atomic_path

__all__ = ["save_fasttext_bin", "write_text", "dictionary_pairs", "wechsel_matrix", "focus_matrix"]


def save_fasttext_bin(model, path):
    """Write a gensim ``FastText`` model in Facebook's binary format, which ``fasttext.load_model`` reads.

    Parameters
    ----------
    model : gensim.models.FastText
        The trained model (``train_embeddings(..., return_model=True)``), not its plain vectors: the
        file keeps the character n-gram buckets that give vectors to unseen strings.
    path : str or path-like
        Written atomically.

    Returns
    -------
    path : Path
    """
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    if not isinstance(model, FastText):
        raise TypeError(f"need a gensim FastText model (with its n-gram buckets); got {type(model).__name__}")
    with atomic_path(path) as tmp:
        save_facebook_model(model, tmp)
    return Path(path)


def write_text(lines, path):
    """Write ``lines`` (strings) one per line to ``path`` (UTF-8, atomically): the text file FOCUS trains on.

    Returns
    -------
    path : Path
    """
    if Path(path).suffix != ".txt":
        raise ValueError(f"{path}: FOCUS reads only .txt (or .json/.jsonl) files; name it *.txt")
    n = 0
    with atomic_open(path) as handle:
        for line in lines:
            line = " ".join(str(line).split())  # one text per line, whatever newlines it held
            if line:
                handle.write(line + "\n")
                n += 1
    if not n:
        raise ValueError(f"{path}: no text to write")
    return Path(path)


def _fasttext_model(source, folder):
    """A ``fasttext`` model from a ``.bin`` path, or from a gensim ``FastText`` written to ``folder``."""
    import fasttext

    if not isinstance(source, (str, os.PathLike)):
        source = save_fasttext_bin(source, Path(folder) / f"model{len(os.listdir(folder))}.bin")
    if not Path(source).is_file():
        raise FileNotFoundError(f"{source}: no such fastText model file")
    return fasttext.load_model(str(source))


def _read_dictionary(path):
    """``(source, target)`` pairs of a dictionary file, split as WECHSEL splits them (tab, else whitespace)."""
    pairs = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.strip().split("\t")
            parts = parts if len(parts) == 2 else line.split()
            if len(parts) == 2:
                pairs.append(tuple(parts))
    return pairs


def dictionary_pairs(source_model, target_model, dictionary):
    """How many dictionary lines WECHSEL's Procrustes step can use: both words (as written, lowercased or
    title-cased, as the package tries them) in the vocabularies of the two ``fasttext`` models."""
    def known(model, word):
        return any(model.get_word_id(w) != -1 for w in (word, word.lower(), word.title()))

    return sum(known(source_model, s) and known(target_model, t) for s, t in _read_dictionary(dictionary))


def _as_numpy(matrix):
    if hasattr(matrix, "detach"):
        matrix = matrix.detach().cpu().numpy()
    return np.asarray(matrix)


def wechsel_matrix(source_tokenizer, target_tokenizer, source_matrix, *, source_fasttext, target_fasttext,
                   dictionary, neighbors=10, temperature=0.1):
    """The target tokenizer's input embeddings initialised by the ``wechsel`` package.

    Parameters
    ----------
    source_tokenizer, target_tokenizer : transformers tokenizer
    source_matrix : array or torch.Tensor, shape (len(source_tokenizer), hidden)
        The source model's input embeddings.
    source_fasttext, target_fasttext : path of a Facebook ``.bin`` file, or gensim ``FastText``
        fastText models of the source and target language, of the same dimension (see
        :func:`save_fasttext_bin`).
    dictionary : str or path-like
        An existing bilingual dictionary file, ``source<TAB>target`` (or space) per line, e.g. MUSE's
        ``en-fi.0-5000.txt``; the package would download one for a name that is not a file.
    neighbors, temperature
        ``WECHSEL.apply``'s, at the package's defaults.

    Returns
    -------
    matrix : ndarray, float32, shape (len(target_tokenizer), hidden)
    info : dict
        ``dictionary_pairs`` (lines with both words in the vocabularies), ``not_found`` (target tokens
        with a zero fastText vector, given random rows) and ``sources`` (token -> its neighbours, their
        weights and similarities), the last two from the package.
    """
    if not Path(dictionary).is_file():
        raise FileNotFoundError(f"{dictionary}: no such dictionary file (WECHSEL would download one by that "
                                "name; give a local file, e.g. the MUSE en-XX.0-5000.txt)")
    import wechsel

    source_matrix = _as_numpy(source_matrix)
    with tempfile.TemporaryDirectory(prefix="offramp-wechsel-") as folder:
        source = _fasttext_model(source_fasttext, folder)
        target = _fasttext_model(target_fasttext, folder)
    if source.get_dimension() != target.get_dimension():
        raise ValueError(f"the fastText models have dimensions {source.get_dimension()} and "
                         f"{target.get_dimension()}; train both with the same one")
    n_pairs = dictionary_pairs(source, target, dictionary)
    if not n_pairs:
        raise ValueError(f"{dictionary}: no line has both words in the two fastText vocabularies; WECHSEL "
                         "aligns the spaces on those pairs")
    method = wechsel.WECHSEL(source, target, align_strategy="bilingual_dictionary",
                             bilingual_dictionary=str(dictionary))
    matrix, info = method.apply(source_tokenizer, target_tokenizer, source_matrix, neighbors=neighbors,
                                temperature=temperature)
    return np.asarray(matrix, dtype=np.float32), {"dictionary_pairs": int(n_pairs), "not_found": info.not_found,
                                                  "sources": info.sources}


@contextlib.contextmanager
def _focus_caches(cache_dir):
    """For the block: ``datasets`` offline (it reads a local text file; imported before ``HF_DATASETS_OFFLINE``
    was set, it would look for the hub), and deepfocus's cache folder and datasets' cache in ``cache_dir``
    (kept where they are for None)."""
    import datasets.config
    import deepfocus.fasttext_embs as embs

    config = datasets.config
    names = ("HF_DATASETS_CACHE", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_UPDATE_DOWNLOAD_COUNTS")
    saved = embs.CACHE_DIR, {name: getattr(config, name) for name in names if hasattr(config, name)}
    for name in names[1:]:  # offline, and no download-count ping for the local "text" builder
        if hasattr(config, name):
            setattr(config, name, name != "HF_UPDATE_DOWNLOAD_COUNTS")
    if cache_dir is not None:
        embs.CACHE_DIR = Path(cache_dir).resolve()
        config.HF_DATASETS_CACHE = Path(cache_dir).resolve() / "datasets"
    try:
        yield
    finally:
        embs.CACHE_DIR = saved[0]
        for name, value in saved[1].items():
            setattr(config, name, value)


def focus_matrix(source_tokenizer, target_tokenizer, source_matrix, *, target_text, cache_dir=None, epochs=3,
                 dim=100, min_count=10, processes=None, seed=42, verbosity="silent"):
    """The target tokenizer's input embeddings initialised by the ``deepfocus`` package (FOCUS).

    Parameters
    ----------
    source_tokenizer, target_tokenizer : transformers tokenizer
    source_matrix : array or torch.Tensor, shape (len(source_tokenizer), hidden)
    target_text : str or path-like
        A ``.txt`` file of target-language text, one text per line (:func:`write_text`): FOCUS tokenises
        it with ``target_tokenizer`` and trains its auxiliary fastText vectors of the tokens on it.
    cache_dir : str or path-like, optional
        Where the package keeps the tokenised text, the fastText model (keyed by the text's path, the
        tokenizer and the options below) and the ``datasets`` cache; None keeps its own
        (``~/.cache/deepfocus``, ``~/.cache/huggingface/datasets``).
    epochs, dim, min_count
        The auxiliary fastText's, at the package's defaults.
    processes : int, optional
        Processes for the tokenisation and threads for fastText (None: every CPU, as the package).
    seed : int
        FOCUS's generator for the random rows of tokens without an auxiliary vector.
    verbosity : {'silent', 'info', 'debug'}

    Returns
    -------
    matrix : ndarray, float32, shape (len(target_tokenizer), hidden)
    """
    target_text = Path(target_text)
    if not target_text.is_file():
        raise FileNotFoundError(f"{target_text}: no such text file")
    if target_text.suffix != ".txt":
        raise ValueError(f"{target_text}: FOCUS reads only .txt (or .json/.jsonl) files; name it *.txt")
    import torch
    from deepfocus import FOCUS

    source = torch.as_tensor(_as_numpy(source_matrix))
    with _focus_caches(cache_dir):
        matrix = FOCUS(target_tokenizer=target_tokenizer, source_tokenizer=source_tokenizer,
                       source_embeddings=source, auxiliary_embedding_mode="fasttext-tokenlevel",
                       target_training_data_path=str(target_text.resolve()), fasttext_model_epochs=epochs,
                       fasttext_model_dim=dim, fasttext_model_min_count=min_count, processes=processes, seed=seed,
                       verbosity=verbosity)
    return matrix.cpu().numpy().astype(np.float32)
