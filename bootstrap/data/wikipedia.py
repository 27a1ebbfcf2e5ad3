"""Wikipedia as plain text: a language's Wikimedia ``pages-articles`` dump, one paragraph a line.

Kind ``wikipedia``, name = the Wikipedia's language code (``lv``, ``mt``, ``eu``, ``ga``...); the
file goes to ``corpora/wikipedia/{name}.txt``.

Upstream (https://dumps.wikimedia.org/): each wiki has a directory per dump date and a ``latest``
one, holding ``{db}wiki-{date}-pages-articles.xml.bz2`` (the current revision of every article,
template and other page, as MediaWiki export XML) and ``{db}wiki-{date}-sha1sums.txt`` (``HEX  FILE``
lines; in ``latest`` it is ``{db}wiki-latest-sha1sums.txt`` and still names the dated files).
:func:`build` reads the checksum list first: it gives the file's sha1 and, for ``latest``, the date
of the dump it describes, so the dump is then fetched from that dated directory (a stable URL that
matches the checksum even when ``latest`` moves on).

Conversion (:func:`wikipedia_to_text`) streams the dump (constant memory) and keeps articles: pages
of namespace 0 that are not redirects. Their wikitext is parsed with ``mwparserfromhell``:

* dropped: templates and parser functions, tables, ``<ref>``s and the other tags that show no
  running text (:data:`DROPPED_TAGS`), comments, behaviour switches (``__NOTOC__``), file, image,
  category and interlanguage links, bare URLs and external links without a title, headings;
* kept: the text of internal links (``[[a|b]]`` -> ``b``, ``[[a]]`` -> ``a``) and of titled external
  links, the contents of other tags (bold, italic, ``<span>``...), HTML entities as characters;
* a paragraph is a run of text lines between blank lines, headings, tables and block tags; its lines
  are joined with a space (as MediaWiki renders them); each list item (``*``, ``#``, ``;``, ``:``)
  is a paragraph of its own; whitespace is collapsed to single spaces;
* paragraphs of fewer than :data:`MIN_TOKENS` whitespace tokens (captions, names in lists, leftovers
  of dropped markup) are skipped and counted.
"""
import bz2
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ._errors import FetchError

__all__ = ["BASE_URL", "MIN_TOKENS", "DROPPED_TAGS", "dump_urls", "urls", "wikipedia_to_text",
           "wikitext_to_paragraphs", "build"]

BASE_URL = "https://dumps.wikimedia.org"

#: Paragraphs with fewer whitespace tokens than this are skipped.
MIN_TOKENS = 3

#: Tags whose contents are not running text (extension tags, references, code, media).
DROPPED_TAGS = frozenset({
    "ref", "references", "gallery", "math", "chem", "ce", "score", "timeline", "graph", "mapframe",
    "maplink", "imagemap", "templatestyles", "templatedata", "syntaxhighlight", "source", "pre", "hiero",
    "inputbox", "categorytree", "indicator", "section", "includeonly", "table", "caption", "style", "script",
})

# Tags that end a paragraph before and after themselves.
_BLOCK_TAGS = frozenset({"p", "div", "blockquote", "center", "poem", "hr", "ul", "ol", "dl", "h1", "h2",
                         "h3", "h4", "h5", "h6"})
_LIST_TAGS = frozenset({"li", "dt", "dd"})

# File and category namespaces under their canonical names; the dump's siteinfo adds the local ones.
_FILE_NAMESPACES = {"file", "image", "media"}
_CATEGORY_NAMESPACES = {"category"}
_MEDIA_SUFFIX = re.compile(r"\.(jpe?g|png|gif|svg|tiff?|webp|xcf|pdf|djvu|ogg|oga|ogv|mp3|wav|flac|webm|mid)\s*$",
                           re.IGNORECASE)
# Interlanguage links ([[en:Riga]]) are written with a language code prefix and no leading colon.
_LANGUAGE_PREFIX = re.compile(r"[a-z]{2,3}(-[a-z0-9]+)*")

# The marker that starts a list item in the flattened text (XML 1.0 cannot carry it, so text never does).
_ITEM = "\x01"
_BLOCK = "\n\n"
# Lines that are debris of markup the parser could not match (an unclosed table or template).
_DEBRIS = ("{|", "|", "{{", "}}")
_SWITCH = re.compile(r"__[A-Z]+__")
_STYLE_QUOTES = re.compile(r"'{2,}")
_EMPTY_PARENS = re.compile(r"\(\s*[,;:]*\s*\)")
_PARENS_OPEN_SEP = re.compile(r"\(\s*[,;]\s*")
_PARENS_SEP_CLOSE = re.compile(r"\s*[,;]\s*\)")

_LANG = re.compile(r"[a-z][a-z_-]*")
_DATE = re.compile(r"\d{8}")
# Wikis whose database name differs from the language code by more than hyphens for underscores.
_DBNAME_ALIASES = {"be-tarask": "be_x_old"}

_FORCE_HINT = "the download is damaged or incomplete: fetch it again with --force"


def _dbname(lang):
    if not isinstance(lang, str) or not _LANG.fullmatch(lang):
        raise ValueError(f"{lang!r} is not a Wikipedia language code: expected lowercase letters, with hyphens or "
                         "underscores as Wikimedia writes them (e.g. 'lv', 'mt', 'be-tarask', 'zh_min_nan')")
    return _DBNAME_ALIASES.get(lang, lang.replace("-", "_")) + "wiki"


def _check_date(date):
    if not isinstance(date, str) or not (date == "latest" or _DATE.fullmatch(date)):
        raise ValueError(f"{date!r} is not a Wikimedia dump date: expected 'latest' or YYYYMMDD (e.g. '20240601'); "
                         f"the dates of a wiki's dumps are listed at {BASE_URL}/LANGwiki/")
    return date


def _dump_name(db, date):
    return f"{db}-{date}-pages-articles.xml.bz2"


def dump_urls(lang, date="latest"):
    """The URLs of a Wikipedia's articles dump and of that dump's sha1 checksum list.

    Parameters
    ----------
    lang : str
        Language code of the Wikipedia (``'lv'``; ``'be-tarask'`` and the like map to Wikimedia's
        database names, ``be_x_oldwiki``).
    date : str
        ``'latest'`` or a dump date ``YYYYMMDD``.

    Returns
    -------
    list of str
        ``[dump_url, sha1sums_url]``.

    Raises
    ------
    ValueError
        For a malformed language code or date.
    """
    db = _dbname(lang)
    date = _check_date(date)
    folder = f"{BASE_URL}/{db}/{date}"
    return [f"{folder}/{_dump_name(db, date)}", f"{folder}/{db}-{date}-sha1sums.txt"]


def urls(name, *, date="latest", **_options):
    """The upstream URLs of catalogue entry ``name`` (a language code): see :func:`dump_urls`."""
    return dump_urls(name, date)


# ---------------------------------------------------------------------------------------------------------------
# wikitext -> paragraphs

def _flatten(wikicode, names, parts):
    """Append the visible running text of ``wikicode`` to ``parts``, with paragraph breaks and list markers."""
    from mwparserfromhell import nodes

    for node in wikicode.nodes:
        if isinstance(node, nodes.Text):
            parts.append(node.value)
        elif isinstance(node, nodes.Wikilink):
            _link(node, names, parts)
        elif isinstance(node, nodes.Tag):
            _tag(node, names, parts)
        elif isinstance(node, nodes.ExternalLink):
            # [url title] shows its title; [url] shows a number and a bare url is no prose: both dropped
            if node.brackets and node.title is not None:
                _flatten(node.title, names, parts)
        elif isinstance(node, nodes.HTMLEntity):
            parts.append(node.normalize())
        elif isinstance(node, nodes.Heading):
            parts.append(_BLOCK)
        # templates, template arguments and comments show no text of their own here


def _link(node, names, parts):
    title = str(node.title).strip().replace("_", " ")
    if title.startswith(":"):
        # [[:Category:X]] and [[:en:X]] are ordinary visible links
        title = title[1:].lstrip()
    elif ":" in title:
        prefix, rest = title.split(":", 1)
        prefix = prefix.strip()
        folded = prefix.casefold()
        if folded in names["file"] or folded in names["category"] or _MEDIA_SUFFIX.search(rest):
            return
        if _LANGUAGE_PREFIX.fullmatch(prefix) and folded not in names["other"]:
            return
    if node.text is not None and str(node.text).strip():
        _flatten(node.text, names, parts)
    else:
        parts.append(title)


def _tag(node, names, parts):
    name = str(node.tag).strip().lower()
    if name in DROPPED_TAGS:
        parts.append(_BLOCK if name in ("table", "references", "gallery", "pre") else "")
    elif name in _LIST_TAGS:
        parts.append("\n" + _ITEM)
        if node.contents is not None:
            _flatten(node.contents, names, parts)
            if node.wiki_markup is None:
                parts.append("\n")
    elif name in _BLOCK_TAGS:
        parts.append(_BLOCK)
        if node.contents is not None:
            _flatten(node.contents, names, parts)
        parts.append(_BLOCK)
    elif name in ("br", "wbr"):
        parts.append(" ")
    elif node.contents is not None:
        _flatten(node.contents, names, parts)


def _clean(text):
    text = _SWITCH.sub(" ", text.replace(_ITEM, " "))
    text = _STYLE_QUOTES.sub("", text)
    text = " ".join(text.split())
    # leftovers of templates dropped inside brackets: "Rīga ({{IPA}}; {{lang-de|Riga}})"
    text = _EMPTY_PARENS.sub("", text)
    text = _PARENS_SEP_CLOSE.sub(")", _PARENS_OPEN_SEP.sub("(", text))
    return " ".join(text.split())


def _namespace_names(file_names=(), category_names=(), other_names=()):
    return {"file": _FILE_NAMESPACES | {n.casefold() for n in file_names},
            "category": _CATEGORY_NAMESPACES | {n.casefold() for n in category_names},
            "other": {n.casefold() for n in other_names}}


def wikitext_to_paragraphs(wikitext, *, namespaces=None, min_tokens=MIN_TOKENS, counts=None):
    """The paragraphs of one page's wikitext as plain text (see the module's description).

    Parameters
    ----------
    wikitext : str
    namespaces : dict, optional
        ``{key: local name}`` of the wiki's namespaces (from the dump's siteinfo), so that local file
        (6) and category (14) links are dropped too; the English names always are.
    min_tokens : int
        Shorter paragraphs are skipped.
    counts : dict, optional
        Its ``'skipped_short'`` is increased by the number of paragraphs skipped as too short.

    Returns
    -------
    list of str
    """
    import mwparserfromhell

    namespaces = namespaces or {}
    names = _namespace_names([namespaces.get(6, "")], [namespaces.get(14, "")],
                             [v for k, v in namespaces.items() if k not in (6, 14)])
    parts = []
    _flatten(mwparserfromhell.parse(wikitext), names, parts)
    paragraphs, current, short = [], [], 0

    def flush():
        nonlocal short
        text = _clean(" ".join(current))
        current.clear()
        if text and len(text.split()) >= min_tokens:
            paragraphs.append(text)
        elif text:
            short += 1

    for line in "".join(parts).split("\n"):
        stripped = line.strip()
        if stripped.startswith(_ITEM):
            flush()
            current.append(stripped)
            flush()
        elif not stripped or stripped.startswith(_DEBRIS):
            flush()
        else:
            current.append(stripped)
    flush()
    if counts is not None:
        counts["skipped_short"] = counts.get("skipped_short", 0) + short
    return paragraphs


# ---------------------------------------------------------------------------------------------------------------
# streaming the dump

def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _pages(path, raw, state):
    """Yield ``(title, ns, is_redirect, model, text)`` for each page of the export XML read from ``raw``.

    Elements are cleared once read, so memory stays bounded by the largest page. Read and parse errors
    become :class:`FetchError` naming ``path`` and the position.
    """
    stream = bz2.open(raw) if raw.peek(3)[:3] == b"BZh" else raw
    uri = ""
    root = None
    title = None
    try:
        for event, elem in ET.iterparse(stream, events=("start", "end")):
            if root is None:
                root = elem
                uri = elem.tag[:elem.tag.index("}") + 1] if elem.tag.startswith("{") else ""
                if _local(elem.tag) != "mediawiki":
                    raise FetchError(f"{path}: not a MediaWiki XML export (root element <{_local(elem.tag)}>, "
                                     "expected <mediawiki>); a Wikipedia pages-articles dump was expected")
                continue
            if event != "end":
                continue
            tag = elem.tag
            if tag == uri + "page":
                title = elem.findtext(uri + "title")
                revision = elem.find(uri + "revision")
                text = model = None
                if revision is not None:
                    text = revision.findtext(uri + "text")
                    model = revision.findtext(uri + "model")
                yield (title, (elem.findtext(uri + "ns") or "0").strip(), elem.find(uri + "redirect") is not None,
                       model, text)
                root.clear()
            elif tag == uri + "siteinfo":
                for namespace in elem.iter(uri + "namespace"):
                    key = namespace.get("key", "")
                    if key.lstrip("-").isdigit() and namespace.text:
                        state["namespaces"][int(key)] = namespace.text.strip()
                root.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        after = f", after page {title!r}" if title else ""
        raise FetchError(f"{path}: the XML does not parse at line {line}, column {column}{after} ({exc}); "
                         f"{_FORCE_HINT}") from None
    except (EOFError, OSError) as exc:
        if isinstance(exc, FetchError):
            raise
        after = f", after page {title!r}" if title else ""
        raise FetchError(f"{path}: could not decompress it at byte {raw.tell()} of {path.stat().st_size}{after} "
                         f"({exc}); {_FORCE_HINT}") from None
    if root is None:
        raise FetchError(f"{path}: the file is empty; {_FORCE_HINT}")


def wikipedia_to_text(dump_path, out, *, max_tokens=None, min_tokens=MIN_TOKENS, progress=False):
    """Convert a Wikimedia pages-articles dump (``.xml.bz2`` or ``.xml``) to plain text, one paragraph a line.

    The dump is streamed: memory stays bounded whatever its size.

    Parameters
    ----------
    dump_path : str or path-like
        The dump, bz2-compressed (recognised by its content) or plain XML.
    out : str or path-like
        The text file to write (UTF-8).
    max_tokens : int, optional
        Stop before the first paragraph that would take the output over this many whitespace tokens
        (whole paragraphs only; the rest of the dump is not read).
    min_tokens : int
        Paragraphs with fewer tokens are skipped.
    progress : bool
        A progress bar over the compressed bytes read, on stderr.

    Returns
    -------
    dict
        ``pages`` (articles converted), ``paragraphs`` (= ``lines``), ``tokens``, ``skipped_redirects``,
        ``skipped_other_namespaces``, ``skipped_non_wikitext``, ``skipped_short`` (paragraphs),
        ``failed_pages`` with the first ``failed_titles`` (pages the wikitext parser failed on, skipped),
        ``truncated`` (whether ``max_tokens`` left text out), ``max_tokens``, ``min_tokens``.

    Raises
    ------
    FetchError
        The dump is truncated, not bz2/XML, or not a MediaWiki export; the message names the file and
        where reading stopped.
    """
    from .._progress import progress_bar

    dump_path, out = Path(dump_path), Path(out)
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise ValueError(f"max_tokens must be a positive integer, not {max_tokens!r}")
    state = {"namespaces": {}}
    counts = {"pages": 0, "paragraphs": 0, "tokens": 0, "skipped_redirects": 0, "skipped_other_namespaces": 0,
              "skipped_non_wikitext": 0, "skipped_short": 0, "failed_pages": 0}
    failed_titles = []
    truncated = False
    size = dump_path.stat().st_size
    with open(dump_path, "rb") as raw, open(out, "w", encoding="utf-8", newline="\n") as sink, \
            progress_bar(total=size, desc=dump_path.name, unit="B", unit_scale=True, unit_divisor=1024,
                         disable=not progress, leave=False) as bar:
        done = 0
        for title, ns, redirect, model, text in _pages(dump_path, raw, state):
            position = raw.tell()
            bar.update(position - done)
            done = position
            if ns != "0":
                counts["skipped_other_namespaces"] += 1
                continue
            if redirect:
                counts["skipped_redirects"] += 1
                continue
            if model not in (None, "wikitext"):
                counts["skipped_non_wikitext"] += 1
                continue
            try:
                paragraphs = wikitext_to_paragraphs(text or "", namespaces=state["namespaces"],
                                                    min_tokens=min_tokens, counts=counts)
            except Exception:  # noqa: BLE001
                # one page the parser chokes on must not stop a run of hours; its title is reported
                counts["failed_pages"] += 1
                if len(failed_titles) < 10:
                    failed_titles.append(title)
                continue
            counts["pages"] += 1
            for paragraph in paragraphs:
                tokens = len(paragraph.split())
                if max_tokens is not None and counts["tokens"] + tokens > max_tokens:
                    truncated = True
                    break
                sink.write(paragraph + "\n")
                counts["paragraphs"] += 1
                counts["tokens"] += tokens
            if truncated:
                break
    return {**counts, "lines": counts["paragraphs"], "failed_titles": failed_titles, "truncated": truncated,
            "max_tokens": max_tokens, "min_tokens": min_tokens}


# ---------------------------------------------------------------------------------------------------------------
# the builder

def _find_checksum(sums_path, db, date):
    """``(date, sha1)`` of the pages-articles dump listed in a sha1sums file, or ``None``."""
    wanted = re.compile(re.escape(db) + r"-(\d{8})-pages-articles\.xml\.bz2")
    with open(sums_path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            fields = line.split()
            if len(fields) != 2 or not re.fullmatch(r"[0-9a-fA-F]{40}", fields[0]):
                continue
            match = wanted.fullmatch(fields[1].lstrip("*"))
            if match and date in ("latest", match.group(1)):
                return match.group(1), fields[0].lower()
    return None


def build(name, out, *, get, progress=False, date="latest", max_tokens=None):
    """Write Wikipedia ``name`` (a language code) as plain text to ``out``, from its Wikimedia dump.

    Parameters
    ----------
    name : str
        Language code, e.g. ``'lv'``.
    out : str or path-like
        Where to write the text (one paragraph a line).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, which downloads (raising :class:`FetchError`).
    progress : bool
        Show the conversion's progress bar.
    date : str
        ``'latest'`` or a dump date ``YYYYMMDD``.
    max_tokens : int, optional
        Cap on the output's whitespace tokens (whole paragraphs).

    Returns
    -------
    dict
        :func:`wikipedia_to_text`'s counts plus ``upstream`` (URLs read), ``dump_url``, ``date`` (the
        dump's date, resolved from the checksum list for ``latest``), ``checksum`` (``'sha1:...'`` or
        ``None``) and, without one, ``checksum_note`` saying why.

    Raises
    ------
    ValueError
        Malformed language code or date.
    FetchError
        A download failed, the dated dump lists no articles file, or the dump does not convert.
    """
    db = _dbname(name)
    dump_url, sums_url = dump_urls(name, date)
    upstream = [sums_url]
    checksum = note = None
    resolved = date
    try:
        sums = get(sums_url)
    except FetchError as exc:
        note = f"no checksum: the checksum list could not be fetched ({exc})"
    else:
        found = _find_checksum(sums, db, date)
        if found is not None:
            resolved, sha1 = found
            checksum = f"sha1:{sha1}"
            # the dated file that the checksum describes, also when asked for 'latest'
            dump_url = dump_urls(name, resolved)[0]
        elif date != "latest":
            raise FetchError(f"wikipedia {name}: {sums_url} lists no {_dump_name(db, date)}: the dump of {date} is "
                             f"unfinished, failed or never ran; pick a finished one at {BASE_URL}/{db}/ or use "
                             "--date latest")
        else:
            note = f"no checksum: {sums_url} lists no {db} pages-articles dump"
    dump = get(dump_url, known_hash=checksum)
    upstream.append(dump_url)
    info = wikipedia_to_text(dump, out, max_tokens=max_tokens, progress=progress)
    info.update(upstream=upstream, dump_url=dump_url, date=resolved, checksum=checksum)
    if note:
        info["checksum_note"] = note
    return info
