"""Hugging Face helpers shared by the LLM modules: loading and saving fast tokenizers, and tokenising
words the way they appear inside running text.

The LLM libraries (``transformers``, ``tokenizers``) are imported inside the functions, so the rest
of offramp works without the ``llm`` extra.
"""
import os

import numpy as np

from ..io.atomic import atomic_dir


_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model",
                    "tokenizer.model")


def load_tokenizer(path):
    """Load a fast Hugging Face tokenizer from a model or tokenizer directory (offline).

    Parameters
    ----------
    path : str or path-like
        A directory holding ``tokenizer.json`` (or the files a fast tokenizer is converted from,
        e.g. BERT's ``vocab.txt``).

    Returns
    -------
    tokenizer : transformers.PreTrainedTokenizerFast

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a directory.
    ValueError
        When the directory holds no tokenizer, or only a slow (Python) one.
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such model or tokenizer directory")
    if not any(os.path.exists(os.path.join(path, name)) for name in _TOKENIZER_FILES):
        raise ValueError(
            f"{path} holds no tokenizer (none of {', '.join(_TOKENIZER_FILES)}); "
            "save the model with its tokenizer (tokenizer.save_pretrained(dir)) or copy the tokenizer files there"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: could not load the tokenizer ({exc}); "
                         "check that tokenizer.json / tokenizer_config.json are complete") from None
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{path}: only a slow tokenizer could be loaded; offramp needs a fast one "
                         "(a tokenizer.json): convert it with PreTrainedTokenizerFast and save it again")
    return tokenizer


def tokenizer_kind(tokenizer):
    """The subword model of a fast tokenizer: ``'WordPiece'``, ``'BPE'``, ``'Unigram'`` or ``'WordLevel'``."""
    return type(tokenizer.backend_tokenizer.model).__name__


def continuation_prefix(tokenizer):
    """The marker of word-internal pieces (``'##'`` for WordPiece), or ``''`` when the model has none."""
    model = tokenizer.backend_tokenizer.model
    return getattr(model, "continuing_subword_prefix", None) or ""


def lowercases(tokenizer):
    normalizer = tokenizer.backend_tokenizer.normalizer
    return normalizer is not None and normalizer.normalize_str("A") == "a"


def special_tokens(tokenizer):
    return list(dict.fromkeys(tokenizer.all_special_tokens))


def copy_tokenizer(tokenizer):
    import copy

    return copy.deepcopy(tokenizer)


def plain_backend(tokenizer):
    """A copy of the tokenizer's ``tokenizers.Tokenizer`` with padding and truncation switched off.

    Saved tokenizers may pad every encoding to a fixed length (all-MiniLM-L6-v2 pads to 128), which
    would make every word look 128 tokens long.
    """
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    backend.no_padding()
    backend.no_truncation()
    return backend


def as_in_text(tokenizer, words):
    """``words`` as they are encoded inside running text: after the prefix of
    :func:`word_prefix` (a space for byte-level BPE without ``add_prefix_space``
    and Metaspace with ``prepend_scheme='never'``; nothing for WordPiece and most SentencePiece
    tokenizers, which mark word starts themselves)."""
    prefix = word_prefix(tokenizer.backend_tokenizer)
    return [prefix + w for w in words] if prefix else list(words)


def _inserted_tokens(processor):
    """Yield ``(token, ids, set_ids)`` for each special token a serialised post-processor inserts:
    ``ids`` are the ids it inserts, ``set_ids(new)`` writes new ones into ``processor``."""
    if not isinstance(processor, dict):
        return
    if processor.get("type") == "Sequence":
        for inner in processor.get("processors") or []:
            yield from _inserted_tokens(inner)
    for key in ("cls", "sep"):  # BertProcessing, RobertaProcessing: [token, id]
        pair = processor.get(key)
        if isinstance(pair, list) and len(pair) == 2:
            yield [pair[0]], [pair[1]], lambda new, pair=pair: pair.__setitem__(1, new[0])
    for entry in (processor.get("special_tokens") or {}).values():  # TemplateProcessing
        yield list(entry.get("tokens") or []), list(entry.get("ids") or []), \
            lambda new, entry=entry: entry.__setitem__("ids", new)


def sync_post_processor(tokenizer, *, apply=True):
    """Make the ids that the tokenizer's post-processor inserts (bos, cls, sep) those of its vocabulary.

    ``transformers``' ``train_new_from_iterator`` renumbers the special tokens but updates the ids of
    a top-level ``TemplateProcessing`` or ``BertProcessing`` only; inside a ``Sequence`` (Llama 3's
    ``ByteLevel`` then ``TemplateProcessing``) the source's ids stay, so every text would start with
    an id that is another token, or past the vocabulary.

    Parameters
    ----------
    tokenizer : PreTrainedTokenizerFast
        Changed in place when ``apply`` and an id is wrong.
    apply : bool, default True
        Only report the wrong ids when False.

    Returns
    -------
    stale : list of (str, list of int, list of int)
        ``(token, inserted ids, vocabulary ids)`` for each token the post-processor inserted wrongly.
    """
    import json

    from tokenizers import Tokenizer

    backend = tokenizer.backend_tokenizer
    state = json.loads(backend.to_str())
    stale = []
    for tokens, ids, set_ids in _inserted_tokens(state.get("post_processor")):
        new = [backend.token_to_id(t) for t in tokens]  # None for a token it lacks, never the unknown id
        if None not in new and new != ids:
            stale.append((" ".join(tokens), ids, new))
            set_ids(new)
    if stale and apply:
        tokenizer._tokenizer = Tokenizer.from_str(json.dumps(state))  # the wrapper keeps its settings
    return stale


def save_tokenizer(tokenizer, out, *, overwrite=True, protect=()):
    """Write ``tokenizer`` to directory ``out`` atomically (loadable with ``AutoTokenizer``).

    ``out`` is replaced only if it is empty or an earlier offramp output, and never when it is or
    holds one of ``protect`` (see :func:`bootstrap.io.atomic.check_output_dir`).
    """
    with atomic_dir(out, overwrite=overwrite, protect=protect) as tmp:
        tokenizer.save_pretrained(tmp)
    return os.fspath(out)


def _pretokenized(backend, text):
    """``text`` after the backend's normaliser and pre-tokeniser, the pieces joined into one string."""
    if backend.normalizer is not None:
        text = backend.normalizer.normalize_str(text)
    if backend.pre_tokenizer is None:
        return text
    return "".join(piece for piece, _ in backend.pre_tokenizer.pre_tokenize_str(text))


def word_prefix(backend):
    """What to put before a bare word so that it is tokenised as inside running text: ``''`` or ``' '``.

    The second word of ``"a b"`` must come out of the normaliser and pre-tokeniser exactly as
    ``prefix + "b"`` does. WordPiece (``b``), ByteLevel with ``add_prefix_space`` (``Ġb``),
    Metaspace with ``prepend_scheme='always'`` and SentencePiece's ``Prepend('▁')`` normaliser
    (``▁b``) need no prefix; ByteLevel without ``add_prefix_space`` (GPT-2, Llama 3) and Metaspace
    with ``prepend_scheme='never'`` need a space (``Ġb``, ``▁b``).

    Parameters
    ----------
    backend : tokenizers.Tokenizer

    Returns
    -------
    prefix : str
    """
    context, first = _pretokenized(backend, "a b"), _pretokenized(backend, "a")
    for prefix in ("", " "):
        if context == first + _pretokenized(backend, prefix + "b"):
            return prefix
    return ""


def word_encoder(tokenizer):
    """A function that tokenises words the way they appear inside running text.

    Parameters
    ----------
    tokenizer : PreTrainedTokenizerFast

    Returns
    -------
    encode : callable
        ``encode(words, bare=False)`` takes a list of ``n_words`` strings and returns ``n_words``
        lists of token ids: each word after :func:`word_prefix` (``bare=True``: the word alone),
        without tokens that encode a lone space (``Ġ``, ``▁``) unless they are all there is.
        Special tokens (e.g. the unknown token) are kept; callers filter them.
    prefix : str
        The prefix used, ``''`` or ``' '``.
    """
    backend = plain_backend(tokenizer)
    prefix = word_prefix(backend)
    markers = set(backend.encode(" ", add_special_tokens=False).ids) - set(tokenizer.all_special_ids)

    def encode(words, bare=False):
        texts = list(words) if bare else [prefix + w for w in words]
        out = []
        for enc in backend.encode_batch(texts, add_special_tokens=False):
            ids = [i for i in enc.ids if i not in markers]
            out.append(ids if ids else list(enc.ids))
        return out

    return encode, prefix


def pieces_per_word(tokenizer, words, batch_size=10000, unknown_as_chars=False):
    """Number of tokens (no special tokens) of each word inside running text (see
    :func:`as_in_text`), as an int64 array of shape (n_words,).

    With ``unknown_as_chars``, a word whose encoding holds the unknown token counts as many pieces
    as it has characters: the model sees nothing of it, so adding it saves the most.
    """
    backend = plain_backend(tokenizer)
    unk = tokenizer.unk_token_id if unknown_as_chars else None
    out = np.zeros(len(words), dtype=np.int64)
    words = as_in_text(tokenizer, words)
    for start in range(0, len(words), batch_size):
        chunk = words[start:start + batch_size]
        encodings = backend.encode_batch(chunk, add_special_tokens=False)
        out[start:start + len(chunk)] = [max(len(w), len(e.ids)) if unk is not None and unk in e.ids else len(e.ids)
                                         for w, e in zip(chunk, encodings)]
    return out


def has_unknown(tokenizer, words, batch_size=10000):
    """Boolean array of shape (n_words,): the word's encoding holds the unknown token."""
    unk = tokenizer.unk_token_id
    out = np.zeros(len(words), dtype=bool)
    if unk is None:
        return out
    backend = plain_backend(tokenizer)
    words = as_in_text(tokenizer, words)
    for start in range(0, len(words), batch_size):
        chunk = words[start:start + batch_size]
        out[start:start + len(chunk)] = [unk in e.ids for e in backend.encode_batch(chunk, add_special_tokens=False)]
    return out
