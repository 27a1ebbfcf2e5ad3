"""Vocabulary surgery behind :func:`bootstrap.llm.tokenization.extend_tokenizer`: adding whole words
to a fast tokenizer's own model (BPE merges, Unigram pieces, WordPiece entries), each addition checked
to decode and to tokenise as one piece inside running text."""
import numpy as np

from .hf import plain_backend, word_prefix


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

    In practice the log frequency is the larger term, and scoring by the floor alone gives nearly
    the same tokens (docs/defaults.md, "Unigram piece score").

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
