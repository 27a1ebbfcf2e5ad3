"""Initialise a source model's token embeddings for a new tokenizer from aligned word vectors.

Longer than most modules: the token vectors, the alignment checks, the plan of routes and the command
that applies it are one recipe, and the checks refuse bad inputs before a model is loaded.

The recipe is WECHSEL's (Minixhofer et al. 2022), with FOCUS's copy of shared tokens as an option
(Dobler & de Melo 2023). Every target token takes exactly one *route*:

``special``
    The target's special tokens (``[CLS]``, ``<s>``, ...) copy the source row of the token with the
    same role (``cls_token`` -> ``cls_token``), or of the same string.
``copy`` (with ``copy_shared=True``, the default)
    A token whose string is also in the source vocabulary copies that row exactly.
``lexicon`` (only with a lexicon)
    A whole-word target token whose lexicon translations are single source tokens takes the mean of
    those source rows.
``wechsel``
    A token with a static vector in the aligned space takes a softmax-weighted mix of the source
    rows of its ``k`` nearest source tokens: with cosine similarities ``s_1..s_k`` and
    ``w_j = exp(s_j / temperature) / sum_l exp(s_l / temperature)``, the row is ``sum_j w_j E_src[n_j]``.
``fallback``
    A token with no signal gets ``mean(E_src) + fallback_noise * std(E_src) * N(0, 1)`` (per
    dimension, drawn with ``random_state``): a plausible row, never zeros.

Static token vectors (:func:`token_vectors`) come from the word vectors, for both vocabularies:
a token that is a whole word of the vector vocabulary takes the (unit-length) vector of that word,
or the mean over the words that tokenise to exactly it; any other token (a word piece) takes the
mean of the unit vectors of all words whose tokenisation contains it; a token found in no word has
no vector. Words are tokenised as they appear inside running text (:func:`word_encoder`): byte-level
BPE (GPT-2, Llama 3) and Metaspace/SentencePiece tokenizers mark word starts (``Ġword``,
``▁word``), so there a word is encoded after a space, and a lone space token is dropped.

Before anything is mixed, :func:`check_aligned` makes sure the two vector files share one space:
equal dimensions, and translation pairs (the lexicon, else strings identical in both vocabularies)
must be clearly more similar than the same words paired at random. Vectors from two independent
``offramp train`` runs fail it; the same vectors after ``offramp align`` pass it.
"""
import contextlib
import os
import warnings

import numpy as np

from ...alignment.preprocess import unit

from ..errors import FormatError
from ..signature import make_signature
from .hf import load_tokenizer, sync_post_processor, word_encoder

ROUTES = ("special", "copy", "lexicon", "wechsel", "fallback")
#: :func:`transfer` warns when more than this share of the new rows (routes other than ``special``
#: and ``copy``) fall back to the mean plus noise.
FALLBACK_WARN_SHARE = 0.5
_SPECIAL_ROLES = ("pad_token", "unk_token", "cls_token", "sep_token", "mask_token", "bos_token", "eos_token")


#: Softmax temperature of the ``wechsel`` route: half WECHSEL's 0.1, which retrieved 2-5 points more
#: verses on each language measured (docs/transfer.md).
TEMPERATURE = 0.05


def _unit(X):
    """Float32 copy of ``X`` (n, dim) with unit-length rows (zero rows stay zero)."""
    return unit(np.asarray(X, dtype=np.float32))


def token_vectors(tokenizer, kv, *, batch_size=10000, show_progress=False):
    """Static vectors of every token of ``tokenizer`` in the space of ``kv``.

    Each word of ``kv`` is tokenised as inside running text (:func:`word_encoder`), so that
    word-initial tokens (``Ġword``, ``▁word``) get vectors. Where that form needs a leading space
    (GPT-2-style byte-level BPE), a token that running text gives no vector takes one from the
    words tokenised bare, as at the start of a text or after punctuation (``word``); tokens with a
    vector from running text keep it, since bare tokens are mostly word-internal pieces there.

    Parameters
    ----------
    tokenizer : PreTrainedTokenizerFast
        ``n_tokens = len(tokenizer)`` (added tokens included).
    kv : KeyedVectors
        Word vectors of the tokenizer's language, in the aligned space.
    batch_size : int
        Words tokenised per batch.
    show_progress : bool

    Returns
    -------
    vectors : ndarray of shape (n_tokens, dim), float32
        Unit-length rows; zero rows where ``kind == 0``.
    kind : ndarray of shape (n_tokens,), int8
        0 no vector, 1 whole word, 2 word piece (mean over the words that contain it).
    """
    from scipy import sparse
    from .._progress import progress_bar

    words = list(kv.index_to_key)
    n_tokens = len(tokenizer)
    dim = kv.vector_size
    if not words:
        return np.zeros((n_tokens, dim), np.float32), np.zeros(n_tokens, np.int8)
    encode, prefix = word_encoder(tokenizer)
    special = set(tokenizer.all_special_ids)
    X = _unit(kv.vectors)

    def mean_rows(r, c):
        M = sparse.csr_matrix((np.ones(len(r), np.float32), (np.asarray(r, np.int64), np.asarray(c, np.int64))),
                              shape=(n_tokens, len(words)))
        counts = np.asarray(M.sum(axis=1)).ravel()
        return np.asarray(M @ X, dtype=np.float32), counts

    def vectors_from(bare):
        rows, cols, whole_rows, whole_cols = [], [], [], []
        for start in progress_bar(range(0, len(words), batch_size), unit="batch", disable=not show_progress,
                                  desc="tokenising word vectors" + (" (bare)" if bare else "")):
            for offset, enc_ids in enumerate(encode(words[start:start + batch_size], bare=bare)):
                ids = [i for i in dict.fromkeys(enc_ids) if i not in special and i < n_tokens]
                if not ids:
                    continue
                if len(enc_ids) == 1:
                    whole_rows.append(ids[0])
                    whole_cols.append(start + offset)
                rows.extend(ids)
                cols.extend([start + offset] * len(ids))
        pieces, piece_counts = mean_rows(rows, cols)
        whole, whole_counts = mean_rows(whole_rows, whole_cols)
        kind = np.zeros(n_tokens, np.int8)
        kind[piece_counts > 0] = 2
        kind[whole_counts > 0] = 1
        return np.where((whole_counts > 0)[:, None], whole, pieces), kind

    vectors, kind = vectors_from(bare=False)
    if prefix:  # tokens that running text gives nothing: the bare form (start of a text, after punctuation)
        bare_vectors, bare_kind = vectors_from(bare=True)
        only_bare = (kind == 0) & (bare_kind > 0)
        vectors[only_bare] = bare_vectors[only_bare]
        kind[only_bare] = bare_kind[only_bare]
    return _unit(vectors), kind


def check_aligned(src_kv, tgt_kv, *, pairs=None, min_pairs=20, margin=0.1, max_rank=20000, random_state=0):
    """Check that two sets of word vectors live in one aligned space.

    Translation pairs (``pairs``, else strings identical in both vocabularies among the
    ``max_rank`` most frequent words) are compared with the same words paired at random: in an
    aligned space the mean cosine of true pairs exceeds the shuffled mean by far (typically
    0.3-0.6 against about 0); in two unrelated spaces both are about 0.

    Parameters
    ----------
    src_kv, tgt_kv : KeyedVectors
    pairs : list of (str, str), optional
        Translation pairs, e.g. a lexicon; those with both words in the vocabularies are used.
    min_pairs : int, default 20
        Fewer usable pairs than this cannot decide; the check then raises and asks for a lexicon.
    margin : float, default 0.1
        Required excess of the paired over the shuffled mean cosine. With ``n`` pairs of
        unrelated ``dim``-dimensional vectors the paired mean has a standard deviation of about
        ``1 / sqrt(n * dim)`` (0.02 for 20 pairs in 100 dimensions), so 0.1 is 5 sigma away from chance.
    max_rank : int, default 20000
    random_state : int

    Returns
    -------
    report : dict
        ``{"n_pairs", "paired_cosine", "shuffled_cosine", "pairs_from"}``.

    Raises
    ------
    ValueError
        Dimension mismatch, too few pairs, or spaces that are not aligned.
    """
    if src_kv.vector_size != tgt_kv.vector_size:
        raise ValueError(f"the word vectors are not in one space: src dim={src_kv.vector_size}, "
                         f"tgt dim={tgt_kv.vector_size}; map both with offramp align and pass its mapped outputs")
    src_index, tgt_index = src_kv.key_to_index, tgt_kv.key_to_index
    source = "lexicon"  # where the pairs come from, for the messages
    if pairs is not None:
        idx = [(src_index[s], tgt_index[t]) for s, t in pairs if s in src_index and t in tgt_index]
    else:
        source = "identical-string"
        top_tgt = set(tgt_kv.index_to_key[:max_rank])
        idx = [(src_index[w], tgt_index[w]) for w in src_kv.index_to_key[:max_rank] if w in top_tgt]
    if len(idx) < min_pairs:
        raise ValueError(f"cannot check that the word vectors are aligned: only {len(idx)} {source} pairs are in "
                         f"both vocabularies (need {min_pairs}); pass a lexicon (--lexicon) or skip the check "
                         "(--no-check-alignment) if you know the files come from offramp align")
    idx = np.asarray(idx, dtype=np.int64)
    X = _unit(src_kv.vectors[idx[:, 0]])
    Z = _unit(tgt_kv.vectors[idx[:, 1]])
    rng = np.random.default_rng(random_state)
    paired = float(np.mean(np.sum(X * Z, axis=1)))
    shuffled = float(np.mean([np.mean(np.sum(X * Z[rng.permutation(len(Z))], axis=1)) for _ in range(5)]))
    report = {"n_pairs": int(len(idx)), "paired_cosine": paired, "shuffled_cosine": shuffled, "pairs_from": source}
    if paired - shuffled < margin:
        raise ValueError(
            f"the word vectors do not look aligned: {len(idx)} {source} pairs have mean cosine {paired:.3f} against "
            f"{shuffled:.3f} for shuffled pairs (need a gap of {margin}); "
            "were the .vec files mapped with offramp align "
            "into one space? Pass its mapped outputs (e.g. en.mapped.vec and fi.mapped.vec)"
        )
    return report


class TransferPlan:
    """Which source rows make up each target row; :meth:`apply` turns a source matrix into a target one.

    Attributes
    ----------
    route : ndarray of shape (n_tgt,), int8
        Index into :data:`ROUTES`.
    neighbours : ndarray of shape (n_tgt, k), int64
        Source token ids mixed into each row (routes ``special``, ``copy``, ``lexicon``, ``wechsel``).
    weights : ndarray of shape (n_tgt, k), float32
        Mixing weights, rows summing to 1 (zero padding where fewer than ``k`` ids are used).
    similarities : ndarray of shape (n_tgt, k), float32
        Cosine similarities of the ``wechsel`` neighbours (0 elsewhere).
    params : dict
        The options the plan was built with.
    signal : ndarray of shape (n_tgt,), int8, optional
        Where each target token's vector came from: 1 a whole word, 2 the words holding it as a piece,
        0 none (:func:`token_vectors`' ``kind``); :func:`combine_plans` prefers whole words.
    """

    def __init__(self, route, neighbours, weights, similarities, params, signal=None):
        self.route = route
        self.neighbours = neighbours
        self.weights = weights
        self.similarities = similarities
        self.params = params
        self.signal = signal

    def counts(self):
        """Number of target tokens per route, ``{route: n}``."""
        return {name: int(np.sum(self.route == code)) for code, name in enumerate(ROUTES)}

    def fallback_share(self):
        """How many of the new rows fall back to the mean plus noise.

        Returns
        -------
        n_fallback : int
            Rows of route ``fallback``.
        n_new : int
            Rows that need a new vector: all but the ``special`` and ``copy`` routes.
        """
        counts = self.counts()
        return counts["fallback"], len(self.route) - counts["special"] - counts["copy"]

    def mask(self, name):
        """Boolean mask of shape (n_tgt,) for one route."""
        return self.route == ROUTES.index(name)

    def apply(self, source, *, fallback_noise=1.0, random_state=0):
        """Build the target matrix from a source matrix.

        Parameters
        ----------
        source : ndarray of shape (n_src, hidden)
            The source model's embedding rows (input or untied output embeddings).
        fallback_noise : float, default 1.0
            Scale of the noise around the mean for ``fallback`` rows, in units of the per-dimension
            standard deviation of ``source`` (1.0 draws from the fitted normal, as WECHSEL does).
        random_state : int or numpy Generator

        Returns
        -------
        target : ndarray of shape (n_tgt, hidden), dtype of ``source``
        """
        source = np.asarray(source)
        if source.ndim != 2:
            raise ValueError(f"source must be a matrix (n_src, hidden); got shape {source.shape}")
        if self.neighbours.size and self.neighbours.max() >= source.shape[0]:
            raise ValueError(f"the plan uses source ids up to {int(self.neighbours.max())} but the source matrix has "
                             f"{source.shape[0]} rows; was it built for another model?")
        if fallback_noise < 0:
            raise ValueError(f"fallback_noise must be >= 0; got {fallback_noise}")
        n_tgt = len(self.route)
        target = np.empty((n_tgt, source.shape[1]), dtype=source.dtype)
        mixed = ~self.mask("fallback")
        rows = np.flatnonzero(mixed)
        for start in range(0, len(rows), 4096):  # bounded memory: block x k x hidden
            r = rows[start:start + 4096]
            target[r] = np.einsum("nk,nkh->nh", self.weights[r], source[self.neighbours[r]].astype(np.float32))
        fallback = np.flatnonzero(~mixed)
        if len(fallback):
            rng = np.random.default_rng(random_state)
            src64 = source.astype(np.float64)
            mean, std = src64.mean(axis=0), src64.std(axis=0)
            noise = rng.standard_normal((len(fallback), source.shape[1]))
            rows_ = mean + fallback_noise * std * noise
            zero = ~np.any(rows_, axis=1)
            rows_[zero] = mean + std + 1e-3  # only reachable for an all-zero source with fallback_noise=0
            target[fallback] = rows_.astype(source.dtype)
        return target


def _special_pairs(src_tokenizer, tgt_tokenizer):
    """``{tgt_id: src_id}`` for special tokens, matched by role, then by string."""
    out = {}
    src_vocab = src_tokenizer.get_vocab()
    for role in _SPECIAL_ROLES:
        s, t = getattr(src_tokenizer, role, None), getattr(tgt_tokenizer, role, None)
        if s is not None and t is not None:
            out[tgt_tokenizer.convert_tokens_to_ids(str(t))] = src_tokenizer.convert_tokens_to_ids(str(s))
    for token, tid in zip(tgt_tokenizer.all_special_tokens, tgt_tokenizer.all_special_ids):
        if tid not in out and token in src_vocab:
            out[tid] = src_vocab[token]
    return out


def plan_transfer(src_tokenizer, tgt_tokenizer, src_kv, tgt_kv, *, lexicon=None, k=10, temperature=TEMPERATURE,
                  copy_shared=True, check_alignment=True, show_progress=False):
    """Decide the route and the source rows of every target token.

    Parameters
    ----------
    src_tokenizer, tgt_tokenizer : PreTrainedTokenizerFast
        ``n_src = len(src_tokenizer)``, ``n_tgt = len(tgt_tokenizer)``.
    src_kv, tgt_kv : KeyedVectors
        Source- and target-language word vectors in one aligned space (e.g. ``offramp align`` outputs).
    lexicon : list of (str, str), optional
        ``(source word, target word)`` translations: used for the alignment check and the ``lexicon`` route.
    k : int, default 10
        Source neighbours mixed per token.
    temperature : float, default :data:`TEMPERATURE`
        Softmax temperature over cosine similarities; small values approach the nearest neighbour.
    copy_shared : bool, default True
        Copy the source row of tokens whose string is in both vocabularies (FOCUS): names, numbers
        and punctuation keep their trained rows. For a pair that shares many strings of different
        meaning, turning it off may do better (docs/defaults.md, "copy_shared").
    check_alignment : bool, default True
        Run :func:`check_aligned` first.
    show_progress : bool

    Returns
    -------
    plan : TransferPlan
    """
    from ...alignment.retrieval import knn

    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature!r}")
    if src_kv.vector_size != tgt_kv.vector_size:
        raise ValueError(f"the word vectors are not in one space: src dim={src_kv.vector_size}, "
                         f"tgt dim={tgt_kv.vector_size}; map both with offramp align and pass its mapped outputs")
    alignment = check_aligned(src_kv, tgt_kv, pairs=lexicon) if check_alignment else None
    n_tgt = len(tgt_tokenizer)
    route = np.full(n_tgt, ROUTES.index("fallback"), dtype=np.int8)
    neighbours = np.zeros((n_tgt, k), dtype=np.int64)
    weights = np.zeros((n_tgt, k), dtype=np.float32)
    similarities = np.zeros((n_tgt, k), dtype=np.float32)

    def fixed(tid, src_ids, name):
        src_ids = list(src_ids)[:k]
        neighbours[tid, :len(src_ids)] = src_ids
        weights[tid, :len(src_ids)] = 1.0 / len(src_ids)
        route[tid] = ROUTES.index(name)

    special = _special_pairs(src_tokenizer, tgt_tokenizer)
    for tid, sid in special.items():
        fixed(tid, [sid], "special")
    special_tgt = set(tgt_tokenizer.all_special_ids)
    free = np.ones(n_tgt, dtype=bool)
    free[list(special_tgt)] = False
    tgt_vocab = tgt_tokenizer.get_vocab()
    src_vocab = src_tokenizer.get_vocab()
    if copy_shared:
        for token, tid in tgt_vocab.items():
            if free[tid] and token in src_vocab:
                fixed(tid, [src_vocab[token]], "copy")
                free[tid] = False
    if lexicon:
        translations = {}
        for s, t in lexicon:
            translations.setdefault(t, []).append(s)
        encode_src, _ = word_encoder(src_tokenizer)
        encode_tgt, _ = word_encoder(tgt_tokenizer)
        special_src = set(src_tokenizer.all_special_ids)
        targets = list(translations)
        for word, ids in zip(targets, encode_tgt(targets)):  # words as inside running text: Ġword, ▁word
            if len(ids) != 1 or ids[0] >= n_tgt or not free[ids[0]]:
                continue
            src_ids = [e[0] for e in encode_src(translations[word]) if len(e) == 1 and e[0] not in special_src]
            if src_ids:
                fixed(ids[0], list(dict.fromkeys(src_ids)), "lexicon")
                free[ids[0]] = False
    tgt_vecs, tgt_kind = token_vectors(tgt_tokenizer, tgt_kv, show_progress=show_progress)
    src_vecs, src_kind = token_vectors(src_tokenizer, src_kv, show_progress=show_progress)
    src_kind[list(set(src_tokenizer.all_special_ids))] = 0
    database = np.flatnonzero(src_kind > 0)
    queries = np.flatnonzero(free & (tgt_kind > 0))
    if len(database) and len(queries):
        kk = min(k, len(database))
        sims, idx = knn(tgt_vecs[queries], np.ascontiguousarray(src_vecs[database]), kk)
        sims = np.asarray(sims, dtype=np.float32)
        logits = (sims - sims[:, :1]) / np.float32(temperature)  # row max first: exp never overflows
        w = np.exp(logits)
        w /= w.sum(axis=1, keepdims=True)
        neighbours[queries, :kk] = database[np.asarray(idx)]
        weights[queries, :kk] = w
        similarities[queries, :kk] = sims
        route[queries] = ROUTES.index("wechsel")
    params = {"k": int(k), "temperature": float(temperature), "copy_shared": bool(copy_shared),
              "lexicon_pairs": len(lexicon) if lexicon else 0, "alignment_check": alignment,
              "src_tokens_with_vectors": int(len(database)),
              "tgt_tokens_with_vectors": int(np.sum(tgt_kind > 0))}
    return TransferPlan(route, neighbours, weights, similarities, params, signal=tgt_kind)


def combine_plans(plans, names=None):
    """One plan for a tokenizer shared by several target languages, from one plan per language.

    Each token takes the first of :data:`ROUTES` that any language's plan gives it, and mixes equally the
    rows of the languages that give it that route; for the ``wechsel`` route, only the languages where the
    token is a whole word when there is one (a Finnish word token is not also mixed from the Slovene
    words that happen to contain it).

    Parameters
    ----------
    plans : sequence of TransferPlan
        Built by :func:`plan_transfer` for the same target tokenizer and source model, each from its own
        language's aligned pair (their spaces may differ: every mix stays within its own).
    names : sequence of str, optional
        The languages, for the params.

    Returns
    -------
    plan : TransferPlan
        ``neighbours``, ``weights`` and ``similarities`` of shape ``(n_tgt, sum of the plans' k)``;
        ``params["languages"]`` holds each language's params and route counts, ``params["shares"]`` how
        many tokens each language's rows went into.
    """
    plans = list(plans)
    if not plans:
        raise ValueError("no plan to combine")
    names = [str(i) for i in range(len(plans))] if names is None else list(names)
    if len(names) != len(plans):
        raise ValueError(f"{len(names)} names for {len(plans)} plans")
    n_tgt = len(plans[0].route)
    if any(len(p.route) != n_tgt for p in plans):
        raise ValueError(f"the plans cover different tokenizers: {sorted({len(p.route) for p in plans})} tokens")
    if len(plans) == 1:
        return plans[0]
    wechsel = ROUTES.index("wechsel")
    routes = np.stack([p.route for p in plans])
    best = routes.min(axis=0)
    chosen = routes == best
    signal = np.stack([p.signal if p.signal is not None else np.where(p.route == wechsel, 2, 0) for p in plans])
    whole = chosen & (signal == 1)
    chosen = np.where((best == wechsel) & whole.any(axis=0), whole, chosen)
    share = (chosen / chosen.sum(axis=0)).astype(np.float32)
    neighbours = np.concatenate([p.neighbours for p in plans], axis=1)
    weights = np.concatenate([p.weights * share[i][:, None] for i, p in enumerate(plans)], axis=1)
    similarities = np.concatenate([p.similarities * chosen[i][:, None] for i, p in enumerate(plans)], axis=1)
    mixed = best != ROUTES.index("fallback")
    params = {**{key: plans[0].params.get(key) for key in ("k", "temperature", "copy_shared")},
              "alignment_check": {name: p.params.get("alignment_check") for name, p in zip(names, plans)},
              "languages": {name: {**p.params, "routes": p.counts()} for name, p in zip(names, plans)},
              "shares": {name: int(np.sum(chosen[i] & mixed)) for i, name in enumerate(names)}}
    signal = np.where(chosen, signal, 0)
    signal = np.where((signal == 1).any(axis=0), 1, np.where((signal == 2).any(axis=0), 2, 0)).astype(np.int8)
    return TransferPlan(best.astype(np.int8), neighbours, weights, similarities, params, signal=signal)


class FallbackWarning(UserWarning):
    """Most new rows of a transfer had no aligned word and were set to the mean plus noise."""


def fallback_message(n_fallback, n_new):
    """The warning for ``n_fallback`` fallback rows among ``n_new`` new rows (see :data:`FALLBACK_WARN_SHARE`)."""
    return (f"{n_fallback} of {n_new} rows ({100 * n_fallback / n_new:.1f}%) had no aligned word and were set to the "
            "mean plus noise; the target word vectors cover few of the tokenizer's words (rows copied from the "
            "source model not counted): check that --tgt-vectors is in the tokenizer's language, or use vectors "
            "with a larger vocabulary (e.g. trained on the corpus the tokenizer was trained on)")


class AlignmentAdvice(UserWarning):
    """The vector files were aligned in a way that serves a transfer less well than it could."""


def unrefined_advice(src_path):
    """A note when ``src_path``'s sidecar says its ``offramp align`` run had a dictionary or verse seed and no
    refinement (docs/transfer.md: refining lifted verse retrieval by about a third), else None."""
    if not isinstance(src_path, (str, os.PathLike)):
        return None
    from ..io.outputs import read_space_info

    info = read_space_info(os.fspath(src_path)) or {}
    parts = str(info.get("seed", "")).split("+")
    if info.get("preset") != "offramp" or "|refine:" in str(info.get("signature", "|refine:")) \
            or not {"dictionary", "parallel"} & set(parts):
        return None
    flag = "--refine auto" if "dictionary" in parts else "--for transfer"
    return (f"{os.fspath(src_path)} was aligned from a {info['seed']} seed without refinement; for a transfer, "
            f"align with {flag} (it refines the map along the seed's pairs; on Finnish from one Bible it lifted "
            "verse retrieval from 25.5 to 35.3 P@1)")


def _check_vector_files(src_path, tgt_path):
    """Refuse vector files that cannot be the source and target sides of one aligned space.

    The same file twice; files that ``offramp align`` wrote in *different* runs (their sidecars
    ``FILE.offramp.json`` carry different ``space_id``); and files given the wrong way round (the
    sidecar of ``src_path`` says ``"side": "tgt"`` or that of ``tgt_path`` says ``"src"``). Files
    without sidecars are left to the statistical :func:`check_aligned`.

    Returns True when the two sidecars vouch for the pair (one run, its source and target sides),
    which makes the statistical check unnecessary.
    """
    if not all(isinstance(p, (str, os.PathLike)) for p in (src_path, tgt_path)):
        return False
    from ..io.outputs import SIDECAR_SUFFIX, read_space_info

    src, tgt = os.fspath(src_path), os.fspath(tgt_path)
    if os.path.exists(src) and os.path.exists(tgt) and os.path.samefile(src, tgt):
        raise ValueError(f"--src-vectors {src} and --tgt-vectors {tgt} are the same file; pass the source-language "
                         "vectors as --src-vectors and the target-language ones as --tgt-vectors (the --out-src and "
                         "--out-tgt of one offramp align run); for a new tokenizer in the source model's own "
                         "language, pass --no-check-alignment")
    src_info, tgt_info = read_space_info(src), read_space_info(tgt)
    if src_info is not None and tgt_info is not None and src_info.get("space_id") != tgt_info.get("space_id"):
        raise ValueError(f"{src} and {tgt} were mapped by different offramp align runs "
                         f"(space {src_info.get('space_id')} vs {tgt_info.get('space_id')}); pass the two outputs of "
                         "one run")
    wrong = []
    if src_info is not None and src_info.get("side") == "tgt":
        wrong.append(f"--src-vectors {src} is the target side (its {os.path.basename(src) + SIDECAR_SUFFIX} "
                     "says \"side\": \"tgt\")")
    if tgt_info is not None and tgt_info.get("side") == "src":
        wrong.append(f"--tgt-vectors {tgt} is the source side (its {os.path.basename(tgt) + SIDECAR_SUFFIX} "
                     "says \"side\": \"src\")")
    if wrong:
        raise ValueError(f"the vector files look swapped: {' and '.join(wrong)} of offramp align; swap them "
                         f"(--src-vectors {tgt} --tgt-vectors {src}): --src-vectors is the source model's language "
                         "(align's --out-src). If you aligned with that language as align's target on purpose, "
                         "pass --no-check-alignment")
    return (src_info is not None and tgt_info is not None and src_info.get("space_id") is not None
            and src_info.get("side") == "src" and tgt_info.get("side") == "tgt")


_WEIGHTS_FIX = ("download the model again, or save it again with model.save_pretrained(dir) where it was made; "
                "the file may have been cut short by an interrupted download or a full disk")


def _check_weights(model_dir):
    """Open the header of every ``*.safetensors`` file of ``model_dir`` (cheap: no tensor is read).

    Raises
    ------
    FormatError
        A damaged or truncated file, named with the fix.
    """
    model_dir = os.fspath(model_dir)
    if not os.path.isdir(model_dir):
        return
    try:
        from safetensors import SafetensorError, safe_open
    except ImportError:  # the llm extra is missing; loading the model reports it
        return
    for name in sorted(os.listdir(model_dir)):
        if not name.endswith(".safetensors"):
            continue
        path = os.path.join(model_dir, name)
        try:
            with safe_open(path, framework="numpy"):
                pass
        except (SafetensorError, OSError) as exc:
            raise FormatError(path, None, f"the model weights are damaged or truncated ({exc})",
                              fix=_WEIGHTS_FIX) from None


def _load_model(model_dir):
    """:func:`bootstrap.llm.export.load_source_model`, with damaged weight files reported by name."""
    import pickle

    from .export import load_source_model

    errors = (RuntimeError, EOFError, pickle.UnpicklingError)
    try:
        from safetensors import SafetensorError

        errors += (SafetensorError,)
    except ImportError:
        pass
    try:
        return load_source_model(model_dir)
    except errors as exc:
        raise FormatError(model_dir, None, f"could not load the model weights ({type(exc).__name__}: {exc})",
                          fix=_WEIGHTS_FIX) from None


@contextlib.contextmanager
def _transformers_bars(progress):
    """Without ``progress``, transformers' own bars (loading and writing the model) are off too, and
    restored afterwards."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # the transfer itself reports the missing extra
        hf_logging = None
    if progress or hf_logging is None:
        yield
        return
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def _check_post_processor(tokenizer, given):
    """Refuse a target tokenizer whose post-processor inserts special tokens under ids of other tokens.

    Raises
    ------
    ValueError
        Naming the token, the ids it is inserted as and its id in the vocabulary.
    """
    stale = sync_post_processor(tokenizer, apply=False)
    if stale:
        token, ids, new = stale[0]
        where = os.fspath(given) if isinstance(given, (str, os.PathLike)) else "the target tokenizer"
        raise ValueError(f"{where}: its post-processor inserts {token} as id {ids} but the vocabulary has it at "
                         f"{new}, so every text would start with another token (or one past the vocabulary); "
                         "this happens to Llama 3-style tokenizers retrained with transformers' "
                         "train_new_from_iterator: train it with offramp tokenizer --like, or call "
                         "offramp.bootstrap.llm.hf.sync_post_processor(tokenizer) and save it again")


def _path_or_none(value):
    """The path as given, for the report; ``None`` for in-memory objects."""
    return os.fspath(value) if isinstance(value, (str, os.PathLike)) else None


def transfer(source_model, *, tokenizer, src_vectors, tgt_vectors, out, lexicon=None, k=10, temperature=TEMPERATURE,
             copy_shared=True, fallback_noise=1.0, check_alignment=True, random_state=0, overwrite=True,
             show_progress=True):
    """Transfer ``source_model`` to a new tokenizer and write a loadable model directory.

    Parameters
    ----------
    source_model : str or path-like
        A Hugging Face model directory with its tokenizer (loaded offline): an encoder, or a
        decoder LLM whose output embeddings stay tied or untied as they were
        (:func:`bootstrap.llm.export.export_model`).
    tokenizer : str, path-like or PreTrainedTokenizerFast
        The target tokenizer (``offramp tokenizer`` output).
    src_vectors, tgt_vectors : str, path-like or KeyedVectors, or lists of them
        Source- and target-language word vectors in one aligned space (``offramp align``'s
        ``--out-src`` and ``--out-tgt``). Lists of the same length give one pair per target language
        (each pair its own space) for a tokenizer shared by them: one plan per pair, joined by
        :func:`combine_plans`.
    out : str or path-like
        Output directory; written to a temporary sibling and renamed when complete.
    lexicon : str, path-like or list of (str, str), optional
        With several pairs, a list with one entry (or None) per pair.
    k, temperature, copy_shared
        See :func:`plan_transfer`.
    fallback_noise : float, default 1.0
        See :meth:`TransferPlan.apply`.
    check_alignment : bool, default True
        Refuse vector files that are one file, come from different ``offramp align`` runs or are
        swapped (their sidecars say so), and run :func:`check_aligned`.
    random_state : int
    overwrite : bool, default True
        Replace an existing ``out`` that is an earlier offramp output (never an input's directory
        or a directory offramp did not write; checked before any work).
    show_progress : bool
        Bars on stderr: reading large text vector files, the token vectors, and transformers' loading
        and writing of the model.

    Returns
    -------
    report : dict
        Input paths (``source_model``, ``tokenizer``, ``src_vectors``, ``tgt_vectors``, ``lexicon``;
        ``None`` for objects passed in memory), the output directory ``out`` and its files
        (``outputs``), route counts, the fallback share (``fallback``: ``rows``, ``of`` new rows,
        ``share``), ``warnings``, the alignment check and the parameters. Also written to
        ``out/offramp_transfer.json``.

    Warns
    -----
    FallbackWarning
        When more than :data:`FALLBACK_WARN_SHARE` of the new rows fall back to the mean plus
        noise (the message is also in ``report["warnings"]``).

    Raises
    ------
    FormatError
        A damaged weight file in ``source_model`` (e.g. a truncated ``model.safetensors``).
    ValueError
        Vector files that are not one aligned space, bad options, or a target tokenizer that would
        feed the model wrong ids: its post-processor inserts stale ids (see
        :func:`bootstrap.llm.hf.sync_post_processor`), or ``AutoTokenizer`` loads it back with more
        tokens than the model has rows.
    """
    from ..io.atomic import check_output_dir
    from ..io.embeddings import load_embeddings
    from .export import EMBEDDINGS_FILE, REPORT_FILE, export_model

    several = isinstance(src_vectors, (list, tuple))
    srcs, tgts = (list(src_vectors), list(tgt_vectors)) if several else ([src_vectors], [tgt_vectors])
    if isinstance(tgt_vectors, (list, tuple)) != several or len(srcs) != len(tgts) or not srcs:
        raise ValueError("give one source vector file per target vector file (one pair per target language); "
                         f"got {len(srcs)} and {len(tgts) if isinstance(tgt_vectors, (list, tuple)) else 1}")
    if not several:
        lexicons = [lexicon]
    elif lexicon is None:
        lexicons = [None] * len(srcs)
    elif isinstance(lexicon, (list, tuple)) and len(lexicon) == len(srcs) and \
            all(x is None or isinstance(x, (str, os.PathLike, list)) for x in lexicon):
        lexicons = list(lexicon)
    else:
        raise ValueError("with several vector pairs, give the lexicons as a list with one entry (a file, a list of "
                         "pairs, or None) per pair")
    inputs = [source_model, _path_or_none(tokenizer),
              *(_path_or_none(x) for x in (*srcs, *tgts, *lexicons))]
    check_output_dir(out, inputs, overwrite)  # now, not after the planning
    src_tokenizer = load_tokenizer(source_model)
    _check_weights(source_model)
    tgt_tokenizer = tokenizer if hasattr(tokenizer, "backend_tokenizer") else load_tokenizer(tokenizer)
    _check_post_processor(tgt_tokenizer, tokenizer)
    plans, names, vouched_all, report_warnings = [], [], [], []
    for i, (src_one, tgt_one, lexicon_one) in enumerate(zip(srcs, tgts, lexicons)):
        vouched, check = False, check_alignment
        if check_alignment:
            vouched = _check_vector_files(src_one, tgt_one)  # one align run's two sides: no need to test
            check = not vouched
        vouched_all.append(vouched)
        src_kv = src_one if hasattr(src_one, "key_to_index") else load_embeddings(src_one, progress=show_progress)
        tgt_kv = tgt_one if hasattr(tgt_one, "key_to_index") else load_embeddings(tgt_one, progress=show_progress)
        if _path_or_none(lexicon_one) is not None:
            from ..io.dictionaries import read_dictionary

            lexicon_one = read_dictionary(lexicon_one)
        plans.append(plan_transfer(src_tokenizer, tgt_tokenizer, src_kv, tgt_kv, lexicon=lexicon_one, k=k,
                                   temperature=temperature, copy_shared=copy_shared, check_alignment=check,
                                   show_progress=show_progress))
        path = _path_or_none(tgt_one)
        names.append(os.path.basename(path) if path else str(i))
        advice = unrefined_advice(src_one)
        if advice is not None and advice not in report_warnings:
            report_warnings.append(advice)
            warnings.warn(advice, AlignmentAdvice, stacklevel=2)
    plan = combine_plans(plans, names)
    with _transformers_bars(show_progress):
        model = _load_model(source_model)
    n_fallback, n_new = plan.fallback_share()
    if n_new and n_fallback > FALLBACK_WARN_SHARE * n_new:
        report_warnings.insert(0, fallback_message(n_fallback, n_new))
        warnings.warn(report_warnings[0], FallbackWarning, stacklevel=2)
    lexicon_paths = [_path_or_none(x) for x in lexicons]
    lexicon_used = any(x is not None for x in lexicons)

    def one_or_all(values):
        return values if several else values[0]

    out_dir = os.fspath(out)
    vouched = all(vouched_all)
    report = {"source_model": os.fspath(source_model), "tokenizer": _path_or_none(tokenizer),
              "src_vectors": one_or_all([_path_or_none(x) for x in srcs]),
              "tgt_vectors": one_or_all([_path_or_none(x) for x in tgts]),
              "lexicon": one_or_all(lexicon_paths), "out": out_dir,
              "outputs": {"model_dir": out_dir, "embeddings": os.path.join(out_dir, EMBEDDINGS_FILE),
                          "report": os.path.join(out_dir, REPORT_FILE)},
              "n_src_tokens": len(src_tokenizer), "n_tgt_tokens": len(tgt_tokenizer), "routes": plan.counts(),
              "fallback": {"rows": n_fallback, "of": n_new, "share": n_fallback / n_new if n_new else 0.0},
              "warnings": report_warnings, "params": plan.params,
              "aligned_by_records": vouched,
              "fallback_noise": float(fallback_noise), "random_state": random_state,
              "signature": make_signature(init="wechsel", k=k, temperature=temperature,
                                          copy_shared="yes" if copy_shared else "no",
                                          lexicon="yes" if lexicon_used else "no",
                                          languages=len(srcs) if several else None,
                                          fallback_noise=fallback_noise, seed=random_state)}
    with _transformers_bars(show_progress):
        export_model(model, tgt_tokenizer, out, plan=plan, source_dir=source_model, fallback_noise=fallback_noise,
                     random_state=random_state, report=report, overwrite=overwrite, src_tokenizer=src_tokenizer)
    return report
