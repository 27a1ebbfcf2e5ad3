"""``offramp data``: list, fetch and locate public dictionaries, corpora and vectors."""
import click

from ._common import echo_warnings, user_errors
from ._options import progress_option

_CACHE = click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=None,
                      help="Cache directory [default: $OFFRAMP_CACHE, else $XDG_CACHE_HOME/offramp, "
                           "else ~/.cache/offramp].")


def _check_request(kind, names):
    """Unknown KIND or a NAME that does not fit it: usage errors (exit 2), as click's own."""
    from ..bootstrap.data import KNOWN_SOURCES, relative_path

    if kind not in KNOWN_SOURCES:
        raise click.BadParameter(f"unknown kind {kind!r}; known: {', '.join(KNOWN_SOURCES)}", param_hint="KIND")
    for name in names:
        try:
            relative_path(kind, name)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="NAME") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def data():
    """Fetch public dictionaries, corpora and word vectors into a local cache.

    Usage errors (unknown KIND, a NAME that does not fit it) exit with status 2, other failures
    (not cached, damaged, download failed) with status 1.

    \b
    Examples:
      offramp data list
      offramp data fetch muse en-fi en-fi.0-5000 en-fi.5000-6500
      offramp data fetch ud Finnish-TDT --mirror ../shared/data
      offramp data path muse en-fi
    """


@data.command("list")
@click.argument("kind", required=False)
@_CACHE
@click.option("--json", "as_json", is_flag=True,
              help='Print the catalogue as one JSON object, {"sources": {KIND: {"url": .., "names": [..], ...}}, '
                   '"cache": DIR}, for scripts.')
@user_errors
def list_(kind, cache_dir, as_json):
    """What offramp can fetch and what is cached; with KIND, every known name."""
    import json

    from ..bootstrap.data import default_cache_dir, list_sources

    if kind is not None:
        _check_request(kind, [])
    rows = list_sources(cache_dir=cache_dir)
    if as_json:
        sources = {row["kind"]: {key: value for key, value in row.items() if key != "kind"}
                   for row in rows if kind is None or row["kind"] == kind}
        click.echo(json.dumps({"sources": sources, "cache": str(cache_dir or default_cache_dir())}, indent=1))
        return
    if kind is None:
        for row in rows:
            click.echo(f"{row['kind']:<15} {row['fetch']:<11} {len(row['names']):>4} known "
                       f"{len(row['cached']):>4} cached  {row['description']} [{row['licence']}]")
        click.echo(f"cache: {cache_dir or default_cache_dir()}")
        return
    row = next(r for r in rows if r["kind"] == kind)
    click.echo(f"{kind}: {row['description']}")
    click.echo(f"licence: {row['licence']}; {'public URL' if row['fetch'] == 'url' else 'mirror-only'}"
               + (f"; {row['homepage']}" if row["homepage"] else ""))
    for name in row["names"] + [n for n in row["cached"] + row["damaged"] if n not in row["names"]]:
        status = ("  (cached)" if name in row["cached"] else
                  f"  (damaged: fetch it again with `offramp data fetch {kind} {name} --force`)"
                  if name in row["damaged"] else "")
        click.echo(f"  {name}{status}")


@data.command()
@click.argument("kind")
@click.argument("names", nargs=-1, required=True)
@_CACHE
@click.option("--mirror", type=str, default=None,
              help="Directory (or http(s) base URL) laid out like shared/data to copy from [default: $OFFRAMP_MIRROR].")
@click.option("--force", is_flag=True, help="Fetch again even when cached.")
@click.option("--link", is_flag=True, help="With a local --mirror, symlink instead of copying.")
@progress_option(help="Show download progress on stderr.", off=("-q",))
@user_errors
def fetch(kind, names, cache_dir, mirror, force, link, progress):
    """Fetch NAMES of KIND (e.g. muse en-fi) into the cache and print their paths.

    A cached file is checked against the size and sha256 recorded when it was fetched, and fetched
    again (with a note on stderr) when it was changed since.
    """
    from ..bootstrap.data import DamagedCacheWarning, FetchError, cache_record, fetch as fetch_one, fetch_signature

    _check_request(kind, names)
    for name in names:
        try:
            with echo_warnings(DamagedCacheWarning, "note"):  # the damaged-file note on stderr
                path = fetch_one(kind, name, cache_dir=cache_dir, mirror=mirror, progress=progress, force=force,
                                 link=link)
        except FetchError as exc:
            raise click.ClickException(str(exc)) from exc
        record = cache_record(kind, name, cache_dir=cache_dir) or {}
        sig = fetch_signature(kind, name, cache_dir=cache_dir)
        click.echo(f"{path} ({record.get('bytes', '?')} bytes) | {sig}")


@data.command()
@click.argument("kind")
@click.argument("name")
@_CACHE
@user_errors
def path(kind, name, cache_dir):
    """Print the local path of cached KIND NAME, checked against its recorded size and sha256.

    Exits with status 1 when it is not cached or was changed since it was fetched.
    """
    from ..bootstrap.data import cached_path

    _check_request(kind, [name])
    found = cached_path(kind, name, cache_dir=cache_dir, verify=True)
    if found is None:
        raise click.ClickException(f"{kind} {name} is not cached; run `offramp data fetch {kind} {name}` "
                                   "(add --mirror DIR without network access)")
    click.echo(str(found))
