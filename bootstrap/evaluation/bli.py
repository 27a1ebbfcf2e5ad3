"""Bilingual lexicon induction scores of two mapped spaces on a gold dictionary: P@1/5/10, MRR and
coverage, scored as MUSE's and VecMap's evaluators score them (OOV words excluded, a hit on any gold
translation counts), optionally after re-ranking each word's candidates."""
import numpy as np

from ...alignment import asarray, resolve_device
from ...alignment.candidates import csls_r_tgt, isf_log_norm
from ...alignment.metrics import DEFAULT_KS, bli_scores
from ...alignment.rerank import candidate_ranks
from ...alignment.retrieval import METHODS, gold_ranks
from .._progress import steps
from ..io.dictionaries import as_entries, group_by_source, lookup_pairs
from ..io.embeddings import finite_vectors
from ..io.outputs import load_mapped_pair
from ..lexicon.parallel import builds_association, resolve_association
from ..memory import check_memory
from ..signature import make_signature
from .rerankers import VERSE_CANDIDATES, CandidateSpace, as_reranker, queries_and_gold


def evaluate_bli(src, tgt, test_dict, *, method="csls", csls_k=10, normalize=True, ks=DEFAULT_KS,
                 device="cpu", lowercase=False, beta=30.0, rerank=None, tune_dict=None, parallel=None,
                 progress=True, copy=True):
    """Bilingual lexicon induction scores of two mapped spaces on a gold test dictionary.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Mapped source and target vectors (one shared space).
    test_dict : path or list of (str, str)
        Gold pairs; a source word may have several translations (a hit on any counts).
    method : {'nn', 'csls', 'isf'}
    csls_k : int
    normalize : bool
        Length-normalise the vectors first (cosine similarity).
    ks : tuple of int
    device : {'cpu', 'cuda', 'auto'}
    lowercase : bool
        Lowercase the dictionaries' words when reading them.
    beta : float
        Inverse temperature of ``method='isf'`` (inverted softmax).
    rerank : LinearReranker, TreeReranker or sequence of {'ortho', 'freq', 'parallel'}, optional
        Re-rank each word's best candidates (:mod:`bootstrap.evaluation.rerankers`); feature names
        stand for a :class:`~bootstrap.evaluation.rerankers.LinearReranker` with default weights.
        None: plain retrieval.
    tune_dict : path or list of (str, str), optional
        A dictionary to fit the re-ranker on, e.g. the one the mapping was trained with (never the
        test dictionary).
    parallel : VerseAssociation or (src_files, tgt_files), optional
        Verse-aligned corpora of the two languages, for the ``parallel`` feature.
    progress : bool, default True
        Show a tqdm bar on stderr over the steps (CSLS term, ranking, re-ranking) for large spaces.
    copy : bool, default True
        False (with ``normalize``): scale the rows of ``src`` and ``tgt``'s own arrays to unit length
        in place, so that two large spaces are never held twice; for vectors read for this call alone.

    Returns
    -------
    dict
        ``p@1``, ``p@5``, ``p@10``, ``mrr``, ``coverage`` (percent, OOV excluded), ``n_test``,
        ``n_covered``, ``counted_wrong`` (same scores with OOV counted wrong), ``oov`` (the
        uncovered words), ``method``, ``csls_k``, ``signature``, and ``rerank`` when re-ranking: the
        re-ranker's ``info_`` (features, weights and how they were chosen; with trees ``model:
        'trees'``, ``tune_p@1`` in sample and ``trees``), and under ``without_rerank`` the same test
        words' ``p@k``, ``mrr`` and ``counted_wrong`` before re-ranking.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"the spaces have different dimensions (src {src.vector_size}, tgt "
                         f"{tgt.vector_size}); evaluate the mapped files written by offramp align")
    reranker = as_reranker(rerank, tune_dict=tune_dict, parallel=parallel)
    entries, path = as_entries(test_dict, lowercase=lowercase)
    groups = group_by_source(entries)
    if not groups:
        raise ValueError(f"{path or 'the test dictionary'} holds no pairs")
    _, coverage = lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=path)
    queries, gold, src_oov, tgt_oov = queries_and_gold(groups, src, tgt)
    device = resolve_device(device)
    X = asarray(finite_vectors(src, "source", normalize=normalize, copy=copy), device=device)
    Z = asarray(finite_vectors(tgt, "target", normalize=normalize, copy=copy), device=device)
    q = asarray(np.asarray(queries, dtype=np.int64), device=device)
    n_steps = builds_association(parallel) + (method in ("csls", "isf")) + 1 + (
        (tune_dict is not None) + 1 if reranker else 0)
    with steps(n_steps, progress=progress, n_pairs=len(src) * len(tgt)) as step:
        if builds_association(parallel):
            step("verse association")
        association = resolve_association(parallel, src, tgt)
        tick = step(f"CSLS r term of {len(tgt)} target words", rows=len(tgt)) if method == "csls" else None
        # the column term (CSLS's r of the targets, the inverted softmax's normaliser), computed once
        # for the gold ranks and the re-ranking searches
        r_tgt = csls_r_tgt(X, Z, method, csls_k, tick)
        log_norm = isf_log_norm(X, Z, beta, step(f"inverted-softmax normaliser of {len(tgt)} target words",
                                                 rows=len(tgt))) if method == "isf" else None
        step(f"ranking {len(queries)} test words")
        ranks = gold_ranks(X[q], Z, gold, method=method, csls_k=csls_k, X=X, beta=beta, r_tgt=r_tgt,
                           log_norm=log_norm) if queries else np.zeros(0)
        ranks = np.asarray(ranks)
        rerank_info = None
        if reranker is not None:
            if tune_dict is not None:
                step("fitting the re-ranking")
            space = CandidateSpace(src, tgt, X, Z, method=method, csls_k=csls_k, beta=beta, r_tgt=r_tgt,
                                   log_norm=log_norm, association=association)
            reranker.fit(space, tune_dict, lowercase=lowercase)
            rerank_info = dict(reranker.info_)
            if association is not None:
                rerank_info["parallel"] = association.info
                rerank_info["verse_candidates"] = VERSE_CANDIDATES if method in ("nn", "csls") else 0
            plain = bli_scores(ranks, len(src_oov) + len(tgt_oov), ks=ks)
            rerank_info["without_rerank"] = {key: plain[key]
                                             for key in (*(f"p@{k}" for k in ks), "mrr", "counted_wrong")}
            step(f"re-ranking {len(queries)} test words")
            if queries:
                _, index = reranker.rerank(space, np.asarray(queries))
                ranks = candidate_ranks(index, gold, fallback=np.maximum(ranks, reranker.k + 1))
    out = bli_scores(ranks, len(src_oov) + len(tgt_oov), ks=ks)
    if rerank_info is not None:
        out["rerank"] = rerank_info
    out.update({
        "method": method,
        "csls_k": csls_k if method == "csls" else None,
        "beta": beta if method == "isf" else None,
        "device": device,
        "n_pairs": coverage["n_entries"],
        "oov": {"n_src_oov": len(src_oov), "n_no_tgt_in_vocab": len(tgt_oov),
                "src_oov_examples": src_oov[:10], "no_tgt_examples": tgt_oov[:10]},
        "unit": "percent",
    })
    out["signature"] = bli_signature(out, normalize=normalize, lowercase=lowercase)
    return out


def bli_signature(scores, *, normalize=True, lowercase=False, max_vocab=None):
    """The reproducibility signature of :func:`evaluate_bli`'s ``scores``: retrieval, normalisation,
    dtype, device, how many words were read (``max_vocab``, where the caller cut the files), lowercasing
    and the re-ranking."""
    return make_signature(retrieval=scores["method"], csls=scores["csls_k"], beta=scores["beta"],
                          norm="unit" if normalize else "none", dtype="float32", device=scores["device"],
                          max_vocab=max_vocab, lowercase="yes" if lowercase else None,
                          rerank=rerank_tag(scores.get("rerank")))


def evaluate_files(src_path, tgt_path, test_dict, *, fmt="auto", max_vocab=None, on_duplicate="error",
                   encoding_errors="strict", progress=True, memory_check=True, **options):
    """Read two mapped vector files and score them on ``test_dict``: what ``offramp evaluate`` does.

    The files must be one offramp align run's two sides, or files of other tools (without sidecars):
    :func:`bootstrap.io.outputs.check_same_space`.

    Parameters
    ----------
    src_path, tgt_path : path-like
    test_dict : path or list of (str, str)
    fmt, max_vocab, on_duplicate, encoding_errors
        How the vector files are read (:func:`bootstrap.io.embeddings.load_embeddings`).
    progress : bool
    memory_check : bool, default True
        Refuse, before reading, a run whose estimated peak memory exceeds the available memory
        (:func:`bootstrap.memory.check_memory`); the estimate is the result's ``memory``.
    **options
        Keywords of :func:`evaluate_bli`.

    Returns
    -------
    dict
        As :func:`evaluate_bli`; the signature names ``max_vocab`` too.
    """
    memory = check_memory("evaluate", (src_path, tgt_path), fmt=fmt, max_vocab=max_vocab) if memory_check else None
    src, tgt = load_mapped_pair(src_path, tgt_path, fmt=fmt, max_vocab=max_vocab, on_duplicate=on_duplicate,
                                encoding_errors=encoding_errors, progress=progress)
    out = evaluate_bli(src, tgt, test_dict, progress=progress, copy=False, **options)  # read for this alone
    out["signature"] = bli_signature(out, normalize=options.get("normalize", True),
                                     lowercase=options.get("lowercase", False), max_vocab=max_vocab)
    out["memory"] = memory
    return out


def rerank_tag(info):
    """The re-ranking part of a signature: ``ortho=0.3+freq=0.05`` (fitted or given weights),
    ``trees:ortho+freq``, with ``(ibm1)`` for Model 1 verses; None without re-ranking."""
    if not info:
        return None
    if info.get("model") == "trees":
        tag = "trees:" + "+".join(info["features"])
    else:
        tag = "+".join(f"{f}={info['weights'][f]:g}" for f in info["features"])
    measure = (info.get("parallel") or {}).get("measure", "dice")
    return tag if measure == "dice" else f"{tag}({measure})"
