"""What an alignment and an induction leave on disk: the mapped spaces with their sidecars, the run's
report, and induced lexicons.

A sidecar ``PATH.offramp.json`` beside each mapped file records that the file was mapped into one
shared space (its ``space_id``), so later steps (``offramp transfer``) can refuse vectors that were
never aligned together.
"""
import contextlib
import hashlib
import json
import os
import warnings

import numpy as np

from ..._version import __version__
from ..errors import InputsError
from .atomic import atomic_open, check_distinct
from .dictionaries import LEXICON_HEADER
from .embeddings import load_pair, save_in

SIDECAR_SUFFIX = ".offramp.json"


def space_id(result):
    """A short hash that names the shared space of one alignment run.

    Parameters
    ----------
    result : AlignResult

    Returns
    -------
    str
        16 hex digits of a SHA-256 over the maps (and the refinement's anchors and residuals).
    """
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(result.W_src).tobytes())
    h.update(np.ascontiguousarray(result.W_tgt).tobytes())
    if result.refiner is not None:  # a refined space is another space: its anchors and parameters too
        h.update(json.dumps(result.refiner.get_params(deep=False), sort_keys=True, default=str).encode())
        for side in ("src", "tgt"):
            for part in ("anchors", "residuals"):
                h.update(np.ascontiguousarray(getattr(result.refiner, f"{side}_{part}_")).tobytes())
    return h.hexdigest()[:16]


def aligned_outputs(out_src, out_tgt, report_path=None):
    """The files :func:`save_aligned` writes, by the option that names them (for
    :func:`bootstrap.io.atomic.check_distinct`)."""
    def sidecar(path):
        return None if path is None else os.fspath(path) + SIDECAR_SUFFIX

    return {"--out-src": out_src, "--out-tgt": out_tgt, "--report": report_path,
            "--out-src's sidecar": sidecar(out_src), "--out-tgt's sidecar": sidecar(out_tgt)}


def save_aligned(result, out_src, out_tgt, *, binary=False, report_path=None, signature=None):
    """Write both mapped spaces with a sidecar ``PATH.offramp.json`` each, and the report.

    The sidecars record that the files were mapped into one space (same ``space_id``), which
    lets later steps (``offramp transfer``) refuse vectors that were never aligned together.
    All files are written to temporary siblings first and renamed only when every one of them
    was written, so a failure (a word that cannot be written, a full disk) leaves none of them.

    Parameters
    ----------
    result : AlignResult
        Its ``report`` gains ``space_id``.
    out_src, out_tgt : str, path-like or None
        The mapped spaces' files (word2vec); None skips that side.
    binary : bool, default False
        word2vec binary instead of text.
    report_path : str or path-like, optional
        Where to write ``result.report`` as JSON.
    signature : str, optional
        The reproducibility signature recorded in the sidecars (default: ``result.signature``).

    Returns
    -------
    space_id : str
        See :func:`space_id`.
    """
    check_distinct(aligned_outputs(out_src, out_tgt, report_path))
    signature = result.report.get("signature") if signature is None else signature
    sid = space_id(result)
    result.report["space_id"] = sid
    with contextlib.ExitStack() as outputs:
        for side, kv, path in (("src", result.src_mapped, out_src), ("tgt", result.tgt_mapped, out_tgt)):
            if path is None:
                continue
            save_in(outputs, kv, path, binary=binary)
            meta = {"offramp_version": __version__, "mapped": True, "space_id": sid, "side": side,
                    "n_words": len(kv), "dim": int(kv.vector_size), "signature": signature,
                    "preset": result.report.get("preset"), "seed": result.report["seed"]["mode"]}
            json.dump(meta, outputs.enter_context(atomic_open(os.fspath(path) + SIDECAR_SUFFIX)), indent=2)
        if report_path is not None:
            json.dump(result.report, outputs.enter_context(atomic_open(report_path)), indent=2, default=float)
    return sid


def read_space_info(path):
    """The sidecar metadata of a mapped embedding file (a dict), or ``None`` when it has none.

    Raises ``ValueError`` naming the sidecar when it is not one ``offramp align`` wrote (not a file,
    not JSON, not a JSON object).
    """
    meta = os.fspath(path) + SIDECAR_SUFFIX
    if not os.path.lexists(meta):
        return None
    fix = (f"delete it if {os.fspath(path)} did not come from offramp align, or run offramp align again to "
           "write both files and their sidecars")
    if not os.path.isfile(meta):
        raise ValueError(f"{meta}: the sidecar of {os.fspath(path)} is not a file; {fix}")
    try:
        with open(meta, encoding="utf-8") as handle:
            info = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"{meta}: the sidecar of {os.fspath(path)} is damaged ({exc}); {fix}") from None
    if not isinstance(info, dict):
        raise ValueError(f"{meta}: the sidecar of {os.fspath(path)} holds a JSON {type(info).__name__}, not the "
                         f"object offramp align writes; {fix}")
    return info


def write_lexicon(rows, path):
    """Write ``(source, target, score, rank)`` rows as TSV under :data:`LEXICON_HEADER`, atomically.

    :func:`bootstrap.io.dictionaries.read_dictionary` reads the file back as ``(source, target)`` entries.
    """
    with atomic_open(path) as handle:
        handle.write(LEXICON_HEADER + "\n")
        for s, t, score, rank in rows:
            handle.write(f"{s}\t{t}\t{score:.6f}\t{rank}\n")
    return path


def check_same_space(src_path, tgt_path):
    """Refuse what retrieval between two files cannot score: one file given twice, two files that
    offramp align wrote in different runs (their sidecars name different spaces) or as the same side
    of one run. Warn when only one of the two comes from offramp align. Files without sidecars (other
    tools') pass."""
    if os.path.exists(src_path) and os.path.exists(tgt_path) and os.path.samefile(src_path, tgt_path):
        raise InputsError(f"SRC_VECTORS and TGT_VECTORS are the same file ({src_path}): every word would find "
                          "itself; give the --out-src and --out-tgt files of one offramp align run")
    try:
        src, tgt = read_space_info(src_path), read_space_info(tgt_path)
    except ValueError as exc:  # a damaged sidecar: the pair cannot be checked
        raise InputsError(str(exc)) from None
    if src and tgt and src.get("space_id") != tgt.get("space_id"):
        raise InputsError(f"{src_path} and {tgt_path} were mapped by different offramp align runs "
                          f"(space ids {src.get('space_id')} and {tgt.get('space_id')}); give the --out-src "
                          "and --out-tgt files of one run")
    if src and tgt and src.get("side") is not None and src.get("side") == tgt.get("side"):
        raise InputsError(f"{src_path} and {tgt_path} are both the {src['side']} side of one offramp align run "
                          "(their sidecars say so; one is a copy of the other): give the --out-src and --out-tgt "
                          "files of that run")
    if bool(src) != bool(tgt):
        mapped, other = (src_path, tgt_path) if src else (tgt_path, src_path)
        warnings.warn(f"{mapped} was written by offramp align, {other} was not (it has no "
                      f"{os.path.basename(os.fspath(other)) + SIDECAR_SUFFIX}); scores are meaningful only if both "
                      "files were mapped into one space", UserWarning, stacklevel=2)


def load_mapped_pair(src_path, tgt_path, *, fmt="auto", max_vocab=None, on_duplicate="error",
                     encoding_errors="strict", progress=True):
    """The two sides of one shared space, read from their files after :func:`check_same_space`.

    Returns
    -------
    src, tgt : KeyedVectors
    """
    check_same_space(src_path, tgt_path)
    src, tgt = load_pair(src_path, tgt_path, fmt=fmt, max_vocab=max_vocab, on_duplicate=on_duplicate,
                         encoding_errors=encoding_errors, progress=progress,
                         fix="give the two mapped files of one offramp align run")
    if read_space_info(src_path) is None and read_space_info(tgt_path) is None:
        _warn_if_unaligned(src_path, tgt_path, src, tgt)
    return src, tgt


def _warn_if_unaligned(src_path, tgt_path, src, tgt):
    """Without offramp align's records, ask the spaces themselves: strings spelled alike in both that do not
    find each other (the shared-string check fails) mean two spaces never mapped into one."""
    from ..check import shared_string_check

    check = shared_string_check(src, tgt)
    if check["verdict"] == "failed":
        warnings.warn(f"{src_path} and {tgt_path} do not look like one aligned space: of {check['n_checked']} "
                      f"strings spelled alike in both, {check['self@1']:.1f}% find themselves as nearest "
                      "neighbour; map them into one space first (offramp align SRC TGT --out-src ... --out-tgt ...) "
                      "and pass its two outputs", UserWarning, stacklevel=3)
