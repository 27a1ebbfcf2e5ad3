"""Target-language tokenizers shaped like a source model's: trained afresh or extended.

Two ways to get a tokenizer for a new language:

``train_tokenizer``
    Train a fresh vocabulary with Hugging Face ``tokenizers`` using the *source* tokenizer's
    pipeline: same model type (WordPiece for BERT-style models, BPE or Unigram otherwise), same
    normaliser, pre-tokeniser, post-processor and special tokens. Only the vocabulary is new.
``extend_tokenizer``
    Keep the source vocabulary and add ``extend`` whole target-language words: those that the
    source tokenizer splits the most often (tokens saved = corpus count x (pieces - 1)), with the
    target words of an induced lexicon eligible even when rare in the corpus.

The LLM libraries (``transformers``, ``tokenizers``) are imported inside the functions, so the
rest of offramp works without the ``llm`` extra.
"""
import collections
import itertools
import os
import string

import numpy as np

from ..io.atomic import check_output_dir
from ..errors import FormatError
from ..signature import make_signature
from ._extend import _extend_bpe, _extend_unigram, _extend_wordpiece
from .hf import (copy_tokenizer, load_tokenizer, lowercases, pieces_per_word, save_tokenizer, special_tokens,
                 sync_post_processor, tokenizer_kind)


def _as_corpus(corpus, *, lowercase, exclude_ids, lang=None):
    """Paths (or one path) -> ``bootstrap.io.corpora.Corpus``; anything else is taken as token lists."""
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(p, (str, os.PathLike)) for p in corpus):
        from ..io.corpora import Corpus

        return Corpus([os.fspath(p) for p in corpus], lowercase=lowercase, exclude_ids=exclude_ids, lang=lang)
    if isinstance(corpus, (list, tuple)) and not corpus:
        raise ValueError("no corpus given; pass one or more text files")
    return corpus


def _describe(corpus):
    paths = getattr(corpus, "paths", None)
    if paths:
        return ", ".join(map(str, paths))
    return "the corpus"


def word_counts(corpus, *, lowercase=True, exclude_ids=None, lang=None):
    """Count the words of a corpus.

    Parameters
    ----------
    corpus : path, list of paths, or iterable of token lists
    lowercase : bool
    exclude_ids : collection of str, optional
        Verse/line ids to leave out (held-out evaluation data).
    lang : str, optional
        Language code of the text files: French, Italian, Catalan and Irish split elided articles
        off (``l'eau`` -> ``l'`` ``eau``), as ``offramp train --lang`` does.

    Returns
    -------
    counts : collections.Counter
    """
    counts = collections.Counter()
    corpus = _as_corpus(corpus, lowercase=lowercase, exclude_ids=exclude_ids, lang=lang)
    for tokens in corpus:
        counts.update(tokens)
    if not counts:
        raise ValueError(f"{_describe(corpus)}: the corpus holds no words; point to non-empty text files "
                         "(or check that --exclude-ids does not remove every line)")
    return counts


def train_tokenizer(corpus, *, like, vocab_size=16000, min_frequency=2, exclude_ids=None, lang=None,
                    progress=True):
    """Train a target-language tokenizer with the pipeline and special tokens of ``like``.

    Parameters
    ----------
    corpus : path, list of paths, or iterable of token lists
        Target-language text; Bible-style ``ID<TAB>text`` files are read by ``bootstrap.io.corpora``.
    like : PreTrainedTokenizerFast, or a model/tokenizer directory
        The source model's tokenizer. Its model type (WordPiece, BPE, Unigram), normaliser,
        pre-tokeniser, post-processor and special tokens are kept; only the vocabulary is learned.
    vocab_size : int, default 16000
        Size of the new vocabulary, special tokens included.
    min_frequency : int, default 2
        Pieces seen fewer times are not merged into the vocabulary (BPE, WordPiece).
    exclude_ids : collection of str, optional
        Line ids to hold out (e.g. evaluation verses), forwarded to the corpus reader.
    lang : str, optional
        Language of the text files, for their word splitting (see :func:`word_counts`).
    progress : bool, default True
        The tokenizers trainer's progress bar (stderr; it draws only on a terminal).

    Returns
    -------
    tokenizer : PreTrainedTokenizerFast
        Same class as ``like``; ``len(tokenizer) <= vocab_size`` unless the corpus has more distinct
        characters than that (every one is kept, as the trainers do).

    Raises
    ------
    ValueError
        For a vocabulary smaller than the special tokens plus one, or an empty corpus.
    """
    if not hasattr(like, "backend_tokenizer"):
        like = load_tokenizer(like)
    specials = special_tokens(like)
    if not isinstance(vocab_size, (int, np.integer)) or vocab_size <= len(specials):
        raise ValueError(f"vocab_size must be larger than the {len(specials)} special tokens "
                         f"({', '.join(specials)}); got {vocab_size}")
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1; got {min_frequency}")
    kwargs = {"min_frequency": min_frequency} if tokenizer_kind(like) in ("BPE", "WordPiece") else {}
    kwargs["show_progress"] = bool(progress)
    source = _as_corpus(corpus, lowercase=False, exclude_ids=exclude_ids, lang=lang)
    if hasattr(source, "texts"):
        # Files: the trainer reads the raw lines through the source's own normaliser and
        # pre-tokeniser, so it learns punctuation, case and word-start pieces as the model will
        # see them. Its word counts grow with the vocabulary, not the corpus. One line of ASCII
        # letters, digits and punctuation, alone and inside words, gives every one of them a piece
        # at a word start and within a word (numbers, foreign names), which a Bible may lack.
        texts = itertools.chain([ALPHABET_LINE], _checked_texts(source))
        return _trained(like, texts, vocab_size, kwargs)
    counts = word_counts(source, lowercase=lowercases(like))

    def lines(batch=1000):
        # The trainer sees each distinct word repeated by its count, via short pseudo-lines;
        # this keeps memory proportional to the vocabulary, not the corpus.
        words = []
        for word, count in counts.items():
            words.extend([word] * count)
            if len(words) >= batch:
                yield " ".join(words)
                words = []
        if words:
            yield " ".join(words)

    return _trained(like, lines(), vocab_size, kwargs)


def _trained(like, texts, vocab_size, kwargs):
    """``like.train_new_from_iterator``, with the ids its post-processor inserts (Llama 3's bos)
    renumbered as the special tokens were (see :func:`bootstrap.llm.hf.sync_post_processor`)."""
    tokenizer = like.train_new_from_iterator(texts, int(vocab_size), length=None, **kwargs)
    sync_post_processor(tokenizer)
    return tokenizer


_CHARS = string.ascii_lowercase + string.ascii_uppercase + string.digits
#: Prepended to a tokenizer's training text (see :func:`train_tokenizer`).
ALPHABET_LINE = " ".join([*_CHARS, *string.punctuation, _CHARS, _CHARS[::-1]])


def _checked_texts(corpus):
    """``corpus.texts()``, with an empty corpus raised as the ValueError of :func:`word_counts`."""
    try:
        yield from corpus.texts()
    except FormatError as exc:
        if "no text in the corpus" not in exc.message:
            raise
        raise ValueError(f"{_describe(corpus)}: the corpus holds no words; point to non-empty text files "
                         "(or check that --exclude-ids does not remove every line)") from None


def _candidates(counts, like, vocab, min_count, boost):
    """Words of ``counts`` worth a token: ``(merged, spelling)``, the corpus count of each normalised form
    not already in ``vocab`` (seen ``min_count`` times, or in ``boost``) and a corpus spelling of it."""
    normalizer = like.backend_tokenizer.normalizer
    merged = collections.Counter()
    spelling = {}  # normalised form -> a corpus word with that form (what the text holds)
    for word, count in counts.items():
        if count >= min_count or word in boost:
            form = normalizer.normalize_str(word) if normalizer is not None else word
            if form and not any(c.isspace() for c in form) and form not in vocab:
                merged[form] += count
                spelling.setdefault(form, word)
    return merged, spelling


def _rank_languages(per_language, pieces, extend, floor):
    """Forms of several languages, best first, for a shared budget of ``extend`` tokens.

    Each language's saving is counted per word of its own text (``count * (pieces - 1) / words``), so a
    large corpus does not crowd out a small one; a form of several languages sums its savings. Every
    language first gets its own best ``floor * extend / n_languages`` forms, taken in turn; the rest of
    the ranking follows the summed savings.

    Returns
    -------
    ranked : list of str
    floors : dict
        language -> forms it was guaranteed.
    """
    score = collections.defaultdict(float)
    own = {}
    for name, (merged, total) in per_language.items():
        mine = {f: c * (pieces[f] - 1) / total for f, c in merged.items() if pieces[f] > 1}
        for f, value in mine.items():
            score[f] += value
        own[name] = sorted(mine, key=lambda f: -mine[f])
    quota = int(floor * extend / max(1, len(per_language)))
    ranked, seen, floors = [], set(), {}
    for name, forms in own.items():
        floors[name] = [f for f in forms if f not in seen][:quota]
        seen.update(floors[name])
    for i in range(quota):  # in turn, so a budget that runs short still serves every language alike
        ranked.extend(floors[name][i] for name in own if i < len(floors[name]))
    ranked.extend(sorted((f for f in score if f not in seen), key=lambda f: -score[f]))
    return ranked, {name: len(forms) for name, forms in floors.items()}


def extend_tokenizer(corpus, *, like, extend, lexicon=None, min_count=5, exclude_ids=None, lang=None,
                     route="auto", floor=0.5, return_info=False):
    """Add up to ``extend`` tokens for whole target-language words to a copy of the source tokenizer.

    Candidates are corpus words seen at least ``min_count`` times, plus the target words of
    ``lexicon`` seen at least once, that ``like`` splits into 2 or more pieces. They are ranked by
    the tokens they save on the corpus, ``count * (pieces - 1)`` (a word the source maps to its unknown
    token counts one piece per character), and added best first, so every source token keeps its id
    and the new ones follow. Each word enters the model's own vocabulary in its running-text form
    (the word as it is after a space, normalised and pre-tokenised: ``Ġtalossa``, ``▁talossa``,
    ``talossa``), so it costs one token there:

    * BPE (GPT-2, SentencePiece BPE as Llama 2's): with merges appended after the source's (see
      :func:`bootstrap.llm._extend._extend_bpe`). A word decodes back exactly, and its intermediate merges (``Ġtaloss``)
      also serve its other forms; they count against ``extend``. A whole-word added token would
      cost two tokens after a space (``Ġ`` and the word), and in a Llama 2-style BPE (spaces
      marked by the normaliser) it never matches at all.
    * Unigram (XLM-R, mT5, T5): as a new piece with a log-probability score that makes Viterbi
      pick it whole (see :func:`bootstrap.llm._extend._extend_unigram`), where an added token would cost ``▁`` and the
      word after a space, and never match where the normaliser marks the spaces.
    * WordPiece (BERT): as a vocabulary entry (see :func:`bootstrap.llm._extend._extend_wordpiece`), which is also the
      first piece of the word's longer forms (``talossa`` ``##an``), where an added token matches
      whole words only.
    * Words that cannot enter the model so (the pre-tokeniser splits them, as ``l'eau`` in BERT,
      or no BPE merge chain reaches them), WordLevel models, and tokenizers whose added tokens'
      ids cannot be kept (see :func:`bootstrap.llm._extend._model_state`; Llama 3's reserved tokens can): as whole-word
      added tokens (``AddedToken(single_word=True)``, in the tokenizer's normalised form), one
      token of ``extend`` each.

    The token counts of each route on held-out text: docs/defaults.md, "Tokenizer extension routes".

    Several languages share one budget when ``corpus`` maps each language code to its corpus: every
    language's savings count per word of its own text, each first gets its best
    ``floor * extend / n_languages`` words, and the rest go to the words that save most across them.

    Parameters
    ----------
    corpus : path, list of paths, iterable of token lists, or dict
        One corpus, or ``{lang: corpus}`` for several languages at once (``lang`` is then each key).
    like : PreTrainedTokenizerFast, or a model/tokenizer directory
    extend : int
        How many tokens to add at most (fewer when fewer candidates exist).
    lexicon : path, optional
        An induced lexicon whose target words are eligible regardless of ``min_count``.
    min_count : int, default 5
    exclude_ids : collection of str, optional
    lang : str, optional
        Language of the text files, for their word splitting (see :func:`word_counts`).
    route : {'auto', 'added'}
        ``'auto'``: into the model's vocabulary for BPE, Unigram and WordPiece sources, added
        tokens otherwise; ``'added'``: added tokens for every source (to compare the two routes).
    floor : float, default 0.5
        With several languages: the share of ``extend`` split equally among them before the shared
        ranking (0: the shared ranking alone; 1: equal shares).
    return_info : bool
        Also return ``info``.

    Returns
    -------
    tokenizer : PreTrainedTokenizerFast
        ``len(like) < len(tokenizer) <= len(like) + extend`` when a word was added.
    added : list of str
        The words added (their normalised forms), best first; for BPE fewer than the tokens added,
        which include the intermediate merges.
    info : dict, with ``return_info``
        ``languages``: per language, ``candidates`` (words worth a token), ``added`` (of those, added)
        and ``floor`` (guaranteed words); one entry, ``lang`` or ``"-"``, for a single corpus.
    """
    if extend < 1:
        raise ValueError(f"extend must be a positive number of tokens; got {extend}")
    if route not in ("auto", "added"):
        raise ValueError(f"route must be 'auto' or 'added'; got {route!r}")
    if not hasattr(like, "backend_tokenizer"):
        like = load_tokenizer(like)
    from transformers import AddedToken

    if not 0 <= floor <= 1:
        raise ValueError(f"floor must lie in [0, 1]; got {floor}")
    corpora = dict(corpus) if isinstance(corpus, dict) else {lang or "-": corpus}
    if not corpora:
        raise ValueError("no corpus given; pass one corpus, or {lang: corpus} for several languages")
    boost = set()
    if lexicon is not None:
        from ..io.dictionaries import read_dictionary

        boost = {tgt.lower() if lowercases(like) else tgt for _, tgt in read_dictionary(lexicon)}
    vocab = like.get_vocab()
    per_language, spelling, merged = {}, {}, collections.Counter()
    for name, text in corpora.items():
        counts = word_counts(text, lowercase=lowercases(like), exclude_ids=exclude_ids,
                             lang=name if isinstance(corpus, dict) else lang)
        mine, spelled = _candidates(counts, like, vocab, min_count, boost)
        per_language[name] = (mine, sum(counts.values()))
        merged.update(mine)
        for form, word in spelled.items():
            spelling.setdefault(form, word)
    forms = list(merged)
    pieces = dict(zip(forms, pieces_per_word(like, forms, unknown_as_chars=True).tolist())) if forms else {}
    if len(corpora) == 1:
        saved = {f: merged[f] * (pieces[f] - 1) for f in forms}
        ranked = sorted((f for f in forms if saved[f] > 0), key=lambda f: -saved[f])  # stable: corpus order
        floors = {name: 0 for name in corpora}
    else:
        ranked, floors = _rank_languages(per_language, pieces, extend, floor)
    tokenizer = copy_tokenizer(like)
    words = [(f, spelling[f]) for f in ranked]
    kind = tokenizer_kind(like) if route == "auto" else None  # None: added tokens for every kind
    extended = None
    if kind == "BPE":
        extended = _extend_bpe(tokenizer, words, extend)
    elif kind == "Unigram":
        total = sum(n for _, n in per_language.values())
        extended = _extend_unigram(tokenizer, words, extend, {f: merged[f] / total for f in ranked})
    elif kind == "WordPiece":
        extended = _extend_wordpiece(tokenizer, words, extend)
    in_model, as_added = extended if extended is not None else (set(), ranked[:extend])
    tokenizer.add_tokens([AddedToken(w, single_word=True, normalized=True) for w in as_added])
    chosen = in_model | set(as_added)
    added = [w for w in ranked if w in chosen]
    if not return_info:
        return tokenizer, added
    info = {"languages": {name: {"candidates": sum(pieces[f] > 1 for f in mine), "added": len(chosen & set(mine)),
                                 "floor": floors[name]} for name, (mine, _) in per_language.items()}}
    return tokenizer, added, info


def build_tokenizer(corpus, *, like, out, vocab_size=16000, extend=None, lexicon=None, min_frequency=2,
                    min_count=5, exclude_ids=None, lang=None, floor=0.5, overwrite=True, progress=True):
    """Train (or, with ``extend``, extend) a tokenizer like ``like`` and write it to ``out``.

    Parameters
    ----------
    corpus : path, list of paths, or dict
        ``{lang: path or paths}`` for several languages: with ``extend`` they share the budget (see
        :func:`extend_tokenizer`), without it one vocabulary is trained on all their text.
    like : str or path-like
        The source model (or tokenizer) directory.
    out : str or path-like
        Output directory, loadable with ``AutoTokenizer.from_pretrained``; written atomically.
    vocab_size : int, default 16000
        For a new vocabulary (ignored with ``extend``).
    extend : int, optional
        Keep the source vocabulary and add this many target words (see :func:`extend_tokenizer`).
    lexicon : path, optional
        Induced lexicon whose target words are eligible for ``extend``.
    min_frequency, min_count, exclude_ids, overwrite
        See :func:`train_tokenizer`, :func:`extend_tokenizer`, :func:`bootstrap.io.atomic.atomic_dir`.
    lang : str, optional
        Language of the corpus, for its word splitting (see :func:`word_counts`).
    floor : float, default 0.5
        With several languages and ``extend``: the share of the budget split equally among them.
    progress : bool, default True
        The trainer's progress bar (see :func:`train_tokenizer`).

    Returns
    -------
    info : dict
        ``{"mode", "kind", "n_tokens", "n_source_tokens", "n_added", "n_added_words", "added_examples",
        "special_tokens", "out"}``: ``n_added`` counts new tokens, ``n_added_words`` the words they
        spell (fewer for BPE, whose intermediate merges are tokens too); with several languages and
        ``extend`` also ``languages`` (per language: ``candidates``, ``added``, ``floor``).
    """
    several = isinstance(corpus, dict)
    codes = ",".join(corpus) if several else lang
    if several and lang is not None:
        raise ValueError("give the languages as the keys of the corpus mapping, not also as lang")
    paths = []
    for part in (corpus.values() if several else [corpus]):
        paths.extend([part] if isinstance(part, (str, os.PathLike)) else
                     [p for p in part if isinstance(p, (str, os.PathLike))])
    inputs = [like, lexicon, *paths]
    check_output_dir(out, inputs, overwrite)  # now, not after the training
    source = load_tokenizer(like)
    languages = None
    if extend is not None:
        tokenizer, added, info = extend_tokenizer(corpus, like=source, extend=extend, lexicon=lexicon,
                                                  min_count=min_count, exclude_ids=exclude_ids, lang=lang,
                                                  floor=floor, return_info=True)
        languages = info["languages"] if several else None
        mode = "extend"
    else:
        if several:  # one vocabulary trained on every language's text together
            corpus = paths
        if lexicon is not None:
            raise ValueError("a lexicon is used only with --extend (it picks the words to add); drop --lexicon "
                             "or add --extend N")
        tokenizer = train_tokenizer(corpus, like=source, vocab_size=vocab_size, min_frequency=min_frequency,
                                    exclude_ids=exclude_ids, lang=lang, progress=progress)
        added = []
        mode = "train"
    save_tokenizer(tokenizer, out, overwrite=overwrite, protect=inputs)
    kind, train = tokenizer_kind(tokenizer), mode == "train"
    signature = make_signature(tokenizer=kind, mode=mode, vocab=vocab_size if train else None,
                               min_frequency=min_frequency if train else None, extend=extend,
                               min_count=None if train else min_count, lexicon="yes" if lexicon else None,
                               lang=codes,
                               floor=floor if languages else None, held_out="yes" if exclude_ids else None)
    notes = []
    if train and len(tokenizer) > vocab_size:
        notes.append(f"the tokenizer has {len(tokenizer)} tokens, more than --vocab-size {vocab_size}: the trainer "
                     "keeps every character of the corpus and the special tokens, so no smaller vocabulary can "
                     "cover it; ask for at least that many")
    return {"mode": mode, "kind": kind, "n_tokens": len(tokenizer), "vocab_size": vocab_size if train else None,
            "warnings": notes,
            "n_source_tokens": len(source), "n_added": len(tokenizer) - len(source), "n_added_words": len(added),
            "added_examples": added[:20],
            "special_tokens": special_tokens(tokenizer), "out": os.fspath(out), "signature": signature,
            **({"languages": languages} if languages else {})}
