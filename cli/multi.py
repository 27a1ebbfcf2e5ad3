"""``offramp multi``: many languages in one space, from a plan."""
import click

from ._common import echo_warnings, user_errors
from ._options import progress_option


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Output folder (default: the plan's `out`, else PLAN-out beside the plan).")
@click.option("--cache", default=None, type=click.Path(file_okay=False),
              help="Task cache (default: the plan's `cache`, else OUT/cache). Finished tasks are kept here, so a "
                   "rerun redoes only what changed or failed.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A running Dask scheduler (tcp://host:8786) whose workers share this filesystem; default: a "
                   "local cluster, started and stopped here.")
@click.option("--add", "add", multiple=True, metavar="LANG",
              help="Join LANG (a plan language) to the space already in OUT without moving its languages "
                   "(repeatable).")
@click.option("--mirror", default=None, type=click.Path(file_okay=False, exists=True),
              help="Read `offramp data` names (bible:en.KJV) from this folder instead of the network "
                   "(default: the plan's `mirror`, else $OFFRAMP_MIRROR).")
@progress_option(help="Show a bar over the tasks and a line per finished task on stderr.")
@user_errors
def multi(plan, out, cache, scheduler, add, mirror, progress):
    """Train, align and evaluate every language of PLAN (TOML) in one shared space.

    Each language is trained (unless the plan gives its vectors) and linked to the hub with its own
    seed (a dictionary, a pivot-composed dictionary, verses, shared strings, or none); then all
    languages are refined together on the translations induced between every two of them. Tasks run
    on Dask and are cached by their inputs.

    Writes OUT/multilingual.vec (words as lang:word), OUT/aligned/LANG.vec, OUT/lexicons/A-B.tsv for
    the plan's pairs, OUT/report.json, and prints P@1 of every gold pair in the hub-only and the joint
    space. The plan format: docs/multilingual.md.

    \b
    Example:
      offramp multi plan.toml --out multi-out
      offramp multi plan.toml --out multi-out --add lv
      offramp multi plan.toml --scheduler tcp://10.0.0.5:8786
    """
    from ..bootstrap.multi import run_plan

    with echo_warnings():
        try:
            report = run_plan(plan, out=out, cache=cache, mirror=mirror, scheduler=scheduler, add=add,
                              progress=progress)
        except ImportError as exc:  # the `multi` extra is not installed
            raise click.ClickException(str(exc)) from exc
    for name, error in report["failed"].items():
        click.echo(f"{name} failed: {error}", err=True)
    if report["table"]:
        click.echo(report["table"])
    failed = f", failed: {', '.join(report['failed'])}" if report["failed"] else ""
    click.echo(f"{len(report['languages'])} languages in one space around {report['hub']} "
               f"({len(report['evaluation'].get('joint', {}))} gold directions){failed}; wrote "
               f"{report['outputs']['multilingual']} | {report['signature']}")
