"""Inducing a bilingual lexicon: each source word's best target words in a shared space, by plain
retrieval or re-ranked, optionally kept only where the translation is mutual."""
import time
import warnings

import numpy as np

from ...alignment import asarray, resolve_device
from ...alignment.candidates import back_translate, csls_r_tgt, in_slices, isf_log_norm, translate
from .._progress import steps
from ..io.atomic import check_distinct, write_json
from ..io.embeddings import finite_vectors
from ..io.outputs import load_mapped_pair, write_lexicon
from ..lexicon.parallel import builds_association, resolve_association
from ..memory import check_memory
from ..signature import extend_signature, make_signature
from .bli import rerank_tag
from .rerankers import DEFAULT_RERANK_K, CandidateSpace, as_reranker


class Lexicon(list):
    """Induced ``(source, target, score, rank)`` rows (a list), with what produced them.

    Attributes
    ----------
    info : dict
        What ran (see :func:`induce_lexicon`).
    signature : str
        The reproducibility signature.
    """

    def __init__(self, rows=(), *, info=None, signature=None):
        super().__init__(rows)
        self.info = info or {}
        self.signature = signature


def induce_lexicon(src, tgt, *, method="csls", k=1, csls_k=10, max_src=None, normalize=True,
                   mutual=False, device="cpu", beta=30.0, rerank=None, tune_dict=None, parallel=None,
                   lowercase=False, progress=True, copy=True, return_info=False):
    """Translate source words into their ``k`` best target words.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Mapped vectors in one shared space.
    method : {'nn', 'csls', 'isf'}
    k : int
        Candidates per source word.
    max_src : int, optional
        Translate only the most frequent ``max_src`` source words. They are the source side of the
        column terms and of ``mutual``'s way back too, as if only they had been read: the cost is
        ``max_src x n_tgt``, whatever the source vocabulary's size.
    mutual : bool
        Keep only pairs whose target word has this source word as its own best translation
        (precision over recall). With ``k > 1`` a source word keeps every one of its ``k``
        candidates that passes, so it may keep a rank-2 pair and lose its rank-1 one.
    beta : float, default 30
        Inverse temperature of ``method='isf'`` (inverted softmax).
    rerank, tune_dict, parallel
        Re-rank each word's best candidates, as in :func:`~bootstrap.evaluation.bli.evaluate_bli`;
        the score column is then the combined score (the trees' probability with a
        :class:`~bootstrap.evaluation.rerankers.TreeReranker`).
    lowercase : bool, default False
        Lowercase ``tune_dict``'s words when reading it.
    progress : bool, default True
        Show a tqdm bar on stderr over the steps, as :func:`~bootstrap.evaluation.bli.evaluate_bli` does.
    copy : bool, default True
        False (with ``normalize``): scale the rows of ``src`` and ``tgt``'s own arrays to unit length
        in place, so that two large spaces are never held twice; for vectors read for this call alone.
    return_info : bool, default False
        Deprecated: the lexicon carries its report in ``info``. With True, return ``(lexicon, info)``.

    Returns
    -------
    Lexicon
        ``(source, target, score, rank)`` rows, sources in frequency order, ranks from 1, with
        ``info`` (what ran: the re-ranking's report under ``rerank``, ``device``, ``n_src`` source
        words translated, ``n_src_vocab``, ``n_tgt_vocab``, ``steps`` with each step's name, words and
        seconds, ``wall_s``) and ``signature``.
    """
    start = time.perf_counter()
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"the spaces have different dimensions (src {src.vector_size}, tgt "
                         f"{tgt.vector_size}); translate with the mapped files written by offramp align")
    reranker = as_reranker(rerank, tune_dict=tune_dict, parallel=parallel)
    if reranker is not None and reranker.k < k:  # every one of the k candidates is re-ranked
        reranker = type(reranker)(**{**reranker.get_params(), "k": k})
    device = resolve_device(device)
    X = asarray(finite_vectors(src, "source", normalize=normalize, copy=copy), device=device)
    Z = asarray(finite_vectors(tgt, "target", normalize=normalize, copy=copy), device=device)
    n = len(src) if max_src is None else min(max_src, len(src))
    # steps: the column terms (CSLS's r of the targets, the inverted softmax's normaliser; with
    # mutual and CSLS the sources' r too, shared by both directions), the forward search and the way
    # back; with re-ranking, the association, the targets' column term, the fitting, (with mutual)
    # the sources' r term or normaliser and the way back, and the re-ranked search. The trees'
    # fitting computes the sources' r term itself.
    column_terms = method in ("csls", "isf")  # a step of their own before each direction's search
    back_terms = column_terms and not (reranker is not None and reranker.model == "trees" and method == "csls")
    n_steps = 1 + bool(mutual) * (1 + back_terms) + (
        builds_association(parallel) + column_terms + (tune_dict is not None) if reranker else column_terms)
    log = []
    with steps(n_steps, progress=progress, n_pairs=len(src) * len(tgt), log=log) as step:
        if reranker is not None:
            scores, index, back, rerank_info = _reranked(src, tgt, X, Z, n, k, reranker, step, method=method,
                                                         csls_k=csls_k, beta=beta, mutual=mutual,
                                                         tune_dict=tune_dict, parallel=parallel, lowercase=lowercase)
        else:
            rerank_info = None
            scores, index, back = translate(X[:n], Z, n, k, method=method, csls_k=csls_k, beta=beta,
                                            mutual=mutual, step=step)
    rows = []
    for i in range(n):
        for r in range(index.shape[1]):
            j = int(index[i, r])
            if back is not None and back[j] != i:
                continue
            rows.append((src.index_to_key[i], tgt.index_to_key[j], float(scores[i, r]), r + 1))
    info = {"rerank": rerank_info, "device": device, "n_src": n, "n_src_vocab": len(src), "n_tgt_vocab": len(tgt),
            "steps": log, "wall_s": round(time.perf_counter() - start, 3)}
    signature = make_signature(retrieval=method, csls=csls_k if method == "csls" else None,
                               beta=beta if method == "isf" else None, k=k, max_src=max_src,
                               mutual="yes" if mutual else "no", rerank=rerank_tag(rerank_info), dtype="float32",
                               device=device)
    lexicon = Lexicon(rows, info=info, signature=signature)
    if return_info:
        warnings.warn("induce_lexicon(return_info=True) is deprecated: the returned Lexicon carries the report "
                      "as .info", DeprecationWarning, stacklevel=2)
        return lexicon, info
    return lexicon


def _reranked(src, tgt, X, Z, n, k, reranker, step, *, method, csls_k, beta, mutual, tune_dict, parallel, lowercase):
    """:func:`induce_lexicon` with a re-ranker: the first ``n`` source words' ``k`` best targets after
    re-ranking (host arrays), each target's best source word with ``mutual`` (else None), and the
    re-ranking's report, as steps of ``step``."""
    if builds_association(parallel):
        step("verse association")
    association = resolve_association(parallel, src, tgt)
    tick = step(f"CSLS r term of {len(tgt)} target words", rows=len(tgt)) if method == "csls" else None
    # the column terms and the way back see the n translated source words; the space keeps them all,
    # for the tuning dictionary's words (the trees' margins are measured against every source word)
    trees = reranker.model == "trees"
    Xn = X if trees else X[:n]
    r_tgt = csls_r_tgt(Xn, Z, method, csls_k, tick)  # once for the tuning and the lexicon searches
    log_norm = isf_log_norm(Xn, Z, beta, step(f"inverted-softmax normaliser of {len(tgt)} target words",
                                              rows=len(tgt))) if method == "isf" else None
    if tune_dict is not None:
        step("fitting the re-ranking")
    space = CandidateSpace(src, tgt, X, Z, method=method, csls_k=csls_k, beta=beta, r_tgt=r_tgt,
                           log_norm=log_norm, association=association)
    reranker.fit(space, tune_dict, lowercase=lowercase)
    rerank_info = dict(reranker.info_)
    if association is not None:
        rerank_info["parallel"] = association.info
    # the sources' CSLS r term: the trees made it; with mutual, one step serves both directions
    r_src = reranker.margins_.r_src if trees and method == "csls" else None
    if mutual and method == "csls" and r_src is None:
        r_src = csls_r_tgt(Z, Xn, method, csls_k, step(f"CSLS r term of {len(Xn)} source words", rows=len(Xn)))
    # with the trees, the way back first: its best scores are the backward margins' reference for
    # every target, so the re-ranked search below needs no search of its own for them
    back = back_translate(Xn, Z, method=method, csls_k=csls_k, beta=beta, step=step, r_tgt=r_tgt, r_src=r_src,
                          margins=reranker.margins_) if mutual and trees else None
    # in slices of source words: each row is re-ranked on its own, and memory stays bounded by a
    # slice's candidates and features
    scores, index = in_slices(lambda rows: reranker.rerank(space, np.arange(rows.start, rows.stop), r_src=r_src),
                              n, step(f"translating {n} source words", rows=n))
    scores, index = scores[:, :k], index[:, :k]
    if mutual and not trees:  # the way back of the chosen targets only
        back = back_translate(Xn, Z, method=method, csls_k=csls_k, beta=beta, step=step, r_tgt=r_tgt, r_src=r_src,
                              targets=np.unique(index))
    return scores, index, back, rerank_info


def induce_files(src_path, tgt_path, out, *, report=None, fmt="auto", max_vocab=None, on_duplicate="error",
                 encoding_errors="strict", progress=True, memory_check=True, **options):
    """Read two mapped vector files, induce a lexicon and write it (and a JSON report): what ``offramp
    induce`` does.

    Parameters
    ----------
    src_path, tgt_path : path-like
        One offramp align run's two sides, or files of other tools
        (:func:`bootstrap.io.outputs.check_same_space`).
    out : path-like
        The lexicon, TSV under a header (:func:`bootstrap.io.outputs.write_lexicon`).
    report : path-like, optional
        What ran, as JSON: inputs, options, signature, pairs written, and the lexicon's ``info``.
    fmt, max_vocab, on_duplicate, encoding_errors
        How the vector files are read (:func:`bootstrap.io.embeddings.load_embeddings`).
    progress : bool
    memory_check : bool, default True
        Refuse, before reading, a run whose estimated peak memory exceeds the available memory
        (:func:`bootstrap.memory.check_memory`); the estimate goes into the report.
    **options
        Keywords of :func:`induce_lexicon`.

    Returns
    -------
    Lexicon
        Its signature names ``max_vocab`` too.
    """
    check_distinct({"out": out, "report": report}, [("src_vectors", src_path), ("tgt_vectors", tgt_path)])
    memory = check_memory("induce", (src_path, tgt_path), fmt=fmt, max_vocab=max_vocab) if memory_check else None
    src, tgt = load_mapped_pair(src_path, tgt_path, fmt=fmt, max_vocab=max_vocab, on_duplicate=on_duplicate,
                                encoding_errors=encoding_errors, progress=progress)
    lexicon = induce_lexicon(src, tgt, progress=progress, copy=False, **options)  # read for this alone
    lexicon.info["memory"] = memory
    lexicon.signature = extend_signature(lexicon.signature, max_vocab=max_vocab)
    write_lexicon(lexicon, out)
    if report is not None:
        method, rerank, reranker = options.get("method", "csls"), options.get("rerank"), lexicon.info["rerank"]
        write_json(report, {
            "command": "induce", "signature": lexicon.signature, "src_vectors": str(src_path),
            "tgt_vectors": str(tgt_path), "out": str(out), "n_pairs": len(lexicon),
            "n_source_words": len({row[0] for row in lexicon}),
            "options": {"retrieval": method, "csls_k": options.get("csls_k", 10) if method == "csls" else None,
                        "beta": options.get("beta", 30.0) if method == "isf" else None, "k": options.get("k", 1),
                        "max_src": options.get("max_src"), "mutual": options.get("mutual", False),
                        "rerank": list(getattr(rerank, "features", rerank or ())),
                        "rerank_model": (getattr(rerank, "model", None) or "linear") if reranker else None,
                        "rerank_k": getattr(rerank, "k", DEFAULT_RERANK_K) if reranker else None,
                        "tune_dict": options.get("tune_dict"),
                        "max_vocab": max_vocab},
            **lexicon.info})
    return lexicon
