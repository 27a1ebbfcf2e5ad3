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
    """Fetch public dictionaries, corpora and word vectors into a local cache, from their public homes
    (converted into the shared layout) or from a mirror.

    Usage errors (unknown KIND, a NAME that does not fit it) exit with status 2, other failures
    (not cached, damaged, download failed) with status 1.

    \b
    Examples:
      offramp data list
      offramp data fetch muse en-fi en-fi.0-5000 en-fi.5000-6500
      offramp data fetch ud Finnish-TDT --mirror ../shared/data
      offramp data fetch wikipedia lv --max-tokens 10000000
      offramp data bundle lv mt eu --out eu-data
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
    how = {"url": "from its public URL", "converted": "converted from its public source",
           "mirror-only": "from a mirror only"}[row["fetch"]]
    click.echo(f"licence: {row['licence']}; {how}" + (f": {row['url']}" if row["url"] else "")
               + (f"; {row['homepage']}" if row["homepage"] else ""))
    for name in row["names"] + [n for n in row["cached"] + row["damaged"] if n not in row["names"]]:
        status = ("  (cached)" if name in row["cached"] else
                  f"  (damaged: fetch it again with `offramp data fetch {kind} {name} --force`)"
                  if name in row["damaged"] else "")
        click.echo(f"  {name}{status}")


_MIRROR = click.option("--mirror", type=str, default=None,
                       help="Directory (or http(s) base URL) laid out like shared/data to copy from, instead of the "
                            "public sources [default: $OFFRAMP_MIRROR].")
#: The options of ``fetch`` that only some kinds' converters take.
_KIND_OPTIONS = {"date": ("wikipedia",), "max_tokens": ("wikipedia",), "release": ("ud",)}


@data.command()
@click.argument("kind")
@click.argument("names", nargs=-1, required=True)
@_CACHE
@_MIRROR
@click.option("--force", is_flag=True, help="Fetch again even when cached (a converted kind's upstream files too).")
@click.option("--link", is_flag=True, help="With a local --mirror, symlink instead of copying.")
@click.option("--date", default=None, metavar="YYYYMMDD|latest",
              help="wikipedia: the dump's date [default: latest].")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None,
              help="wikipedia: stop after this many whitespace tokens (whole paragraphs) [default: the whole dump].")
@click.option("--release", default=None, help="ud: the UD release tag's number, e.g. 2.15 [default: offramp's].")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60, show_default=True,
              help="Seconds to wait for a server.")
@progress_option(help="Show download and conversion progress on stderr.", off=("-q",))
@user_errors
def fetch(kind, names, cache_dir, mirror, force, link, date, max_tokens, release, timeout, progress):
    """Fetch NAMES of KIND (e.g. muse en-fi) into the cache and print their paths.

    Without --mirror, each file comes from its public home: the file itself where its URL serves it
    (muse, fasttext-*), else what its upstream serves, converted into the shared layout (SWORD
    modules, UD treebanks, Wikimedia dumps, FreeDict, OMW, Apertium, TED). A cached file is checked
    against the size and sha256 recorded when it was fetched, and fetched again (with a note on
    stderr) when it was changed since.

    \b
    Examples:
      offramp data fetch bible lv.LvGluck8
      offramp data fetch wikipedia mt --max-tokens 5000000
      offramp data fetch ud Latvian-LVTB --mirror ../shared/data
    """
    from ..bootstrap.data import DamagedCacheWarning, FetchError, cache_record, fetch as fetch_one, fetch_signature

    _check_request(kind, names)
    options = {"date": date, "max_tokens": max_tokens, "release": release}
    for key, value in options.items():
        if value is not None and kind not in _KIND_OPTIONS[key]:
            raise click.BadParameter(f"--{key.replace('_', '-')} applies to {', '.join(_KIND_OPTIONS[key])} only, "
                                     f"not {kind}", param_hint=f"--{key.replace('_', '-')}")
    for name in names:
        try:
            with echo_warnings(DamagedCacheWarning, "note"):  # the damaged-file note on stderr
                path = fetch_one(kind, name, cache_dir=cache_dir, mirror=mirror, progress=progress, force=force,
                                 link=link, timeout=timeout, options=options)
        except FetchError as exc:
            raise click.ClickException(str(exc)) from exc
        record = cache_record(kind, name, cache_dir=cache_dir) or {}
        sig = fetch_signature(kind, name, cache_dir=cache_dir)
        click.echo(f"{path} ({record.get('bytes', '?')} bytes) | {sig}")


@data.command()
@click.argument("languages", nargs=-1, required=True)
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="The bundle's directory (laid out like shared/data, with MANIFEST.md and MANIFEST.json).")
@click.option("--kinds", default=None, metavar="KIND,KIND",
              help="Kinds to gather [default: bible, ud, ted, wikipedia and the dictionaries; the fasttext-* "
                   "vectors only when named].")
@click.option("--wikipedia-tokens", type=click.IntRange(min=0), default=None, show_default=False,
              help="Cap of each Wikipedia text in whitespace tokens, 0 for whole dumps [default: 20,000,000].")
@_CACHE
@_MIRROR
@click.option("--link", is_flag=True, help="Symlink the bundle's files to the cache instead of copying them.")
@click.option("--force", is_flag=True, help="Fetch again even what is cached.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60, show_default=True,
              help="Seconds to wait for a server.")
@progress_option(help="Show download and conversion progress on stderr.", off=("-q",))
@user_errors
def bundle(languages, out, kinds, wikipedia_tokens, cache_dir, mirror, link, force, timeout, progress):
    """Gather what exists for LANGUAGES (ISO codes, e.g. lv mt eu) into --out, with a MANIFEST.

    Each language gets its Bibles, UD treebanks, TED talks and Wikipedia (capped), and the
    dictionaries between it and English or another of the LANGUAGES; each file goes through the
    cache. What cannot be had is listed as skipped, with the reason, and the rest goes on. The
    directory serves as a --mirror for other machines.

    \b
    Examples:
      offramp data bundle lv mt eu --out eu-data
      offramp data bundle fi et --out fe --mirror ../shared/data --kinds bible,ud,muse
    """
    from ..bootstrap.data import bundle as gather
    from ..bootstrap.data.bundle import DEFAULT_KINDS, DEFAULT_WIKIPEDIA_TOKENS
    from ..bootstrap.signature import make_signature

    from ..bootstrap.data import KNOWN_SOURCES, LANGUAGES

    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip()) if kinds else DEFAULT_KINDS
    for lang in languages:
        if lang not in LANGUAGES:
            raise click.BadParameter(f"unknown language code {lang!r}; known: {', '.join(LANGUAGES)}",
                                     param_hint="LANGUAGES")
    for kind in chosen:
        if kind not in KNOWN_SOURCES:
            raise click.BadParameter(f"unknown kind {kind!r}; known: {', '.join(KNOWN_SOURCES)}", param_hint="--kinds")
    tokens = DEFAULT_WIKIPEDIA_TOKENS if wikipedia_tokens is None else (wikipedia_tokens or None)

    def on_item(kind, name, status, detail):
        if progress or status != "ok":
            click.echo(f"{kind} {name}: {detail if status == 'ok' else 'skipped: ' + detail}", err=True)

    report = gather(list(languages), out, kinds=chosen, wikipedia_tokens=tokens, cache_dir=cache_dir, mirror=mirror,
                    link=link, force=force, progress=progress, timeout=timeout, on_item=on_item)
    size = sum(item["bytes"] or 0 for item in report["files"])
    sig = make_signature(data="bundle", languages="+".join(languages), kinds=",".join(chosen),
                         files=len(report["files"]), skipped=len(report["skipped"]))
    click.echo(f"bundle: {len(report['files'])} files ({size / 2**20:.1f} MiB) in {out}, "
               f"{len(report['skipped'])} skipped, MANIFEST.md and MANIFEST.json written | {sig}")


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
