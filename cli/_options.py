"""Options shared by several commands."""
import functools

import click

from ..bootstrap.io.embeddings import FORMATS


def embedding_options(func):
    """``--format``, ``--max-vocab``, ``--on-duplicate``, ``--encoding-errors`` and ``--memory-check``
    for commands that read embeddings. The last three reach :func:`read_options` through the click
    context, so that the commands' own parameters stay as they are."""

    @functools.wraps(func)
    def wrapper(*args, on_duplicate, encoding_errors, memory_check, **kwargs):
        click.get_current_context().meta[_READ_KEY] = {"on_duplicate": on_duplicate,
                                                       "encoding_errors": encoding_errors,
                                                       "memory_check": memory_check}
        return func(*args, **kwargs)

    wrapper = click.option("--memory-check/--no-memory-check", default=True, show_default=True,
                           help="Before reading, estimate the run's peak memory from the files' headers and "
                                "stop if it exceeds the available memory, naming a --max-vocab that "
                                "fits.")(wrapper)
    wrapper = click.option("--encoding-errors", type=click.Choice(["strict", "replace", "ignore"]), default="strict",
                           show_default=True,
                           help="Bytes that are not UTF-8 in text vector files: an error, or replace/drop "
                                "them.")(wrapper)
    wrapper = click.option("--on-duplicate", type=click.Choice(["error", "first"]), default="error",
                           show_default=True,
                           help="A word listed twice in a vector file: an error, or keep its first vector "
                                "(some published .vec files repeat words).")(wrapper)
    wrapper = click.option("--max-vocab", type=click.IntRange(min=1), default=None,
                           help="Read only the most frequent N words of each file.")(wrapper)
    wrapper = click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
                           help="Embedding file format (auto: by extension and content).")(wrapper)
    return wrapper


_READ_KEY = "offramp.embedding_read_options"


def device_option(func):
    return click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True,
                        help="Array backend: NumPy on the CPU, or CuPy on a GPU; auto: CuPy when it is installed "
                             "and sees a GPU, else NumPy (the signature names the one used).")(func)


def progress_option(func=None, *, help="Show progress bars on stderr (large vector files, long searches).",
                    off=()):
    """``--progress/--no-progress``: tqdm bars on stderr for long work (the library's ``progress``).

    Every command also takes ``--quiet`` for ``--no-progress``. Used bare (``@progress_option``) or
    with the command's own ``help`` and more names of ``--no-progress`` (``off=("-q",)``); the help
    text ends with every name that turns the bars off.
    """
    names = ("--quiet",) + tuple(off)

    def decorate(f):
        return click.option("--progress/--no-progress", *(f" /{name}" for name in names), "progress", default=True,
                            show_default=True, help=f"{help} {', '.join(names)}: --no-progress.")(f)

    return decorate if func is None else decorate(func)


def isf_option(func):
    """``--beta``: the inverse temperature of inverted-softmax retrieval (the library's ``beta``)."""
    return click.option("--beta", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
                        help="With --retrieval isf: inverse temperature of the inverted softmax (Smith et al. "
                             "2017).")(func)


def make_reranker(rerank, rerank_weights, tune_dict, rerank_k, rerank_model, parallel):
    """The re-ranker the options describe, checked before the slow loading (the command's ``user_errors``
    reports a bad combination)."""
    from ..bootstrap.evaluation.rerankers import as_reranker, make_reranker as make

    reranker = make(rerank, weights=rerank_weights, k=rerank_k, model=rerank_model)
    return as_reranker(reranker, tune_dict=tune_dict, parallel=parallel)


def read_options():
    """The command's ``--on-duplicate``, ``--encoding-errors`` and ``--memory-check`` (keywords of the
    library's ``*_files`` functions)."""
    ctx = click.get_current_context(silent=True)
    return dict(ctx.meta.get(_READ_KEY, {})) if ctx is not None else {}


def parallel_options(func):
    """``--parallel-src``, ``--parallel-tgt``: verse-aligned corpora (e.g. Bibles) of the two languages, and
    ``--verse-measure``: how their words are associated."""
    func = click.option("--verse-measure", type=click.Choice(["dice", "ibm1"]), default="dice", show_default=True,
                        help="With --parallel-src/--parallel-tgt: word association over shared verses, the Dice "
                             "coefficient or IBM Model 1 (EM: its best target is right more often than Dice's, "
                             "at some seconds more per pair).")(func)
    func = click.option("--parallel-tgt", multiple=True, type=click.Path(exists=True, dir_okay=False),
                        help="Target-language ID<TAB>text corpus whose ids match --parallel-src's (repeat for "
                             "several translations).")(func)
    func = click.option("--parallel-src", multiple=True, type=click.Path(exists=True, dir_okay=False),
                        help="Source-language ID<TAB>text corpus (e.g. a Bible .tsv with verse ids; repeat for "
                             "several translations), for parallel seeds or the 'parallel' re-ranking feature.")(func)
    return func


def parallel_pair(parallel_src, parallel_tgt, verse_measure="dice"):
    """``(src_files, tgt_files[, options])`` from the options, None when no corpus was given."""
    if not parallel_src and not parallel_tgt:
        if verse_measure != "dice":
            raise click.UsageError("--verse-measure sets how verse-aligned corpora are used; add "
                                   "--parallel-src FILE --parallel-tgt FILE")
        return None
    if not parallel_src or not parallel_tgt:
        missing = "--parallel-tgt" if parallel_src else "--parallel-src"
        raise click.UsageError(f"verse-aligned corpora are needed on both sides; add {missing} FILE")
    if verse_measure != "dice":
        return list(parallel_src), list(parallel_tgt), {"measure": verse_measure}
    return list(parallel_src), list(parallel_tgt)


def _parse_features(ctx, param, value):
    if not value:
        return ()
    from ..alignment.rerank import FEATURES

    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in FEATURES]
    if bad:
        raise click.BadParameter(f"unknown feature(s) {', '.join(bad)}; choose from {', '.join(FEATURES)} "
                                 "(comma-separated, e.g. ortho,freq or ortho,freq,parallel)")
    return tuple(dict.fromkeys(names))


def _parse_weights(ctx, param, value):
    if not value:
        return None
    out = {}
    for part in value.split(","):
        name, sep, number = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(f"{part!r} is not NAME=NUMBER; write e.g. ortho=0.3,freq=0.05") from None
    return out


def rerank_options(func):
    """``--rerank``, ``--rerank-weights``, ``--tune-dict``, ``--rerank-k``, ``--rerank-model`` for evaluate
    and induce."""
    func = click.option("--rerank-model", type=click.Choice(["linear", "trees"]), default="linear",
                        show_default=True,
                        help="'linear': retrieval score + weighted features; 'trees': gradient-boosted trees "
                             "over more pair features (word endings, candidate families, backward CSLS, both "
                             "directions of the verse association), learned from --tune-dict (required).")(func)
    func = click.option("--rerank-k", type=click.IntRange(min=1), default=50, show_default=True,
                        help="Candidates re-ranked per source word.")(func)
    func = click.option("--tune-dict", type=click.Path(exists=True, dir_okay=False), default=None,
                        help="Fit the re-ranking weights on this dictionary (e.g. the seed/train "
                             "dictionary; never the test one).")(func)
    func = click.option("--rerank-weights", callback=_parse_weights, default=None,
                        help="Feature weights, e.g. ortho=0.3,freq=0.05 (default: fitted on --tune-dict, "
                             "else ortho=0.3,freq=0.05,parallel=0.5; parallel=2.0 with --verse-measure "
                             "ibm1).")(func)
    func = click.option("--rerank", callback=_parse_features, default="",
                        help="Re-rank candidates with pair features: 'ortho' (string similarity of the "
                             "words), 'freq' (frequency-rank agreement), 'parallel' (co-occurrence in the "
                             "verses of --parallel-src/--parallel-tgt), comma-separated, e.g. "
                             "'ortho,freq'.")(func)
    return func


def language_code(ctx, param, value):
    """``--lang``: an ISO 639 code, lowercased, with a region dropped (``fr-FR``, ``FR`` -> ``fr``)."""
    if value is None:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise click.BadParameter(f"expected an ISO 639 language code such as fi, fr or lv; got {value!r}")
    return code
