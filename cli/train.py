"""``offramp train``: monolingual word embeddings from raw corpora."""
from pathlib import Path

import click

from ._common import check_outputs, echo_warnings, user_errors
from ._options import language_code, progress_option

# Kept in step with bootstrap.training.DEFAULTS (which the command does not import at start-up,
# so that ``offramp --help`` stays fast); tests/test_cli_train.py checks that they agree.
_DEFAULTS = {"model": "fasttext", "dim": 300, "window": 5, "min_count": 3, "negative": 10,
             "sample": 1e-3, "min_n": 3, "max_n": 6}


def _expand(corpus, lang):
    """Corpus arguments: files as given; a directory becomes its files of ``--lang``."""
    from ..bootstrap.io.corpora import find_corpora

    paths = []
    for item in corpus:
        item = Path(item)
        if item.is_dir():
            if lang is None:
                raise click.BadParameter(f"{item} is a directory; --lang is needed to pick its corpora",
                                         param_hint="CORPUS")
            found = find_corpora(item, lang)
            if not found:
                raise click.BadParameter(f"no {lang} corpus in {item} (looked for corpora/bible/{lang}.*.tsv, "
                                         "corpora/ted/<Language>.txt, corpora/ud/<Language>-*.txt)",
                                         param_hint="CORPUS")
            paths.extend(found)
        else:
            paths.append(item)
    return paths


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--lang", default=None, callback=language_code,
              help="ISO 639 code (fi; fr-FR -> fr); needed when CORPUS is a data directory (then all its "
                   "corpora of that language are used), recorded in the signature. For fr, it, ca and ga it "
                   "also splits elided words off (l'eau -> l' eau).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output vectors, word2vec text (.vec) or binary with --binary.")
@click.option("--model", type=click.Choice(["fasttext", "skipgram", "cbow"]), default=_DEFAULTS["model"],
              show_default=True, help="fasttext = skip-gram with character n-grams.")
@click.option("--dim", type=click.IntRange(min=1), default=_DEFAULTS["dim"], show_default=True)
@click.option("--window", type=click.IntRange(min=1), default=_DEFAULTS["window"], show_default=True)
@click.option("--min-count", type=click.IntRange(min=1), default=_DEFAULTS["min_count"], show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=None,
              help="Passes over the corpus [default: from corpus size, 5 to 50].")
@click.option("--negative", type=click.IntRange(min=1), default=_DEFAULTS["negative"], show_default=True)
@click.option("--sample", type=click.FloatRange(min=0, max=1, max_open=True), default=_DEFAULTS["sample"],
              show_default=True, help="Downsampling threshold for frequent words.")
@click.option("--min-n", type=click.IntRange(min=1), default=_DEFAULTS["min_n"], show_default=True,
              help="Shortest character n-gram (fasttext).")
@click.option("--max-n", type=click.IntRange(min=0), default=_DEFAULTS["max_n"], show_default=True,
              help="Longest character n-gram (fasttext; 0 = none).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed of the training. Reruns are bit-identical only with --workers 1: gensim's "
                   "threads interleave their updates, so reruns with several workers give slightly different "
                   "vectors and scores.")
@click.option("--runs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Train N models (seeds SEED..SEED+N-1) and write their ensemble: the concatenated unit "
                   "vectors (N x DIM dimensions), whose cosines are the runs' mean cosines. Steadier "
                   "neighbours on small corpora at N times the training time.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Training threads [default: min(4, CPUs)]; only 1 gives bit-identical reruns.")
@click.option("--max-lines", type=click.IntRange(min=1), default=None, help="Read at most this many lines.")
@click.option("--prefix-len", type=click.IntRange(min=1), default=None,
              help="Cut every token to its first N characters, a crude stemmer (jumalan, jumalaa -> jumal): "
                   "for the auxiliary spaces of align --unsupervised --via on inflecting languages "
                   "(5 for Finnish or Latvian).")
@click.option("--exclude-ids", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="File of line ids to skip (one per line, or ID<TAB>text lines), e.g. held-out verses.")
@click.option("--id-column", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="Whether corpus lines start with ID<TAB> (the Bible format). auto: .tsv files, and files "
                   "whose first 20 lines all start with an id and a TAB.")
@click.option("--binary", is_flag=True, help="Write word2vec binary instead of text.")
@click.option("--save-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also save the full model: fastText .bin for fasttext (vectors for unseen words), "
                   "a gensim model file otherwise.")
@click.option("--checkpoint-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Save the model here after every epoch; run the same command again after a kill and it "
                   "resumes after the last epoch saved, ending with the vectors an uninterrupted run gives "
                   "(bit for bit with --workers 1). Delete the folder when the vectors are written.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a JSON report (parameters, corpus sizes, wall time).")
@progress_option(help="Show progress bars.")
@user_errors
def train(corpus, lang, out, model, dim, window, min_count, epochs, negative, sample, min_n, max_n, seed, runs,
          workers, max_lines, prefix_len, exclude_ids, id_column, binary, save_model, checkpoint_dir, report, progress):
    """Train monolingual word embeddings on CORPUS files (gensim).

    CORPUS: plain text, .gz/.bz2/.xz, or ID<TAB>text .tsv files (the Bible format), or a data
    directory with the shared layout together with --lang.

    \b
    Example:
      offramp train ../shared/data/corpora/bible/fi.FinPR.tsv --lang fi --out fi.vec
    """
    from ..bootstrap.training import DEFAULTS, train_to_files

    paths = _expand(corpus, lang)
    # before hours of training
    check_outputs({"--out": out, "--save-model": save_model, "--report": report}, CORPUS=paths,
                  exclude_ids=exclude_ids)
    with echo_warnings():
        info = train_to_files(paths, out, save_model_to=save_model, report=report, binary=binary,
                              exclude_ids=exclude_ids, max_lines=max_lines, lang=lang, prefix_len=prefix_len,
                              id_column=id_column, runs=runs, progress=progress, model=model, dim=dim, window=window,
                              min_count=min_count, epochs=epochs, negative=negative, sample=sample, min_n=min_n,
                              max_n=max_n, workers=DEFAULTS["workers"] if workers is None else workers,
                              random_state=seed, checkpoint_dir=checkpoint_dir)
    excluded = f", {info['n_excluded']:,} excluded" if exclude_ids is not None else ""
    click.echo(f"{out}: {info['n_words']:,} words from {info['n_tokens']:,} tokens ({info['n_lines']:,} "
               f"lines{excluded}) in {info['wall_s']:.1f} s  {info['signature']}")
