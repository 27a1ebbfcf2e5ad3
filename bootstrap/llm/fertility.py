"""Tokenizer fertility: tokens per word of running text, and the share of words split into three or
more pieces, for one or more tokenizers on a corpus."""
import numpy as np

from .hf import has_unknown, load_tokenizer, pieces_per_word
from ..signature import make_signature
from .tokenization import word_counts


class FertilityReport(dict):
    """Tokenizer name -> its row (a dict), with the reproducibility ``signature`` as an attribute."""

    def __init__(self, rows=(), *, signature=None):
        super().__init__(rows)
        self.signature = signature


def fertility(corpus, tokenizers, *, exclude_ids=None, lowercase=False, lang=None):
    """Tokens per word, and the share of words split into 3+ pieces, for each tokenizer.

    Words are the corpus reader's tokens, counted with repetition (running text), so the numbers
    are what a model sees per word of text.

    Parameters
    ----------
    corpus : path, list of paths, or iterable of token lists
    tokenizers : dict of name -> PreTrainedTokenizerFast or directory
    exclude_ids : collection of str, optional
    lowercase : bool, default False
        Lowercase the words before tokenising (the tokenizers' own normalisers run either way).
    lang : str, optional
        Language of the text files, for their word splitting (see :func:`bootstrap.llm.tokenization.word_counts`).

    Returns
    -------
    report : FertilityReport
        A dict of name -> ``{"tokens_per_word": float, "share_3plus": float, "share_unknown": float, "n_words": int,
        "n_types": int}``; ``share_unknown`` is the share of words whose encoding holds the unknown
        token (1 piece, but the model sees nothing of them); ``report.signature`` names the metric and
        the number of words.
    """
    if not tokenizers:
        raise ValueError("give at least one tokenizer")
    counts = word_counts(corpus, lowercase=lowercase, exclude_ids=exclude_ids, lang=lang)
    words = list(counts)
    weights = np.array([counts[w] for w in words], dtype=np.int64)
    total = int(weights.sum())
    report = {}
    for name, tok in tokenizers.items():
        if not hasattr(tok, "backend_tokenizer"):
            tok = load_tokenizer(tok)
        pieces = pieces_per_word(tok, words)
        unknown = has_unknown(tok, words)
        report[name] = {
            "tokens_per_word": float((pieces * weights).sum() / total),
            "share_3plus": float(weights[pieces >= 3].sum() / total),
            "share_unknown": float(weights[unknown].sum() / total),
            "n_words": total,
            "n_types": len(words),
        }
    return FertilityReport(report, signature=make_signature(metric="fertility", words=total))
