"""``offramp tokenizer``, ``offramp transfer`` and ``offramp fertility``: moving a model to a new language."""
import click

from ._common import check_outputs, lock_output_dirs, user_errors, write_json
from ._options import language_code, progress_option
from ..bootstrap.llm.transfer import TEMPERATURE

_CTX = {"help_option_names": ["-h", "--help"]}


def _check_mode_options(ctx, extend):
    """Refuse an option that the chosen mode would ignore: --min-count belongs to --extend, and
    --min-frequency and --vocab-size to training a new vocabulary."""
    given = {name for name in ("min_count", "min_frequency", "vocab_size")
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    if extend is None and "min_count" in given:
        raise click.UsageError("--min-count is used only with --extend (the corpus count a word needs to be "
                               "added); drop it, or add --extend N")
    if extend is not None and given & {"min_frequency", "vocab_size"}:
        option = "--min-frequency" if "min_frequency" in given else "--vocab-size"
        raise click.UsageError(f"{option} is used only when training a new vocabulary, not with --extend "
                               "(which keeps the source vocabulary); drop it, or drop --extend")


def _exclude(path):
    if path is None:
        return None
    from ..bootstrap.io.corpora import read_ids

    return read_ids(path)


def _language_corpora(corpus, lang, pairs):
    """CORPUS with --lang, or the --corpus LANG PATH pairs grouped by language (several languages at once)."""
    if not pairs:
        if not corpus:
            raise click.UsageError("give the corpus files (CORPUS...), or --corpus LANG PATH for each language")
        return list(corpus)
    if corpus or lang:
        raise click.UsageError("--corpus LANG PATH names each file's language: give the files only that way, "
                               "without CORPUS arguments or --lang")
    grouped = {}
    for code, path in pairs:
        grouped.setdefault(language_code(None, None, code), []).append(path)
    return grouped


@click.command(context_settings=_CTX)
@click.argument("corpus", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--corpus", "lang_corpus", multiple=True, type=(str, click.Path(dir_okay=False)),
              metavar="LANG PATH",
              help="A corpus file and its language, repeated for several languages: with --extend they share the "
                   "budget (each language's savings counted per word of its text, --floor of it split equally "
                   "first); without it one vocabulary is trained on all of them.")
@click.option("--floor", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="With several languages and --extend: the share of N split equally among the languages "
                   "before the rest goes to the words that save most pieces across them.")
@click.option("--like", required=True, type=click.Path(file_okay=False),
              help="Source model (or tokenizer) directory whose tokenizer type and special tokens to copy.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Tokenizer directory to write.")
@click.option("--vocab-size", default=16000, show_default=True, type=int,
              help="Size of the new vocabulary, special tokens included.")
@click.option("--extend", default=None, type=click.IntRange(min=1),
              help="Keep the source vocabulary and add up to N tokens for target-language words instead of "
                   "training a new one, into the model's own vocabulary (BPE: through appended merges, whose "
                   "intermediate tokens count; Unigram, WordPiece: one new piece per word).")
@click.option("--lexicon", default=None, type=click.Path(dir_okay=False),
              help="With --extend: an induced lexicon whose target words may be added.")
@click.option("--min-frequency", default=2, show_default=True, type=click.IntRange(min=1),
              help="Minimum count of a merged piece (new vocabulary).")
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(min=1),
              help="With --extend: minimum corpus count of a candidate word.")
@click.option("--exclude-ids", default=None, type=click.Path(dir_okay=False),
              help="File of line ids (e.g. held-out verses) to leave out of the corpus.")
@click.option("--lang", default=None, callback=language_code,
              help="Language code of the corpus: fr, it, ca and ga split elided articles off (l'eau -> l' eau), "
                   "as `offramp train --lang` does.")
@click.option("--report", default=None, type=click.Path(dir_okay=False), help="Also write the summary as JSON.")
@progress_option(help="Show the trainer's progress bar (stderr, on a terminal).")
@user_errors
def tokenizer(corpus, lang_corpus, floor, like, out, vocab_size, extend, lexicon, min_frequency, min_count,
              exclude_ids, lang, report, progress):
    """Train a target-language tokenizer shaped like the source model's, or extend the source one.

    \b
    Examples:
      offramp tokenizer fi.FinPR.tsv --like all-MiniLM-L6-v2/ --vocab-size 16000 --out fi-tokenizer/
      offramp tokenizer fi.FinPR.tsv --like all-MiniLM-L6-v2/ --extend 5000 --out fi-ext-tokenizer/
      offramp tokenizer fr.FreJND.tsv --lang fr --like all-MiniLM-L6-v2/ --extend 5000 --out fr-ext-tokenizer/
      offramp tokenizer --corpus fi fi.FinPR.tsv --corpus sl sl.SloChraska.tsv --corpus lv lv.LvGluck8.tsv \
                        --like all-MiniLM-L6-v2/ --extend 24000 --out fi-sl-lv-tokenizer/
    """
    from ..bootstrap.llm.tokenization import build_tokenizer

    _check_mode_options(click.get_current_context(), extend)
    corpora = _language_corpora(corpus, lang, lang_corpus)
    check_outputs({"--report": report}, CORPUS=[p for _, p in lang_corpus] or list(corpus), lexicon=lexicon,
                  exclude_ids=exclude_ids)
    lock_output_dirs({"--out": out})
    info = build_tokenizer(corpora, like=like, out=out, vocab_size=vocab_size, extend=extend, lexicon=lexicon,
                           min_frequency=min_frequency, min_count=min_count, exclude_ids=_exclude(exclude_ids),
                           lang=lang, floor=floor, progress=progress)
    if report:
        write_json(report, info)
    words = f" for {info['n_added_words']} words" if info.get("n_added_words") != info["n_added"] else ""
    what = (f"added {info['n_added']} tokens{words} to {info['n_source_tokens']}" if info["mode"] == "extend"
            else f"trained {info['n_tokens']} tokens")
    if info.get("languages"):
        what += " (" + ", ".join(f"{code} {v['added']}" for code, v in info["languages"].items()) + " words)"
    sig = info["signature"]
    for message in info["warnings"]:
        click.echo(f"warning: {message}", err=True)
    click.echo(f"{what} ({info['kind']}) -> {out} | {sig}")


@click.command(context_settings=_CTX)
@click.argument("source_model", type=click.Path(file_okay=False))
@click.option("--tokenizer", required=True, type=click.Path(file_okay=False),
              help="Target tokenizer directory (offramp tokenizer output).")
@click.option("--src-vectors", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Source-language word vectors, mapped into the shared space (offramp align output). Repeat "
                   "with --tgt-vectors, in the same order, for a tokenizer shared by several target languages.")
@click.option("--tgt-vectors", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Target-language word vectors in the same space as the --src-vectors of the same place.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--lexicon", default=None, multiple=True, type=click.Path(dir_okay=False),
              help="Induced lexicon (source<TAB>target): alignment check and whole-word translations; with "
                   "several vector pairs, one per pair.")
@click.option("-k", "--k", "k", default=10, show_default=True, type=click.IntRange(min=1),
              help="Source neighbours mixed per target token.")
@click.option("--temperature", default=TEMPERATURE, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Softmax temperature over cosine similarities (0.05 retrieved 2-5 points more verses than "
                   "WECHSEL's 0.1; docs/transfer.md).")
@click.option("--copy-shared/--no-copy-shared", default=True, show_default=True,
              help="Copy the source rows of tokens present in both vocabularies (FOCUS).")
@click.option("--fallback-noise", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Noise around the mean row for tokens without signal, in standard deviations.")
@click.option("--check-alignment/--no-check-alignment", default=True, show_default=True,
              help="Check that the two vector files share one aligned space.")
@click.option("--seed", "random_state", default=0, show_default=True, type=int, help="Seed of the fallback noise.")
@click.option("--report", default=None, type=click.Path(dir_okay=False), help="Also write the report as JSON.")
@progress_option(help="Show progress bars on stderr (reading the vector files, the token vectors, transformers' "
                      "loading and writing of the model).")
@user_errors
def transfer(source_model, tokenizer, src_vectors, tgt_vectors, out, lexicon, k, temperature, copy_shared,
             fallback_noise, check_alignment, random_state, report, progress):
    """Initialise SOURCE_MODEL's token embeddings for a new tokenizer from aligned word vectors.

    Each target token takes a softmax-weighted mix of the embeddings of its k nearest source tokens
    in the aligned space (WECHSEL); special tokens copy their source counterparts; tokens without
    signal get the mean row plus noise (a warning goes to stderr when that is most of the new rows).
    Writes a directory that AutoModel/AutoTokenizer load offline, with offramp_transfer.json (input
    paths, routes, options). A decoder LLM (Llama, Mistral, Qwen, GPT-2) keeps its head: untied output
    embeddings get rows by the same plan from the source's own output rows, tied ones stay tied, and
    the bos/eos/pad ids of its config and generation config follow the new tokenizer.
    --src-vectors and --tgt-vectors are offramp align's --out-src and --out-tgt; the same file twice,
    or the two swapped, is refused.

    Which initialisation: with an aligned pair, this one. Moving all-MiniLM-L6-v2 to fi, sl, lv, de
    and es, it retrieved 51-76% of 1000 held-out Bible verses (P@1 to English) where the WECHSEL
    package gave 0.5-7.3, the FOCUS package 0.5-4.1, copied shared rows alone 0.4-2.7 and random
    rows 0.1 or less, on the same corpora and tokenizers. Under continued masked-LM training on
    Finnish its loss was the lowest at 11 of 16 checkpoints (FOCUS's at the rest, within 0.08 nats)
    and random rows needed 2.4x the steps to reach its loss at the first (docs/transfer.md). Add
    --lexicon for whole-word translations; try --no-copy-shared where many shared strings mean
    different things (es, lv).

    \b
    Examples:
      offramp transfer all-MiniLM-L6-v2/ --tokenizer fi-tokenizer/ --src-vectors en.mapped.vec \\
                       --tgt-vectors fi.mapped.vec --out fi-model/
      offramp transfer Llama-3.2-1B/ --tokenizer fi-llama-tokenizer/ --src-vectors en.mapped.vec \\
                       --tgt-vectors fi.mapped.vec --out fi-llama/
      offramp transfer all-MiniLM-L6-v2/ --tokenizer fi-sl-lv-tokenizer/ \\
                       --src-vectors en-fi.src.vec --tgt-vectors en-fi.tgt.vec \\
                       --src-vectors en-sl.src.vec --tgt-vectors en-sl.tgt.vec \\
                       --src-vectors en-lv.src.vec --tgt-vectors en-lv.tgt.vec --out fi-sl-lv-model/
    """
    import warnings

    from ..bootstrap.llm.transfer import AlignmentAdvice, FallbackWarning, transfer as run_transfer

    if len(src_vectors) != len(tgt_vectors):
        raise click.UsageError(f"{len(src_vectors)} --src-vectors for {len(tgt_vectors)} --tgt-vectors: give them in "
                               "pairs, one pair per target language")
    if lexicon and len(lexicon) != len(src_vectors):
        raise click.UsageError(f"{len(lexicon)} --lexicon for {len(src_vectors)} vector pairs: give one per pair, "
                               "or none")
    several = len(src_vectors) > 1
    check_outputs({"--report": report}, src_vectors=src_vectors, tgt_vectors=tgt_vectors, lexicon=lexicon)
    lock_output_dirs({"--out": out})
    with warnings.catch_warnings():
        for category in (FallbackWarning, AlignmentAdvice):  # printed below from the report, once
            warnings.simplefilter("ignore", category)
        info = run_transfer(source_model, tokenizer=tokenizer,
                            src_vectors=list(src_vectors) if several else src_vectors[0],
                            tgt_vectors=list(tgt_vectors) if several else tgt_vectors[0], out=out,
                            lexicon=(list(lexicon) if several else lexicon[0]) if lexicon else None, k=k,
                            temperature=temperature, copy_shared=copy_shared,
                            fallback_noise=fallback_noise, check_alignment=check_alignment,
                            random_state=random_state, show_progress=progress)
    if report:
        write_json(report, info)
    for message in info["warnings"]:
        click.echo(f"warning: {message}", err=True)
    routes = ", ".join(f"{name} {n}" for name, n in info["routes"].items())
    sig = info["signature"]
    click.echo(f"{info['n_tgt_tokens']} tokens ({routes}) -> {out} | {sig}")


@click.command(context_settings=_CTX)
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--tokenizer", "tokenizers", required=True, multiple=True, type=click.Path(file_okay=False),
              help="Tokenizer or model directory; repeat to compare several.")
@click.option("--exclude-ids", default=None, type=click.Path(dir_okay=False),
              help="File of line ids to leave out of the corpus.")
@click.option("--lang", default=None, callback=language_code,
              help="Language code of the corpus, for its word splitting (fr, it, ca, ga split elisions off).")
@click.option("--json", "json_path", default=None, type=click.Path(dir_okay=False),
              help="Also write the table as JSON.")
@user_errors
def fertility(corpus, tokenizers, exclude_ids, lang, json_path):
    """Tokens per word, the share of words split into 3+ pieces and the share of words holding an
    unknown token, for each tokenizer.

    \b
    Example:
      offramp fertility fi.FinPR.tsv --tokenizer all-MiniLM-L6-v2/ --tokenizer fi-tokenizer/
    """
    from ..bootstrap.llm.fertility import fertility as measure

    check_outputs({"--json": json_path}, CORPUS=list(corpus), exclude_ids=exclude_ids)
    table = measure(list(corpus), dict((t, t) for t in tokenizers), exclude_ids=_exclude(exclude_ids), lang=lang)
    if json_path:
        write_json(json_path, table)
    width = max(len(t) for t in table)
    n_words = next(iter(table.values()))["n_words"]
    click.echo(f"{'tokenizer':<{width}}  tokens/word  3+ pieces  unknown")
    for name, row in table.items():
        click.echo(f"{name:<{width}}  {row['tokens_per_word']:>11.3f}  {100 * row['share_3plus']:>8.1f}%"
                   f"  {100 * row['share_unknown']:>6.1f}%")
    click.echo(f"{n_words} words | {table.signature}")
