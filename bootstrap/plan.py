"""The plan of ``offramp multi PLAN.toml``: the languages to train and align into one shared space around a
hub language, how each one links to the hub, and the options of each step.

:func:`read_plan` runs every check that reads no corpus, so a plan that cannot work fails before any
training; :func:`check_seeds` adds the one that needs vocabularies (a seed of strings alone needs strings
shared with the hub), which :func:`plan_vocabularies` counts without training. A :class:`PlanError` names
the plan file, the TOML key, its line and the fix. Relative paths are relative to the plan's folder.
"""
from __future__ import annotations

import difflib
import glob
import inspect
import os
import re
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

from .errors import InputsError
from .io.corpora import _has_ids
from .lexicon.seeds import identical_pairs, numeral_pairs, parse_mode

__all__ = ["PlanError", "LanguageSpec", "Plan", "read_plan", "resolve_corpora", "resolve_verses", "align_options",
           "pivot_route", "check_seeds", "plan_vocabularies", "ISO_639_1", "MIN_SHARED_STRINGS"]

#: The ISO 639-1 language codes; three lowercase letters are taken as an ISO 639-3 code.
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en
eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv
ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne
ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st
su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())
#: A language whose seed is made of strings alone needs at least this many strings shared with the hub.
MIN_SHARED_STRINGS = 20
TOP_KEYS = ("hub", "out", "cache", "random_state", "device", "pairs", "mirror", "train", "align", "joint",
            "languages", "gold")
LANGUAGE_KEYS = ("corpora", "vectors", "seed", "dictionary", "reverse", "pivot", "verses")
DEVICES = ("cpu", "cuda", "auto")
DEFAULT_HUB, DEFAULT_SEED = "en", "identical+numerals"
STRING_PARTS = frozenset({"identical", "cognates", "numerals"})
#: ``[align]`` options that set one part of a seed: they apply to the languages whose seed has that part.
SEED_PART_OPTIONS = {"identical_rank_ratio": "identical", "cognates": "cognates", "parallel_options": "parallel"}
#: ``align_embeddings``'s seed for a plan seed: a pivot's dictionaries are composed into one, verses are ``parallel``.
_ALIGN_SEED = {"pivot": "dictionary", "verses": "parallel"}
_SEED_HELP = ('seeds: "dictionary", "pivot", "verses", "unsupervised", or a \'+\'-join of dictionary, identical, '
              'cognates and numerals (e.g. "identical+numerals", "dictionary+identical")')
#: Keywords of the steps that the plan sets elsewhere: what to write instead (others: offramp multi sets them).
_ELSEWHERE = {
    "random_state": "set random_state at the top of the plan", "device": "set device at the top of the plan",
    "progress": "use the command's --no-progress", "seed": "set seed in each [languages.XX] table",
    "seed_dict": "give dictionary in the language's [languages.XX] table",
    "parallel": 'use seed = "verses" in the language\'s table', "init": 'use seed = "unsupervised" instead',
    "validation_dict": "put evaluation dictionaries in [gold]",
}
_SET_BY_MULTI = {"exclude_ids", "lang", "return_model", "prefix_len", "callback", "via", "via_options", *_ELSEWHERE}
_DATA_NAME = re.compile(r"([a-z][a-z0-9-]*):([^/\\]+)")
_HEADER = re.compile(r"\s*\[\[?\s*[\w\"']")
_KINDS = {"string": str, "integer": int, "boolean": bool, "table": dict, "list of strings": (list, tuple, str)}


class PlanError(InputsError):
    """A plan that cannot work (a usage error): ``path``, ``key`` (dotted TOML key, or a command-line option
    such as ``'--add'``), ``line`` (1-based, of the key or its table's header; None where unknown),
    ``message`` and ``fix``."""

    def __init__(self, path, key, line, message, fix=None):
        self.path, self.key, self.line, self.message, self.fix = str(path), key, line, message, fix
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}" + (f"; {fix}" if fix else ""))

    def __reduce__(self):  # survives pickling, e.g. from a worker's resolve_corpora
        return type(self), (self.path, self.key, self.line, self.message, self.fix)


@dataclass(frozen=True)
class LanguageSpec:
    """One ``[languages.XX]`` table: ``corpora`` (files, globs or ``KIND:NAME`` data names as written;
    :func:`resolve_corpora`) or ``vectors``; ``seed``, how it links to the hub (None for the hub); ``dictionary``
    with the hub's word first (the pivot's for ``seed = "pivot"``) unless ``reverse``; ``verses`` as written
    (empty: the corpora files with verse ids; :func:`resolve_verses`)."""

    code: str
    corpora: tuple
    vectors: Path | None
    seed: str | None
    dictionary: Path | None
    reverse: bool
    pivot: str | None
    verses: tuple


@dataclass(frozen=True)
class Plan:
    """A checked plan (:func:`read_plan`). ``languages`` maps codes to :class:`LanguageSpec`, the hub first;
    ``pairs`` are the ``(a, b)`` lexicons to write, ``gold`` maps ``(a, b)`` to a file with a's word first;
    ``train``, ``align`` and ``joint`` hold keywords of ``train_embeddings``, ``align_embeddings`` and
    ``JointAlignment``; ``joint_enabled`` is ``[joint] enabled``; ``mirror`` is a Path, an http(s) URL or None;
    ``add`` names the languages being added to an existing space."""

    path: Path
    hub: str
    languages: dict
    out: Path
    cache: Path
    random_state: int
    device: str
    mirror: Path | str | None
    pairs: tuple
    gold: dict
    train: dict
    align: dict
    joint: dict
    joint_enabled: bool = True
    add: tuple = ()

    def others(self):
        """The languages except the hub, in plan order."""
        return [code for code in self.languages if code != self.hub]


def _name(key):
    key = re.escape(key)
    return f"(?:{key}|\"{key}\"|'{key}')"


class _Source:
    """The plan file: finds a key's line in the raw text, and raises the PlanErrors that point there."""

    def __init__(self, path, text=None):
        self.path, self.base = Path(path), Path(path).parent
        try:
            self.lines = (self.path.read_text(encoding="utf-8") if text is None else text).splitlines()
        except (OSError, UnicodeDecodeError):
            self.lines = []

    def _header(self, table):
        pattern = re.compile(r"\s*\[\s*" + r"\s*\.\s*".join(map(_name, table)) + r"\s*[\].]")  # or a sub-table
        return next((i for i, line in enumerate(self.lines) if pattern.match(line)), None) if table else None

    def _key(self, table, key):
        start = self._header(table) if table else -1
        if start is None:
            return None
        pattern = re.compile(r"\s*" + _name(key) + r"\s*=")
        for i in range(start + 1, len(self.lines)):
            if _HEADER.match(self.lines[i]):
                break
            if pattern.match(self.lines[i]):
                return i
        return None

    def fail(self, keys, message, fix=None):
        """Raise a PlanError at ``keys[-1]`` in table ``keys[:-1]``, else at the header of ``keys`` or its table."""
        found = (self._key(keys[:-1], keys[-1]), self._header(keys), self._header(keys[:-1]))
        line = next((i + 1 for i in found if i is not None), None)
        raise PlanError(self.path, ".".join(keys), line, message, fix)

    def typed(self, keys, value, kind):
        """``value`` if it is a ``kind`` (a list of strings, or one string, comes back as a tuple)."""
        ok = isinstance(value, _KINDS[kind]) and not (kind == "integer" and isinstance(value, bool))
        if ok and kind == "list of strings":
            ok = isinstance(value, str) or all(isinstance(v, str) for v in value)
        if not ok:
            self.fail(keys, f"expected {'an' if kind == 'integer' else 'a'} {kind}, got {value!r}",
                      'strings need quotes, e.g. ["a.txt", "b.txt"]')
        return ((value,) if isinstance(value, str) else tuple(value)) if kind == "list of strings" else value

    def path_of(self, value):
        return self.base / Path(value).expanduser()

    def file(self, keys, value):
        path = self.path_of(self.typed(keys, value, "string"))
        if not path.is_file():
            self.fail(keys, f"no such file: {path}", f"relative paths are relative to the plan's folder {self.base}")
        return path

    def data_name(self, entry):
        """``(kind, name)`` of an ``offramp data`` name ``KIND:NAME`` (where no such file exists), else None."""
        match = _DATA_NAME.fullmatch(entry)
        return match.groups() if match and not self.path_of(entry).exists() else None

    def expand(self, keys, entry):
        """The files of a path or glob, sorted; a PlanError when there are none."""
        pattern = os.path.expanduser(entry)
        if not os.path.isabs(pattern):
            pattern = os.path.join(glob.escape(str(self.base)), pattern)
        hits = sorted(glob.glob(pattern, recursive=True))
        files = [Path(hit) for hit in hits if os.path.isfile(hit)]
        if not files:
            what = "names folders only" if hits else "matches no file" if re.search(r"[*?[]", entry) else "no such file"
            self.fail(keys, f"{entry!r} {what} ({pattern})", "give the files in it, e.g. 'folder/*.txt'" if hits else
                      f"relative paths are relative to the plan's folder {self.base}")
        return files

    def check_entry(self, keys, entry):
        """The files of a corpora or verses entry; a ``KIND:NAME`` is checked against the catalogue, not fetched."""
        if self.data_name(entry) is None:
            return self.expand(keys, entry)
        from .data import KNOWN_SOURCES

        kind, name = self.data_name(entry)
        names = KNOWN_SOURCES.get(kind, {}).get("names", ())
        if name not in names:
            close = difflib.get_close_matches(name, names, n=3)
            self.fail(keys, f"{entry!r} is not a known data name" if kind in KNOWN_SOURCES else
                      f"{entry!r}: unknown data kind {kind!r} (kinds: {', '.join(KNOWN_SOURCES)})",
                      (f"did you mean {' or '.join(close)}? " if close else "") + "`offramp data list` shows the "
                      "names; or give a file")
        return []


def _check_keys(src, table, valid, keys):
    for key in table:
        if key in _SET_BY_MULTI and key not in valid:
            src.fail(keys + (key,), f"{key} is not an option of a plan", _ELSEWHERE.get(key, "offramp multi sets it"))
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            src.fail(keys + (key,), f"unknown key {key!r}", (f"did you mean {close[0]!r}? " if close else "")
                     + f"valid keys: {', '.join(valid)}")


def _parts(seed):
    """A plan seed's parts: ``('pivot',)``, ``('verses',)``, ``('unsupervised',)`` or its '+'-joined ones."""
    return (seed,) if seed in ("pivot", "verses", "unsupervised") else tuple(seed.split("+"))


def _for_seed(options, mode):
    parts = parse_mode(mode)
    return {k: v for k, v in options.items() if k not in SEED_PART_OPTIONS or SEED_PART_OPTIONS[k] in parts}


def _read_language(src, code, table, hub):
    keys = ("languages", code)
    if code not in ISO_639_1 and not re.fullmatch("[a-z]{3}", code):
        low = code.lower()
        close = [low] if low in ISO_639_1 or re.fullmatch("[a-z]{3}", low) else \
            difflib.get_close_matches(low, sorted(ISO_639_1), n=3)
        src.fail(keys, f"{code!r} is not an ISO 639-1 (two letters) or ISO 639-3 (three lowercase letters) code",
                 f"did you mean {' or '.join(close)}?" if close else "write e.g. [languages.de]")
    src.typed(keys, table, "table")
    _check_keys(src, table, LANGUAGE_KEYS, keys)
    if ("corpora" in table) == ("vectors" in table):
        src.fail(keys, f"{code} has {'both' if 'corpora' in table else 'neither'} corpora and vectors",
                 'give exactly one: corpora = ["files", "globs", "KIND:NAME"] to train, or vectors = "FILE.vec"')
    corpora = src.typed(keys + ("corpora",), table.get("corpora", ()), "list of strings")
    if "corpora" in table and not corpora:
        src.fail(keys + ("corpora",), "no corpus given", 'list files, globs or data names, e.g. ["corpora/*.txt"]')
    for entry in corpora:
        src.check_entry(keys + ("corpora",), entry)
    seed = None
    for key in ("seed", "dictionary", "reverse", "pivot"):
        if code == hub and key in table:
            src.fail(keys + (key,), f"the hub {hub} has no {key}: the others link to it", "drop it, or choose "
                     "another hub (hub = ...)")
    if code != hub:
        seed = src.typed(keys + ("seed",), table.get("seed", DEFAULT_SEED), "string")
        try:
            ok = seed in ("pivot", "verses") or "parallel" not in parse_mode(seed, name="seed")
        except ValueError:
            ok = False
        if not ok:
            src.fail(keys + ("seed",), f"unknown seed {seed!r}", _SEED_HELP)
    uses_dictionary = seed is not None and (seed == "pivot" or "dictionary" in _parts(seed))
    if uses_dictionary and "dictionary" not in table:
        first = f"the pivot {table.get('pivot', 'XX')}" if seed == "pivot" else f"the hub {hub}"
        src.fail(keys + ("seed",), f'seed = "{seed}" needs a dictionary',
                 f'add dictionary = "FILE" ({first}\'s word first, {code}\'s second; reverse = true swaps)')
    if seed is not None and not uses_dictionary and "dictionary" in table:
        src.fail(keys + ("dictionary",), f'seed = "{seed}" does not use a dictionary',
                 'seed from it (seed = "dictionary" or "dictionary+identical"), or drop dictionary')
    if "reverse" in table and "dictionary" not in table:
        src.fail(keys + ("reverse",), "reverse turns a dictionary around, and none is given", "drop reverse")
    if seed is not None and (seed == "pivot") != ("pivot" in table):
        src.fail(keys + (("pivot",) if "pivot" in table else ("seed",)),
                 "a pivot needs seed = \"pivot\"" if "pivot" in table else 'seed = "pivot" needs a pivot',
                 'write seed = "pivot" with pivot = "XX", a plan language whose dictionaries reach the hub')
    if "verses" in table and seed not in (None, "verses"):
        src.fail(keys + ("verses",), f'verses are read only with seed = "verses"; the seed is {seed!r}',
                 'drop verses, or write seed = "verses"')
    return LanguageSpec(
        code=code, corpora=corpora, seed=seed,
        vectors=src.file(keys + ("vectors",), table["vectors"]) if "vectors" in table else None,
        dictionary=src.file(keys + ("dictionary",), table["dictionary"]) if "dictionary" in table else None,
        reverse=src.typed(keys + ("reverse",), table.get("reverse", False), "boolean"),
        pivot=src.typed(keys + ("pivot",), table["pivot"], "string") if "pivot" in table else None,
        verses=src.typed(keys + ("verses",), table.get("verses", ()), "list of strings"))


def _route(languages, hub, code):
    """``(route, problem)``: the languages from ``code`` along its pivots to the hub; ``problem`` is None,
    ``'cycle'`` (the route ends at a repeated language) or ``'no dictionary'`` (at a pivot seeded otherwise)."""
    route = [code]
    while route[-1] != hub:
        spec = languages[route[-1]]
        if spec.seed != "pivot":
            if len(route) > 1 and "dictionary" not in _parts(spec.seed):
                return route, "no dictionary"
            route.append(hub)
        elif spec.pivot in route:
            return route + [spec.pivot], "cycle"
        else:
            route.append(spec.pivot)
    return route, None


def _check_pivots(src, languages, hub):
    pivoted = [spec for spec in languages.values() if spec.seed == "pivot"]
    for spec in pivoted:
        keys = ("languages", spec.code, "pivot")
        if spec.pivot == spec.code:
            src.fail(keys, f"{spec.code} cannot be its own pivot", "name another plan language")
        if spec.pivot == hub:
            src.fail(keys, f"the pivot is the hub {hub}, so the dictionary links {spec.code} to it directly",
                     f'use seed = "dictionary" (the dictionary\'s {hub} words first) and drop pivot')
        if spec.pivot not in languages:
            src.fail(keys, f"the pivot {spec.pivot!r} is not a plan language",
                     f"add [languages.{spec.pivot}], or pivot through one of {', '.join(languages)}")
    for spec in pivoted:
        route, problem = _route(languages, hub, spec.code)
        if problem == "cycle":
            src.fail(("languages", spec.code, "pivot"), f"the pivots go round in a cycle: {' -> '.join(route)}",
                     f'give one of them a dictionary to the hub {hub} (seed = "dictionary")')
        if problem:
            last = languages[route[-1]]
            src.fail(("languages", spec.code, "pivot"), f"the route {' -> '.join(route)} never reaches the hub "
                     f"{hub}: {last.code} links to it by seed = \"{last.seed}\", with no dictionary to compose",
                     f'give {last.code} a dictionary to {hub} (seed = "dictionary"), or pivot through another language')


def _is_verse_file(path):
    return Path(path).parent.name == "bible" or _has_ids(path)


def _check_verses(src, languages, hub):
    """Each language seeded by verses, and then the hub, needs verse files (``ID<TAB>text``)."""
    users = [spec.code for spec in languages.values() if spec.seed == "verses"]
    for code in (users + [hub]) if users else ():
        spec, keys, found = languages[code], ("languages", code), []
        for entry in spec.verses:
            for path in src.check_entry(keys + ("verses",), entry):
                if not _is_verse_file(path):
                    src.fail(keys + ("verses",), f"{path} does not start with ID<TAB>text lines",
                             "give verse-aligned files (Bibles: Gen.1.1<TAB>text), as in corpora/bible/")
            found.append(entry)
        for entry in () if spec.verses else spec.corpora:
            data_name = src.data_name(entry)
            found += ([entry] if data_name[0] == "bible" else []) if data_name else \
                [p for p in src.expand(keys + ("corpora",), entry) if _is_verse_file(p)]
        if not found:
            why = 'its seed = "verses"' if code != hub else f"seed = \"verses\" of {', '.join(users)}"
            src.fail(keys + ("verses",), f"{code} has no verse files, which {why} needs",
                     f'add verses = ["corpora/bible/{code}.*.tsv"] (ID<TAB>text files, e.g. Bibles) to '
                     f"[languages.{code}], or a Bible among its corpora")


def _pair(src, keys, text, languages):
    match = re.fullmatch(r"([a-z]{2,3})-([a-z]{2,3})", text)
    if match is None:
        src.fail(keys, f'expected "a-b" with two language codes, got {text!r}', 'write e.g. "de-es"')
    a, b = match.groups()
    if a == b:
        src.fail(keys, f"{text!r} pairs {a} with itself", "name two different plan languages")
    for code in (a, b):
        if code not in languages:
            src.fail(keys, f"{code} in {text!r} is not a plan language",
                     f"add [languages.{code}], or use languages of the plan: {', '.join(languages)}")
    return a, b


def _option_tables(src, doc, languages, hub):
    """``[train]``, ``[align]`` and ``[joint]``: their keys, and ``[align]`` through ``check_options``."""
    from ..alignment import SelfLearning
    from ..alignment.multilingual import JointAlignment
    from .align import align_embeddings, check_options
    from .training import train_embeddings

    def keywords(*funcs):
        params = [(k, p) for func in funcs for k, p in inspect.signature(func).parameters.items()]
        return list(dict.fromkeys(k for k, p in params if p.kind is p.KEYWORD_ONLY and k not in _SET_BY_MULTI))

    valid = {"train": keywords(train_embeddings), "align": keywords(align_embeddings, SelfLearning),
             "joint": ["enabled", *keywords(JointAlignment)]}
    tables = {name: dict(src.typed((name,), doc.get(name, {}), "table")) for name in valid}
    for name, table in tables.items():
        _check_keys(src, table, valid[name], (name,))
    joint_enabled = src.typed(("joint", "enabled"), tables["joint"].pop("enabled", True), "boolean")
    modes = {}
    for spec in languages.values():
        if spec.code != hub:
            modes.setdefault(_ALIGN_SEED.get(spec.seed, spec.seed), []).append(spec.code)
    for key, part in SEED_PART_OPTIONS.items():
        if key in tables["align"] and not any(part in parse_mode(mode) for mode in modes):
            src.fail(("align", key), f"{key} sets the {part!r} seed, and no language's seed has that part",
                     f"drop {key}, or give a language a seed with {'verses' if part == 'parallel' else part}")
    for mode, codes in modes.items():
        parts = parse_mode(mode)
        try:
            check_options(seed=mode, seed_dict="dictionary" if "dictionary" in parts else None,
                          parallel=((), ()) if "parallel" in parts else None, **_for_seed(tables["align"], mode))
        except (ValueError, TypeError) as exc:
            src.fail(("align",), f"for {', '.join(codes)} (seed {mode!r}): {exc}",
                     "change or drop that option: [align] applies to every language")
    return tables["train"], tables["align"], tables["joint"], joint_enabled


def _folder(src, doc, key, given, default):
    """The folder ``key``: the command's option, else the plan's, else ``default``; a mirror may be a URL."""
    keys, given = ((f"--{key}",), str(given)) if given is not None else ((key,), doc.get(key))
    if given is not None and re.match(r"https?://", src.typed(keys, given, "string")) and key == "mirror":
        return given
    path = default if given is None else Path(given).expanduser().absolute() if keys[0][0] == "-" else \
        src.path_of(given)
    if path.exists() and not path.is_dir() or key == "mirror" and not path.is_dir():
        src.fail(keys, f"{path} is not a folder", "give a folder laid out like shared/data, or an http(s):// URL of "
                 "one" if key == "mirror" else f"the {key} folder goes there; name a folder")
    return path


def read_plan(path, *, out=None, cache=None, mirror=None, add=()):
    """Read a plan file into a :class:`Plan`, running every check that reads no corpus (a :class:`PlanError`).

    ``out``, ``cache`` and ``mirror`` override the plan's (the command's options, relative to the working
    directory); ``add`` names the languages being added to an existing space.
    """
    path = Path(path).expanduser().absolute()
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(path, None, None, f"cannot read the plan: {exc}", "give a UTF-8 TOML file") from None
    src = _Source(path, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"at line (\d+), column \d+", str(exc))
        raise PlanError(path, None, int(where.group(1)) if where else None, f"not valid TOML: {exc}",
                        "fix the syntax there: strings in quotes, [table] headers, each key once") from None
    _check_keys(src, doc, TOP_KEYS, ())
    hub = src.typed(("hub",), doc.get("hub", DEFAULT_HUB), "string")
    tables = src.typed(("languages",), doc.get("languages", {}), "table")
    if len(tables) < 2:
        src.fail(("languages",), "a plan needs the hub and at least one other language",
                 "add a [languages.XX] table for each language to align")
    if hub not in tables:
        src.fail(("hub",) if "hub" in doc else ("languages",), f"the hub {hub!r}{'' if 'hub' in doc else ' (default)'}"
                 " is not a plan language", f"add [languages.{hub}], or set hub to one of: {', '.join(tables)}")
    languages = {code: _read_language(src, code, tables[code], hub) for code in [hub, *(c for c in tables if c != hub)]}
    _check_pivots(src, languages, hub)
    _check_verses(src, languages, hub)
    gold = {}
    for name, value in src.typed(("gold",), doc.get("gold", {}), "table").items():
        gold[_pair(src, ("gold", name), name, languages)] = src.file(("gold", name), value)
    pairs = list(dict.fromkeys(p for a, b in gold for p in ((a, b), (b, a))))
    if "pairs" in doc:
        pairs = [_pair(src, ("pairs",), text, languages) for text in src.typed(("pairs",), doc["pairs"],
                                                                               "list of strings")]
        twice = sorted({f"{a}-{b}" for a, b in pairs if pairs.count((a, b)) > 1})
        if twice:
            src.fail(("pairs",), f"{', '.join(twice)} listed twice", "list each pair once")
    train, align, joint, joint_enabled = _option_tables(src, doc, languages, hub)
    device = src.typed(("device",), doc.get("device", "cpu"), "string")
    if device not in DEVICES:
        src.fail(("device",), f"expected one of {DEVICES}, got {device!r}", 'write device = "cpu", "cuda" or "auto"')
    add = (add,) if isinstance(add, str) else tuple(add)
    for code in add:
        if code not in languages or code == hub:
            src.fail(("--add",), f"{code!r} is {'the hub' if code == hub else 'not a plan language'}",
                     f"add plan languages other than the hub {hub}: {', '.join(languages)}")
    if mirror is not None or "mirror" in doc:
        mirror = _folder(src, doc, "mirror", mirror, None)
    out = _folder(src, doc, "out", out, path.parent / f"{path.stem}-out")
    cache = _folder(src, doc, "cache", cache, out / "cache")
    return Plan(path=path, hub=hub, languages=languages, out=out, cache=cache,
                random_state=src.typed(("random_state",), doc.get("random_state", 0), "integer"), device=device,
                mirror=mirror, pairs=tuple(pairs), gold=gold, train=train, align=align, joint=joint,
                joint_enabled=joint_enabled, add=add)


def _resolve(plan, keys, entries):
    from .data import fetch

    src, paths = _Source(plan.path), []
    for entry in entries:
        data_name = src.data_name(entry)
        try:
            found = src.expand(keys, entry) if data_name is None else \
                [fetch(*data_name, mirror=plan.mirror or os.environ.get("OFFRAMP_MIRROR"), progress=False)]
        except (OSError, ValueError) as exc:
            if isinstance(exc, PlanError):
                raise
            src.fail(keys, f"could not fetch {entry!r}: {exc}", "set mirror = DIR in the plan (or --mirror, or "
                     "OFFRAMP_MIRROR), or give a file")
        paths += [path for path in found if path not in paths]
    return paths


def resolve_corpora(plan, code):
    """A language's corpus files: globs expanded (sorted), ``KIND:NAME`` entries fetched with
    :func:`bootstrap.data.fetch` (from ``plan.mirror``, else ``$OFFRAMP_MIRROR``, else downloaded); each file
    once, in the order of the entries; empty for a language given as vectors. Returns a list of Path."""
    return _resolve(plan, ("languages", code, "corpora"), plan.languages[code].corpora)


def resolve_verses(plan, code):
    """A language's verse files (``ID<TAB>text``): its ``verses``, else those of its corpora that lie in a
    folder named ``bible`` or start with verse ids. Returns a list of Path."""
    spec = plan.languages[code]
    if spec.verses:
        return _resolve(plan, ("languages", code, "verses"), spec.verses)
    return [path for path in resolve_corpora(plan, code) if _is_verse_file(path)]


def align_options(plan, code):
    """Keywords of ``align_embeddings`` for a language's hub step: ``seed`` (``'dictionary'`` for a pivot, whose
    dictionaries are composed; ``'parallel'`` for verses) and the ``[align]`` options, less those of
    :data:`SEED_PART_OPTIONS` whose part the seed lacks. The caller adds ``seed_dict`` or ``parallel``."""
    if code == plan.hub:
        raise ValueError(f"the hub {code} has no hub step; pass one of {', '.join(plan.others())}")
    mode = _ALIGN_SEED.get(plan.languages[code].seed, plan.languages[code].seed)
    return {"seed": mode, **_for_seed(plan.align, mode)}


def pivot_route(plan, code):
    """The languages whose dictionaries compose a language's seed, from it to the hub: ``['et', 'fi', 'en']``
    for et pivoted through fi, which has a dictionary to the hub en; ``[code, hub]`` for a language linked to
    the hub directly; ``[hub]`` for the hub."""
    if code not in plan.languages:
        raise ValueError(f"{code!r} is not a plan language; the plan's: {', '.join(plan.languages)}")
    route, problem = _route(plan.languages, plan.hub, code)
    if problem:  # read_plan refuses such plans
        raise ValueError(f"the route {' -> '.join(route)} does not reach the hub {plan.hub} ({problem})")
    return route


def check_seeds(plan, vocabularies):
    """Refuse (:class:`PlanError`) a seed of strings alone (identical, cognates, numerals) for a language that
    shares fewer than :data:`MIN_SHARED_STRINGS` strings with the hub (another script, say).

    ``vocabularies`` maps each code to its words, most frequent first (:func:`plan_vocabularies`). Returns,
    for each language but the hub, the strings it shares with the hub: numerals for ``seed = "numerals"``, else
    identical strings (within ``[align] identical_rank_ratio`` for seeds with ``identical``).
    """
    missing = [code for code in plan.languages if code not in vocabularies]
    if missing:
        raise ValueError(f"vocabularies has no words for {', '.join(missing)}; pass plan_vocabularies(plan)")
    hub_words, counts = list(vocabularies[plan.hub]), {}
    for code in plan.others():
        parts, words = _parts(plan.languages[code].seed), list(vocabularies[code])
        ratio = plan.align.get("identical_rank_ratio") if "identical" in parts else None
        pairs = numeral_pairs(words, hub_words) if parts == ("numerals",) else \
            identical_pairs(words, hub_words, max_rank_ratio=ratio)
        counts[code] = len(pairs)
    short = [c for c, n in counts.items() if set(_parts(plan.languages[c].seed)) <= STRING_PARTS
             and n < MIN_SHARED_STRINGS]
    if short:
        code, hub = short[0], plan.hub
        _Source(plan.path).fail(
            ("languages", code, "seed"), f"a seed of strings alone needs at least {MIN_SHARED_STRINGS} strings "
            f"shared with the hub {hub}; " + ", ".join(f"{c} (seed {plan.languages[c].seed!r}) shares {counts[c]}"
                                                       for c in short),
            f'give {code} a dictionary (seed = "dictionary", dictionary = "{hub}-{code}.txt"), verse-aligned text '
            f'shared with {hub} (seed = "verses"), a pivot through another plan language (seed = "pivot", '
            f'pivot = "XX", dictionary = "XX-{code}.txt"), or no seed at all (seed = "unsupervised")')
    return counts


def plan_vocabularies(plan, *, max_words=50000):
    """Each language's words (at most ``max_words``), most frequent first, without training: the corpus words
    that training keeps (``[train]`` ``min_count``, ``lowercase``, ``max_lines``), or the vectors file's first."""
    from .io.corpora import Corpus
    from .io.embeddings import load_embeddings
    from .training import DEFAULTS

    min_count, vocabularies = plan.train.get("min_count", DEFAULTS["min_count"]), {}
    for code, spec in plan.languages.items():
        if spec.vectors is not None:
            vocabularies[code] = list(load_embeddings(spec.vectors, max_vocab=max_words, progress=False).index_to_key)
            continue
        corpus = Corpus(resolve_corpora(plan, code), lang=code, lowercase=plan.train.get("lowercase", True),
                        max_lines=plan.train.get("max_lines"))
        vocabularies[code] = [word for word, n in corpus.count_words().most_common(max_words) if n >= min_count]
    return vocabularies
