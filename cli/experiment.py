"""``offramp experiment``: the questions of cross-lingual transfer, each as one rerunnable command."""
import shlex
import sys
from pathlib import Path

import click

from ._common import check_outputs, echo_warnings, user_errors
from ._options import progress_option

_STATES = "0,1,2"


def _common_options(func):
    """Options of every experiment: data, cache, scheduler, random states, vectors' size, outputs."""
    options = [
        click.option("--tgt", required=True, metavar="LANG", help="The target language (ISO 639-1 code)."),
        click.option("--data", default=None, type=click.Path(file_okay=False, exists=True),
                     help="Data folder with corpora/ and dictionaries/ (the layout of `offramp data`; e.g. "
                          "../shared/data). Default: $OFFRAMP_MIRROR, else offramp's data cache."),
        click.option("--random-states", default=_STATES, show_default=True, metavar="LIST",
                     help="Random states, comma-separated: each a replicate with its own training seeds, sample and "
                          "alignment; their spread is the figure's band."),
        click.option("--dim", default=None, type=click.IntRange(2, 1000),
                     help="Dimension of the trained vectors (default: offramp train's)."),
        click.option("--train", "train_options", multiple=True, metavar="OPTION=VALUE",
                     help="An option of offramp train's training for every language (repeatable): model=skipgram, "
                          "epochs=10, min_count=5, window=2, ..."),
        click.option("--cache", default=None, type=click.Path(file_okay=False),
                     help="Task cache: finished runs are kept here, so a rerun with one more point computes only "
                          "it. Default: OFFRAMP_CACHE/experiments."),
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="A running Dask scheduler (tcp://host:8786) whose workers share this filesystem; "
                          "default: a local cluster."),
        click.option("--json", "json_path", default=None, type=click.Path(dir_okay=False),
                     help="Write the points here: {experiment, setting, points: [{x, random_state, metric, value}], "
                          "summary, ...}, values in percent."),
        click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
                     help='Write the figure here (PNG; needs pip install "offramp[plot]").'),
        progress_option(help="Show a bar over the tasks and a line per finished task on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(func, common, **kwargs):
    """Check the outputs, run the experiment, write its JSON and figure, print its table and summary line."""
    from ..bootstrap.data import default_cache_dir
    from ..bootstrap.experiments import plot_experiment

    json_path, plot_path = common.pop("json_path"), common.pop("plot_path")
    outputs = {k: v for k, v in (("--json", json_path), ("--plot", plot_path)) if v}
    check_outputs(outputs)
    if plot_path:
        try:
            import matplotlib  # noqa: F401  (before hours of work, not after)
        except ImportError:
            raise click.UsageError('--plot needs matplotlib: pip install "offramp[plot]"') from None
    train = _train_options(common.pop("train_options"), common.pop("dim"))
    cache = common.pop("cache") or str(default_cache_dir() / "experiments")
    with echo_warnings():
        try:
            result = func(common.pop("tgt"), data=common.pop("data"), random_states=common.pop("random_states")
                          .split(","), train=train, cache=cache,
                          scheduler=common.pop("scheduler"), progress=common.pop("progress"), **kwargs)
        except ImportError as exc:  # the `multi` extra is not installed
            raise click.ClickException(str(exc)) from exc
    for name, error in result.failed.items():
        click.echo(f"{name} failed: {error}", err=True)
    if not result.points:
        raise click.ClickException(f"every run of the experiment failed ({len(result.failed)} tasks); the first: "
                                   f"{next(iter(result.failed.values()), 'none')}")
    if Path(sys.argv[0]).name == "offramp":  # the command line as typed (not under a test runner)
        result.command = shlex.join(["offramp", *sys.argv[1:]])
    payload = result.to_json()
    written = []
    if json_path:
        result.write_json(json_path)
        written.append(json_path)
    if plot_path:
        plot_experiment(payload, plot_path)
        written.append(plot_path)
    click.echo(result.table())
    s = result.setting
    failed = f", {len(result.failed)} tasks failed" if result.failed else ""
    wrote = f"; wrote {', '.join(written)}" if written else ""
    click.echo(f"{result.experiment} {s['tgt']}: {len(result.points)} points over {len(s['xs'])} {s['x_label']} "
               f"values x {len(s['random_states'])} random states{failed}{wrote} | {result.signature}")


def _train_options(pairs, dim):
    """``--train OPTION=VALUE`` pairs as a dict (ints, floats, true/false and none read as such), ``--dim`` added."""
    options = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected OPTION=VALUE, e.g. epochs=10; got {pair!r}", param_hint="--train")
        value = {"true": True, "false": False, "none": None}.get(text.strip().lower(), text.strip())
        for kind in (int, float):
            if isinstance(value, str):
                try:
                    value = kind(value)
                except ValueError:
                    pass
        options[key.strip()] = value
    if dim is not None:
        options["dim"] = dim
    return options


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def experiment():
    """Answer a question of cross-lingual transfer on your languages: how much text, which bridge language,
    how many languages. Each runs its points as cached tasks on Dask, prints a table of the mean and spread
    over random states, and writes --json and --plot. The docs show each figure: docs/experiments.md.
    """


@experiment.command("data-size")
@_common_options
@click.option("--src", default="en", show_default=True, metavar="LANG", help="The source language (all its text).")
@click.option("--sizes", default="10k,30k,100k,300k,1M,all", show_default=True, metavar="LIST",
              help="Sample sizes of the target's text in tokens (k, M suffixes; 'all' is every line).")
@click.option("--seed", default="dictionary", show_default=True,
              help="align's seed: dictionary (the gold split's seed words) or one without a dictionary "
                   "(identical+numerals, cognates+numerals, unsupervised).")
@click.option("--measure", "measure", multiple=True, type=click.Choice(["bli", "transfer"]),
              help="transfer: also the verse retrieval P@1 of the sentence encoder transferred to each sample "
                   "(tokenizer and vectors from the sample alone), against the untransferred model. BLI is "
                   "always measured.")
@click.option("--model", default=None, type=click.Path(file_okay=False, exists=True),
              help="The sentence encoder that --measure transfer transfers (default: all-MiniLM-L6-v2 of "
                   "the llm extra).")
@click.option("--n-verses", default=1000, show_default=True, type=click.IntRange(10),
              help="Verses held out of every corpus and retrieved by --measure transfer.")
@user_errors
def data_size(src, sizes, seed, measure, model, n_verses, **common):
    """BLI (and transfer) of TGT as its text grows: samples of TGT's corpora at --sizes.

    \b
    Example:
      offramp experiment data-size --tgt fi --data ../shared/data --json fi.json --plot fi.png
      offramp experiment data-size --tgt fi --measure transfer --sizes 30k,300k,all
    """
    from ..bootstrap.experiments import parse_sizes, run_data_size

    _run(run_data_size, common, src=src, sizes=parse_sizes(sizes), seed=seed, measure=("bli", *measure),
         model=model, transfer_options={"n_verses": n_verses})


@experiment.command("pivot")
@_common_options
@click.option("--hubs", default=None, metavar="LIST",
              help="Routes to compare, comma-separated: the hub itself (direct), or a relative with a "
                   "dictionary to the hub (en,fi: directly, and through Finnish). Default: the hub and TGT's "
                   "relatives that the data has with a dictionary to the hub.")
@click.option("--hub", default="en", show_default=True, metavar="LANG", help="The language every route reaches.")
@click.option("--seed", default="identical+cognates+numerals", show_default=True,
              help="TGT's seed to the first language of its route (no dictionary).")
@click.option("--reference/--no-reference", default=True, show_default=True,
              help="Also the route TGT's own dictionary gives (the seed words of the gold HUB-TGT split), the "
                   "level a bridge is measured against.")
@user_errors
def pivot(hubs, hub, seed, reference, **common):
    """Does TGT reach the hub better through a close relative than directly?

    TGT has no dictionary: it reaches the hub directly by --seed, or is aligned to a relative by --seed,
    whose pairs are composed with the relative's dictionary to the hub, all three in one joint space.
    Scored on the gold HUB-TGT dictionary's test words.

    \b
    Example:
      offramp experiment pivot --tgt et --hubs en,fi --data ../shared/data --plot et.png
      offramp experiment pivot --tgt it --hubs en,es,fr
    """
    from ..bootstrap.experiments import run_pivot

    _run(run_pivot, common, hubs=_codes(hubs), hub=hub, seed=seed, reference=reference)


@experiment.command("diversity")
@_common_options
@click.option("--relatives", default=None, metavar="LIST",
              help="TGT's close relatives, comma-separated (default: those offramp knows that the data has).")
@click.option("--languages", default=None, metavar="LIST",
              help="The languages of the largest space besides the hub (default: every language with a "
                   "corpus and a dictionary to the hub).")
@click.option("--hub", default="en", show_default=True, metavar="LANG")
@click.option("--seed", default="dictionary", show_default=True,
              help="TGT's seed to the hub; the other languages link by their dictionaries.")
@user_errors
def diversity(relatives, languages, hub, seed, **common):
    """TGT's BLI to every language it has gold with, in a space of {hub, TGT}, then with TGT's relatives,
    then with every language.

    \b
    Example:
      offramp experiment diversity --tgt lv --data ../shared/data --plot lv.png
    """
    from ..bootstrap.experiments import run_diversity

    _run(run_diversity, common, relatives=_codes(relatives), languages=_codes(languages), hub=hub, seed=seed)


def _codes(text):
    return None if text is None else [code.strip() for code in text.split(",") if code.strip()]
