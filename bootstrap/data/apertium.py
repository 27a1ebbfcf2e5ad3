"""Apertium bilingual dictionaries as ``xx<TAB>en`` word pairs (note the order: the other language first).

Each Apertium language pair lives in its own GitHub repository (:data:`PAIRS`: ``apertium-eu-en``,
``apertium-cym-eng``, ``apertium-isl-eng``) with its bilingual dictionary, the bidix
``apertium-A-B.A-B.dix``: XML whose ``<section>`` elements hold ``<e>`` entries, each a pair
``<p><l>left</l><r>right</r></p>`` or an identity ``<i>word</i>``. Inside a side, ``<b/>`` is a space,
``<s n="..."/>`` a tag (dropped), ``<g>`` the invariable part of a multiword.

:func:`build` takes each entry's first ``<p>`` or ``<i>`` (later parts only follow a ``<re>`` regular
expression or a paradigm), keeps entries of both directions (``r="LR"``, ``r="RL"`` and none),
lowercases both sides, and keeps the pairs whose sides are single tokens (proper nouns included,
multiwords and sides with a ``<g>`` or a stray ``<b/>`` not), sorted and distinct, as the shared data
directory does. Paradigm definitions (``<pardefs>``) are not entries and are not read.

By default the bidix is read at the commit pinned in :data:`PAIRS` and checked against its sha256;
``revision='main'`` (or another branch or commit) reads another one, unchecked.
"""
import collections
import xml.etree.ElementTree as ET

from ._errors import FetchError
from ._pairs import single_token, write_pairs

__all__ = ["RAW_URL", "Pair", "PAIRS", "pair_source", "urls", "side_text", "bidix_pairs", "build"]

#: A file of a GitHub repository at a revision.
RAW_URL = "https://raw.githubusercontent.com/{repository}/{revision}/{path}"

#: Where a language pair's bidix lives: repository, path in it, its default branch, the commit read by
#: default and the bidix's sha256 there. The left side of each of these is the non-English language.
Pair = collections.namedtuple("Pair", "repository path branch revision sha256")

#: The catalogue's pairs (``XX-en``).
PAIRS = {
    "cy-en": Pair("apertium/apertium-cym-eng", "apertium-cym-eng.cym-eng.dix", "master",
                  "bdca19719b5d78e15a28fa27497f7f928cb7bf7b",
                  "bbf5f2b5c2a0228c0fa4b55247dffe63eff46cc8ec5038f8147a428b3de2f1b2"),
    "eu-en": Pair("apertium/apertium-eu-en", "apertium-eu-en.eu-en.dix", "main",
                  "a5d8b291ed68ccea821a7f1f16809e80bfef07ca",
                  "a1e0b8bf95a3ba4015a752f02f82aca7de12f03e568b4b5e0f93ebbbb33dc530"),
    "is-en": Pair("apertium/apertium-isl-eng", "apertium-isl-eng.isl-eng.dix", "main",
                  "db24b4ed2c5684354146f7dfee25c5bb6ac9c1c9",
                  "6721f3e3846cb25d2f7ed55adb32e0db93f081fe942c7352a2c62409db1845dc"),
}

# What a side's inline elements stand for: <b/> a blank, <s/> a tag; the others (<j/> a join, <a/>
# a post-generation mark, <g> a group...) stand for something no single word has.
_INLINE = {"b": " ", "s": ""}


def pair_source(name, *, revision=None, repository=None, path=None):
    """``(url, known_hash)`` of the bidix of pair ``name``: the pinned commit and its sha256 by default;
    with another ``revision``, ``repository`` or ``path``, that file, unchecked."""
    pair = PAIRS.get(name)
    if pair is None and (repository is None or path is None):
        raise FetchError(f"apertium {name!r}: not a pair offramp knows ({', '.join(sorted(PAIRS))}); for another "
                         "one pass repository='apertium/apertium-xxx-eng' and path='apertium-xxx-eng.xxx-eng.dix' "
                         "(and revision=, a branch or commit), with the non-English language on the left")
    if pair is None:
        pair = Pair(repository, path, "master", None, None)
    else:
        pair = pair._replace(repository=repository or pair.repository, path=path or pair.path)
    rev = revision or pair.revision or pair.branch
    pinned = repository is None and path is None and rev == pair.revision
    url = RAW_URL.format(repository=pair.repository, revision=rev, path=pair.path)
    return url, (f"sha256:{pair.sha256}" if pinned and pair.sha256 else None)


def urls(name, *, revision=None, repository=None, path=None):
    """The bidix of pair ``name``, as a one-item list."""
    return [pair_source(name, revision=revision, repository=repository, path=path)[0]]


def side_text(element):
    """The text of one side (``<l>``, ``<r>`` or ``<i>``): ``<b/>`` a space, ``<s/>`` tags dropped, any other
    element (``<g>`` groups, ``<j/>``...) marked with ``#`` so that the side is no single token."""
    parts = [element.text or ""]
    for child in element:
        if child.tag in _INLINE:
            parts.append(_INLINE[child.tag])
        else:
            parts.append("#" + side_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def bidix_pairs(root):
    """The single-token ``(left, right)`` pairs of a parsed bidix ``root``, lowercased.

    Returns
    -------
    pairs : set of (str, str)
    counts : dict
        ``entries`` read, ``not_single`` (a side is not one token), ``no_pair`` (neither ``<p>`` nor
        ``<i>``).
    """
    pairs, counts = set(), {"entries": 0, "not_single": 0, "no_pair": 0}
    for section in root.iter("section"):
        for entry in section.iter("e"):
            counts["entries"] += 1
            first = next((child for child in entry if child.tag in ("p", "i")), None)
            if first is None:
                counts["no_pair"] += 1
                continue
            if first.tag == "i":
                left = right = side_text(first)
            else:
                left_el, right_el = first.find("l"), first.find("r")
                if left_el is None or right_el is None:
                    counts["no_pair"] += 1
                    continue
                left, right = side_text(left_el), side_text(right_el)
            # no stripping: a side that ends in <b/> is part of a longer expression
            left, right = left.lower(), right.lower()
            if single_token(left) and single_token(right):
                pairs.add((left, right))
            else:
                counts["not_single"] += 1
    return pairs, counts


def build(name, out, *, get, progress=False, revision=None, repository=None, path=None):
    """Write the Apertium dictionary of pair ``name`` (``'eu-en'``) to ``out`` as ``xx<TAB>en`` pairs.

    Parameters
    ----------
    name : str
        ``XX-en``, a key of :data:`PAIRS` (or any name, with ``repository`` and ``path``).
    out : path-like
        Where the pairs go (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Unused: the bidix is read in one pass.
    revision : str, optional
        Branch or commit to read instead of the pinned commit (then unchecked).
    repository, path : str, optional
        Another repository (``owner/name``) or bidix path, for pairs offramp does not list.

    Returns
    -------
    dict
        ``upstream``, ``lines``, ``entries``, ``not_single``, ``no_pair``.

    Raises
    ------
    FetchError
        An unknown pair, XML that does not parse, or a file that is not an Apertium dictionary.
    """
    url, checksum = pair_source(name, revision=revision, repository=repository, path=path)
    local = get(url, known_hash=checksum)
    try:
        root = ET.parse(local).getroot()
    except ET.ParseError as exc:
        raise FetchError(f"{local} (from {url}), line {exc.position[0]}: not well-formed XML ({exc}); fetch it "
                         "again with force=True, or check the repository and path") from None
    if root.tag != "dictionary" or root.find("section") is None:
        raise FetchError(f"{local} (from {url}) is not an Apertium dictionary (<dictionary> with <section>s); "
                         "check the repository and path")
    pairs, counts = bidix_pairs(root)
    lines = write_pairs(pairs, out)
    return {"upstream": [url], "lines": lines, **counts}
