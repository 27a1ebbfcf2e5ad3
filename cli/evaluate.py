"""``offramp evaluate``: BLI scores of two mapped spaces on a gold test dictionary."""
import json

import click

from ._common import echo_warnings, user_errors
from ._options import (device_option, embedding_options, isf_option, make_reranker, parallel_options, parallel_pair,
                       progress_option, read_options, rerank_options)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("src_vectors", type=click.Path(exists=True, dir_okay=False))
@click.argument("tgt_vectors", type=click.Path(exists=True, dir_okay=False))
@click.argument("test_dict", type=click.Path(exists=True, dir_okay=False))
@click.option("--retrieval", "method", type=click.Choice(["nn", "csls", "isf"]), default="csls", show_default=True,
              help="Nearest neighbour, CSLS, or inverted softmax.")
@click.option("--csls-k", "--csls", "csls_k", type=click.IntRange(min=1), default=10, show_default=True,
              help="CSLS neighbourhood.")
@click.option("--no-normalize", is_flag=True, help="Score by raw dot product instead of cosine.")
@click.option("--lowercase", is_flag=True, help="Lowercase the test dictionary.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary line.")
@isf_option
@rerank_options
@parallel_options
@embedding_options
@device_option
@progress_option
@user_errors
def evaluate(src_vectors, tgt_vectors, test_dict, method, csls_k, no_normalize, lowercase, as_json, beta, rerank,
             rerank_weights, tune_dict, rerank_k, rerank_model, parallel_src, parallel_tgt, verse_measure, fmt,
             max_vocab, device, progress):
    """Score the translation of TEST_DICT's source words: P@1/5/10, MRR, coverage.

    Scores are percentages over the covered test words (OOV excluded, as in MUSE and VecMap);
    the same scores with OOV words counted wrong are under "counted_wrong". Progress bars go to
    stderr, so --json prints one JSON object on stdout.

    \b
    Examples:
      offramp evaluate en.m.vec fi.m.vec test.txt --retrieval csls --json
      offramp evaluate en.m.vec fr.m.vec test.txt --rerank ortho,freq,parallel --tune-dict train.txt \\
          --parallel-src en.KJV.tsv --parallel-tgt fr.FreJND.tsv
      offramp evaluate en.m.vec fi.m.vec test.txt --rerank ortho,freq --rerank-model trees --tune-dict train.txt
    """
    from ..bootstrap.evaluation.bli import evaluate_files

    parallel = parallel_pair(parallel_src, parallel_tgt, verse_measure)
    reranker = make_reranker(rerank, rerank_weights, tune_dict, rerank_k, rerank_model, parallel)
    with echo_warnings():
        out = evaluate_files(src_vectors, tgt_vectors, test_dict, fmt=fmt, max_vocab=max_vocab, progress=progress,
                             method=method, csls_k=csls_k, normalize=not no_normalize, device=device,
                             lowercase=lowercase, beta=beta, rerank=reranker, tune_dict=tune_dict, parallel=parallel,
                             **read_options())
    sig = out["signature"]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    cw = out["counted_wrong"]
    click.echo(f"P@1 {out['p@1']:.2f}  P@5 {out['p@5']:.2f}  P@10 {out['p@10']:.2f}  MRR {out['mrr']:.2f}  "
               f"coverage {out['coverage']:.2f}% of {out['n_test']} words (OOV counted wrong: P@1 "
               f"{cw['p@1']:.2f}){_plain_p1(out.get('rerank'))} | {sig}")


def _plain_p1(info):
    """', P@1 x.xx without re-ranking' when the scores were re-ranked."""
    plain = (info or {}).get("without_rerank")
    return f", P@1 {plain['p@1']:.2f} without re-ranking" if plain else ""
