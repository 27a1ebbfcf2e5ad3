"""``offramp induce``: a bilingual lexicon from two mapped spaces."""
import click

from ._common import check_outputs, echo_warnings, user_errors
from ._options import (device_option, embedding_options, isf_option, make_reranker, parallel_options, parallel_pair,
                       progress_option, read_options, rerank_options)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("src_vectors", type=click.Path(exists=True, dir_okay=False))
@click.argument("tgt_vectors", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Lexicon TSV to write.")
@click.option("--retrieval", "method", type=click.Choice(["nn", "csls", "isf"]), default="csls", show_default=True)
@click.option("--csls-k", "--csls", "csls_k", type=click.IntRange(min=1), default=10, show_default=True,
              help="CSLS neighbourhood.")
@click.option("-k", "--candidates", "k", type=click.IntRange(min=1), default=1, show_default=True,
              help="Translations per source word.")
@click.option("--max-src", type=click.IntRange(min=1), default=None,
              help="Translate only the N most frequent source words.")
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Also write what ran as JSON: inputs, options, signature, pairs written, the re-ranking's "
                   "fit, and each step's seconds.")
@click.option("--mutual", is_flag=True,
              help="Keep only pairs whose target word has this source word as its own best translation "
                   "(higher precision). With -k > 1 each of a word's k candidates is kept if it passes, so a "
                   "word may keep its rank-2 pair and lose its rank-1 one.")
@isf_option
@rerank_options
@parallel_options
@embedding_options
@device_option
@progress_option
@user_errors
def induce(src_vectors, tgt_vectors, out, method, csls_k, k, max_src, report, mutual, beta, rerank, rerank_weights,
           tune_dict, rerank_k, rerank_model, parallel_src, parallel_tgt, verse_measure, fmt, max_vocab, device,
           progress):
    """Write word translation pairs with scores: '# source target score rank' TSV.

    \b
    Examples:
      offramp induce en.mapped.vec fi.mapped.vec --out lexicon.tsv
      offramp induce en.mapped.vec fi.mapped.vec --out lexicon.tsv -k 3 --mutual --max-src 5000
      offramp induce en.mapped.vec fi.mapped.vec --out lexicon.tsv --rerank ortho,freq --tune-dict train.txt
      offramp induce en.mapped.vec fi.mapped.vec --out lexicon.tsv --mutual --report induce.json
    """
    from ..bootstrap.evaluation.induce import induce_files

    parallel = parallel_pair(parallel_src, parallel_tgt, verse_measure)
    reranker = make_reranker(rerank, rerank_weights, tune_dict, rerank_k, rerank_model, parallel)
    check_outputs({"--out": out, "--report": report}, SRC_VECTORS=src_vectors, TGT_VECTORS=tgt_vectors,
                  tune_dict=tune_dict, parallel_src=parallel_src, parallel_tgt=parallel_tgt)
    with echo_warnings():
        rows = induce_files(src_vectors, tgt_vectors, out, report=report, fmt=fmt, max_vocab=max_vocab,
                            progress=progress, method=method, k=k, csls_k=csls_k, max_src=max_src, mutual=mutual,
                            device=device, beta=beta, rerank=reranker, tune_dict=tune_dict, parallel=parallel,
                            **read_options())
    n_words, sig = len({r[0] for r in rows}), rows.signature
    click.echo(f"wrote {len(rows)} pairs for {n_words} source words to {out} | {sig}")
