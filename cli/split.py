"""``offramp split``: frequency-matched train/test dictionaries from a gold dictionary."""
import click

from ._common import check_outputs, user_errors, write_json
from ._options import progress_option


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("gold", type=click.Path(dir_okay=False))
@click.option("--src-vocab", required=True, type=click.Path(dir_okay=False),
              help="Source vocabulary: word vectors, one word per line, or 'word<TAB>count'.")
@click.option("--tgt-vocab", required=True, type=click.Path(dir_okay=False),
              help="Target vocabulary, same formats.")
@click.option("--out-train", required=True, type=click.Path(dir_okay=False), help="Train dictionary to write.")
@click.option("--out-test", required=True, type=click.Path(dir_okay=False), help="Test dictionary to write.")
@click.option("--n-test", default=1000, show_default=True, type=click.IntRange(min=0),
              help="Source words in the test dictionary.")
@click.option("--max-train", default=5000, show_default=True, type=click.IntRange(min=0),
              help="At most this many source words in the train dictionary.")
@click.option("--test-every", default=3, show_default=True, type=click.IntRange(min=1),
              help="Every N-th source word (by frequency) goes to test.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0),
              help="Which of each N consecutive words is the test word (0 .. N-1).")
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "muse", "vecmap", "tsv"]), help="Format of the gold dictionary.")
@click.option("--vocab-format", default="auto", show_default=True,
              type=click.Choice(["auto", "embeddings", "words", "counts"]), help="Format of the vocabularies.")
@click.option("--lowercase", is_flag=True, help="Lowercase the gold dictionary.")
@click.option("--on-duplicate", type=click.Choice(["error", "first"]), default="error", show_default=True,
              help="A word listed twice in a vector-file vocabulary: an error, or keep the first.")
@click.option("--encoding-errors", type=click.Choice(["strict", "replace", "ignore"]), default="strict",
              show_default=True, help="Bytes that are not UTF-8 in a vector-file vocabulary.")
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Also write the counts (coverage, OOV examples, rank ranges) as JSON.")
@progress_option
@user_errors
def split(gold, src_vocab, tgt_vocab, out_train, out_test, n_test, max_train, test_every, offset, fmt,
          vocab_format, lowercase, on_duplicate, encoding_errors, report, progress):
    """Build frequency-matched train/test dictionaries from GOLD for your own vocabularies.

    Keeps the pairs whose words are both in the vocabularies, ranks source words by frequency,
    sends every --test-every-th word to test (up to --n-test words) and the rest to train (up to
    --max-train words), keeping all translations of a word together.

    \b
    Example:
      offramp split GOLD.txt --src-vocab en.vec --tgt-vocab fi.vec --out-train train.txt --out-test test.txt
    """
    from ..bootstrap.lexicon.split import split_dictionary

    check_outputs({"--out-train": out_train, "--out-test": out_test, "--report": report},
                  GOLD=gold, src_vocab=src_vocab, tgt_vocab=tgt_vocab)
    info = split_dictionary(gold, src_vocab, tgt_vocab, out_train, out_test, fmt=fmt, lowercase=lowercase,
                            vocab_format=vocab_format, n_test=n_test, max_train=max_train,
                            test_every=test_every, offset=offset, on_duplicate=on_duplicate,
                            encoding_errors=encoding_errors, progress=progress)
    if report:
        write_json(report, info)

    def ranks(span):
        return f"ranks {span[0] + 1}-{span[1] + 1}" if span else "empty"

    sig = info["signature"]
    click.echo(
        f"test {info['n_test_words']} words/{info['n_test_pairs']} pairs ({ranks(info['test_src_ranks'])}), "
        f"train {info['n_train_words']} words/{info['n_train_pairs']} pairs ({ranks(info['train_src_ranks'])}); "
        f"{info['n_pairs_in_vocab']} of {info['n_entries']} pairs in vocabulary "
        f"(src OOV {info['src_oov']}, tgt OOV {info['tgt_oov']}) | {sig}"
    )
    if info["n_test_words"] < n_test:
        click.echo(f"warning: only {info['n_test_words']} test words (asked for {n_test}): "
                   "the vocabularies cover too few dictionary words", err=True)
