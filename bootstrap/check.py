"""A check of a mapping that needs no dictionary: do strings spelled alike in both vocabularies
(names, numbers, loanwords, cognates) translate to themselves?

Where two languages share many names, a map that works sends a good share of these strings to
themselves and a failed one almost none. The unsupervised mode never uses them, so for it they are
held-out evidence. How many shared strings are real translations depends on the pair (quoted English
in a Latvian corpus is not), so the verdict has three levels; their thresholds and the runs they were
read from: docs/defaults.md, "Shared-string check thresholds".
"""
import numpy as np

from ..alignment import asarray, check_positive_int, resolve_device
from ..alignment.preprocess import unit
from ..alignment.retrieval import gold_ranks
from .lexicon.seeds import identical_pairs

#: The shared-string check looks at this many of each vocabulary's most frequent words.
CHECK_VOCAB = 20000
#: Fewest shared strings outside the seed for the check's verdict (below: ``'too few'``).
CHECK_MIN_STRINGS = 30
#: The check's verdict: ``'failed'`` at or below this self@1 (percent), ``'unclear'`` below
#: :data:`CHECK_OK`, else ``'ok'``.
CHECK_FAILED = 1.0
CHECK_OK = 10.0


def shared_string_check(src, tgt, *, exclude=(), top=CHECK_VOCAB, device="cpu", batch_size=1024):
    """Whether strings spelled alike in both vocabularies translate to themselves: a check of a mapping that
    needs no dictionary.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Mapped source and target vectors (one shared space), most frequent words first.
    exclude : iterable of (str, str)
        Pairs the map was fitted on (its seed): strings in any of them are left out, since the map
        reproduces them by construction.
    top : int
        The check looks at each side's ``top`` most frequent words (queries and candidates).
    device : {'cpu', 'cuda', 'auto'}
    batch_size : int
        Query rows per score block.

    Returns
    -------
    dict
        ``n_shared`` (strings in both top vocabularies), ``n_excluded`` (of them, in the seed),
        ``n_checked``, ``n_self@1`` (checked strings whose nearest target word by cosine is the same
        string), ``self@1`` and ``self@10`` (percent of the checked strings whose nearest, or one of
        ten nearest, target words by cosine is the same string), ``chance@1`` (percent, one
        over the candidates), ``top`` and ``verdict``: ``'too few'`` (fewer than
        :data:`CHECK_MIN_STRINGS` checked strings), ``'failed'`` (self@1 at or below
        :data:`CHECK_FAILED` percent), ``'unclear'`` (below :data:`CHECK_OK` percent) or ``'ok'``.
    """
    top = check_positive_int(top, "top")
    src_words, tgt_words = src.index_to_key[:top], tgt.index_to_key[:top]
    tgt_rows = {w: i for i, w in enumerate(tgt_words)}
    shared = [w for w, _ in identical_pairs(src_words, tgt_rows)]  # the identical-string seed's own matching
    used = {w for pair in exclude for w in pair}
    checked = [w for w in shared if w not in used]
    out = {"n_shared": len(shared), "n_excluded": len(shared) - len(checked), "n_checked": len(checked),
           "top": top, "chance@1": 100.0 / max(1, len(tgt_words))}
    if checked:
        device = resolve_device(device)
        Q = unit(asarray(np.asarray([src.get_vector(w) for w in checked], dtype=np.float32), device=device))
        D = unit(asarray(np.asarray(tgt.vectors[:len(tgt_words)], dtype=np.float32), device=device))
        ranks = gold_ranks(Q, D, [[tgt_rows[w]] for w in checked], method="nn", batch_size=batch_size)
        out["n_self@1"] = int(np.sum(ranks <= 1))
        out["self@1"] = 100.0 * out["n_self@1"] / len(checked)
        out["self@10"] = 100.0 * int(np.sum(ranks <= 10)) / len(checked)
    out["verdict"] = check_verdict(len(checked), out.get("self@1"))
    return out


def check_verdict(n_checked, self_at_1):
    """The verdict of :func:`shared_string_check` on ``n_checked`` strings of which ``self_at_1`` percent
    translate to themselves: ``'too few'``, ``'failed'``, ``'unclear'`` or ``'ok'``."""
    if n_checked < CHECK_MIN_STRINGS:
        return "too few"
    return "failed" if self_at_1 <= CHECK_FAILED else "unclear" if self_at_1 < CHECK_OK else "ok"
