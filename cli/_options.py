"""Options shared by several commands."""
import click

from bootstrap.embeddings import FORMATS


def embedding_options(func):
    """``--format`` and ``--max-vocab`` for commands that read embeddings."""
    func = click.option("--max-vocab", type=click.IntRange(min=1), default=None,
                        help="Read only the most frequent N words of each file.")(func)
    func = click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
                        help="Embedding file format (auto: by extension and header).")(func)
    return func


def device_option(func):
    return click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True,
                        help="Array backend: NumPy on the CPU, or CuPy on a GPU.")(func)


def load_pair(src_path, tgt_path, fmt, max_vocab):
    from bootstrap.embeddings import load_embeddings

    return (load_embeddings(src_path, fmt=fmt, max_vocab=max_vocab),
            load_embeddings(tgt_path, fmt=fmt, max_vocab=max_vocab))


def parallel_options(func):
    """``--parallel-src``, ``--parallel-tgt``: verse-aligned corpora (e.g. Bibles) of the two languages, and
    ``--verse-measure``: how their words are associated."""
    func = click.option("--verse-measure", type=click.Choice(["dice", "ibm1"]), default="dice", show_default=True,
                        help="With --parallel-src/--parallel-tgt: word association over shared verses, the Dice "
                             "coefficient or IBM Model 1 (EM, ~10 s more; its best target is right for 57% of "
                             "en-fr test words against 52% with Dice).")(func)
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
    from alignment.rerank import FEATURES

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
                             "else ortho=0.3,freq=0.05,parallel=0.5).")(func)
    func = click.option("--rerank", callback=_parse_features, default="",
                        help="Re-rank candidates with pair features: 'ortho' (string similarity of the "
                             "words), 'freq' (frequency-rank agreement), 'parallel' (co-occurrence in the "
                             "verses of --parallel-src/--parallel-tgt), comma-separated, e.g. "
                             "'ortho,freq'.")(func)
    return func
