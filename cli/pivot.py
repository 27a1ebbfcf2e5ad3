"""``offramp pivot``: a source-target dictionary through a third language."""
import click

from ._common import check_outputs, echo_warnings, user_errors, write_json


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("src_pivot", type=click.Path(dir_okay=False))
@click.argument("pivot_tgt", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Source-target dictionary to write (src<TAB>tgt), for align --seed-dict.")
@click.option("--min-paths", default=1, show_default=True, type=click.IntRange(min=1),
              help="Keep pairs connected by at least this many pivot words (summed over --route). Try 2 "
                   "with noisy pivot dictionaries: two pivot languages (or two synonyms) that agree on a pair "
                   "are rarely wrong.")
@click.option("--max-per-src", default=None, type=click.IntRange(min=1),
              help="At most this many targets per source word, the best connected first.")
@click.option("--exclude-src", default=None, type=click.Path(dir_okay=False),
              help="A dictionary (e.g. your test.txt) whose source words are left out.")
@click.option("--swap-first", is_flag=True, help="SRC_PIVOT is pivot-source: read its columns the other way.")
@click.option("--swap-second", is_flag=True, help="PIVOT_TGT is target-pivot: read its columns the other way.")
@click.option("--route", "routes", multiple=True, nargs=2, type=click.Path(dir_okay=False),
              metavar="SRC_PIVOT2 PIVOT2_TGT",
              help="Another route through another pivot language (repeatable), e.g. --route en-fr.txt fr-lv.txt; "
                   "a pair's paths are summed over all routes. Its files must be source-pivot and pivot-target.")
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "muse", "vecmap", "tsv"]), help="Format of the input dictionaries.")
@click.option("--lowercase", is_flag=True, help="Lowercase both dictionaries.")
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Also write the counts (pairs, pivot words, paths per pair) as JSON.")
@user_errors
def pivot(src_pivot, pivot_tgt, out, min_paths, max_per_src, exclude_src, swap_first, swap_second, routes, fmt,
          lowercase, report):
    """Triangulate SRC_PIVOT (e.g. en-de) and PIVOT_TGT (de-lv) into a source-target dictionary
    (en-lv), for a language that has a dictionary with a third language but none with yours.

    A pair (s, t) is kept when a pivot word p has (s, p) in SRC_PIVOT and (p, t) in PIVOT_TGT;
    its paths are the pivot words that connect it. As a seed for align, every pair serves: the
    self-learning tolerates the noise, and a pivot seed comes close to a direct dictionary.

    With --route, further dictionary pairs through other pivot languages join in: a pair that two
    pivot languages agree on has the paths of both, which --min-paths can require.

    \b
    Example:
      offramp pivot en-de.txt de-es.txt --exclude-src test.txt --out en-es.pivot.txt
      offramp pivot en-de.txt de-es.txt --route en-fr.txt fr-es.txt --min-paths 2 --out en-es.2.txt
      offramp align en.vec es.vec --seed-dict en-es.pivot.txt --out-src en.m.vec --out-tgt es.m.vec
    """
    from ..bootstrap.lexicon.pivot import pivot_files

    check_outputs({"--out": out, "--report": report}, SRC_PIVOT=src_pivot, PIVOT_TGT=pivot_tgt,
                  exclude_src=exclude_src, route=[path for route in routes for path in route])
    with echo_warnings():
        info = pivot_files(src_pivot, pivot_tgt, out, fmt=fmt, lowercase=lowercase, swap_first=swap_first,
                           swap_second=swap_second, exclude_src_path=exclude_src, min_paths=min_paths,
                           max_per_src=max_per_src, more_routes=routes)
    if report:
        write_json(report, info)
    paths = ", ".join(f"{n}: {c}" for n, c in info["paths"].items())
    sig = info["signature"]
    excluded = f", {info['n_excluded_src']} source words excluded" if exclude_src else ""
    via = f" over {len(info['routes'])} routes" if routes else ""
    click.echo(f"{info['n_pairs']} pairs for {info['n_src_words']} source words through {info['n_pivot_words']} "
               f"shared pivot words{via} (pairs by paths: {paths}){excluded} | {sig}")
