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
from .hf import (copy_tokenizer, load_tokenizer, lowercases, plain_backend, save_tokenizer,
                 pieces_per_word, special_tokens, tokenizer_kind, word_prefix)


def _as_corpus(corpus, *, lowercase, exclude_ids, lang=None):
    """Paths (or one path) -> ``bootstrap.corpora.Corpus``; anything else is taken as token lists."""
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
        Target-language text; Bible-style ``ID<TAB>text`` files are read by ``bootstrap.corpora``.
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
        Same class as ``like``; ``len(tokenizer) <= vocab_size``.

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
        return like.train_new_from_iterator(texts, int(vocab_size), length=None, **kwargs)
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

    return like.train_new_from_iterator(lines(), int(vocab_size), length=None, **kwargs)


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


def extend_tokenizer(corpus, *, like, extend, lexicon=None, min_count=5, exclude_ids=None, lang=None,
                     route="auto"):
    """Add up to ``extend`` tokens for whole target-language words to a copy of the source tokenizer.

    Candidates are corpus words seen at least ``min_count`` times, plus the target words of
    ``lexicon`` seen at least once, that ``like`` splits into 2 or more pieces. They are ranked by
    the tokens they save on the corpus, ``count * (pieces - 1)`` (a word the source maps to its unknown
    token counts one piece per character), and added best first, so every source token keeps its id
    and the new ones follow. Each word enters the model's own vocabulary in its running-text form
    (the word as it is after a space, normalised and pre-tokenised: ``Ġtalossa``, ``▁talossa``,
    ``talossa``), so it costs one token there:

    * BPE (GPT-2, SentencePiece BPE as Llama 2's): with merges appended after the source's (see
      :func:`_extend_bpe`). A word decodes back exactly, and its intermediate merges (``Ġtaloss``)
      also serve its other forms; they count against ``extend``. On Finnish verses held out from
      the corpus, with a byte-level BPE of 8000 tokens trained on an English Bible: 155.6k tokens,
      115.8k with 2000 added tokens, 101.0k this way (80.1k against 102.8k with 8000). With a
      Llama 2-style BPE (spaces marked by the normaliser), whole-word added tokens never match:
      154.9k either way, 93.9k this way.
    * Unigram (XLM-R, mT5, T5): as a new piece with a log-probability score that makes Viterbi
      pick it whole (see :func:`_extend_unigram`). Same setting, an XLM-R-like Metaspace Unigram of
      8000 pieces: 192.0k tokens, 137.1k with 2000 added tokens (a word after a space costs ``▁``
      and the word), 110.1k this way (85.9k against 119.0k with 8000). Where the normaliser marks
      the spaces, added tokens never match, as in the Llama 2-style BPE.
    * WordPiece (BERT): as a vocabulary entry (see :func:`_extend_wordpiece`), which is also the
      first piece of the word's longer forms (``talossa`` ``##an``), where an added token matches
      whole words only. Same setting, a cased BERT-like WordPiece of 8000 tokens: 105.1k tokens
      (a word with a letter the source lacks is one ``[UNK]``), 76.6k with 2000 added tokens, 74.7k
      this way (61.2k against 64.1k with 8000).
    * Words that cannot enter the model so (the pre-tokeniser splits them, as ``l'eau`` in BERT,
      or no BPE merge chain reaches them), WordLevel models, and tokenizers whose added tokens'
      ids cannot be kept (see :func:`_model_state`; Llama 3's reserved tokens can): as whole-word
      added tokens (``AddedToken(single_word=True)``, in the tokenizer's normalised form), one
      token of ``extend`` each.

    Parameters
    ----------
    corpus : path, list of paths, or iterable of token lists
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
        tokens otherwise; ``'added'``: added tokens for every source (the comparison of
        benchmarks/extend_bpe.py).

    Returns
    -------
    tokenizer : PreTrainedTokenizerFast
        ``len(like) < len(tokenizer) <= len(like) + extend`` when a word was added.
    added : list of str
        The words added (their normalised forms), best first; for BPE fewer than the tokens added,
        which include the intermediate merges.
    """
    if extend < 1:
        raise ValueError(f"extend must be a positive number of tokens; got {extend}")
    if route not in ("auto", "added"):
        raise ValueError(f"route must be 'auto' or 'added'; got {route!r}")
    if not hasattr(like, "backend_tokenizer"):
        like = load_tokenizer(like)
    from transformers import AddedToken

    counts = word_counts(corpus, lowercase=lowercases(like), exclude_ids=exclude_ids, lang=lang)
    boost = set()
    if lexicon is not None:
        from ..io.dictionaries import read_dictionary

        boost = {tgt.lower() if lowercases(like) else tgt for _, tgt in read_dictionary(lexicon)}
    normalizer = like.backend_tokenizer.normalizer
    vocab = like.get_vocab()
    merged = collections.Counter()
    spelling = {}  # normalised form -> a corpus word with that form (what the text holds)
    for word, count in counts.items():
        if count >= min_count or word in boost:
            form = normalizer.normalize_str(word) if normalizer is not None else word
            if form and not any(c.isspace() for c in form) and form not in vocab:
                merged[form] += count
                spelling.setdefault(form, word)
    forms = list(merged)
    pieces = pieces_per_word(like, forms, unknown_as_chars=True)
    saved = np.array([merged[f] for f in forms], dtype=np.int64) * (pieces - 1)
    order = np.argsort(-saved, kind="stable")
    ranked = [forms[i] for i in order if saved[i] > 0]
    tokenizer = copy_tokenizer(like)
    words = [(f, spelling[f]) for f in ranked]
    kind = tokenizer_kind(like) if route == "auto" else None  # None: added tokens for every kind
    extended = None
    if kind == "BPE":
        extended = _extend_bpe(tokenizer, words, extend)
    elif kind == "Unigram":
        total = sum(counts.values())
        extended = _extend_unigram(tokenizer, words, extend, {f: merged[f] / total for f in ranked})
    elif kind == "WordPiece":
        extended = _extend_wordpiece(tokenizer, words, extend)
    in_model, as_added = extended if extended is not None else (set(), ranked[:extend])
    tokenizer.add_tokens([AddedToken(w, single_word=True, normalized=True) for w in as_added])
    chosen = in_model | set(as_added)
    return tokenizer, [w for w in ranked if w in chosen]


def _model_state(tokenizer):
    """The tokenizer's serialised backend (a dict) with every added token in the model's vocabulary
    at its own id, or ``None`` when that cannot be done.

    ``tokenizers`` gives an added token that is not also a model entry the id after the model's
    vocabulary, counted anew each time the tokenizer is built: in a tokenizer with such tokens
    (Llama 3's 256 reserved special tokens after its 128,000 BPE tokens), a token appended to the
    model as it is would take the id of the first of them and push them all up by one (two tokens
    on one id, special ids moved). So such tokens are first written into the model's vocabulary at
    the ids they have, as GPT-2's vocabulary holds ``<|endoftext|>``; new model entries then follow
    them. An added token is matched before the model, so the model never produces these entries
    itself, and every token keeps its id and its meaning. An added token that is already a model
    entry (XLM-R's ``<mask>``, BERT's ``[CLS]``) needs nothing.

    Returns ``None`` for models without a vocabulary in their serialised form (WordLevel keeps
    one too, but has no way to use a new entry), and when an added token's id is taken by another
    model entry, or, in a Unigram model (ids are list positions), when the out-of-model added tokens
    do not follow the vocabulary's end one after another.
    """
    import json

    state = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab = state.get("model", {}).get("vocab")
    added = sorted(state.get("added_tokens") or [], key=lambda t: t["id"])
    if isinstance(vocab, list):  # Unigram: [piece, score] pairs, ids are positions
        lowest = min((score for _, score in vocab), default=0.0)
        for t in added:
            if t["id"] < len(vocab):
                if vocab[t["id"]][0] != t["content"]:
                    return None
            elif t["id"] == len(vocab):
                vocab.append([t["content"], lowest])  # never the model's choice: matched before it
            else:
                return None
    elif isinstance(vocab, dict):
        ids = set(vocab.values())
        for t in added:
            if vocab.get(t["content"]) == t["id"]:
                continue
            if t["content"] in vocab or t["id"] in ids:
                return None
            vocab[t["content"]] = t["id"]
            ids.add(t["id"])
    else:
        return None
    return state


def _running_form(backend, prefix, word):
    """``word`` as the model sees it after a space: ``prefix + word`` normalised and pre-tokenised
    (``Ġtalossa``, ``▁talossa``, ``talossa``), or ``None`` when the pre-tokeniser splits it."""
    text = prefix + word
    if backend.normalizer is not None:
        text = backend.normalizer.normalize_str(text)
    pre = backend.pre_tokenizer.pre_tokenize_str(text) if backend.pre_tokenizer is not None else [(text, None)]
    return pre[0][0] if len(pre) == 1 else None


def _set_backend(tokenizer, state):
    """Swap the tokenizer's backend for one built from ``state``, in place.

    transformers keeps the backend there, so the wrapper keeps its class, special tokens and
    settings; a new PreTrainedTokenizerFast would lose them.
    """
    import json

    from tokenizers import Tokenizer

    tokenizer._tokenizer = Tokenizer.from_str(json.dumps(state))


def _single_tokens(tokenizer, texts):
    """The id of each of ``texts`` that the tokenizer encodes as exactly one token, else ``None``."""
    backend = plain_backend(tokenizer)
    return [e.ids[0] if len(e.ids) == 1 else None for e in backend.encode_batch(texts, add_special_tokens=False)]


def _extend_bpe(tokenizer, words, budget):
    """Add ``words`` to a BPE tokenizer's own vocabulary, in place, within ``budget`` new tokens.

    ``words`` holds ``(form, word)`` pairs: the normalised form that names it (and that an added
    token would hold), and a spelling from the corpus, which is normalised and pre-tokenised here
    as in running text.

    An added token (the other kinds' route) is matched before the pre-tokeniser, so in a byte-level
    or Metaspace BPE a word after a space would cost two tokens (``Ġ`` and the word). Here each word
    becomes a vocabulary entry in its running-text form (``Ġtalossa``, ``▁talossa``), reached by
    merges appended after the source's: from the word's current pieces (``Ġtal`` ``oss`` ``a``),
    ``Ġtal + oss`` then ``Ġtaloss + a``. Appended merges rank last, so they only join pieces the
    source merges produced; every source token keeps its id, and other words change only where they
    start with such a chain. A word's intermediate tokens (``Ġtaloss``) count against ``budget``;
    words that would exceed it are skipped.

    A character the source vocabulary lacks (``ä`` in an English SentencePiece BPE, which gives
    ``<unk>`` or byte-fallback tokens for it) becomes a token of its own first, at one token of the
    budget, so that the word's chain can go through it. A word that merges cannot reach (the
    pre-tokeniser splits it, or its pieces do not spell it, as with a ``##`` continuation prefix)
    is left for the caller to add as an added token, at one token of the budget; with a byte-level
    decoder, only if it is ASCII (the decoder garbles an added token's other characters).

    Returns
    -------
    None
        When the model cannot be extended this way (no vocabulary or merges in its serialised form,
        or added tokens whose ids :func:`_model_state` cannot keep); ``tokenizer`` is unchanged.
    merged, as_added : set of str, list of str
        The forms now reached by merges, and those to add as added tokens, in ``words``' order.
    """
    import json

    state = _model_state(tokenizer)
    if state is None:
        return None
    backend = tokenizer.backend_tokenizer
    model = state["model"]
    vocab, merges = model.get("vocab"), model.get("merges")
    if not isinstance(vocab, dict) or not isinstance(merges, list):
        return None
    as_lists = bool(merges) and isinstance(merges[0], list)
    known = {tuple(m) if as_lists else tuple(m.split(" ", 1)) for m in merges}
    next_id = 1 + max(vocab.values(), default=-1)
    # the source's entries: the model below (the source's) knows only these, so a character added
    # for an earlier word must still be its own piece when a later word is split
    source = set(vocab)
    prefix = word_prefix(backend)
    # a byte-level decoder reads an added token's text as byte symbols, so a non-ASCII added word
    # would decode garbled (pitää -> pit\ufffd\ufffd): such words are only added through merges
    byte_level = "ByteLevel" in json.dumps(state.get("decoder"))
    merged, as_added, n_new = set(), [], 0
    for form, word in words:
        text = _running_form(backend, prefix, word)
        pieces = _model_pieces(backend.model, source, text) if text is not None else []
        if len(pieces) < 2 or "".join(pieces) != text:
            if n_new < budget and not (byte_level and not form.isascii()):
                as_added.append(form)
                n_new += 1
            continue
        chain, current = [], pieces[0]
        for piece in pieces[1:]:
            chain.append((current, piece))
            current += piece
        # characters the source lacks first, then the chain's tokens, each once
        new = list(dict.fromkeys(t for t in [*sorted(set(pieces)), *(a + b for a, b in chain)] if t not in vocab))
        if n_new + len(new) > budget:
            continue
        for token in new:
            vocab[token] = next_id
            next_id += 1
        n_new += len(new)
        for pair in chain:
            if pair not in known:
                merges.append(list(pair) if as_lists else " ".join(pair))
                known.add(pair)
        merged.add(form)
    if merged:
        _set_backend(tokenizer, state)
    return merged, as_added


#: Score margin (nats) of a new Unigram piece over the best segmentation of its text without it.
#: Viterbi sums float64 scores; a word's few dozen terms round off by ~1e-13, so 1e-3 settles the
#: comparison for the word itself. Where this floor decides the score (a rare word), the piece is
#: preferred to exactly that segmentation by a factor of e^0.001 in probability, so inside longer
#: words it stands in for that segmentation and otherwise changes only near-ties.
UNIGRAM_MARGIN = 1e-3
#: What ``tokenizers`` (as SentencePiece) scores a character without a piece of its own: the lowest
#: piece score minus this.
_UNK_PENALTY = 10.0


def _best_segmentation_score(text, scores, max_len, unk_score):
    """The score of the Viterbi segmentation of ``text`` into pieces of ``scores`` (dict piece -> score).

    As ``tokenizers``' Unigram lattice: every piece that matches at a position, and at a position
    where no single-character piece matches, the unknown token (``unk_score``; byte-fallback tokens
    replace it only after Viterbi).
    """
    best = [0.0] + [-np.inf] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - max_len), end):
            score = scores.get(text[start:end])
            if score is not None and best[start] + score > best[end]:
                best[end] = best[start] + score
        if text[end - 1] not in scores:
            best[end] = max(best[end], best[end - 1] + unk_score)
    return best[-1]


def _extend_unigram(tokenizer, words, budget, frequency):
    """Add ``words`` to a Unigram tokenizer's own vocabulary as new pieces, in place, one token of
    ``budget`` each.

    ``words`` holds ``(form, word)`` pairs as in :func:`_extend_bpe`; ``frequency`` maps each form
    to its share of the corpus's running words. An added token is matched before the
    pre-tokeniser, so in a Metaspace Unigram (XLM-R, mT5: ``▁`` marks word starts) a word after a
    space costs two tokens (``▁`` and the word), and where the normaliser turns spaces into ``▁``
    it never matches. Here each word becomes a piece in its running-text form (``▁talossa``),
    appended after the source's pieces, scored

        max(log frequency, best segmentation score + UNIGRAM_MARGIN, lowest source score).

    ``log frequency`` is what a unigram language model fitted on the target corpus would give the
    whole word, so frequent words also compete as pieces of their longer forms (``▁talossa`` in
    ``▁talossaan``) on the scale of the source's log-probabilities. The second term makes Viterbi
    pick the piece for the word itself: the best segmentation is that of its text over the source
    pieces and the shorter new ones (scored first, shortest first, so no later piece can undercut
    an earlier one), with ``<unk>`` at ``tokenizers``' unknown score wherever a character has no
    piece (byte-fallback tokens replace it only after Viterbi). The third keeps the lowest score,
    and with it that unknown score, as in the source, so no text without new pieces changes.

    Measured on the setting of benchmarks/README.md, section 4b (an 8000-piece Unigram trained on
    an English Bible, 2000 Finnish words): the log frequency is the larger term for every word.
    Scoring by the floor alone gives nearly the same held-out tokens (110,098 against 110,077;
    85,882 against 85,863 with 8000 words) and uses the new pieces inside longer words about as
    often (5,452 against 5,538 running words). The floor alone never made a held-out word longer
    than the source made it; the log frequency did so for 12 of 33,852 running words.

    The words are checked to be one token each afterwards; a word whose running-text form is a
    source piece already (Viterbi prefers a split to it) or that the pre-tokeniser splits, and any
    word the check finds split, is left for the caller to add as an added token, at one token of
    the budget.

    Returns
    -------
    None
        When the tokenizer cannot be extended this way (see :func:`_model_state`); unchanged.
    in_model, as_added : set of str, list of str
        The forms now one piece, and those to add as added tokens, in ``words``' order.
    """
    import math

    state = _model_state(tokenizer)
    if state is None or not isinstance(state["model"].get("vocab"), list):
        return None
    backend = tokenizer.backend_tokenizer
    prefix = word_prefix(backend)
    source = state["model"]["vocab"]
    scores = {piece: score for piece, score in source}
    lowest = min(scores.values())
    new, as_added = _one_piece_candidates(backend, prefix, words, budget, lambda piece: piece not in scores)
    max_len = max(map(len, scores), default=1)
    for piece in sorted(new, key=len):
        floor = _best_segmentation_score(piece, scores, max_len, lowest - _UNK_PENALTY) + UNIGRAM_MARGIN
        scores[piece] = max(math.log(frequency[new[piece]]), floor, lowest)
        max_len = max(max_len, len(piece))

    def write(pieces):
        state["model"]["vocab"] = source + [[piece, scores[piece]] for piece in pieces]
        return len(source)

    return _install_checked(tokenizer, state, write, new, as_added, words, prefix)


def _extend_wordpiece(tokenizer, words, budget):
    """Add ``words`` to a WordPiece tokenizer's own vocabulary, in place, one token of ``budget`` each.

    ``words`` holds ``(form, word)`` pairs as in :func:`_extend_bpe`. Each word's running-text form
    (normalised and pre-tokenised: lowercased and accents stripped where the source does so) becomes
    a vocabulary entry with the next id. WordPiece matches the longest vocabulary entry at the start
    of a word first, so the word is then one token, and the first piece of its longer forms
    (``talossa`` ``##an``), which a whole-word added token never is. A word the pre-tokeniser splits
    (``l'eau``), one already in the vocabulary, one longer than the model's
    ``max_input_chars_per_word`` and any word the check afterwards finds split are left for the
    caller to add as an added token, at one token of the budget.

    Returns
    -------
    None
        When the tokenizer cannot be extended this way (see :func:`_model_state`); unchanged.
    in_model, as_added : set of str, list of str
        The forms now one token, and those to add as added tokens, in ``words``' order.
    """

    state = _model_state(tokenizer)
    if state is None or not isinstance(state["model"].get("vocab"), dict):
        return None
    backend = tokenizer.backend_tokenizer
    prefix = word_prefix(backend)
    model = state["model"]
    source = dict(model["vocab"])
    start = 1 + max(source.values(), default=-1)
    continuing = model.get("continuing_subword_prefix") or "##"
    longest = model.get("max_input_chars_per_word") or np.inf
    new, as_added = _one_piece_candidates(
        backend, prefix, words, budget,
        lambda piece: piece not in source and not piece.startswith(continuing) and len(piece) <= longest)

    def write(pieces):
        model["vocab"] = {**source, **{piece: start + i for i, piece in enumerate(pieces)}}
        return start

    return _install_checked(tokenizer, state, write, new, as_added, words, prefix)


def _one_piece_candidates(backend, prefix, words, budget, usable):
    """Split ``words`` (``(form, word)`` pairs, best first) into new one-piece entries and added
    tokens, up to ``budget`` of both together.

    A word becomes a candidate piece in its running-text form when the pre-tokeniser keeps it whole,
    no earlier word has that form, and ``usable(piece)`` holds; any other word goes to the added
    tokens.

    Returns
    -------
    new : dict of str -> str
        Running-text piece -> form, best first.
    as_added : list of str
        Forms for added tokens.
    """
    new, as_added = {}, []
    for form, word in words:
        if len(new) + len(as_added) >= budget:
            break
        piece = _running_form(backend, prefix, word)
        if piece is None or piece in new or not usable(piece):
            as_added.append(form)
        else:
            new[piece] = form
    return new, as_added


def _install_checked(tokenizer, state, write, new, as_added, words, prefix):
    """Put the ``new`` pieces (running-text piece -> form, in order) into the model and keep those
    whose word comes out as exactly its own piece; the others join ``as_added``.

    ``write(pieces)`` writes the source vocabulary plus ``pieces`` into ``state``'s model and
    returns the id of the first of them; the backend is rebuilt from ``state`` after each write.
    Taking a piece out only takes an alternative away from the other words, so a second round
    normally finds no more to drop (Unigram; WordPiece never drops a word in its vocabulary).

    Returns
    -------
    in_model, as_added : set of str, list of str
        The forms now one piece, and those for added tokens, in ``words``' order.
    """
    spelling = dict(words)
    while new:
        start = write(list(new))
        _set_backend(tokenizer, state)
        ids = _single_tokens(tokenizer, [prefix + spelling[form] for form in new.values()])
        failed = [piece for i, (piece, got) in enumerate(zip(new, ids)) if got != start + i]
        if not failed:
            break
        for piece in failed:
            as_added.append(new.pop(piece))
        if not new:  # back to the source's model
            write([])
            _set_backend(tokenizer, state)
    rank = {form: i for i, (form, _) in enumerate(words)}
    return set(new.values()), sorted(as_added, key=rank.__getitem__)


def _model_pieces(model, vocab, text):
    """The BPE pieces of one pre-token, with each character outside the vocabulary as itself
    (where the model would give its unknown token or byte-fallback tokens).

    No merge involves such a character, so the stretches between them are tokenised on their own
    as they are in the whole pre-token.
    """
    pieces, stretch = [], ""
    for char in text:
        if char in vocab:
            stretch += char
            continue
        if stretch:
            pieces.extend(token.value for token in model.tokenize(stretch))
            stretch = ""
        pieces.append(char)
    if stretch:
        pieces.extend(token.value for token in model.tokenize(stretch))
    return pieces


def build_tokenizer(corpus, *, like, out, vocab_size=16000, extend=None, lexicon=None, min_frequency=2,
                    min_count=5, exclude_ids=None, lang=None, overwrite=True, progress=True):
    """Train (or, with ``extend``, extend) a tokenizer like ``like`` and write it to ``out``.

    Parameters
    ----------
    corpus : path or list of paths
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
    progress : bool, default True
        The trainer's progress bar (see :func:`train_tokenizer`).

    Returns
    -------
    info : dict
        ``{"mode", "kind", "n_tokens", "n_source_tokens", "n_added", "n_added_words", "added_examples",
        "special_tokens", "out"}``: ``n_added`` counts new tokens, ``n_added_words`` the words they
        spell (fewer for BPE, whose intermediate merges are tokens too).
    """
    inputs = [like, lexicon, *([corpus] if isinstance(corpus, (str, os.PathLike)) else
                               [p for p in corpus if isinstance(p, (str, os.PathLike))])]
    check_output_dir(out, inputs, overwrite)  # now, not after the training
    source = load_tokenizer(like)
    if extend is not None:
        tokenizer, added = extend_tokenizer(corpus, like=source, extend=extend, lexicon=lexicon,
                                            min_count=min_count, exclude_ids=exclude_ids, lang=lang)
        mode = "extend"
    else:
        if lexicon is not None:
            raise ValueError("a lexicon is used only with --extend (it picks the words to add); drop --lexicon "
                             "or add --extend N")
        tokenizer = train_tokenizer(corpus, like=source, vocab_size=vocab_size, min_frequency=min_frequency,
                                    exclude_ids=exclude_ids, lang=lang, progress=progress)
        added = []
        mode = "train"
    save_tokenizer(tokenizer, out, overwrite=overwrite, protect=inputs)
    return {"mode": mode, "kind": tokenizer_kind(tokenizer), "n_tokens": len(tokenizer),
            "n_source_tokens": len(source), "n_added": len(tokenizer) - len(source), "n_added_words": len(added),
            "added_examples": added[:20],
            "special_tokens": special_tokens(tokenizer), "out": os.fspath(out)}
